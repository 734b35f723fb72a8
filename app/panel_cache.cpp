#include "app/panel_cache.hpp"

#include <backends/imgui_impl_opengl3.h>
#include <glad/gl.h>
#include <imgui.h>

#include "app/decor.hpp"
#include "app/fnv.hpp"
#include "render/gl.hpp"

namespace rtv::app {

namespace {

// Copies the kept raster pixel for pixel: a quad over the viewport reading its texel. (On
// llvmpipe glBlitFramebuffer of a 470x800 panel took 2.7 ms a frame; this quad about as long as
// a flat fill.)
const char* kCopyFragment = R"(#version 330 core
uniform sampler2D u_panel;
out vec4 o_color;
void main() { o_color = texelFetch(u_panel, ivec2(gl_FragCoord.xy), 0); }
)";

} // namespace

std::uint64_t draw_list_hash(const ImDrawList& list) {
    Fnv h;
    h.bytes(list.VtxBuffer.Data, std::size_t(list.VtxBuffer.Size) * sizeof(ImDrawVert));
    h.bytes(list.IdxBuffer.Data, std::size_t(list.IdxBuffer.Size) * sizeof(ImDrawIdx));
    for (const ImDrawCmd& c : list.CmdBuffer) {
        const std::uintptr_t texture = reinterpret_cast<std::uintptr_t>(c.TextureId);
        const std::uintptr_t callback = reinterpret_cast<std::uintptr_t>(c.UserCallback);
        const unsigned int counts[3] = {c.VtxOffset, c.IdxOffset, c.ElemCount};
        h.add(c.ClipRect).add(texture).add(callback).add(counts);
    }
    return h.h;
}

PanelCache::~PanelCache() {
    if (m_fbo) glDeleteFramebuffers(1, &m_fbo);
    if (m_texture) glDeleteTextures(1, &m_texture);
    if (m_vao) glDeleteVertexArrays(1, &m_vao);
}

bool PanelCache::ensure_target(int width, int height) {
    if (m_fbo && width == m_width && height == m_height) return true;
    if (!m_copy.gl_name()) {
        if (!m_copy.build("panel copy", render::kViewportQuadVertex, kCopyFragment)) return false;
        m_u_panel = m_copy.uniform("u_panel");
        glGenVertexArrays(1, &m_vao);
    }
    if (m_fbo) glDeleteFramebuffers(1, &m_fbo);
    if (m_texture) glDeleteTextures(1, &m_texture);
    m_fbo = m_texture = 0;
    m_valid = false;
    glGenTextures(1, &m_texture);
    glBindTexture(GL_TEXTURE_2D, m_texture);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
    glGenFramebuffers(1, &m_fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, m_fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, m_texture, 0);
    const bool complete = glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    if (!complete || glGetError() != GL_NO_ERROR) {
        glDeleteFramebuffers(1, &m_fbo);
        glDeleteTextures(1, &m_texture);
        m_fbo = m_texture = 0;
        return false;
    }
    m_width = width;
    m_height = height;
    return true;
}

void PanelCache::draw(ImDrawData* data, const ImDrawList* panel, render::Viewport rect,
                      render::Rgb background, int fb_width, int fb_height) {
    if (!data || data->CmdListsCount == 0) return;
    int at = -1;
    for (int i = 0; panel && i < data->CmdListsCount; ++i)
        if (data->CmdLists[i] == panel) at = i;
    if (at < 0) {
        ImGui_ImplOpenGL3_RenderDrawData(data);
        return;
    }
    render_lists(*data, 0, at);
    draw_panel(*data, panel, rect, background, fb_width, fb_height);
    render_lists(*data, at + 1, data->CmdListsCount);
}

void PanelCache::draw_panel(const ImDrawData& data, const ImDrawList* panel, render::Viewport rect,
                            render::Rgb background, int fb_width, int fb_height) {
    int at = -1;
    for (int i = 0; i < data.CmdListsCount; ++i)
        if (data.CmdLists[i] == panel) at = i;
    if (at < 0) return;
    // The panel texture spans the framebuffer's left edge to the panel's right edge, full
    // height: ImGui's projection (the whole framebuffer) then maps into it unchanged, and what
    // falls right of it is clipped away.
    const int tex_w = rect.x + rect.width, tex_h = fb_height;
    if (rect.x != 0 || rect.y != 0 || rect.height != fb_height || tex_w > fb_width || tex_w <= 0 ||
        !ensure_target(tex_w, tex_h)) { // drawn live: its background is ours to give
        glEnable(GL_SCISSOR_TEST);
        glScissor(rect.x, rect.y, rect.width, rect.height);
        render::set_clear_color(background.r, background.g, background.b);
        glClear(GL_COLOR_BUFFER_BIT);
        glDisable(GL_SCISSOR_TEST);
        render_lists(data, at, at + 1);
        return;
    }
    Fnv f;
    f.add(draw_list_hash(*panel)).add(rect).add(background).add(fb_width);
    const std::uint64_t h = f.h;
    if (!m_valid || h != m_hash) {
        glBindFramebuffer(GL_FRAMEBUFFER, m_fbo);
        glDisable(GL_SCISSOR_TEST);
        render::set_clear_color(background.r, background.g, background.b);
        glClear(GL_COLOR_BUFFER_BIT);
        render_lists(data, at, at + 1); // sets its own viewport: the whole framebuffer
        glBindFramebuffer(GL_FRAMEBUFFER, 0);
        m_hash = h;
        m_valid = true;
        ++m_rasterised;
    } else {
        ++m_reused;
    }
    glDisable(GL_SCISSOR_TEST);
    glDisable(GL_BLEND);
    glViewport(0, 0, tex_w, tex_h);
    glUseProgram(m_copy.gl_name());
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, m_texture);
    glUniform1i(m_u_panel, 0);
    glBindVertexArray(m_vao);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    glBindVertexArray(0);
    glUseProgram(0); // nothing keeps a name that may be deleted while current
    glViewport(0, 0, fb_width, fb_height);
}

} // namespace rtv::app
