#pragma once
// Draws Dear ImGui's frame, keeping the panel window's raster between the frames in which its
// geometry does not change. The panel holds most of the frame's small triangles (text, widget
// frames): on a software rasteriser it costs as much as the views. Its numbers change a few
// times a second (PanelReadings), so most frames composite the kept raster with one blit.
// Thread: main (GL context and ImGui).

#include <cstdint>

#include "render/colormap.hpp"
#include "render/renderer.hpp"
#include "render/shader.hpp"

struct ImDrawData;
struct ImDrawList;

namespace rtv::app {

class PanelCache {
public:
    PanelCache() = default;
    PanelCache(const PanelCache&) = delete;
    PanelCache& operator=(const PanelCache&) = delete;
    ~PanelCache();

    // Draws `data` into the bound framebuffer (the default one) of fb_width x fb_height pixels,
    // as ImGui_ImplOpenGL3_RenderDrawData would, except that `panel` (one of its lists, drawn
    // over `background` in the framebuffer rectangle `rect`, which it must not leave) is
    // rasterised into a texture only when its vertices, indices, commands, `rect` or
    // `background` changed, and copied from there otherwise: either way `rect` is covered (what
    // was drawn there before is not kept). `panel` null: everything is drawn live, over what is
    // there. Allocates: only GPU memory, when the panel's size changes.
    void draw(ImDrawData* data, const ImDrawList* panel, render::Viewport rect,
              render::Rgb background, int fb_width, int fb_height);
    // The panel alone, as draw() draws it: rasterised into the kept texture when it changed,
    // copied from there into `rect` either way (drawn live where the texture cannot be made).
    void draw_panel(const ImDrawData& data, const ImDrawList* panel, render::Viewport rect,
                    render::Rgb background, int fb_width, int fb_height);

    // Frames in which the panel was rasterised, and frames in which it was copied.
    std::uint64_t rasterised() const { return m_rasterised; }
    std::uint64_t reused() const { return m_reused; }
    // Counts from zero again (after a warm-up frame that is never shown).
    void reset_counts() { m_rasterised = m_reused = 0; }

private:
    bool ensure_target(int width, int height);

    std::uint32_t m_texture = 0, m_fbo = 0, m_vao = 0; // GLuint
    render::Program m_copy;
    int m_u_panel = -1;
    int m_width = 0, m_height = 0;
    std::uint64_t m_hash = 0;
    bool m_valid = false;
    std::uint64_t m_rasterised = 0, m_reused = 0;
};

// A 64-bit hash of a draw list's geometry and commands (exposed for tests).
std::uint64_t draw_list_hash(const ImDrawList& list);

} // namespace rtv::app
