// 5. End to end: the real rtviewer, headless with no vsync, on the VisPy example's workload
// (sweep at interval=auto). Baseline: a bare loop in this process that, per frame, uploads the
// same 1.92 MB float texture, draws nothing else and swaps, in the same 1280x800 offscreen
// window. Then the same run with a 3 s slow producer added (a small one, sweep:latency=3 with an
// 8x6 image: the GUI's work hardly changes, so any change in frame time is the slow producer's
// doing): its frame-time p99 against the run without it.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <glad/gl.h>
#include <nlohmann/json.hpp>

#include "bench/gl_window.hpp"
#include "bench/harness.hpp"
#include "render/gl.hpp"

namespace rtv::bench {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* kVispy = "sweep:interval=auto,iterations=0";
constexpr const char* kSlow = "sweep:latency=3,width=8,height=6,points=8,iterations=0";

// Frames per second of the bare loop, or 0 with `error` set.
double bare_loop_fps(double seconds, std::string& error) {
    auto window = open_gl_window(error);
    if (!window) return 0.0;
    std::vector<float> pixels(800 * 600, 0.5f);
    const std::uint32_t tex = render::create_data_texture();
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R32F, 800, 600, 0, GL_RED, GL_FLOAT, nullptr);
    int frames = 0;
    const auto t0 = Clock::now();
    double elapsed = 0.0;
    do {
        pixels[std::size_t(frames) % pixels.size()] = float(frames % 3);
        glBindTexture(GL_TEXTURE_2D, tex);
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, 800, 600, GL_RED, GL_FLOAT, pixels.data());
        glClear(GL_COLOR_BUFFER_BIT);
        window->swap();
        ++frames;
        elapsed = seconds_since(t0);
    } while (elapsed < seconds);
    GLuint t = tex;
    glDeleteTextures(1, &t);
    if (Status s = render::check_gl("bare loop"); !s) error = s.message();
    return frames / elapsed;
}

struct ViewerRun {
    Json stats;
    std::string error;
};

ViewerRun run_viewer(const Config& c, double seconds, const std::vector<std::string>& producers) {
    ViewerRun out;
    const fs::path json = fs::temp_directory_path() / "rtv_bench_e2e.json";
    std::string cmd = "'" + c.viewer + "' --headless --no-vsync --duration " +
                      std::to_string(seconds) + " --stats-json '" + json.string() + "'";
    for (const std::string& p : producers)
        cmd += " --producer " + p;
    cmd += " >/dev/null";
    if (const int status = std::system(cmd.c_str()); status != 0) {
        out.error = "rtviewer exited with status " + std::to_string(status) + ": " + cmd;
        return out;
    }
    std::ifstream in(json);
    std::stringstream text;
    text << in.rdbuf();
    try {
        out.stats = Json::parse(text.str());
    } catch (const Json::parse_error& e) {
        out.error = std::string("rtviewer wrote invalid JSON: ") + e.what();
        return out;
    }
    for (const Json& s : out.stats.at("streams")) {
        const double sum = s.at("displayed").get<double>() + s.at("superseded").get<double>() +
                           s.at("dropped").get<double>() + s.at("rejected").get<double>();
        if (sum != s.at("produced").get<double>())
            out.error = s.at("name").get<std::string>() + ": frames unaccounted for";
    }
    return out;
}

} // namespace

void bench_end_to_end(const Config& c, Report& report) {
    const double seconds = c.quick ? 0.5 : 6.0;
    const int rounds = c.quick ? 1 : 3; // odd: the median is one run's figure
    std::string error;
    std::vector<double> bare, fps, p50, p99, lat50, lat99, slow_p99;
    for (int r = 0; r < rounds && error.empty(); ++r) {
        bare.push_back(bare_loop_fps(seconds, error));
        const ViewerRun normal = run_viewer(c, seconds, {kVispy});
        const ViewerRun slow = run_viewer(c, seconds, {kVispy, kSlow});
        for (const ViewerRun* v : {&normal, &slow})
            if (!v->error.empty()) error = v->error;
        if (!error.empty()) break;
        const Json& j = normal.stats;
        fps.push_back(j.at("display_fps").get<double>());
        p50.push_back(j.at("frame_time_ms").at("p50").get<double>());
        p99.push_back(j.at("frame_time_ms").at("p99").get<double>());
        lat50.push_back(j.at("streams").at(0).at("latency_ms").at("p50").get<double>());
        lat99.push_back(j.at("streams").at(0).at("latency_ms").at("p99").get<double>());
        slow_p99.push_back(slow.stats.at("frame_time_ms").at("p99").get<double>());
    }
    Result e = compare("e2e", "vispy workload, no vsync", "display frames/s", median(fps),
                       "bare upload+swap loop", median(bare), "target: >= 500 frames/s and >= 0.6");
    e.metrics = {{"display", e.subject, "frames/s"},    {"bare loop", e.reference, "frames/s"},
                 {"frame time p50", median(p50), "ms"}, {"frame time p99", median(p99), "ms"},
                 {"latency p50", median(lat50), "ms"},  {"latency p99", median(lat99), "ms"}};
    e.ok = error.empty();
    e.error = error;
    report.add(e);

    Result s = compare("e2e", "with a 3 s slow producer", "frame time p99 (ms)", median(slow_p99),
                       "the run without it", median(p99), "target: <= 1.1");
    s.metrics = {{"p99 with slow producer", s.subject, "ms"}, {"p99 without", s.reference, "ms"}};
    s.ok = error.empty();
    s.error = error;
    report.add(s);
}

} // namespace rtv::bench
