// 4. Rendering headless (SDL offscreen, Mesa llvmpipe), per display frame, each finished with
// glFinish so that the GPU's (here: llvmpipe's threads') work is inside the timing:
//  - a 600x800 float image uploaded as R32F and colormapped in the fragment shader (the
//    renderer's path) against colormapping on the CPU and uploading RGBA8 (the baseline);
//  - 100 lines x 1000 points drawn with one glMultiDrawArrays against 100 glDrawArrays calls
//    (the VisPy FAQ's batching advice, measured), same buffer and shader.

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include <glad/gl.h>

#include "bench/gl_window.hpp"
#include "bench/harness.hpp"
#include "core/random.hpp"
#include "render/colormap.hpp"
#include "render/gl.hpp"
#include "render/renderer.hpp"
#include "render/shader.hpp"

namespace rtv::bench {

namespace {

constexpr std::uint32_t kW = 800, kH = 600;

const char* kQuadVs = R"(#version 330 core
uniform vec4 u_xform; // scale xy, offset xy: data -> NDC
uniform vec2 u_size;
out vec2 v_uv;
void main() {
    vec2 corner = vec2(gl_VertexID & 1, gl_VertexID >> 1);
    v_uv = corner;
    gl_Position = vec4(corner * u_size * u_xform.xy + u_xform.zw, 0.0, 1.0);
})";
const char* kQuadFs = R"(#version 330 core
uniform sampler2D u_rgba;
in vec2 v_uv;
out vec4 o_color;
void main() { o_color = texture(u_rgba, v_uv); })";
const char* kLineVs = R"(#version 330 core
layout(location = 0) in vec2 a_pos;
uniform vec4 u_xform;
void main() { gl_Position = vec4(a_pos * u_xform.xy + u_xform.zw, 0.0, 1.0); })";
const char* kLineFs = R"(#version 330 core
out vec4 o_color;
void main() { o_color = vec4(1.0, 0.0, 0.0, 1.0); })";

using render::Program;

void set_xform(const Program& p, const render::Camera& cam) {
    float sx, sy, ox, oy;
    cam.ndc_transform(sx, sy, ox, oy);
    glUniform4f(p.uniform("u_xform"), sx, sy, ox, oy);
}

// Runs `frame` for about `seconds` (after a warm-up), returns milliseconds per frame.
template <class F> double ms_per_frame(double seconds, F&& frame) {
    for (int i = 0; i < 3; ++i)
        frame(i);
    glFinish();
    int n = 0;
    const auto t0 = Clock::now();
    double elapsed = 0.0;
    do {
        frame(n++);
        glFinish();
        elapsed = seconds_since(t0);
    } while (elapsed < seconds);
    return elapsed * 1e3 / n;
}

Result failed(const char* name, std::string error) {
    Result r;
    r.bench = "render";
    r.name = name;
    r.ok = false;
    r.error = std::move(error);
    return r;
}

} // namespace

