// 9. Large and many, displayed by the real viewer (headless, --no-vsync, redraw always):
//  - 4096x4096 float32 images (sweep at that size, as fast as the viewer takes them): images
//    shown per second against what this machine's texture upload alone allows, measured in the
//    same run (glTexSubImage2D of the same 64 MB texture, to completion), and that upload
//    through a pixel buffer object (map, copy, unmap, upload from the buffer) beside it;
//  - 100 lines x 10,000 points per frame (waves): frames shown per second against a loop that
//    only uploads the same vertices and draws them with one glMultiDrawArrays.
// The producers' rates are reported too: where shown = made, the producer (one core computing
// 16.7 M random pixels and their statistics, or 1 M sines) is the limit, not the display.

#include <cstring>
#include <vector>

#include <glad/gl.h>
#include <nlohmann/json.hpp>

#include "bench/gl_window.hpp"
#include "bench/harness.hpp"
#include "bench/viewer_run.hpp"
#include "core/random.hpp"
#include "render/gl.hpp"
#include "render/image_layer.hpp"
#include "render/line_layer.hpp"
#include "render/renderer.hpp"

namespace rtv::bench {

namespace {

constexpr std::uint32_t kSide = 4096, kLines = 100, kPoints = 10'000;

// Runs `frame` for about `seconds` after a warm-up, each finished with glFinish; per second.
template <class F> double per_second(double seconds, F&& frame) {
    frame(0);
    glFinish();
    int n = 0;
    const auto t0 = Clock::now();
    double elapsed = 0.0;
    do {
        frame(++n);
        glFinish();
        elapsed = seconds_since(t0);
    } while (elapsed < seconds);
    return n / elapsed;
}

struct Limits {
    double upload = 0, pbo = 0, lines = 0; // per second
    std::string error;
};

Limits measure_limits(double seconds) {
    Limits out;
    auto window = open_gl_window(out.error);
    if (!window) return out;
    std::vector<float> pixels(std::size_t{kSide} * kSide);
    FastUniform(3).fill(pixels);
    const std::size_t bytes = pixels.size() * sizeof(float);
    const std::uint32_t tex = render::create_data_texture();
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R32F, kSide, kSide, 0, GL_RED, GL_FLOAT, nullptr);
    out.upload = per_second(seconds, [&](int n) {
        pixels[std::size_t(n) % pixels.size()] = float(n);
        glBindTexture(GL_TEXTURE_2D, tex);
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, kSide, kSide, GL_RED, GL_FLOAT, pixels.data());
    });
    GLuint pbo = 0;
    glGenBuffers(1, &pbo);
    glBindBuffer(GL_PIXEL_UNPACK_BUFFER, pbo);
    glBufferData(GL_PIXEL_UNPACK_BUFFER, GLsizeiptr(bytes), nullptr, GL_STREAM_DRAW);
    out.pbo = per_second(seconds, [&](int n) {
        pixels[std::size_t(n) % pixels.size()] = float(n);
        glBindBuffer(GL_PIXEL_UNPACK_BUFFER, pbo);
        void* dst = glMapBufferRange(GL_PIXEL_UNPACK_BUFFER, 0, GLsizeiptr(bytes),
                                     GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT);
        if (dst) std::memcpy(dst, pixels.data(), bytes);
        glUnmapBuffer(GL_PIXEL_UNPACK_BUFFER);
        glBindTexture(GL_TEXTURE_2D, tex);
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, kSide, kSide, GL_RED, GL_FLOAT, nullptr);
    });
    glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
    glDeleteBuffers(1, &pbo);
    GLuint t = tex;
    glDeleteTextures(1, &t);
    // Lines: upload and one multi-draw, nothing else.
    render::Renderer renderer;
    if (Status s = renderer.init(); !s) out.error = s.message();
    std::array<std::vector<LinePoint>, 2> frames;
    for (int f = 0; f < 2; ++f)
        for (std::uint32_t l = 0; l < kLines; ++l)
            for (std::uint32_t i = 0; i < kPoints; ++i)
                frames[f].push_back({float(i), float(l) + 0.4f * float((i + l + f) % 7) / 7.0f});
    render::LineLayer layer;
    render::Camera camera;
    camera.set_range({0, 0, double(kPoints), double(kLines)});
    glViewport(0, 0, 1280, 800);
    out.lines = per_second(seconds, [&](int n) {
        if (Status s = layer.upload(kLines, kPoints, frames[n & 1]); !s) out.error = s.message();
        glClear(GL_COLOR_BUFFER_BIT);
        if (Status s = renderer.draw(layer, camera, {}); !s) out.error = s.message();
        window->swap();
    });
    if (Status s = render::check_gl("display limits"); !s) out.error = s.message();
    return out;
}

struct ViewerFigures {
    // Frames drawn per second; new frames of the stream shown, and made by its producer.
    double fps = 0, shown = 0, produced = 0;
    std::string error;
};

ViewerFigures run_viewer(const Config& c, double seconds, const std::string& producer) {
    ViewerFigures out;
    const ViewerRun run = run_headless_viewer(
        c, "--no-vsync --duration " + std::to_string(seconds) + " --producer " + producer);
    out.error = run.error;
    if (!out.error.empty()) return out;
    const nlohmann::json& j = run.stats;
    out.fps = j.at("display_fps").get<double>();
    const double d = j.at("duration_s").get<double>();
    out.shown = j.at("streams").at(0).at("displayed").get<double>() / d;
    out.produced = j.at("streams").at(0).at("produced").get<double>() / d;
    return out;
}

} // namespace

void bench_display(const Config& c, Report& report) {
    const double seconds = c.quick ? 0.3 : 3.0;
    const Limits limits = measure_limits(seconds);
    const double mb = double(kSide) * kSide * 4 / 1e6;
    const ViewerFigures big = run_viewer(c, c.quick ? 1.0 : 6.0,
                                         "sweep:width=4096,height=4096,interval=auto,iterations=0");
    Result r =
        compare("display", "4096x4096 float32 images", "images shown/s", big.shown,
                "texture upload alone (glTexSubImage2D)", limits.upload, "upload-bound at 1.0");
    r.metrics = {{"images shown", big.shown, "/s"},
                 {"images made by the producer", big.produced, "/s"},
                 {"frames drawn", big.fps, "/s"},
                 {"shown", big.shown * mb, "MB/s"},
                 {"upload alone", limits.upload * mb, "MB/s"},
                 {"upload through a PBO", limits.pbo * mb, "MB/s"}};
    r.error = !limits.error.empty() ? limits.error : big.error;
    r.ok = r.error.empty();
    report.add(r);

    Result p = compare("display", "4096x4096 upload through a PBO", "uploads/s", limits.pbo,
                       "glTexSubImage2D from client memory", limits.upload,
                       "above 1: a PBO pays (the viewer uploads directly)");
    p.error = limits.error;
    p.ok = r.ok;
    report.add(p);

    const ViewerFigures lines =
        run_viewer(c, c.quick ? 1.0 : 6.0, "waves:lines=100,points=10000,interval=auto");
    Result l = compare("display", "100 lines x 10,000 points", "frames shown/s", lines.shown,
                       "upload + one multi-draw alone", limits.lines, "higher is better");
    l.metrics = {{"frames shown", lines.shown, "/s"},
                 {"frames made by the producer", lines.produced, "/s"},
                 {"frames drawn", lines.fps, "/s"},
                 {"upload + draw alone", limits.lines, "/s"}};
    l.error = !limits.error.empty() ? limits.error : lines.error;
    l.ok = l.error.empty();
    report.add(l);
}

} // namespace rtv::bench
