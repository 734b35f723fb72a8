#pragma once
// Runs the real rtviewer headless for a benchmark and reads its --stats-json, checking the
// accounting identity on every stream (a lost frame is an error, never a fast result).

#include <string>

#include <nlohmann/json.hpp>

#include "bench/harness.hpp"

namespace rtv::bench {

struct ViewerRun {
    nlohmann::json stats;
    std::string error; // empty: the run exited 0 and every frame is accounted for
};

// `args`: the viewer's arguments after `--headless --stats-json FILE` (e.g. "--no-vsync
// --duration 4 --producer sweep").
ViewerRun run_headless_viewer(const Config& c, const std::string& args);

} // namespace rtv::bench
