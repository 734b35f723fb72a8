#include "render/renderer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <glad/gl.h>

#include "render/gl.hpp"
#include "render/screen_image.hpp"

namespace rtv::render {

namespace {

const char* kImageVertex = R"(#version 330 core
uniform vec4 u_xform; // data -> ndc: scale.xy, offset.zw
uniform vec4 u_place; // where the image lies in data units: corner x, y, then width, height
out vec2 v_uv;
void main() {
    // A quad from the vertex id alone: (0,0) (1,0) (0,1) (1,1) as a triangle strip.
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
    v_uv = corner;
    vec2 p = u_place.xy + corner * u_place.zw; // corner (0,0) is row 0, column 0
    gl_Position = vec4(p * u_xform.xy + u_xform.zw, 0.0, 1.0);
}
)";

// The mono image shader's body, after a line that defines SAMPLER (sampler2D, usampler2D or
// isampler2D: the texture's own sample type, read in raw units).
const char* kMonoFragment = R"(
uniform SAMPLER u_image;
uniform sampler2D u_cmap;
uniform int u_row;      // the colormap's row in the lookup texture
uniform vec2 u_size;    // image width, height in pixels
uniform vec2 u_clim;    // lo, 1 / (hi - lo)
uniform vec4 u_bad;     // colour of NaN and Inf pixels
uniform float u_opacity;
in vec2 v_uv;
out vec4 o_color;
void main() {
    // texelFetch: the exact pixel, without the filtering and wrapping texture() computes (cheaper
    // on software rasterisers such as llvmpipe). No branches: llvmpipe shades 8 or 16 pixels at
    // once, and a select costs less than a divergent return.
    ivec2 size = ivec2(u_size);
    float v = float(texelFetch(u_image, min(ivec2(v_uv * u_size), size - 1), 0).r);
    bool bad = isnan(v) || isinf(v);
    // u_clim: lo and 1 / (hi - lo) (0 when hi <= lo: everything above lo is at the top).
    float t = u_clim.y > 0.0 ? clamp((v - u_clim.x) * u_clim.y, 0.0, 1.0) : float(v > u_clim.x);
    // Entry round(t * 255); a bad pixel reads entry 0 and is replaced.
    vec3 c = texelFetch(u_cmap, ivec2(bad ? 0 : int(t * 255.0 + 0.5), u_row), 0).rgb;
    o_color = bad ? vec4(u_bad.rgb, u_bad.a * u_opacity) : vec4(c, u_opacity);
}
)";

// RGB and RGBA images, drawn as they are: normalised textures read 0..1, float ones are clamped
// to 0..1; alpha (1 for RGB) multiplies the layer's opacity. A NaN or Inf sample: bad colour.
const char* kColorFragment = R"(#version 330 core
uniform sampler2D u_image;
uniform vec2 u_size;
uniform vec4 u_bad;
uniform float u_opacity;
in vec2 v_uv;
out vec4 o_color;
void main() {
    ivec2 size = ivec2(u_size);
    vec4 c = texelFetch(u_image, min(ivec2(v_uv * u_size), size - 1), 0);
    bool bad = any(isnan(c)) || any(isinf(c));
    c = clamp(c, 0.0, 1.0);
    o_color = bad ? vec4(u_bad.rgb, u_bad.a * u_opacity) : vec4(c.rgb, c.a * u_opacity);
}
)";

// An image drawn at screen resolution (screen_image.hpp): the corner of its texture that holds
// the picture (u_used: that corner's share of the texture) covers the viewport one texel a
// pixel. A plain texture() of an interpolated coordinate, so that llvmpipe draws it on its
// linear path (a copy, in effect).
const char* kScreenVertex = R"(#version 330 core
uniform vec2 u_used;
out vec2 v_uv;
void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
    v_uv = corner * u_used;
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
)";

const char* kScreenFragment = R"(#version 330 core
uniform sampler2D u_image;
in vec2 v_uv;
out vec4 o_color;
void main() { o_color = texture(u_image, v_uv); }
)";

const char* kLineVertex = R"(#version 330 core
layout(location = 0) in vec2 a_pos;
uniform vec4 u_xform;
void main() { gl_Position = vec4(a_pos * u_xform.xy + u_xform.zw, 0.0, 1.0); }
)";

const char* kLineFragment = R"(#version 330 core
uniform vec4 u_color;
out vec4 o_color;
void main() { o_color = u_color; }
)";

void set_xform(int location, const Camera& camera) {
    float sx = 0, sy = 0, ox = 0, oy = 0;
    camera.ndc_transform(sx, sy, ox, oy);
    glUniform4f(location, sx, sy, ox, oy);
}

} // namespace

