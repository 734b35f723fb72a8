#pragma once
// The axes of every view and the labels of its colorbar: tick marks and labels in the margins
// left of and below each data area, at nice steps that follow pan and zoom, never overlapping
// each other or a neighbouring view. Text is drawn with the GUI's font into each view's margin
// list (app/decor.hpp), laid out again only when what it shows changes; the ticks drawn are kept
// on the view (the stats JSON reports them). Thread: main, between ImGui's NewFrame and Render.

#include "app/canvas.hpp"
#include "app/decor.hpp"

struct ImDrawList;

namespace rtv::app {

// The margins the axes need, in framebuffer pixels, for `framebuffer_per_window` framebuffer
// pixels per window pixel (HiDPI). Needs the ImGui context (the font's size).
Margins axis_margins(float framebuffer_per_window);

// Lays out the margin list of each visible view whose axes, titles or colorbar (the colorbar
// fields as Layers::note_colorbar left them) changed since its list was built; the others keep
// theirs. `scale`: window pixels per framebuffer pixel. Returns whether any list was built.
bool draw_axes(Canvas& canvas, int framebuffer_height, float scale, ViewDecor& decor);

// Grid lines across the data area of `view` at the ticks its axes drew last (view.grid).
void draw_grid(ImDrawList& draw, const View& view, int framebuffer_height, float scale);

} // namespace rtv::app
