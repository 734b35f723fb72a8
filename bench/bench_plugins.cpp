// 14. Producer plugins: the same producer (a prepared frame copied into each slot) built in, as
//     an in-process plugin (benchcopy.so, through the C ABI: lease, memcpy, commit) and isolated
//     (the plugin in rtviewer-plugin-host: its pool in shared memory, the viewer's zmq path
//     copying each frame out of the slot the plugin filled), each as fast as the consumer takes
//     frames (interval=auto), frames/s and latency p50/p99, for 600x800 float32 and 4096x4096
//     uint16, in interleaved rounds. Targets: in-process within 2 % of built in; isolated at least
//     0.8x built in for 4096x4096.

#include <algorithm>
#include <string>
#include <tuple>
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
    // Interleaved rounds: built in, in-process and isolated take turns (the order rotating), a
    // second each, so that a machine whose speed drifts (a neighbour, a clock) moves all three
    // alike. Figures: frames/s over all rounds; the per-round ratios' median and range beside.
    const int rounds = c.quick ? 1 : 9;
    const double seconds = c.quick ? 0.3 : 1.0;
    static const bool loaded = [] {
        plugins::load_all({RTV_BENCH_PLUGIN}, true);
        return producers::find("benchcopy") != nullptr;
    }();
    const Case cases[] = {{"600x800 float32", 800, 600, {1, SampleType::F32}, "f32"},
                          {"4096x4096 uint16", 4096, 4096, {1, SampleType::U16}, "u16"}};
    for (const Case& k : cases) {
        const std::string spec = "benchcopy:interval=auto,width=" + std::to_string(k.width) +
                                 ",height=" + std::to_string(k.height) + ",format=" + k.format_name;
        struct Way {
            double frames = 0.0, seconds = 0.0, p50 = 0.0, p99 = 0.0;
            std::vector<double> fps;
            std::string error;
        } ways[3]; // built in, in-process, isolated
        for (int r = 0; r < rounds; ++r) {
            for (int i = 0; i < 3; ++i) {
                const int w = (r + i) % 3;
                PipelineStats st;
                if (w == 0) {
                    std::vector<Started> builtin;
                    builtin.push_back(
                        {make_copy_producer(k.width, k.height, k.format), Schedule{}});
                    st = run_pipeline(std::move(builtin), seconds, 0.0);
                } else if (!loaded) {
                    st.error = "benchcopy.so not loaded";
                } else {
                    st = run_spec(w == 1 ? spec : spec + ",isolate=process", seconds);
                }
                Way& way = ways[w];
                if (way.error.empty()) way.error = st.error;
                way.frames += st.consumed;
                way.seconds += st.seconds;
                way.fps.push_back(st.seconds > 0 ? st.consumed / st.seconds : 0.0);
                way.p50 = std::max(way.p50, st.latency_p50_ms); // the worst round's
                way.p99 = std::max(way.p99, st.latency_p99_ms);
            }
        }
        const auto fps = [](const Way& w) { return w.seconds > 0 ? w.frames / w.seconds : 0.0; };
        for (const auto& [what, index, note] :
             {std::tuple{"in-process plugin", 1, "target: within 2 % (0.98..1.02)"},
              std::tuple{"isolated plugin (isolate=process)", 2,
                         "target for 4096x4096: at least 0.8"}}) {
            const Way& way = ways[index];
            std::vector<double> ratios;
            for (int r = 0; r < rounds; ++r)
                ratios.push_back(ways[0].fps[r] > 0 ? way.fps[r] / ways[0].fps[r] : 0.0);
            std::sort(ratios.begin(), ratios.end());
            Result res =
                compare("plugins", std::string(k.label) + ": " + what + " vs built in", "frames/s",
                        fps(way), "the same producer built in", fps(ways[0]), note);
            res.metrics = {{"rounds", double(rounds), ""},
                           {"per-round ratio median", ratios[ratios.size() / 2], "x"},
                           {"per-round ratio min", ratios.front(), "x"},
                           {"per-round ratio max", ratios.back(), "x"},
                           {"latency p50 (worst round)", way.p50, "ms"},
                           {"latency p99 (worst round)", way.p99, "ms"},
                           {"built in: latency p50 (worst round)", ways[0].p50, "ms"},
                           {"built in: latency p99 (worst round)", ways[0].p99, "ms"}};
            res.error = !way.error.empty() ? way.error : ways[0].error;
            res.ok = res.error.empty();
            report.add(std::move(res));
        }
    }
}

} // namespace rtv::bench