Renderer::~Renderer() {
    // None of its programs stays current once deleted: a later glUseProgram of that name (ImGui's
    // backend restores the program it found) would be GL_INVALID_VALUE.
    if (m_colormaps || m_empty_vao) glUseProgram(0);
    if (m_colormaps) glDeleteTextures(1, &m_colormaps);
    if (m_empty_vao) glDeleteVertexArrays(1, &m_empty_vao);
}

Status Renderer::init() {
    const std::string mono = kMonoFragment;
    const std::array<std::string, kImageShadings> fragments{
        "#version 330 core\n#define SAMPLER sampler2D\n" + mono,
        "#version 330 core\n#define SAMPLER usampler2D\n" + mono,
        "#version 330 core\n#define SAMPLER isampler2D\n" + mono, kColorFragment};
    static constexpr std::array<const char*, kImageShadings> kNames{
        "image shader (float32)", "image shader (unsigned)", "image shader (signed)",
        "image shader (colour)"};
    for (std::size_t i = 0; i < kImageShadings; ++i) {
        ImageProgram& p = m_image[i];
        if (Status s = p.program.build(kNames[i], kImageVertex, fragments[i].c_str()); !s) return s;
        p.xform = p.program.uniform("u_xform");
        p.size = p.program.uniform("u_size");
        p.place = p.program.uniform("u_place");
        p.image = p.program.uniform("u_image");
        p.cmap = p.program.uniform("u_cmap");
        p.row = p.program.uniform("u_row");
        p.clim = p.program.uniform("u_clim");
        p.bad = p.program.uniform("u_bad");
        p.opacity = p.program.uniform("u_opacity");
    }
    if (Status s = m_line_program.build("line shader", kLineVertex, kLineFragment); !s) return s;
    if (Status s = m_screen_program.build("screen image shader", kScreenVertex, kScreenFragment);
        !s)
        return s;
    m_u_screen_image = m_screen_program.uniform("u_image");
    m_u_screen_used = m_screen_program.uniform("u_used");
    m_u_line_xform = m_line_program.uniform("u_xform");
    m_u_line_color = m_line_program.uniform("u_color");

    // Every colormap as one row of RGBA8 texels (rgba8: red in the first byte in memory), kept
    // as words too, for images drawn at screen resolution on the CPU.
    m_tables.resize(kColormapSize * kColormapCount);
    for (std::size_t m = 0; m < kColormapCount; ++m)
        for (std::size_t i = 0; i < kColormapSize; ++i) {
            const Rgb c = colormap_entry(static_cast<Colormap>(m), i);
            m_tables[m * kColormapSize + i] = rgba8(c.r, c.g, c.b);
        }
    m_colormaps = create_data_texture();
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, static_cast<GLsizei>(kColormapSize),
                 static_cast<GLsizei>(kColormapCount), 0, GL_RGBA, GL_UNSIGNED_BYTE,
                 m_tables.data());
    glGenVertexArrays(1, &m_empty_vao);
    return check_gl("renderer init");
}

void Renderer::warm_up() {
    const Viewport corner{0, 0, 4, 4};
    Camera camera;
    camera.set_range({0.0, 0.0, 1.0, 1.0});
    // llvmpipe compiles a shading variant per texture state, and a power-of-two size is part of
    // that state: both kinds are drawn, so that neither a 512x512 nor an 800x600 image compiles
    // in a frame with data.
    const std::uint32_t sizes[] = {1, 3};
    const float f32[9] = {0.5f};
    const std::uint16_t u16[9] = {7};
    const std::int16_t i16[9] = {-7};
    const std::uint8_t rgba[36] = {1, 2, 3, 4};
    const PixelFormat formats[] = {
        {1, SampleType::F32}, {1, SampleType::U16}, {1, SampleType::I16}, {4, SampleType::U8}};
    const void* pixels[] = {f32, u16, i16, rgba};
    for (const std::uint32_t size : sizes) {
        for (std::size_t i = 0; i < std::size(formats); ++i) {
            const ImageDesc desc{size, size, formats[i]};
            ImageLayer layer;
            if (!layer.upload(desc, {static_cast<const std::byte*>(pixels[i]), desc.byte_size()}))
                continue;
            begin_view(corner, {0.0f, 0.0f, 0.0f});
            ImageStyle style;
            style.opacity = 0.5f; // blended, as layers over others are
            draw(layer, camera, style);
            style.opacity = 1.0f;
            draw(layer, camera, style);
        }
    }
    ImageLayer kept; // drawn at screen resolution: its own shader
    kept.set_screen(true);
    if (kept.upload(ImageDesc{3, 3}, std::span<const float>(f32, 9))) {
        begin_view(corner, {0.0f, 0.0f, 0.0f});
        draw(kept, camera, {});
    }
    LineLayer line;
    const LinePoint points[2] = {{0.0f, 0.0f}, {1.0f, 1.0f}};
    if (line.upload(1, 2, points)) (void)draw(line, camera, {});
    end_view();
    glFinish(); // the compiles happen here, once, before any producer runs
}

