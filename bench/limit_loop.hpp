#pragma once
// The limit loop: the least work that draws the frame the viewer draws on its default workload,
// built from the viewer's own render code. Per frame: upload a 600x800 float32 image (R32F),
// draw it colormapped with square pixels in the top two thirds beside a 470-pixel panel, upload
// and draw a 200-point line below it, build a Dear ImGui panel of similar content (text, a
// frame-time plot, a 128-bin histogram, a stream table) and swap. One full clear, no scissor,
// no axes. The end-to-end benchmark reports the viewer's display rate as a ratio of this.

#include <string>

namespace rtv::bench {

// Frames per second of the limit loop in a hidden width x height window for about `seconds`,
// or 0 with `error` set. `windowed`: a real window on the display ($DISPLAY) instead, unpaced;
// `progress_s` > 0: a line "limit: progress t=T s frames=N" on stdout every `progress_s`
// seconds (N: frames swapped since the start), as the viewer's --progress prints.
double limit_loop_fps(int width, int height, double seconds, std::string& error,
                      bool windowed = false, double progress_s = 0.0);

// `rtv_bench --limit-window WIDTHxHEIGHT SECONDS`: the limit loop in a window with progress lines
// every 0.25 s, for bench/cost.py. Exit status 0, 1 on a GL error, 2 on bad arguments.
int limit_window_main(int argc, char** argv);

} // namespace rtv::bench
