#pragma once
// What a run reports at its end: the summary printed after headless runs and the --stats-json
// file (written with nlohmann-json). Both read the same RunReport. Thread: main, after the
// producers have stopped.

#include <cstdint>
#include <string>

#include "app/canvas.hpp"
#include "app/damage.hpp"
#include "app/history.hpp"
#include "app/recorder.hpp"
#include "core/latency_histogram.hpp"
#include "core/memory_budget.hpp"
#include "core/producer_host.hpp"
#include "core/status.hpp"

namespace rtv::app {

struct RunReport {
    const ProducerHost& host;
    const Canvas& canvas;
    const LatencyHistogram& frame_times;
    const Recorder* recorder = nullptr; // when recording
    const MemoryBudget* budget = nullptr;
    const History* history = nullptr; // when streams keep a history
    bool headless = false;
    std::string video_driver, gl_renderer, gl_version;
    std::uint64_t frames = 0;   // display frames
    double duration_s = 0.0;    // from the loop's start to its end
    int framebuffer_height = 0; // views' rects are given origin top-left
    // When the loop drew (--redraw): passes of the loop, frames drawn by reason, and how often
    // the panel's raster was drawn or reused.
    struct Redraws {
        bool always = true;
        std::uint64_t passes = 0, data = 0, input = 0, panel = 0, other = 0;
        std::uint64_t panel_rasterised = 0, panel_reused = 0;
        std::uint64_t gl_errors = 0;
        bool screen_images = false; // --image-draw: images drawn at screen resolution
    } redraw;
    // Damage tracking: whether the back buffer was found kept, what was drawn in parts.
    std::string back_buffer = "unchecked";
    DamageCounts damage;
};

// A few lines for a human: frames, fps, frame times, then one line per stream.
void print_summary(const RunReport& report);
// The statistics as JSON text (the README documents every key).
std::string stats_json(const RunReport& report);
Status write_stats(const std::string& path, const RunReport& report);

// "rtviewer 0.2.0": the version set once, in CMakeLists.txt's project().
const char* version_string();

} // namespace rtv::app