void Renderer::begin_view(const Viewport& vp, Rgb bg, const Viewport* covered) {
    m_viewport = vp;
    glViewport(vp.x, vp.y, vp.width, vp.height);
    glDisable(GL_SCISSOR_TEST);
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    // The background as scissored clears: the cheapest way to set a rectangle's pixels, for a GPU
    // and for llvmpipe alike once the window has no depth buffer (sdl_window.cpp): about 1 ns a
    // pixel against 2.4 ns for an opaque quad, on the CI machine. With a depth buffer the same
    // clear cost llvmpipe 3.4 ns a pixel (the reason this was once drawn as quads).
    if (!covered || covered->width <= 0 || covered->height <= 0) {
        fill(std::span<const Viewport>(&vp, 1), bg);
    } else { // the bands around the covered rectangle
        std::array<Viewport, 4> bands{};
        fill(std::span<const Viewport>(bands.data(), bands_around(vp, *covered, bands)), bg);
    }
    glViewport(vp.x, vp.y, vp.width, vp.height);
    glEnable(GL_BLEND);
    glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
    // What the layers draw stays inside the viewport: clipping keeps vertices in, the scissor
    // whatever a primitive's width would spill past its edge (a frame drawn in parts must not
    // touch a neighbouring part's pixels).
    glEnable(GL_SCISSOR_TEST);
    glScissor(vp.x, vp.y, vp.width, vp.height);
}

void Renderer::fill(std::span<const Viewport> rects, Rgb color) {
    glEnable(GL_SCISSOR_TEST);
    set_clear_color(color.r, color.g, color.b);
    for (const Viewport& r : rects) {
        if (r.width <= 0 || r.height <= 0) continue;
        glScissor(r.x, r.y, r.width, r.height);
        glClear(GL_COLOR_BUFFER_BIT);
    }
    glDisable(GL_SCISSOR_TEST);
}

std::size_t bands_around(const Viewport& outer, const Viewport& inner, std::span<Viewport, 4> out) {
    const int ox1 = outer.x + outer.width, oy1 = outer.y + outer.height;
    const int ix0 = std::clamp(inner.x, outer.x, ox1), iy0 = std::clamp(inner.y, outer.y, oy1);
    const int ix1 = std::clamp(inner.x + inner.width, ix0, ox1);
    const int iy1 = std::clamp(inner.y + inner.height, iy0, oy1);
    std::size_t n = 0;
    const auto add = [&](int x0, int y0, int x1, int y1) {
        if (x1 > x0 && y1 > y0) out[n++] = {x0, y0, x1 - x0, y1 - y0};
    };
    add(outer.x, outer.y, ix0, oy1); // left
    add(ix1, outer.y, ox1, oy1);     // right
    add(ix0, outer.y, ix1, iy0);     // below
    add(ix0, iy1, ix1, oy1);         // above
    return n;
}

void Renderer::clear(Rgb color) {
    glDisable(GL_SCISSOR_TEST);
    set_clear_color(color.r, color.g, color.b);
    glClear(GL_COLOR_BUFFER_BIT);
}

void Renderer::end_view() {
    glDisable(GL_SCISSOR_TEST);
}

