#pragma once
// The axes of every view and the labels of its colorbar: tick marks and labels in the margins
// left of and below each data area, at nice steps that follow pan and zoom, never overlapping
// each other or a neighbouring view. Text is drawn with the GUI's font through ImGui's background
// draw list; the ticks drawn are kept on the view (the stats JSON reports them). Thread: main,
// between ImGui's NewFrame and Render.

#include "app/canvas.hpp"

namespace rtv::app {

// The margins the axes need, in framebuffer pixels, for `framebuffer_per_window` framebuffer
// pixels per window pixel (HiDPI). Needs the ImGui context (the font's size).
Margins axis_margins(float framebuffer_per_window);

// `scale`: window pixels per framebuffer pixel.
void draw_axes(Canvas& canvas, int framebuffer_height, float scale);

} // namespace rtv::app