void bench_render(const Config& c, Report& report) {
    std::string error;
    auto window = open_gl_window(error);
    if (!window) {
        report.add(failed("context", error));
        return;
    }
    report.set_gl_renderer(render::gl_renderer());
    const double seconds = c.quick ? 0.15 : 2.0;
    const int rounds = c.quick ? 1 : 3;
    render::Renderer renderer;
    Program quad, line;
    if (Status s = renderer.init(); !s) error = s.message();
    if (Status s = quad.build("rgba quad", kQuadVs, kQuadFs); !s) error = s.message();
    if (Status s = line.build("bench line", kLineVs, kLineFs); !s) error = s.message();
    if (!error.empty()) {
        report.add(failed("shaders", error));
        return;
    }

    // --- Images: GPU colormap vs CPU colormap + RGBA8 upload.
    std::vector<float> pixels(std::size_t{kW} * kH);
    FastUniform rng(1);
    rng.fill(pixels);
    render::Camera cam;
    cam.set_range({0, 0, double(kW), double(kH)}, 0.0);
    const render::Viewport vp{0, 0, int(kW), int(kH)};
    render::ImageLayer layer;
    auto gpu_frame = [&](int n) {
        pixels[std::size_t(n) % pixels.size()] = float(n % 7) / 7.0f; // a changing frame
        if (Status s = layer.upload({kW, kH}, pixels); !s) error = s.message();
        renderer.begin_view(vp, {0, 1, 1});
        renderer.draw(layer, cam, {render::Colormap::Viridis, 0.0f, 1.0f, 1.0f, {1, 0, 1}});
        renderer.end_view();
    };
    std::array<std::uint32_t, 256> table{};
    for (std::size_t i = 0; i < 256; ++i) {
        const render::Rgb e = render::colormap_entry(render::Colormap::Viridis, i);
        const auto to8 = [](float v) { return std::uint32_t(std::lround(v * 255.0f)); };
        table[i] = to8(e.r) | to8(e.g) << 8 | to8(e.b) << 16 | 0xFF000000u;
    }
    std::vector<std::uint32_t> rgba(pixels.size());
    std::uint32_t tex = render::create_data_texture();
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, kW, kH, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
    GLuint vao = 0;
    glGenVertexArrays(1, &vao);
    auto cpu_frame = [&](int n) {
        pixels[std::size_t(n) % pixels.size()] = float(n % 7) / 7.0f;
        const float lo = 0.0f, hi = 1.0f, scale = 255.0f / (hi - lo);
        for (std::size_t i = 0; i < pixels.size(); ++i) {
            const float t = std::clamp((pixels[i] - lo) * scale, 0.0f, 255.0f);
            rgba[i] = table[std::size_t(t)];
        }
        glBindTexture(GL_TEXTURE_2D, tex);
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, kW, kH, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
        renderer.begin_view(vp, {0, 1, 1});
        glUseProgram(quad.gl_name());
        set_xform(quad, cam);
        glUniform2f(quad.uniform("u_size"), float(kW), float(kH));
        glUniform1i(quad.uniform("u_rgba"), 0);
        glActiveTexture(GL_TEXTURE0);
        glBindTexture(GL_TEXTURE_2D, tex);
        glBindVertexArray(vao);
        glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
        glBindVertexArray(0);
        renderer.end_view();
    };
    std::vector<double> gpu, cpu;
    for (int r = 0; r < rounds; ++r) {
        gpu.push_back(ms_per_frame(seconds, gpu_frame));
        cpu.push_back(ms_per_frame(seconds, cpu_frame));
    }
    Result img = compare("render", "image 600x800 upload+draw", "ms per frame", median(gpu),
                         "CPU colormap + RGBA8", median(cpu),
                         "lower is better: below 1.0 the GPU colormap wins");
    img.metrics = {{"GPU colormap (R32F)", img.subject, "ms"},
                   {"CPU colormap (RGBA8)", img.reference, "ms"}};
    if (Status s = render::check_gl("image bench"); !s) error = s.message();
    img.ok = error.empty();
    img.error = error;
    report.add(std::move(img));

    // --- Lines: one multi-draw call vs one draw call per line.
    constexpr std::uint32_t kLines = 100, kPoints = 1000;
    std::vector<LinePoint> pts(std::size_t{kLines} * kPoints);
    for (std::uint32_t l = 0; l < kLines; ++l)
        for (std::uint32_t i = 0; i < kPoints; ++i)
            pts[std::size_t{l} * kPoints + i] = {
                float(i), float(l) + 0.4f * std::sin(float(i) * 0.05f + float(l))};
    render::LineLayer lines;
    if (Status s = lines.upload(kLines, kPoints, pts); !s) error = s.message();
    render::Camera lcam;
    lcam.set_range({0, -1, double(kPoints), double(kLines)}, 0.0);
    auto begin_lines = [&] {
        renderer.begin_view(vp, {1, 1, 1});
        glUseProgram(line.gl_name());
        set_xform(line, lcam);
        glBindVertexArray(lines.gl_vertex_array());
    };
    auto batched = [&](int) {
        begin_lines();
        const auto f = lines.firsts();
        const auto n = lines.counts();
        glMultiDrawArrays(GL_LINE_STRIP, f.data(), n.data(), GLsizei(f.size()));
        glBindVertexArray(0);
        renderer.end_view();
    };
    auto separate = [&](int) {
        begin_lines();
        const auto f = lines.firsts();
        const auto n = lines.counts();
        for (std::size_t i = 0; i < f.size(); ++i)
            glDrawArrays(GL_LINE_STRIP, f[i], n[i]);
        glBindVertexArray(0);
        renderer.end_view();
    };
    std::vector<double> one, many;
    for (int r = 0; r < rounds; ++r) {
        one.push_back(ms_per_frame(seconds, batched));
        many.push_back(ms_per_frame(seconds, separate));
    }
    Result ln =
        compare("render", "100 lines x 1000 points", "ms per frame", median(one),
                "100 glDrawArrays", median(many), "lower is better: below 1.0 batching wins");
    ln.metrics = {{"one glMultiDrawArrays", ln.subject, "ms"},
                  {"100 glDrawArrays", ln.reference, "ms"}};
    if (Status s = render::check_gl("line bench"); !s) error = s.message();
    ln.ok = error.empty() && lines.counts().size() == kLines;
    ln.error = error;
    report.add(std::move(ln));
    glDeleteVertexArrays(1, &vao);
    glDeleteTextures(1, &tex);
}

} // namespace rtv::bench
