// 5. End to end: the real rtviewer, headless with no vsync, on the VisPy example's workload
// (sweep at interval=auto), at 960x620 and 1280x800. Baseline: the limit loop (limit_loop.hpp)
// in this process, drawing the same frame with the least work, in the same size of offscreen
// window. Then the same run with a 3 s slow producer added (a small one, sweep:latency=3 with an
// 8x6 image: the GUI's work hardly changes, so any change in frame time is the slow producer's
// doing): its frame-time p99 against the run without it.

#include <vector>

#include <nlohmann/json.hpp>

#include "bench/harness.hpp"
#include "bench/limit_loop.hpp"
#include "bench/viewer_run.hpp"

namespace rtv::bench {

namespace {

using Json = nlohmann::json;

constexpr const char* kVispy = "sweep:interval=auto,iterations=0";
constexpr const char* kSlow = "sweep:latency=3,width=8,height=6,points=8,iterations=0";

ViewerRun run_viewer(const Config& c, double seconds, const std::vector<std::string>& producers,
                     const std::string& size) {
    std::string args = "--no-vsync --size " + size + " --duration " + std::to_string(seconds);
    for (const std::string& p : producers)
        args += " --producer " + p;
    return run_headless_viewer(c, args);
}

} // namespace

void bench_end_to_end(const Config& c, Report& report) {
    // Rounds alternate the limit loop and the viewer, and the ratio reported is the median of
    // each round's ratio: the machine's load drifts by tens of per cent within a minute, and
    // figures taken seconds apart compare better than medians taken over minutes.
    const double seconds = c.quick ? 0.5 : 4.0;
    const int rounds = c.quick ? 1 : 5; // odd: the median is one round's figure
    struct Size {
        int w, h;
    };
    std::string error;
    for (const Size size : {Size{960, 620}, Size{1280, 800}}) {
        const std::string text = std::to_string(size.w) + "x" + std::to_string(size.h);
        const bool big = size.w == 1280;
        std::vector<double> limit, fps, p50, p99, lat50, lat99, slow_p99, ratios, slow_ratios;
        for (int r = 0; r < rounds && error.empty(); ++r) {
            limit.push_back(limit_loop_fps(size.w, size.h, seconds, error));
            const ViewerRun normal = run_viewer(c, seconds, {kVispy}, text);
            if (!normal.error.empty()) error = normal.error;
            if (!error.empty()) break;
            const Json& j = normal.stats;
            fps.push_back(j.at("display_fps").get<double>());
            if (limit.back() > 0) ratios.push_back(fps.back() / limit.back());
            p50.push_back(j.at("frame_time_ms").at("p50").get<double>());
            p99.push_back(j.at("frame_time_ms").at("p99").get<double>());
            lat50.push_back(j.at("streams").at(0).at("latency_ms").at("p50").get<double>());
            lat99.push_back(j.at("streams").at(0).at("latency_ms").at("p99").get<double>());
            if (!big) continue;
            const ViewerRun slow = run_viewer(c, seconds, {kVispy, kSlow}, text);
            if (!slow.error.empty())
                error = slow.error;
            else
                slow_p99.push_back(slow.stats.at("frame_time_ms").at("p99").get<double>());
            if (!slow_p99.empty() && p99.back() > 0)
                slow_ratios.push_back(slow_p99.back() / p99.back());
        }
        Result e = compare("e2e", "vispy workload, no vsync, " + text, "display frames/s",
                           median(fps), "limit loop, same frame", median(limit),
                           "target: >= 0.9 (median of the rounds' ratios)");
        if (!ratios.empty()) e.ratio = median(ratios);
        e.metrics = {{"display", e.subject, "frames/s"},    {"limit loop", e.reference, "frames/s"},
                     {"frame time p50", median(p50), "ms"}, {"frame time p99", median(p99), "ms"},
                     {"latency p50", median(lat50), "ms"},  {"latency p99", median(lat99), "ms"}};
        e.ok = error.empty();
        e.error = error;
        report.add(e);
        if (!big) continue;
        Result s = compare("e2e", "with a 3 s slow producer, " + text, "frame time p99 (ms)",
                           median(slow_p99), "the run without it", median(p99),
                           "target: <= 1.1 (median of the rounds' ratios)");
        if (!slow_ratios.empty()) s.ratio = median(slow_ratios);
        s.metrics = {{"p99 with slow producer", s.subject, "ms"},
                     {"p99 without", s.reference, "ms"}};
        s.ok = error.empty();
        s.error = error;
        report.add(s);
    }
}

} // namespace rtv::bench
