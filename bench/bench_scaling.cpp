// 6. Scaling through the pipeline (no GL): image sizes 256x256 .. 4096x4096, line lengths 200 ..
// 1,000,000 points, and 1 .. 8 producers of 600x800 images. Each producer copies a prepared frame
// into its slot (the least a producer can do); the consumer takes every frame. Frames/s and MB/s
// against the machine's memcpy bandwidth for the same block size, measured in the same run:
// a ratio near 1 means the pipeline costs no more than copying the bytes once.

#include <string>

#include "bench/harness.hpp"
#include "bench/pipeline_run.hpp"

namespace rtv::bench {

namespace {

void one_case(const Config& c, Report& report, const std::string& name, std::uint32_t w,
              std::uint32_t h, int producers) {
    const double seconds = c.quick ? 0.05 : 1.5;
    const double bytes = (h == 0 ? double(w) * 8 : double(w) * h * 4);
    std::vector<Started> started;
    for (int i = 0; i < producers; ++i) {
        Schedule s; // interval 0: auto, as fast as the consumer takes frames
        started.push_back({make_copy_producer(w, h), s});
    }
    const PipelineStats p = run_pipeline(std::move(started), seconds, 0.0);
    const double mb_s = p.bytes_consumed / p.seconds / 1e6;
    const double copy = memcpy_mb_per_s(std::size_t(bytes), c.quick ? 0.02 : 0.5);
    Result r = compare("scaling", name, "MB/s consumed", mb_s, "memcpy, same block, 1 thread", copy,
                       "higher is better");
    r.metrics = {{"frames consumed", p.consumed / p.seconds, "frames/s"},
                 {"frames generated", p.generated / p.seconds, "frames/s"},
                 {"bytes per frame", bytes, "B"},
                 {"producers", double(producers), ""},
                 {"pipeline", mb_s, "MB/s"},
                 {"memcpy", copy, "MB/s"},
                 {"latency p50", p.latency_p50_ms, "ms"},
                 {"latency p99", p.latency_p99_ms, "ms"}};
    if (!p.error.empty()) {
        r.ok = false;
        r.error = p.error;
    } else if (p.consumed < 1) {
        r.ok = false;
        r.error = "no frame reached the consumer";
    }
    report.add(r);
}

} // namespace

void bench_scaling(const Config& c, Report& report) {
    for (const std::uint32_t side : {256u, 512u, 1024u, 2048u, 4096u})
        one_case(c, report, "image " + std::to_string(side) + "x" + std::to_string(side), side,
                 side, 1);
    for (const std::uint32_t points : {200u, 10'000u, 100'000u, 1'000'000u})
        one_case(c, report, "line " + std::to_string(points) + " points", points, 0, 1);
    for (const int producers : {1, 2, 4, 8})
        one_case(c, report, std::to_string(producers) + " producers 600x800", 800, 600, producers);
}

} // namespace rtv::bench
