#include "bench/limit_loop.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <vector>

#include <glad/gl.h>
#include <imgui.h>

#include "bench/gl_window.hpp"
#include "bench/harness.hpp"
#include "core/random.hpp"
#include "render/gl.hpp"
#include "render/renderer.hpp"

namespace rtv::bench {

namespace {

constexpr std::uint32_t kW = 800, kH = 600, kPoints = 200;
constexpr float kPanel = 470.0f;

// The panel: what the viewer's panel shows on this workload, in the same widgets.
void build_panel(int height, double fps, const std::array<float, 240>& times,
                 const std::array<float, 128>& bins, unsigned long long frames) {
    ImGui::SetNextWindowPos({0, 0});
    ImGui::SetNextWindowSize({kPanel, float(height)});
    ImGui::Begin("rtviewer", nullptr,
                 ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
    ImGui::Text("%.0f fps  frame %.2f ms", fps, fps > 0 ? 1000.0 / fps : 0.0);
    ImGui::PlotLines("##frame", times.data(), int(times.size()), 0, "frame time (ms)", 0.0f, 20.0f,
                     {-1, 50});
    ImGui::Text("cursor: outside the views");
    ImGui::Separator();
    bool paused = false; // the widget is drawn, not used
    ImGui::Checkbox("Pause display (Space)", &paused);
    ImGui::Button("Screenshot (S)");
    ImGui::SameLine();
    ImGui::Button("Reset views (R)");
    ImGui::SameLine();
    ImGui::Button("Quit (Q)");
    ImGui::Separator();
    ImGui::Text("sweep/image");
    ImGui::Text("viridis   auto");
    ImGui::Text("limits 0 .. 1, 0 bad pixels");
    ImGui::PlotHistogram("##hist", bins.data(), int(bins.size()), 0, nullptr, 0.0f, 1.0f, {-1, 70});
    ImGui::Separator();
    ImGui::Text("sweep  [running]");
    if (ImGui::BeginTable("streams", 8, ImGuiTableFlags_Borders)) {
        for (const char* h : {"stream", "view", "prod/s", "disp/s", "drop", "super", "rej", "p50"})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (const char* s : {"sweep/image", "sweep/line"}) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(s);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted("view");
            for (int c = 0; c < 6; ++c) {
                ImGui::TableNextColumn();
                ImGui::Text("%llu", frames % (97 + c));
            }
        }
        ImGui::EndTable();
    }
    ImGui::End();
}

} // namespace

double limit_loop_fps(int width, int height, double seconds, std::string& error, bool windowed,
                      double progress_s) {
    auto window = open_gl_window(error, width, height, !windowed);
    if (!window) return 0.0;
    render::Renderer renderer;
    if (Status s = renderer.init(); !s) {
        error = s.message();
        return 0.0;
    }
    // Two frames of each, alternated: every upload carries new bytes.
    SplitMix64 rng(7);
    std::array<std::vector<float>, 2> images;
    std::array<std::vector<LinePoint>, 2> lines;
    for (int f = 0; f < 2; ++f) {
        images[f].resize(std::size_t(kW) * kH);
        for (float& v : images[f])
            v = float(rng.uniform());
        for (std::uint32_t i = 0; i < kPoints; ++i)
            lines[f].push_back({float(i), float(0.5 + 0.5 * std::sin(0.05 * i + f))});
    }
    std::array<float, 128> bins{};
    for (std::size_t i = 0; i < bins.size(); ++i)
        bins[i] = 0.5f + 0.4f * float(i % 7) / 7.0f;
    std::array<float, 240> times{};
    render::ImageLayer image;
    render::LineLayer line;
    render::Camera image_camera, line_camera;
    image_camera.set_y_down(true);
    image_camera.set_range({0, 0, double(kW), double(kH)});
    line_camera.set_range({0, 0, double(kPoints - 1), 1.0}, 0.02);
    const int px = std::min(int(kPanel), width / 2); // as the viewer places its panel
    const int right = width - px, top = height / 3;
    const render::Viewport iv{px, top, right, height - top}, lv{px, 0, right, top};
    image_camera.fit_aspect({double(iv.width), double(iv.height)});
    const ImageDesc desc{kW, kH};
    std::uint64_t frames = 0;
    double fps = 0.0;
    const auto t0 = Clock::now();
    auto last = t0;
    double elapsed = 0.0, next_progress = progress_s;
    do {
        window->begin_imgui_frame();
        const std::size_t f = frames & 1;
        if (Status s = image.upload(desc, images[f]); !s) error = s.message();
        if (Status s = line.upload(1, kPoints, lines[f]); !s) error = s.message();
        renderer.clear({0.75f, 0.75f, 0.75f});
        glViewport(iv.x, iv.y, iv.width, iv.height);
        renderer.draw(image, image_camera, {});
        glViewport(lv.x, lv.y, lv.width, lv.height);
        if (Status s = renderer.draw(line, line_camera, {}); !s) error = s.message();
        glViewport(0, 0, width, height);
        build_panel(height, fps, times, bins, static_cast<unsigned long long>(frames));
        window->render_imgui();
        window->swap();
        const auto now = Clock::now();
        const double dt = std::chrono::duration<double>(now - last).count();
        last = now;
        times[frames % times.size()] = float(dt * 1e3);
        fps = dt > 0 ? 0.9 * fps + 0.1 / dt : fps;
        ++frames;
        elapsed = seconds_since(t0);
        if (progress_s > 0 && elapsed >= next_progress) {
            std::printf("limit: progress t=%.1f s frames=%llu\n", elapsed,
                        static_cast<unsigned long long>(frames));
            std::fflush(stdout);
            next_progress += progress_s;
        }
    } while (elapsed < seconds && error.empty());
    if (Status s = render::check_gl("limit loop"); !s && error.empty()) error = s.message();
    return error.empty() ? double(frames) / elapsed : 0.0;
}

int limit_window_main(int argc, char** argv) {
    int w = 0, h = 0;
    double seconds = 0.0;
    if (argc != 4 || std::sscanf(argv[2], "%dx%d", &w, &h) != 2 || w < 64 || h < 64 ||
        std::sscanf(argv[3], "%lf", &seconds) != 1 || !(seconds > 0)) {
        std::fprintf(stderr, "rtv_bench: usage: rtv_bench --limit-window WIDTHxHEIGHT SECONDS\n");
        return 2;
    }
    std::string error;
    const double fps = limit_loop_fps(w, h, seconds, error, true, 0.25);
    if (!error.empty()) {
        std::fprintf(stderr, "rtv_bench: limit loop: %s\n", error.c_str());
        return 1;
    }
    std::printf("limit: done fps=%.1f\n", fps);
    return 0;
}

} // namespace rtv::bench
