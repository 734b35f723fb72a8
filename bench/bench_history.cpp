// 11. History: what keeping every stream's recent past costs, against the same run without it.
//  - The display: the seed workload (sweep at interval=auto, 600x800 float32 + a 200-point line)
//    headless without vsync, with the default history against --history 0, 3 alternating rounds:
//    display frames per second (the cost is the copy of each frame the router takes);
//  - memory under a flood: sweep at 10x the display's 60 Hz (interval 1.6 ms) with a 128 MB
//    history per stream under --memory-limit 512, peak resident memory against the same flood
//    without history: the difference must stay within what the histories reserved.

#include <string>
#include <vector>

#include "bench/harness.hpp"
#include "bench/viewer_run.hpp"

namespace rtv::bench {

namespace {

struct Figures {
    double fps = 0, peak_rss_mb = 0, history_mb = 0, skipped = 0;
    std::string error;
};

Figures run(const Config& c, const std::string& args) {
    Figures f;
    const ViewerRun v = run_headless_viewer(c, args);
    f.error = v.error;
    if (!f.error.empty()) return f;
    f.fps = v.stats.at("display_fps").get<double>();
    f.peak_rss_mb = v.stats.at("memory").at("peak_rss_mb").get<double>();
    for (const auto& s : v.stats.at("streams"))
        if (s.contains("history")) {
            f.history_mb += s.at("history").at("mb").get<double>();
            f.skipped += s.at("history").at("skipped").get<double>();
        }
    return f;
}

} // namespace

void bench_history(const Config& c, Report& report) {
    const std::string seconds = c.quick ? "1" : "4";
    const std::string seed =
        "--no-vsync --duration " + seconds + " --producer sweep:interval=auto,iterations=0";
    std::vector<double> on_fps, off_fps, ratios;
    std::string error;
    for (int r = 0; r < (c.quick ? 1 : 3); ++r) {
        const Figures on = run(c, seed), off = run(c, seed + " --history 0");
        if (!on.error.empty()) error = on.error;
        if (!off.error.empty()) error = off.error;
        on_fps.push_back(on.fps);
        off_fps.push_back(off.fps);
        ratios.push_back(on.fps > 0 ? off.fps / on.fps : 0.0);
    }
    Result d = compare("history", "seed workload, no vsync", "frame time (1/fps), relative",
                       median(ratios), "--history 0", 1.0, "target <= 1.1");
    d.ratio = median(ratios);
    d.metrics = {{"display with history", median(on_fps), "frames/s"},
                 {"display without", median(off_fps), "frames/s"}};
    d.error = error;
    d.ok = error.empty();
    report.add(d);

    const std::string flood = "--duration " + std::string(c.quick ? "1" : "6") +
                              " --memory-limit 512 --producer sweep:interval=0.0016,iterations=0";
    const Figures with = run(c, flood + " --history 128"), without = run(c, flood + " --history 0");
    Result m = compare("history", "flood 10x, 128 MB a stream, --memory-limit 512", "peak RSS (MB)",
                       with.peak_rss_mb, "the same flood without history", without.peak_rss_mb,
                       "the difference stays within the histories' reservation");
    m.metrics = {{"histories reserved", with.history_mb, "MB"},
                 {"difference", with.peak_rss_mb - without.peak_rss_mb, "MB"},
                 {"frames not kept (copy budget per pass)", with.skipped, ""}};
    m.error = !with.error.empty() ? with.error : without.error;
    if (m.error.empty() && with.peak_rss_mb - without.peak_rss_mb > with.history_mb + 16.0)
        m.error = "history took more memory than it reserved";
    m.ok = m.error.empty();
    report.add(m);
}

} // namespace rtv::bench
