// The ImGui panels of the viewer: controls, streams table, timing. Dear ImGui only (no backend),
// so tests draw them headless. Thread: main.

#include <algorithm>
#include <cstdio>

#include <imgui.h>

#include "app/viewer_app.hpp"
#include "render/colormap.hpp"

namespace rtv::app {

namespace {

ImVec4 state_color(ProducerState s) {
    switch (s) {
    case ProducerState::Running:
        return {0.4f, 0.9f, 0.4f, 1.0f};
    case ProducerState::Failed:
        return {1.0f, 0.35f, 0.35f, 1.0f};
    case ProducerState::Finished:
        return {0.6f, 0.7f, 1.0f, 1.0f};
    default:
        return {0.8f, 0.8f, 0.8f, 1.0f};
    }
}

void controls(ViewState& state) {
    int map = static_cast<int>(state.colormap);
    const auto names = render::colormap_names();
    if (ImGui::BeginCombo("Image colormap", names[static_cast<std::size_t>(map)].data())) {
        for (std::size_t i = 0; i < names.size(); ++i)
            if (ImGui::Selectable(names[i].data(), int(i) == map))
                state.colormap = static_cast<render::Colormap>(i);
        ImGui::EndCombo();
    }
    render::Contrast& con = state.contrast;
    const auto modes = render::contrast_mode_names();
    if (ImGui::BeginCombo("Contrast", render::name_of(con.mode).data())) {
        for (std::size_t i = 0; i < modes.size(); ++i)
            if (ImGui::Selectable(modes[i].data(), static_cast<std::size_t>(con.mode) == i))
                con.mode = static_cast<render::ContrastMode>(i);
        ImGui::EndCombo();
    }
    if (con.mode == render::ContrastMode::Manual) {
        ImGui::DragFloatRange2("limits", &con.manual_lo, &con.manual_hi, 0.01f, 0.0f, 0.0f,
                               "low %.4g", "high %.4g");
    } else if (con.mode == render::ContrastMode::Percentile) {
        ImGui::DragFloatRange2("percentiles", &con.pct_lo, &con.pct_hi, 0.1f, 0.0f, 100.0f,
                               "low %.1f %%", "high %.1f %%", ImGuiSliderFlags_AlwaysClamp);
    }

    const auto colors = render::color_names();
    const char* current = "custom";
    for (std::string_view c : colors) {
        const render::Rgb rgb = *render::find_color(c);
        if (rgb.r == state.line_color.r && rgb.g == state.line_color.g &&
            rgb.b == state.line_color.b)
            current = c.data();
    }
    if (ImGui::BeginCombo("Line color", current)) {
        for (std::string_view c : colors)
            if (ImGui::Selectable(c.data(), current == c.data()))
                state.line_color = *render::find_color(c);
        ImGui::EndCombo();
    }
    ImGui::ColorEdit3("##line rgb", &state.line_color.r, ImGuiColorEditFlags_NoInputs);
    ImGui::SameLine();
    ImGui::TextUnformatted("pick any colour");

    ImGui::Checkbox("Pause display (Space)", &state.paused);
    if (ImGui::Button("Screenshot (S)")) state.screenshot_requested = true;
    ImGui::SameLine();
    if (ImGui::Button("Reset view (R)")) state.reset_requested = true;
    ImGui::SameLine();
    if (ImGui::Button("Quit (Q)")) state.quit = true;
}

void streams_table(ProducerHost& host, std::vector<StreamView>& views) {
    static std::string message; // reused buffer: no allocation per frame once grown
    for (std::size_t p = 0; p < host.producer_count(); ++p) {
        const ProducerStatus& status = host.producer_status(p);
        ImGui::PushID(static_cast<int>(p));
        ImGui::TextColored(state_color(status.state()), "%s  [%s]", host.producer_name(p).c_str(),
                           to_string(status.state()));
        if (status.message(message)) ImGui::TextWrapped("%s", message.c_str());
        const ScheduleControl& control = host.control(p);
        float interval_ms = float(control.interval_s.load() * 1000.0);
        float latency_ms = float(control.latency_s.load() * 1000.0);
        ImGui::SetNextItemWidth(150);
        if (ImGui::DragFloat("interval ms (0 = auto)", &interval_ms, 0.5f, 0.0f, 10000.0f, "%.1f"))
            host.set_interval(p, double(interval_ms) / 1000.0);
        ImGui::SetNextItemWidth(150);
        if (ImGui::DragFloat("latency ms", &latency_ms, 5.0f, 0.0f, 60000.0f, "%.0f"))
            host.set_latency(p, double(latency_ms) / 1000.0);
        ImGui::PopID();
    }
    ImGui::Spacing();
    const ImGuiTableFlags flags =
        ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit;
    if (ImGui::BeginTable("streams", 9, flags)) {
        for (const char* h :
             {"stream", "prod/s", "disp/s", "drop", "super", "rej", "gaps", "p50", "p99"})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (std::size_t id = 0; id < views.size() && id < host.stream_count(); ++id) {
            const Stream& s = host.stream(static_cast<std::uint16_t>(id));
            const StatsSnapshot st = s.stats().read();
            const StreamView& v = views[id];
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(s.request().name.c_str());
            if (ImGui::IsItemHovered() && s.stats().last_error(message))
                ImGui::SetTooltip("%s", message.c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%.0f", v.rates.produced_per_s());
            ImGui::TableNextColumn();
            ImGui::Text("%.0f", v.rates.displayed_per_s());
            ImGui::TableNextColumn();
            ImGui::Text("%llu", static_cast<unsigned long long>(st.dropped()));
            ImGui::TableNextColumn();
            ImGui::Text("%llu", static_cast<unsigned long long>(st.superseded));
            ImGui::TableNextColumn();
            ImGui::Text("%llu", static_cast<unsigned long long>(st.rejected));
            ImGui::TableNextColumn();
            ImGui::Text("%llu", static_cast<unsigned long long>(st.gaps));
            ImGui::TableNextColumn();
            ImGui::Text("%.1fms", double(st.latency_p50_ns) * 1e-6);
            ImGui::TableNextColumn();
            ImGui::Text("%.1fms", double(st.latency_p99_ns) * 1e-6);
        }
        ImGui::EndTable();
    }
    for (std::size_t id = 0; id < host.stream_count(); ++id) {
        const Stream& s = host.stream(static_cast<std::uint16_t>(id));
        if (s.stats().read().errors > 0 && s.stats().last_error(message))
            ImGui::TextColored({1.0f, 0.6f, 0.3f, 1.0f}, "%s", message.c_str());
    }
}

// Per layer: opacity and draw order (2D transparency as in the VisPy FAQ: layers are blended
// over those drawn before them), and the contrast limits an image is drawn with.
void layers(ProducerHost& host, std::vector<StreamView>& views) {
    if (!ImGui::CollapsingHeader("Layers", ImGuiTreeNodeFlags_DefaultOpen)) return;
    for (std::size_t id = 0; id < views.size() && id < host.stream_count(); ++id) {
        const Stream& s = host.stream(static_cast<std::uint16_t>(id));
        StreamView& v = views[id];
        if (!v.has_frame) continue; // nothing drawn yet (or ever: zmq/messages)
        ImGui::PushID(static_cast<int>(id));
        ImGui::TextUnformatted(s.request().name.c_str());
        ImGui::SameLine(130);
        ImGui::SetNextItemWidth(110);
        ImGui::SliderFloat("opacity", &v.opacity, 0.0f, 1.0f, "%.2f");
        ImGui::SameLine();
        ImGui::SetNextItemWidth(60);
        ImGui::DragInt("order", &v.order, 0.1f, -100, 100);
        if (s.kind() == FrameKind::Image && v.has_frame)
            ImGui::Text("    limits %.4g .. %.4g, %u bad pixels", double(v.limits.lo),
                        double(v.limits.hi), v.last_stats.nonfinite);
        ImGui::PopID();
    }
}

} // namespace

void ViewerApp::draw_panels(ViewState& state, ProducerHost& host, std::vector<StreamView>& views,
                            const LatencyHistogram& frame_times, std::span<const float> recent_ms,
                            const std::string& cursor_text, const std::string& notice,
                            const std::string& recording, float panel_width) {
    const ImGuiIO& io = ImGui::GetIO();
    ImGui::SetNextWindowPos({0, 0});
    ImGui::SetNextWindowSize({panel_width, io.DisplaySize.y});
    ImGui::Begin("rtviewer", nullptr,
                 ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                     ImGuiWindowFlags_NoBackground);
    const double p50 = double(frame_times.quantile_ns(0.5)) * 1e-6;
    const double p99 = double(frame_times.quantile_ns(0.99)) * 1e-6;
    ImGui::Text("%.0f fps  frame %.2f ms (p99 %.2f)", io.Framerate, p50, p99);
    float top = 1.0f;
    for (float v : recent_ms)
        top = std::max(top, v);
    ImGui::PlotLines("##frame times", recent_ms.data(), static_cast<int>(recent_ms.size()), 0,
                     "frame time (ms)", 0.0f, top * 1.1f, {panel_width - 20.0f, 50.0f});
    ImGui::TextUnformatted(cursor_text.empty() ? "cursor: outside the views" : cursor_text.c_str());
    if (!notice.empty()) ImGui::TextUnformatted(notice.c_str());
    if (!recording.empty()) ImGui::TextColored({1.0f, 0.4f, 0.4f, 1.0f}, "%s", recording.c_str());
    ImGui::Separator();
    controls(state);
    ImGui::Separator();
    streams_table(host, views);
    ImGui::Separator();
    layers(host, views);
    ImGui::End();
}

} // namespace rtv::app
