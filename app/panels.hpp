#pragma once
// The ImGui panels of the viewer (controls, views and their layers, streams, timing) and the
// labels drawn over the views. Dear ImGui only, no backend: tests draw them headless.
// Thread: main.

#include <span>
#include <string>

#include "app/canvas.hpp"
#include "app/layers.hpp"
#include "core/latency_histogram.hpp"
#include "core/memory_budget.hpp"
#include "core/producer_host.hpp"

namespace rtv::app {

// What the buttons and keys ask of the loop; the loop acts on them and clears them.
struct Controls {
    bool paused = false;
    bool screenshot_requested = false;
    bool save_layout_requested = false;
    bool quit = false;
};

struct PanelContext {
    Controls& controls;
    ProducerHost& host;
    Canvas& canvas;
    Layers& layers;
    const LatencyHistogram& frame_times;
    std::span<const float> recent_ms;     // frame times, oldest first
    const std::string& cursor_text;       // empty: the cursor is outside the views
    const std::string& notice;            // the last screenshot or save, or its error
    const std::string& recording;         // the recorder's line, or empty
    float panel_width = 470.0f;           // window pixels
    const MemoryBudget* budget = nullptr; // memory in use against --memory-limit
};

void draw_panels(PanelContext& context);

// The histogram of an image layer's current frame (ImageStats::histogram, counts over the
// frame's min..max; `log_scale`: log(1 + count)) with the contrast limits in use as two handles.
// Dragging a handle switches `contrast` to manual with the limits the handles give; returns true
// then. `width` in window pixels. Draws "waiting" until a frame carrying a histogram arrives.
bool histogram_levels(const char* id, const ImageStats& stats, render::Contrast& contrast,
                      render::Limits in_use, bool log_scale, float width);

// Over each visible view: its name (highlighted when selected) and, while none of its streams
// has appeared, what it waits for. `scale`: window pixels per framebuffer pixel.
void draw_view_labels(const Canvas& canvas, int framebuffer_height, float scale);

} // namespace rtv::app