void Renderer::draw_at_screen(ImageLayer& layer, const Camera& camera, const ImageStyle& style) {
    const ImageDesc desc = layer.desc();
    double x0 = 0.0, y0 = 0.0, w = desc.width, h = desc.height; // in data units
    if (style.place.width() != 0.0 && style.place.height() != 0.0) {
        x0 = style.place.x0;
        y0 = style.place.y0;
        w = style.place.width();
        h = style.place.height();
    }
    // Data units to window pixels, as the image shader's vertices go (ndc, then the viewport).
    float sx = 0, sy = 0, ox = 0, oy = 0;
    camera.ndc_transform(sx, sy, ox, oy);
    const Viewport& vp = m_viewport;
    const auto wx = [&](double x) { return (x * sx + ox + 1.0) * 0.5 * vp.width + vp.x; };
    const auto wy = [&](double y) { return (y * sy + oy + 1.0) * 0.5 * vp.height + vp.y; };
    const PixelSpan cols =
        pick_pixels(wx(x0), wx(x0 + w), vp.x, vp.x + vp.width, desc.width, m_screen_cols);
    const PixelSpan rows =
        pick_pixels(wy(y0), wy(y0 + h), vp.y, vp.y + vp.height, desc.height, m_screen_rows);
    if (cols.count == 0 || rows.count == 0) return;
    const std::span<const std::uint32_t> table(
        &m_tables[std::size_t(style.colormap) * kColormapSize], kColormapSize);
    colormap_pixels(desc, layer.kept(), {m_screen_cols.data(), std::size_t(cols.count)},
                    {m_screen_rows.data(), std::size_t(rows.count)}, table, style.lo, style.hi,
                    rgba8(style.bad.r, style.bad.g, style.bad.b), m_screen_pixels);
    glActiveTexture(GL_TEXTURE0);
    int size[2] = {};
    layer.screen_texture(cols.count, rows.count, size); // bound
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, cols.count, rows.count, GL_RGBA, GL_UNSIGNED_BYTE,
                    m_screen_pixels.data());
    glUseProgram(m_screen_program.gl_name());
    glUniform1i(m_u_screen_image, 0);
    glUniform2f(m_u_screen_used, float(cols.count) / float(size[0]),
                float(rows.count) / float(size[1]));
    glDisable(GL_BLEND); // opaque: the only case drawn here
    glViewport(cols.first, rows.first, cols.count, rows.count);
    glBindVertexArray(m_empty_vao);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    ++m_draw_calls;
    glBindVertexArray(0);
    glViewport(vp.x, vp.y, vp.width, vp.height);
    glEnable(GL_BLEND);
}

void Renderer::draw(ImageLayer& layer, const Camera& camera, const ImageStyle& style) {
    if (layer.empty()) return;
    if (!layer.kept().empty()) {
        // Mono and opaque at screen resolution; what else the shaders draw, from the texture
        // filled from the kept frame.
        if (layer.desc().format.mono() && style.opacity >= 1.0f)
            return draw_at_screen(layer, camera, style);
        if (!layer.sync_texture()) return;
    }
    const PixelFormat format = layer.desc().format;
    const ImageProgram& p = m_image[static_cast<std::size_t>(shading_of(format))];
    glUseProgram(p.program.gl_name());
    set_xform(p.xform, camera);
    const float w = static_cast<float>(layer.desc().width),
                h = static_cast<float>(layer.desc().height);
    if (style.place.width() == 0.0 || style.place.height() == 0.0) // pixels: (0,0)..(w,h)
        glUniform4f(p.place, 0.0f, 0.0f, w, h);
    else
        glUniform4f(p.place, static_cast<float>(style.place.x0), static_cast<float>(style.place.y0),
                    static_cast<float>(style.place.width()),
                    static_cast<float>(style.place.height()));
    glUniform2f(p.size, w, h);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, layer.gl_texture());
    glUniform1i(p.image, 0);
    if (format.mono()) {
        glActiveTexture(GL_TEXTURE1);
        glBindTexture(GL_TEXTURE_2D, m_colormaps);
        glUniform1i(p.cmap, 1);
        glActiveTexture(GL_TEXTURE0);
        glUniform1i(p.row, static_cast<int>(style.colormap));
        const float span = style.hi - style.lo;
        glUniform2f(p.clim, style.lo, span > 0.0f ? 1.0f / span : 0.0f);
    }
    glUniform4f(p.bad, style.bad.r, style.bad.g, style.bad.b, 1.0f);
    glUniform1f(p.opacity, style.opacity);
    // An opaque image replaces what is under it: no blending (a read-modify-write per pixel).
    // RGBA images blend by their alpha.
    const bool opaque = style.opacity >= 1.0f && format.channels != 4;
    if (opaque) glDisable(GL_BLEND);
    glBindVertexArray(m_empty_vao);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    ++m_draw_calls;
    glBindVertexArray(0);
    if (opaque) glEnable(GL_BLEND);
}

Status Renderer::draw(LineLayer& layer, const Camera& camera, const LineStyle& style) {
    if (layer.empty()) return Status::ok();
    const Rect& visible = camera.visible();
    if (Status s = layer.fit_to_view(visible.x0, visible.x1, m_viewport.width); !s) return s;
    glUseProgram(m_line_program.gl_name());
    set_xform(m_u_line_xform, camera);
    glUniform4f(m_u_line_color, style.color.r, style.color.g, style.color.b, style.opacity);
    glBindVertexArray(layer.gl_vertex_array());
    const auto firsts = layer.firsts();
    const auto counts = layer.counts();
    glMultiDrawArrays(GL_LINE_STRIP, firsts.data(), counts.data(),
                      static_cast<GLsizei>(firsts.size()));
    ++m_draw_calls;
    glBindVertexArray(0);
    return Status::ok();
}

} // namespace rtv::render
