// 3. The pipeline without GL: sweep (the VisPy example's 600x800 image + 200-point line) at
// interval=auto -> pool -> queue -> router -> a no-op upload on this thread. Then a flood: the
// consumer 10x slower than the producer, for a short and a long run: peak RSS must stay flat
// (bounded by the pool) and nothing may be allocated in steady state.

#include <algorithm>
#include <string>

#include "bench/harness.hpp"
#include "bench/pipeline_run.hpp"

namespace rtv::bench {

namespace {
constexpr const char* kVispy = "sweep:interval=auto,iterations=0";
constexpr double kFrameBytes = 600.0 * 800 * 4 + 200.0 * 8;

Result check(Result res, const PipelineStats& s) {
    if (!s.error.empty()) {
        res.ok = false;
        res.error = s.error;
    }
    return res;
}
} // namespace

void bench_pipeline(const Config& c, Report& report) {
    const double seconds = c.quick ? 0.2 : 3.0;
    const PipelineStats s = run_pipeline({kVispy}, seconds, 0.0);
    const double memcpy_fps =
        memcpy_mb_per_s(std::size_t(kFrameBytes), seconds / 3) * 1e6 / kFrameBytes;
    const double frame_sets = s.seconds > 0 ? 1.0 / s.seconds : 0.0; // image + line per set
    Result r = compare("pipeline", "vispy workload, auto", "frame sets consumed/s",
                       s.consumed / 2 * frame_sets, "memcpy of the same bytes", memcpy_fps,
                       "higher is better; 1.0 would be one memcpy per frame set");
    r.metrics = {{"produced", s.produced / 2 * frame_sets, "frame sets/s"},
                 {"generated", s.generated / 2 * frame_sets, "frame sets/s"},
                 {"consumed", s.consumed / 2 * frame_sets, "frame sets/s"},
                 {"latency p50", s.latency_p50_ms, "ms"},
                 {"latency p99", s.latency_p99_ms, "ms"},
                 {"memcpy", memcpy_fps, "frame sets/s"}};
    report.add(check(r, s));

    Result g = compare("pipeline", "sweep generator, 1 core", "frames generated/s",
                       s.generated / 2 * frame_sets, "memcpy of the same bytes", memcpy_fps,
                       "target: >= 5000 frames/s");
    g.metrics = {{"generated", g.subject, "frames/s"}};
    report.add(check(g, s));

    // The flood: the consumer takes frames every 10 ms (a 100 Hz display), the producer makes
    // one every 1 ms (interval=auto would pace it by the consumer: no flood).
    const std::string flood = "sweep:interval=0.001,iterations=0";
    const double period = 0.010;
    const double short_s = c.quick ? 0.3 : 10.0, long_s = c.quick ? 0.9 : 60.0;
    const PipelineStats a = run_pipeline({flood}, short_s, period);
    const PipelineStats b = run_pipeline({flood}, long_s, period);
    Result f = compare("pipeline",
                       "flood 10x, " + std::to_string(int(long_s)) + "s vs " +
                           std::to_string(int(short_s)) + "s",
                       "peak RSS (kB)", double(b.peak_rss_kb), "the short run",
                       double(a.peak_rss_kb), "target: <= 1.05 (memory bounded by the pool)");
    f.metrics = {
        {"peak RSS short", double(a.peak_rss_kb), "kB"},
        {"peak RSS long", double(b.peak_rss_kb), "kB"},
        {"consumed long", b.consumed / 2 / b.seconds, "frame sets/s"},
        {"produced long", b.produced / 2 / b.seconds, "frame sets/s"},
        {"allocations in steady state", double(a.steady_allocations + b.steady_allocations), ""}};
    f = check(check(f, a), b);
    if (f.ok && a.steady_allocations + b.steady_allocations != 0) {
        f.ok = false;
        f.error = "operator new was called in steady state";
    }
    report.add(f);
}

} // namespace rtv::bench
