#pragma once
// Contrast limits of an image layer from its frame's statistics (computed on the producer's
// thread at submit: see core/image_stats.hpp). Pure: no GL, no state.
//   auto        each frame's own min..max (VisPy's default)
//   manual      fixed lo..hi
//   percentile  the pct_lo..pct_hi percentiles of the frame (1..99 % ignores a hot pixel); until
//               a frame carrying the quantile sketch arrives, min..max
//   hold        the limits in use stay as they are

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "core/frame.hpp"

namespace rtv::render {

enum class ContrastMode : int { Auto, Manual, Percentile, Hold };

struct Contrast {
    ContrastMode mode = ContrastMode::Auto;
    float manual_lo = 0.0f, manual_hi = 1.0f;
    float pct_lo = 1.0f, pct_hi = 99.0f; // percent
};

struct Limits {
    float lo = 0.0f, hi = 1.0f;
};

Limits contrast_limits(const Contrast& contrast, const ImageStats& stats, Limits current);

// Mode names ("auto", "manual", "percentile", "hold"): one table for the CLI and the GUI.
std::array<std::string_view, 4> contrast_mode_names();
std::optional<ContrastMode> find_contrast_mode(std::string_view name);
std::string_view name_of(ContrastMode mode);

// The command line's and layout files' syntax: auto | percentile[:LO:HI] (percent,
// 0 <= LO < HI <= 100) | manual:LO:HI (LO < HI, finite). Empty when `text` is none of these.
std::optional<Contrast> parse_contrast(std::string_view text);
// What parse_contrast reads back: "auto", "percentile:1:99", "manual:0:4095". Hold is written
// as manual with the limits it holds (`held`).
std::string format_contrast(const Contrast& contrast, Limits held);
// The syntax above, for error messages.
constexpr const char* kContrastSyntax =
    "auto, percentile[:LO:HI] (percent, 0 <= LO < HI <= 100) or manual:LO:HI (LO < HI)";

} // namespace rtv::render
