#pragma once
// The ImGui panels of the viewer (controls, views and their layers, streams, timing) and the
// labels drawn over the views. Dear ImGui only, no backend: tests draw them headless.
// Thread: main.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "app/canvas.hpp"
#include "app/decor.hpp"
#include "app/layers.hpp"
#include "core/latency_histogram.hpp"
#include "core/memory_budget.hpp"
#include "core/producer_host.hpp"

struct ImDrawList;

namespace rtv::app {

// What the buttons and keys ask of the loop; the loop acts on them and clears them.
struct Controls {
    bool paused = false;
    bool panel_collapsed = false; // the panel shrunk to a rail (Tab, or its buttons)
    bool screenshot_requested = false;
    bool save_layout_requested = false;
    bool quit = false;
};

// What the panel shows of the numbers that move with every frame (frame rate and times, stream
// counters, the limits of automatic contrast), read a few times a second and at once while the
// user acts: numbers a person can read, and a panel whose pixels change only then, so that the
// loop keeps its raster (PanelCache) and an idle viewer draws nothing.
struct PanelReadings {
    static constexpr std::int64_t kPeriodNs = 250'000'000;
    double fps = 0.0; // frames drawn per second since the previous reading
    double frame_p50_ms = 0.0, frame_p99_ms = 0.0;
    std::array<float, 240> frame_ms{};  // the last frame times, oldest first
    std::vector<StatsSnapshot> streams; // by stream id, sized kMaxStreams once
    std::int64_t taken_ns = -1;         // when they were read; -1: never
    std::uint64_t frames = 0;           // frames drawn then
    std::uint64_t count = 0;            // readings taken (each period)
};

struct PanelContext {
    Controls& controls;
    ProducerHost& host;
    Canvas& canvas;
    Layers& layers;
    const PanelReadings& readings;
    const std::string& cursor_text;       // empty: the cursor is outside the views
    const std::string& notice;            // the last screenshot or save, or its error
    const std::string& recording;         // the recorder's line, or empty
    float panel_width = 470.0f;           // window pixels
    const MemoryBudget* budget = nullptr; // memory in use against --memory-limit
    const History* history = nullptr;     // streams' histories (why a stream has none)
    float resized_width = 0.0f;           // out: the width the user dragged the edge to, or 0
};

// The panel's width in window pixels for a window `window_width` wide: the width the user wants
// (`wanted`), but never more than half the window, so that the views keep room, and never less
// than kMinPanelWidth while the window has room for it; a rail with a button when collapsed.
// The views start where the panel ends: it never covers them.
constexpr float kPanelRailWidth = 32.0f; // ImGui's smallest window
constexpr float kMinPanelWidth = 220.0f;
float panel_width_for(float window_width, float wanted, bool collapsed);
// Where the views go in a framebuffer `fb_width` x `fb_height` (`fb_per_window` framebuffer
// pixels per window pixel): right of a panel `panel_width` window pixels wide (rounded up, as
// the panel draws), above a timeline `timeline_px` framebuffer pixels tall.
render::Viewport views_area(int fb_width, int fb_height, float fb_per_window, float panel_width,
                            int timeline_px);

// Draws the panel window. Returns its draw list (the part of the frame PanelCache keeps).
const ImDrawList* draw_panels(PanelContext& context);

// How many pieces of work the panel's own threads have finished (camera searches, producers
// made to start): a change means the panel has something new to show. Thread: any.
std::uint64_t panel_work_done();
// Ends the panel's own threads' work (a camera search, a producer being made): joined before
// the viewer stops its producers, while the plugins are loaded. Thread: main.
void finish_panel_work();

// The histogram of an image layer's current frame (ImageStats::histogram, counts over the
// frame's min..max; `log_scale`: log(1 + count)) with the contrast limits in use as two handles.
// Dragging a handle switches `contrast` to manual with the limits the handles give; returns true
// then. `width` in window pixels. Draws "waiting" until a frame carrying a histogram arrives.
bool histogram_levels(const char* id, const ImageStats& stats, render::Contrast& contrast,
                      render::Limits in_use, bool log_scale, float width);

// Over each visible view, into its inner list (app/decor.hpp), rebuilt every frame: its grid
// lines (with `grid` and the view's grid on), its name (highlighted when selected), its profile
// segment and, while none of its streams has appeared, what it waits for. `scale`: window
// pixels per framebuffer pixel.
void draw_view_labels(const Canvas& canvas, int framebuffer_height, float scale, ViewDecor& decor,
                      bool grid);

} // namespace rtv::app
