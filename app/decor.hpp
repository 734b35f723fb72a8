#pragma once
// What ImGui draws over and around the views, kept apart per view so that each part of the frame
// can be drawn again on its own (damage tracking, app/damage.hpp):
// - a view's margin list: its axes' tick marks and labels, titles and colorbar labels, outside
//   its data area; rebuilt only when what it shows changes (draw_axes keys it), so that the text
//   of an unchanged axis is laid out once, not every frame;
// - a view's inner list: over its data area (grid, name, profile segment, selection frame);
//   rebuilt every frame (a few quads) and drawn after the data each time the data area is.
// Each list is drawn clipped to its own region, so drawing one never touches another's pixels.
// Thread: main (ImGui context; drawing needs the GL context).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "render/renderer.hpp"

struct ImDrawData;
struct ImDrawList;

namespace rtv::app {

// A rectangle in ImGui's coordinates: window pixels, origin top-left, (x0, y0) inclusive.
struct ClipBox {
    float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// The framebuffer rectangle `vp` (pixels, origin bottom-left) in ImGui's coordinates, for a
// framebuffer `fb_height` pixels tall and `scale` window pixels per framebuffer pixel.
ClipBox clip_box_of(const render::Viewport& vp, int fb_height, float scale);

class ViewDecor {
public:
    ViewDecor();
    ~ViewDecor();
    ViewDecor(const ViewDecor&) = delete;
    ViewDecor& operator=(const ViewDecor&) = delete;

    // Room for `views` views' lists. Allocates: when views are added.
    void resize(std::size_t views);
    // View `i`'s margin list, emptied and clipped to `clip`, for a new build; `key` is what the
    // build shows (the same key: the list is kept and this is not called).
    ImDrawList& begin_margin(std::size_t i, ClipBox clip, std::uint64_t key);
    // View `i`'s inner list, emptied and clipped to `clip`, for this frame's build.
    ImDrawList& begin_inner(std::size_t i, ClipBox clip);
    // The key of view `i`'s margin list as last built (0: never).
    std::uint64_t margin_key(std::size_t i) const { return m_views[i].margin_key; }
    ImDrawList* margin(std::size_t i) const { return m_views[i].margin.get(); }
    ImDrawList* inner(std::size_t i) const { return m_views[i].inner.get(); }
    // Empties view `i`'s inner list (a view not drawn this frame).
    void clear_inner(std::size_t i);
    // Margin lists built (laid out) so far, against the frames that kept them.
    std::uint64_t margins_built() const { return m_built; }

private:
    struct Lists {
        std::unique_ptr<ImDrawList> margin, inner;
        std::uint64_t margin_key = 0;
    };
    std::vector<Lists> m_views;
    std::uint64_t m_built = 0;
};

// Draws `list` with ImGui's OpenGL backend as part of `frame` (its display position, size and
// scale), once for each of `boxes`, its commands clipped further to that box: together, what
// the list draws inside the boxes and nothing outside them. Leaves the commands as they were.
void render_clipped(const ImDrawData& frame, ImDrawList& list, std::span<const ClipBox> boxes);

// Draws lists [first, last) of `frame` as they are.
void render_lists(const ImDrawData& frame, int first, int last);

} // namespace rtv::app
