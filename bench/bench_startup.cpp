// 13. Start-up with a cold shader cache: what a newcomer's first `bash scripts/run.sh` shows.
//     The default headless demo (sweep at 60 Hz, 5 s) with Mesa's shader cache empty (a fresh
//     MESA_SHADER_CACHE_DIR, so the user's own cache is never touched) against the same run with
//     that cache warm (the run just before filled it), alternating, 3 rounds. Per run: frames
//     dropped over every stream and the frame-time p50 and p99. The viewer compiles every
//     shader before a producer starts, so a cold cache should cost start-up time, not frames.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include "bench/harness.hpp"
#include "bench/viewer_run.hpp"

namespace rtv::bench {

namespace {

struct Startup {
    double dropped = 0, p50 = 0, p99 = 0;
    std::string error;
};

Startup run(const Config& c, const std::string& seconds) {
    Startup s;
    const ViewerRun v = run_headless_viewer(c, "--duration " + seconds);
    s.error = v.error;
    if (!s.error.empty()) return s;
    s.p50 = v.stats.at("frame_time_ms").at("p50").get<double>();
    s.p99 = v.stats.at("frame_time_ms").at("p99").get<double>();
    for (const auto& stream : v.stats.at("streams"))
        s.dropped += stream.at("dropped").get<double>();
    return s;
}

// Points Mesa's shader cache at `dir` for the runs in this scope, and back afterwards.
class ShaderCacheDir {
public:
    explicit ShaderCacheDir(const std::filesystem::path& dir) {
        if (const char* old = std::getenv("MESA_SHADER_CACHE_DIR")) m_old = old;
        ::setenv("MESA_SHADER_CACHE_DIR", dir.c_str(), 1);
    }
    ~ShaderCacheDir() {
        if (m_old)
            ::setenv("MESA_SHADER_CACHE_DIR", m_old->c_str(), 1);
        else
            ::unsetenv("MESA_SHADER_CACHE_DIR");
    }
    ShaderCacheDir(const ShaderCacheDir&) = delete;
    ShaderCacheDir& operator=(const ShaderCacheDir&) = delete;

private:
    std::optional<std::string> m_old;
};

} // namespace

void bench_startup(const Config& c, Report& report) {
    const std::string seconds = c.quick ? "1" : "5";
    const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                      ("rtv_bench_shader_cache_" + std::to_string(::getpid()));
    std::vector<double> cold_dropped, warm_dropped, cold_spread, warm_spread, cold_p99, warm_p99,
        cold_p50, warm_p50;
    std::string error;
    for (int r = 0; r < (c.quick ? 1 : 3); ++r) {
        std::filesystem::remove_all(dir); // cold: nothing compiled yet
        std::filesystem::create_directories(dir);
        const ShaderCacheDir cache(dir);
        const Startup cold = run(c, seconds), warm = run(c, seconds);
        for (const Startup* s : {&cold, &warm})
            if (!s->error.empty()) error = s->error;
        cold_dropped.push_back(cold.dropped);
        warm_dropped.push_back(warm.dropped);
        cold_p50.push_back(cold.p50);
        warm_p50.push_back(warm.p50);
        cold_p99.push_back(cold.p99);
        warm_p99.push_back(warm.p99);
        cold_spread.push_back(cold.p50 > 0 ? cold.p99 / cold.p50 : 0.0);
        warm_spread.push_back(warm.p50 > 0 ? warm.p99 / warm.p50 : 0.0);
    }
    std::filesystem::remove_all(dir);
    Result r = compare("startup", "default demo, 5 s, shader cache cold", "frame time p99 / p50",
                       median(cold_spread), "the same with the cache warm", median(warm_spread),
                       "target: cold p99 / p50 <= 2 and 0 frames dropped");
    r.metrics = {{"dropped, cold (median of runs)", median(cold_dropped), "frames"},
                 {"dropped, cold (most in one run)",
                  *std::max_element(cold_dropped.begin(), cold_dropped.end()), "frames"},
                 {"dropped, warm", median(warm_dropped), "frames"},
                 {"p50, cold", median(cold_p50), "ms"},
                 {"p99, cold", median(cold_p99), "ms"},
                 {"p50, warm", median(warm_p50), "ms"},
                 {"p99, warm", median(warm_p99), "ms"}};
    r.error = error;
    r.ok = error.empty();
    report.add(std::move(r));
}

} // namespace rtv::bench
