// 14. Producer plugins: the same producer (a prepared frame copied into each slot) built in, as
//     an in-process plugin (benchcopy.so, through the C ABI: lease, memcpy, commit) and isolated
//     (the plugin in rtviewer-plugin-host: shared-memory ring, the viewer's zmq path, one more
//     copy), each as fast as the consumer takes frames (interval=auto), frames/s and latency
//     p50/p99, for 600x800 float32 and 4096x4096 uint16. Targets: in-process within 2 % of built
//     in; isolated at least 0.8x built in for 4096x4096.

#include <string>
#include <vector>

#include "bench/harness.hpp"
#include "bench/pipeline_run.hpp"
#include "plugin_host/plugin_loader.hpp"
#include "producers/registry.hpp"

namespace rtv::bench {

namespace {

struct Case {
    const char* label;
    std::uint32_t width, height;
    PixelFormat format;
    const char* format_name;
};

PipelineStats run_spec(const std::string& spec, double seconds) {
    producers::CreatedProducer made;
    if (Status s = producers::create(spec, made); !s) {
        PipelineStats out;
        out.error = s.message();
        return out;
    }
    if (Status s = plugins::apply_process_settings(made); !s) {
        PipelineStats out;
        out.error = s.message();
        return out;
    }
    std::vector<Started> started;
    started.push_back({std::move(made.producer), made.schedule});
    return run_pipeline(std::move(started), seconds, 0.0, 1);
}

} // namespace

void bench_plugins(const Config& c, Report& report) {
    const double seconds = c.quick ? 0.3 : 3.0;
    static const bool loaded = [] {
        plugins::load_all({RTV_BENCH_PLUGIN}, true);
        return producers::find("benchcopy") != nullptr;
    }();
    const Case cases[] = {{"600x800 float32", 800, 600, {1, SampleType::F32}, "f32"},
                          {"4096x4096 uint16", 4096, 4096, {1, SampleType::U16}, "u16"}};
    for (const Case& k : cases) {
        std::vector<Started> builtin;
        Schedule schedule; // interval=auto
        builtin.push_back({make_copy_producer(k.width, k.height, k.format), schedule});
        const PipelineStats base = run_pipeline(std::move(builtin), seconds, 0.0);
        const std::string spec = "benchcopy:interval=auto,width=" + std::to_string(k.width) +
                                 ",height=" + std::to_string(k.height) + ",format=" + k.format_name;
        const PipelineStats in_process =
            loaded ? run_spec(spec, seconds) : PipelineStats{.error = "benchcopy.so not loaded"};
        const PipelineStats isolated = loaded ? run_spec(spec + ",isolate=process", seconds)
                                              : PipelineStats{.error = "benchcopy.so not loaded"};
        const auto fps = [](const PipelineStats& s) {
            return s.seconds > 0 ? s.consumed / s.seconds : 0.0;
        };
        for (const auto& [what, stats, note] :
             {std::tuple{"in-process plugin", &in_process, "target: within 2 % (0.98..1.02)"},
              std::tuple{"isolated plugin (isolate=process)", &isolated,
                         "target for 4096x4096: at least 0.8"}}) {
            Result r =
                compare("plugins", std::string(k.label) + ": " + what + " vs built in", "frames/s",
                        fps(*stats), "the same producer built in", fps(base), note);
            r.metrics = {{"latency p50", stats->latency_p50_ms, "ms"},
                         {"latency p99", stats->latency_p99_ms, "ms"},
                         {"built in: latency p50", base.latency_p50_ms, "ms"},
                         {"built in: latency p99", base.latency_p99_ms, "ms"}};
            r.error = !stats->error.empty() ? stats->error : base.error;
            r.ok = r.error.empty();
            report.add(std::move(r));
        }
    }
}

} // namespace rtv::bench
