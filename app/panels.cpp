#include "app/panels.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include <imgui.h>

#include "app/axes.hpp"
#include "core/pixel_format.hpp"
#include "core/producer_board.hpp"
#include "plugin_host/plugin_loader.hpp"
#include "producers/registry.hpp"
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

// One combo over a table of names; true when the choice changed.
template <class Enum>
bool name_combo(const char* label, std::span<const std::string_view> names, Enum& value) {
    const auto current = static_cast<std::size_t>(value);
    bool changed = false;
    if (ImGui::BeginCombo(label, names[current].data())) {
        for (std::size_t i = 0; i < names.size(); ++i)
            if (ImGui::Selectable(names[i].data(), i == current)) {
                value = static_cast<Enum>(i);
                changed = true;
            }
        ImGui::EndCombo();
    }
    return changed;
}

void contrast_controls(render::Contrast& con, const Layer& layer) {
    const auto modes = render::contrast_mode_names();
    if (name_combo("contrast", std::span<const std::string_view>(modes), con.mode) &&
        con.mode == render::ContrastMode::Manual) { // start from the limits in use
        con.manual_lo = layer.limits.lo;
        con.manual_hi = layer.limits.hi > layer.limits.lo ? layer.limits.hi : layer.limits.lo + 1;
    }
    if (con.mode == render::ContrastMode::Manual) {
        ImGui::DragFloatRange2("limits", &con.manual_lo, &con.manual_hi, 0.01f, 0.0f, 0.0f,
                               "low %.4g", "high %.4g");
    } else if (con.mode == render::ContrastMode::Percentile) {
        ImGui::DragFloatRange2("percentiles", &con.pct_lo, &con.pct_hi, 0.1f, 0.0f, 100.0f,
                               "low %.1f %%", "high %.1f %%", ImGuiSliderFlags_AlwaysClamp);
    }
}

void color_controls(render::Rgb& color) {
    const auto colors = render::color_names();
    const char* current = "custom";
    for (std::string_view c : colors) {
        const render::Rgb rgb = *render::find_color(c);
        if (rgb.r == color.r && rgb.g == color.g && rgb.b == color.b) current = c.data();
    }
    if (ImGui::BeginCombo("line color", current)) {
        for (std::string_view c : colors)
            if (ImGui::Selectable(c.data(), current == c.data())) color = *render::find_color(c);
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::ColorEdit3("##rgb", &color.r, ImGuiColorEditFlags_NoInputs);
}

void buttons(Controls& c, Canvas& canvas) {
    ImGui::Checkbox("Pause display (Space)", &c.paused);
    if (ImGui::Button("Screenshot (S)")) c.screenshot_requested = true;
    ImGui::SameLine();
    if (ImGui::Button("Reset views (R)")) canvas.reset();
    ImGui::SameLine();
    if (ImGui::Button("Save layout")) c.save_layout_requested = true;
    ImGui::SameLine();
    if (ImGui::Button("Quit (Q)")) c.quit = true;
}

// An ImGui text field over a std::string (copied only when edited).
void text_field(const char* label, std::string& text) {
    std::array<char, 128> buf{};
    text.copy(buf.data(), buf.size() - 1);
    ImGui::SetNextItemWidth(200);
    if (ImGui::InputText(label, buf.data(), buf.size())) text = buf.data();
}

// The selected view: its background, axis titles and grid, and each of its layers' display
// settings.
void view_editor(PanelContext& ctx) {
    Canvas& canvas = ctx.canvas;
    auto& views = canvas.views();
    if (views.empty()) return;
    if (!ImGui::CollapsingHeader("View", ImGuiTreeNodeFlags_DefaultOpen)) return;
    View& view = views[canvas.selected()];
    if (ImGui::BeginCombo("view (click one)", view.name.c_str())) {
        for (std::size_t i = 0; i < views.size(); ++i)
            if (ImGui::Selectable(views[i].name.c_str(), i == canvas.selected())) canvas.select(i);
        ImGui::EndCombo();
    }
    ImGui::ColorEdit3("background", &view.background.r, ImGuiColorEditFlags_NoInputs);
    ImGui::SameLine();
    if (ImGui::Button("Reset this view (double-click)")) canvas.reset(canvas.selected());
    ImGui::SameLine();
    // Its streams go to another view of their kind; the last view stays.
    if (ImGui::Button("Close view") && canvas.close_view(canvas.selected())) return;
    if (view.profile) {
        ImGui::Text("profile from (%.4g, %.4g) to (%.4g, %.4g)", view.profile->a.x,
                    view.profile->a.y, view.profile->b.x, view.profile->b.y);
        ImGui::SameLine();
        if (ImGui::Button("close")) canvas.clear_profile(canvas.selected());
    } else if (view.profile_source != Canvas::npos) {
        ImGui::Text("profile of %s", views[view.profile_source].name.c_str());
    } else if (view.images) {
        ImGui::TextDisabled("shift-drag on the image: a line profile");
    }
    text_field("x label", view.x_label);
    text_field("y label", view.y_label);
    ImGui::Checkbox("grid", &view.grid);
    if (view.layers.empty()) ImGui::TextDisabled("no streams yet");
    for (const std::uint16_t id : view.layers) {
        LayerSettings& s = canvas.settings(id);
        Layer& layer = ctx.layers[id];
        ImGui::PushID(id);
        ImGui::Separator();
        ImGui::TextUnformatted(canvas.stream_name(id).c_str());
        ImGui::SetNextItemWidth(150);
        ImGui::SliderFloat("opacity", &s.opacity, 0.0f, 1.0f, "%.2f");
        ImGui::SameLine();
        ImGui::SetNextItemWidth(70);
        ImGui::DragInt("order", &s.order, 0.1f, -100, 100);
        const StreamRequest& request = ctx.host.stream(id).request();
        if (request.kind == FrameKind::Image && !request.image.format.mono()) {
            ImGui::TextDisabled("%s: drawn as it is (no colormap)%s",
                                format_name(request.image.format).data(),
                                request.image.format.channels == 4 ? ", alpha x opacity" : "");
        } else if (request.kind == FrameKind::Image) {
            name_combo("colormap", render::colormap_names(), s.colormap);
            contrast_controls(s.contrast, layer);
            ImGui::Text("limits %.4g .. %.4g, %u bad pixels", double(layer.shown_limits.lo),
                        double(layer.shown_limits.hi), layer.shown_nonfinite);
            if (ImGui::TreeNodeEx("histogram", ImGuiTreeNodeFlags_DefaultOpen)) {
                layer.histogram_shown = true; // the producer computes it while shown
                ImGui::SameLine();
                ImGui::Checkbox("log", &layer.histogram_log);
                // Within the room left of the scrollbar: both handles always show.
                histogram_levels("levels", layer.histogram, s.contrast, layer.shown_limits,
                                 layer.histogram_log, ImGui::GetContentRegionAvail().x - 8.0f);
                ImGui::TreePop();
            }
        } else {
            color_controls(s.line_color);
        }
        ImGui::PopID();
    }
}

// What a producer is: its kind, description, where it comes from (built in, or a plugin's file)
// and its own settings with their defaults (--list-producers says the same).
void producer_tooltip(const ProducerInfo& info) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40.0f);
    const producers::ProducerEntry* entry = producers::find(info.name);
    ImGui::Text("%.*s: %.*s", int(info.name.size()), info.name.data(), int(info.description.size()),
                info.description.data());
    if (entry && !entry->origin.empty())
        ImGui::TextDisabled("from %.*s", int(entry->origin.size()), entry->origin.data());
    else
        ImGui::TextDisabled("built in");
    if (entry)
        for (const producers::SettingInfo& s : entry->settings)
            ImGui::BulletText("%.*s=%.*s  %.*s", int(s.key.size()), s.key.data(),
                              int(s.default_value.size()), s.default_value.data(),
                              int(s.description.size()), s.description.data());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
}

// [SECTION] Producers: their rows, live controls and settings; the Cameras list

// What the panel shows of a producer's board (ProducerBoard: the rows it sets about itself), copied
// at the readings' rate into storage made once, and its live settings' edit fields.
constexpr std::size_t kMaxLiveFields = 8;
struct BoardView {
    const ProducerBoard* source = nullptr; // the board these rows are from
    std::int64_t taken_ns = -2;            // the readings they were copied with
    std::array<ProducerBoard::Row, ProducerBoard::kMaxRows> rows{};
    std::size_t count = 0;
    std::array<std::array<char, ProducerBoard::kValueBytes>, kMaxLiveFields> edit{};
    std::array<bool, kMaxLiveFields> editing{}; // the user is typing in the field
    bool refused = false;                       // the last edit found the change queue full
};
std::array<BoardView, kMaxProducers>& board_views() {
    static std::array<BoardView, kMaxProducers> views; // made once: no allocation per frame
    return views;
}

const ProducerBoard::Row* row_of(const BoardView& v, std::string_view key) {
    for (std::size_t i = 0; i < v.count; ++i)
        if (v.rows[i].key_view() == key) return &v.rows[i];
    return nullptr;
}

// The rows a producer shows about itself, and its live settings as fields: an edit (Enter) is
// queued for the producer's thread, which answers with the row of the same key.
void producer_board(const PanelContext& ctx, std::size_t p, const ProducerStatus& status) {
    const Producer& producer = ctx.host.producer(p);
    const std::span<const std::string> live = plugins::live_settings_of(producer.info().name);
    ProducerBoard* board = producer.board();
    if (!board) return;
    BoardView& v = board_views()[p];
    if (v.source != board || v.taken_ns != ctx.readings.taken_ns) {
        if (v.source != board) v = BoardView{};
        v.source = board;
        v.taken_ns = ctx.readings.taken_ns;
        v.count = board->copy(v.rows);
    }
    if (v.count > 0 &&
        ImGui::TreeNodeEx("##info", ImGuiTreeNodeFlags_DefaultOpen, "%s", "about it")) {
        for (std::size_t i = 0; i < v.count; ++i) {
            if (std::find(live.begin(), live.end(), v.rows[i].key_view()) != live.end())
                continue; // shown in its field below
            ImGui::TextDisabled("%s:", v.rows[i].key.data());
            ImGui::SameLine();
            ImGui::TextWrapped("%s", v.rows[i].value.data());
        }
        ImGui::TreePop();
    }
    if (live.empty() || status.state() != ProducerState::Running) return;
    const producers::ProducerEntry* entry = producers::find(producer.info().name);
    for (std::size_t k = 0; k < live.size() && k < kMaxLiveFields; ++k) {
        const std::string& key = live[k];
        auto& text = v.edit[k];
        if (!v.editing[k]) { // what the producer says now, else the setting's default
            const ProducerBoard::Row* row = row_of(v, key);
            std::string_view now = row ? row->value_view() : std::string_view();
            if (!row && entry)
                for (const producers::SettingInfo& s : entry->settings)
                    if (s.key == key) now = s.default_value;
            const std::size_t n = std::min(now.size(), text.size() - 1);
            std::copy_n(now.data(), n, text.data());
            text[n] = '\0';
        }
        ImGui::SetNextItemWidth(150);
        if (ImGui::InputText(key.c_str(), text.data(), text.size(),
                             ImGuiInputTextFlags_EnterReturnsTrue)) {
            v.refused = !board->push_change(key, text.data());
            v.editing[k] = false;
            continue;
        }
        v.editing[k] = ImGui::IsItemActive();
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("live: Enter applies it while %s runs",
                              ctx.host.producer_name(p).c_str());
    }
    if (v.refused) ImGui::TextColored({1.0f, 0.6f, 0.3f, 1.0f}, "too many changes waiting");
}

// The devices the plugins' discover() finds, searched for on a thread of its own (a search
// takes about a second), and producers started from them while the viewer runs: made and
// configured on that thread too (configure() may open a camera), started on the main thread.
// Work the panel's own threads finished (a camera search, a producer made): counted so that
// the loop's readings notice and the panel shows it without waiting for other input.
std::atomic<std::uint64_t> g_panel_work{0};

class CameraSearch {
public:
    ~CameraSearch() { finish(); }
    // Waits for a search or a start under way (a second at most: discover() is bounded) and
    // drops a producer made but not started, while the plugins are still loaded. Thread: main.
    void finish() {
        if (m_worker.joinable()) m_worker.join();
        std::lock_guard lock(m_mutex);
        m_made.reset();
    }
    // Starts a search unless one (or a start) is under way. Thread: main.
    void search() {
        begin([this] {
            std::vector<std::string> searched;
            std::vector<plugins::FoundDevice> found = plugins::discover_devices(&searched);
            std::lock_guard lock(m_mutex);
            m_found = std::move(found);
            m_searched = std::move(searched);
            m_done_once = true;
        });
    }
    // Makes the producer of `spec` on the worker; the next draw starts it. Thread: main.
    void start(std::string spec) {
        begin([this, spec = std::move(spec)] {
            producers::CreatedProducer made;
            Status s = producers::create(spec, made);
            if (s) s = plugins::apply_process_settings(made);
            std::lock_guard lock(m_mutex);
            if (s)
                m_made = std::make_unique<producers::CreatedProducer>(std::move(made));
            else
                m_note = s.message();
        });
    }
    bool busy() const { return m_busy.load(); }
    bool started_once() const { return m_started; }
    // Starts a producer the worker made, naming it after its kind ("aravis", "aravis#2").
    // Thread: main.
    void start_made(ProducerHost& host) {
        std::unique_ptr<producers::CreatedProducer> made;
        {
            std::lock_guard lock(m_mutex);
            made = std::move(m_made);
        }
        if (!made) return;
        std::string name = made->name.empty() ? made->type : made->name;
        for (int n = 2; taken(host, name); ++n)
            name = made->type + "#" + std::to_string(n);
        const std::string prefix = name != made->type ? name : std::string();
        const Status s = host.start(name, std::move(made->producer), made->schedule, prefix);
        std::lock_guard lock(m_mutex);
        m_note = s ? "started " + name : s.message();
    }
    // A copy of what the panel shows. Thread: main. Allocates: only when it changed.
    void read(std::vector<plugins::FoundDevice>& found, std::string& searched, std::string& note,
              bool& done_once) {
        std::lock_guard lock(m_mutex);
        if (found.size() != m_found.size() ||
            !std::equal(found.begin(), found.end(), m_found.begin(),
                        [](const auto& a, const auto& b) { return a.spec == b.spec; }))
            found = m_found;
        searched.clear();
        for (const std::string& n : m_searched)
            searched += (searched.empty() ? "" : ", ") + n;
        if (note != m_note) note = m_note;
        done_once = m_done_once;
    }

private:
    template <class F> void begin(F work) {
        if (m_busy.load()) return;
        if (m_worker.joinable()) m_worker.join(); // the last one has ended (not busy)
        m_busy.store(true);
        m_started = true;
        // No wake of the loop when it is done: the worker may outlive the host (a search under
        // way as the viewer exits). The panel shows the outcome at its next frame.
        m_worker = std::jthread([this, work = std::move(work)] {
            work();
            m_busy.store(false);
            g_panel_work.fetch_add(1); // the loop's readings see it and draw the panel
        });
    }
    static bool taken(const ProducerHost& host, const std::string& name) {
        for (std::size_t i = 0; i < host.producer_count(); ++i)
            if (host.producer_name(i) == name) return true;
        return false;
    }

    std::mutex m_mutex; // guards what the worker writes
    std::vector<plugins::FoundDevice> m_found;
    std::vector<std::string> m_searched;
    std::string m_note; // the last start's outcome
    std::unique_ptr<producers::CreatedProducer> m_made;
    bool m_done_once = false;
    std::atomic<bool> m_busy{false};
    bool m_started = false; // main thread only
    std::jthread m_worker;  // declared last: joined first
};

CameraSearch& camera_search() {
    static CameraSearch search; // made at the first draw; finished by finish_panel_work()
    return search;
}

// The "Cameras" section: what the plugins found, each with a Start button. Collapsed until
// opened; opening it the first time searches.
void cameras(PanelContext& ctx) {
    CameraSearch& search = camera_search();
    static std::vector<plugins::FoundDevice> found; // the panel's copy
    static std::string searched, note;
    static bool done_once = false;
    search.start_made(ctx.host);
    if (!ImGui::CollapsingHeader("Cameras")) return;
    if (!search.started_once()) search.search();
    search.read(found, searched, note, done_once);
    const bool busy = search.busy();
    if (busy) {
        ImGui::TextDisabled("searching...");
    } else if (ImGui::Button("Search")) {
        search.search();
    }
    if (!done_once) return;
    if (found.empty())
        ImGui::TextDisabled("no cameras found (searched: %s)",
                            searched.empty() ? "nothing, no plugin that can search is loaded"
                                             : searched.c_str());
    for (std::size_t i = 0; i < found.size(); ++i) {
        ImGui::PushID(static_cast<int>(i));
        if (busy) ImGui::BeginDisabled();
        if (ImGui::SmallButton("Start")) search.start(found[i].spec);
        if (busy) ImGui::EndDisabled();
        ImGui::SameLine();
        ImGui::TextUnformatted(found[i].description.c_str());
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("--producer '%s'", found[i].spec.c_str());
        ImGui::PopID();
    }
    if (!note.empty()) ImGui::TextWrapped("%s", note.c_str());
}

// The streams a network producer's publishers offer that it does not take (streams=), each
// with a button that subscribes to it; an error (too many subscriptions) is shown below them.
void offered_streams(ProducerHost& host, std::size_t p) {
    static std::vector<OfferedStream> offers; // main thread only: reused, no allocation
    static std::array<std::string, kMaxProducers> refusals;
    Producer& producer = host.producer(p);
    if (!producer.offered(offers) || (offers.empty() && refusals[p].empty())) return;
    if (!offers.empty() && ImGui::TreeNodeEx("##offered", ImGuiTreeNodeFlags_DefaultOpen,
                                             "offered, not shown (%zu)", offers.size())) {
        for (std::size_t i = 0; i < offers.size(); ++i) {
            ImGui::PushID(static_cast<int>(i));
            if (ImGui::SmallButton("show")) {
                const Status s = producer.subscribe(offers[i].name);
                refusals[p] = s ? std::string() : s.message();
            }
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("subscribe to %s: its frames come from now on",
                                  offers[i].name.c_str());
            ImGui::SameLine();
            ImGui::TextUnformatted(offers[i].name.c_str());
            if (!offers[i].detail.empty()) {
                ImGui::SameLine();
                ImGui::TextDisabled("%s", offers[i].detail.c_str());
            }
            ImGui::PopID();
        }
        if (const std::uint64_t left_out = producer.offered_left_out(); left_out > 0)
            ImGui::TextDisabled("the list is full: offered streams left out %llu times",
                                static_cast<unsigned long long>(left_out));
        ImGui::TreePop();
    }
    if (!refusals[p].empty())
        ImGui::TextColored(state_color(ProducerState::Failed), "%s", refusals[p].c_str());
}

// The producers with their live controls.
void producers(PanelContext& ctx, std::string& message) {
    ProducerHost& host = ctx.host;
    for (std::size_t p = 0; p < host.producer_count(); ++p) {
        const ProducerStatus& status = host.producer_status(p);
        ImGui::PushID(static_cast<int>(p));
        if (const std::uint32_t restarts = status.restarts(); restarts == 0)
            ImGui::TextColored(state_color(status.state()), "%s  [%s]",
                               host.producer_name(p).c_str(), to_string(status.state()));
        else
            ImGui::TextColored(state_color(status.state()), "%s  [%s, restarted %u]",
                               host.producer_name(p).c_str(), to_string(status.state()), restarts);
        if (ImGui::IsItemHovered()) producer_tooltip(host.producer(p).info());
        if (status.message(message)) ImGui::TextWrapped("%s", message.c_str());
        // A network producer's endpoints and their states (connected, retrying: why).
        static std::vector<EndpointState> endpoints; // main thread only: reused, no allocation
        if (host.producer(p).endpoints(endpoints))
            for (const EndpointState& e : endpoints)
                ImGui::TextColored(e.state == "connected" || e.state == "listening"
                                       ? state_color(ProducerState::Running)
                                       : state_color(ProducerState::Failed),
                                   "  %s  %s%s%s", e.endpoint.c_str(), e.state.c_str(),
                                   e.reason.empty() ? "" : ": ", e.reason.c_str());
        // Its authentication: the peers admitted and refused, and the last refusal.
        static SecurityState security; // main thread only: reused
        if (host.producer(p).security(security)) {
            ImGui::Text("  %s: %llu accepted, %llu refused", security.mechanism.c_str(),
                        static_cast<unsigned long long>(security.accepted),
                        static_cast<unsigned long long>(security.refused));
            if (!security.recent.empty())
                ImGui::TextColored(state_color(ProducerState::Failed), "  last refused: %s: %s",
                                   security.recent.back().address.c_str(),
                                   security.recent.back().reason.c_str());
        }
        offered_streams(host, p);
        const ScheduleControl& control = host.control(p);
        float interval_ms = float(control.interval_s.load() * 1000.0);
        float latency_ms = float(control.latency_s.load() * 1000.0);
        ImGui::SetNextItemWidth(150);
        if (ImGui::DragFloat("interval ms (0 = auto)", &interval_ms, 0.5f, 0.0f, 10000.0f, "%.1f"))
            host.set_interval(p, double(interval_ms) / 1000.0);
        ImGui::SetNextItemWidth(150);
        if (ImGui::DragFloat("latency ms", &latency_ms, 5.0f, 0.0f, 60000.0f, "%.0f"))
            host.set_latency(p, double(latency_ms) / 1000.0);
        producer_board(ctx, p, status);
        ImGui::PopID();
    }
    cameras(ctx);
}

// The stream's name, its pixel format and last error in its tooltip.
void stream_name_cell(const Stream& s, std::string& message) {
    ImGui::TextUnformatted(s.request().name.c_str());
    if (ImGui::IsItemHovered()) {
        const bool error = s.stats().last_error(message);
        ImGui::SetTooltip("%s%s%s", stream_format(s.request()).data(),
                          error ? "\nlast error: " : "", error ? message.c_str() : "");
    }
}

// Two tables of one row per stream, each narrow enough to show every column in the default
// panel (470 px): the view it is in (a combo moves it), its rates and latency; then where its
// frames went that were not shown. Wider once names are long: they scroll sideways then.
void streams_table(PanelContext& ctx, std::string& message) {
    ProducerHost& host = ctx.host;
    Canvas& canvas = ctx.canvas;
    const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg |
                                  ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_ScrollX;
    const float height = ImGui::GetFrameHeightWithSpacing() * float(host.stream_count() + 1) +
                         ImGui::GetStyle().ScrollbarSize + 4.0f;
    // Every view combo as wide as the longest view name needs ("sweep#2 image" whole), within
    // reason: a longer name is cut, and shows whole in the combo's list.
    float view_combo_width = 0.0f;
    for (const View& v : canvas.views())
        view_combo_width = std::max(view_combo_width, ImGui::CalcTextSize(v.name.c_str()).x);
    view_combo_width = std::min(160.0f, view_combo_width + ImGui::GetFrameHeight() +
                                            2.0f * ImGui::GetStyle().FramePadding.x);
    if (ImGui::BeginTable("streams", 5, flags, ImVec2(0.0f, height))) {
        for (const char* h : {"stream", "view", "in/s", "shown/s", "p50/p99 ms"})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (std::size_t id = 0; id < host.stream_count(); ++id) {
            const auto sid = static_cast<std::uint16_t>(id);
            const Stream& s = host.stream(sid);
            const StatsSnapshot& st = ctx.readings.streams[id];
            const Layer& layer = ctx.layers[id];
            ImGui::PushID(static_cast<int>(id));
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            stream_name_cell(s, message);
            ImGui::TableNextColumn();
            const std::size_t view = canvas.view_of(sid);
            if (view == Canvas::npos) {
                ImGui::TextDisabled("-");
            } else {
                const char* shown = canvas.views()[view].name.c_str();
                ImGui::SetNextItemWidth(view_combo_width);
                if (ImGui::BeginCombo("##view", shown)) {
                    for (std::size_t i = 0; i < canvas.views().size(); ++i)
                        if (ImGui::Selectable(canvas.views()[i].name.c_str(), i == view))
                            canvas.move(sid, i);
                    if (ImGui::Selectable("new view")) canvas.move(sid, Canvas::npos);
                    ImGui::EndCombo();
                }
            }
            ImGui::TableNextColumn();
            ImGui::Text("%.0f", layer.rates.produced_per_s());
            ImGui::TableNextColumn();
            ImGui::Text("%.0f", layer.rates.displayed_per_s());
            ImGui::TableNextColumn();
            // "s": measured from the sender's send time (a publisher on this machine), so the
            // figure includes its encoding and the transport; otherwise from the producer's submit.
            ImGui::Text("%.1f / %.1f%s", double(st.latency_p50_ns) * 1e-6,
                        double(st.latency_p99_ns) * 1e-6, st.latency_from_sender ? " s" : "");
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip(st.latency_from_sender
                                      ? "from the publisher's send time (same machine, same clock)"
                                      : "from the producer's submit in this viewer");
            ImGui::PopID();
        }
        ImGui::EndTable();
    }
    if (ImGui::BeginTable("losses", 5, flags, ImVec2(0.0f, height))) {
        for (const char* h : {"stream", "dropped", "superseded", "rejected", "gaps"})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (std::size_t id = 0; id < host.stream_count(); ++id) {
            const Stream& s = host.stream(static_cast<std::uint16_t>(id));
            const StatsSnapshot& st = ctx.readings.streams[id];
            ImGui::PushID(static_cast<int>(id));
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            stream_name_cell(s, message);
            ImGui::TableNextColumn();
            ImGui::Text("%llu", static_cast<unsigned long long>(st.dropped()));
            ImGui::TableNextColumn();
            ImGui::Text("%llu", static_cast<unsigned long long>(st.superseded));
            ImGui::TableNextColumn();
            ImGui::Text("%llu", static_cast<unsigned long long>(st.rejected));
            ImGui::TableNextColumn();
            ImGui::Text("%llu", static_cast<unsigned long long>(st.gaps));
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip(st.numbered ? "frames its publisher numbered that never arrived "
                                                "(publisher %016llx, last #%llu)"
                                              : "frames its sender numbered that never arrived "
                                                "(this stream's frames are not numbered)",
                                  static_cast<unsigned long long>(st.sender_id),
                                  static_cast<unsigned long long>(st.sender_sequence));
            ImGui::PopID();
        }
        ImGui::EndTable();
    }
    for (std::size_t id = 0; id < host.stream_count(); ++id) {
        const Stream& s = host.stream(static_cast<std::uint16_t>(id));
        if (ctx.readings.streams[id].errors > 0 && s.stats().last_error(message))
            ImGui::TextColored({1.0f, 0.6f, 0.3f, 1.0f}, "%s", message.c_str());
        if (ctx.history && !ctx.history->stream(id).note.empty())
            ImGui::TextDisabled("%s: %s", s.request().name.c_str(),
                                ctx.history->stream(id).note.c_str());
    }
}

} // namespace

void finish_panel_work() {
    camera_search().finish();
}

std::uint64_t panel_work_done() {
    return g_panel_work.load();
}

bool histogram_levels(const char* id, const ImageStats& stats, render::Contrast& contrast,
                      render::Limits in_use, bool log_scale, float width) {
    const ImVec2 size{std::max(width, 40.0f), 70.0f};
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton(id, size);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 p1{p0.x + size.x, p0.y + size.y};
    draw->AddRectFilled(p0, p1, IM_COL32(30, 30, 36, 255));
    if (!stats.has_histogram) {
        draw->AddText({p0.x + 6, p0.y + 6}, IM_COL32(150, 150, 150, 255),
                      "histogram: waiting for the next frame");
        return false;
    }
    // The value range across the widget: the frame's min..max (widened when it is empty).
    double lo = stats.min, hi = stats.max;
    if (!(hi > lo)) lo -= 0.5, hi += 0.5;
    const auto x_of = [&](double v) {
        return p0.x + float(std::clamp((v - lo) / (hi - lo), 0.0, 1.0)) * size.x;
    };
    const std::uint32_t bins = stats.histogram_bins;
    std::uint32_t top = 1;
    for (std::uint32_t i = 0; i < bins; ++i)
        top = std::max(top, stats.histogram[i]);
    const double scale = log_scale ? std::log1p(double(top)) : double(top);
    for (std::uint32_t i = 0; i < bins; ++i) {
        const double c = double(stats.histogram[i]);
        const float h = float((log_scale ? std::log1p(c) : c) / scale) * (size.y - 2);
        const float x0 = p0.x + size.x * float(i) / float(bins);
        const float x1 = p0.x + size.x * float(i + 1) / float(bins);
        if (h > 0)
            draw->AddRectFilled({x0, p1.y - h}, {std::max(x1 - 1, x0 + 1), p1.y},
                                IM_COL32(160, 170, 190, 255));
    }
    // The handles: the limits in use. A drag moves the one nearer to where it started.
    ImGuiStorage* storage = ImGui::GetStateStorage();
    const ImGuiID which = ImGui::GetID(id); // the button's id: which handle is held
    const float mouse_x = ImGui::GetIO().MousePos.x;
    if (ImGui::IsItemActivated())
        storage->SetInt(
            which,
            std::abs(mouse_x - x_of(in_use.lo)) <= std::abs(mouse_x - x_of(in_use.hi)) ? 0 : 1);
    bool changed = false;
    if (ImGui::IsItemActive()) {
        const double v = lo + double(std::clamp((mouse_x - p0.x) / size.x, 0.0f, 1.0f)) * (hi - lo);
        float new_lo =
            contrast.mode == render::ContrastMode::Manual ? contrast.manual_lo : in_use.lo;
        float new_hi =
            contrast.mode == render::ContrastMode::Manual ? contrast.manual_hi : in_use.hi;
        if (storage->GetInt(which) == 0)
            new_lo = float(v);
        else
            new_hi = float(v);
        if (new_hi > new_lo) { // the handles never cross
            contrast.mode = render::ContrastMode::Manual;
            contrast.manual_lo = new_lo;
            contrast.manual_hi = new_hi;
            changed = true;
        }
    }
    for (const float limit : {in_use.lo, in_use.hi}) {
        const float x = x_of(limit);
        draw->AddLine({x, p0.y}, {x, p1.y}, IM_COL32(255, 160, 40, 255), 2.0f);
        draw->AddTriangleFilled({x - 5, p0.y}, {x + 5, p0.y}, {x, p0.y + 7},
                                IM_COL32(255, 160, 40, 255));
    }
    return changed;
}

float panel_width_for(float window_width, float wanted, bool collapsed) {
    const float half = std::max(window_width / 2.0f, 1.0f);
    if (collapsed) return std::min(kPanelRailWidth, half);
    return std::min(std::max(wanted, std::min(kMinPanelWidth, half)), half);
}

render::Viewport views_area(int fb_width, int fb_height, float fb_per_window, float panel_width,
                            int timeline_px) {
    const int panel = std::min(int(std::ceil(panel_width * fb_per_window)), fb_width / 2);
    return {panel, timeline_px, std::max(fb_width - panel, 1),
            std::max(fb_height - timeline_px, 1)};
}

const ImDrawList* draw_panels(PanelContext& ctx) {
    static std::string message; // reused buffer: no allocation per frame once grown
    const ImGuiIO& io = ImGui::GetIO();
    ImGui::SetNextWindowPos({0, 0});
    ImGui::SetNextWindowSize({ctx.panel_width, io.DisplaySize.y});
    if (ctx.controls.panel_collapsed) { // a rail with one button to bring the panel back
        ImGui::Begin("##rail", nullptr,
                     ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                         ImGuiWindowFlags_NoBackground | ImGuiWindowFlags_NoSavedSettings);
        const ImDrawList* list = ImGui::GetWindowDrawList();
        if (ImGui::ArrowButton("##show", ImGuiDir_Right)) ctx.controls.panel_collapsed = false;
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("Show the panel (Tab)");
        ImGui::End();
        return list;
    }
    // Its right edge drags to resize it, within what panel_width_for allows.
    ImGui::SetNextWindowSizeConstraints(
        {std::min(kMinPanelWidth, ctx.panel_width), 0.0f},
        {std::max(io.DisplaySize.x / 2.0f, ctx.panel_width), io.DisplaySize.y});
    ImGui::Begin("rtviewer", nullptr,
                 ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoCollapse |
                     ImGuiWindowFlags_NoBackground);
    if (const float w = ImGui::GetWindowWidth(); std::abs(w - ctx.panel_width) >= 1.0f)
        ctx.resized_width = w;
    const ImDrawList* list = ImGui::GetWindowDrawList();
    const PanelReadings& r = ctx.readings;
    if (ImGui::ArrowButton("##hide", ImGuiDir_Left)) ctx.controls.panel_collapsed = true;
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Hide the panel (Tab); drag its right edge to resize it");
    ImGui::SameLine();
    ImGui::Text("%.0f fps  frame %.2f ms (p99 %.2f)", r.fps, r.frame_p50_ms, r.frame_p99_ms);
    float top = 1.0f;
    for (float v : r.frame_ms)
        top = std::max(top, v);
    ImGui::PlotLines("##frame times", r.frame_ms.data(), static_cast<int>(r.frame_ms.size()), 0,
                     "frame time (ms)", 0.0f, top * 1.1f,
                     {ImGui::GetContentRegionAvail().x, 50.0f});
    ImGui::TextUnformatted(ctx.cursor_text.empty() ? "cursor: outside the views"
                                                   : ctx.cursor_text.c_str());
    if (!ctx.notice.empty()) ImGui::TextUnformatted(ctx.notice.c_str());
    if (!ctx.recording.empty())
        ImGui::TextColored({1.0f, 0.4f, 0.4f, 1.0f}, "%s", ctx.recording.c_str());
    if (ctx.budget) {
        const double used = double(ctx.budget->used()) / 1048576.0;
        const double limit = double(ctx.budget->limit()) / 1048576.0;
        if (ctx.budget->refused() == 0)
            ImGui::Text("memory %.0f of %.0f MB", used, limit);
        else
            ImGui::TextColored({1.0f, 0.6f, 0.3f, 1.0f},
                               "memory %.0f of %.0f MB, %llu refused (see the streams)", used,
                               limit, static_cast<unsigned long long>(ctx.budget->refused()));
    }
    ImGui::Separator();
    buttons(ctx.controls, ctx.canvas);
    ImGui::Separator();
    view_editor(ctx);
    ImGui::Separator();
    producers(ctx, message);
    ImGui::Spacing();
    streams_table(ctx, message);
    ImGui::End();
    return list;
}

void draw_view_labels(const Canvas& canvas, int fb_height, float scale, ViewDecor& decor,
                      bool grid) {
    const auto& views = canvas.views();
    decor.resize(views.size());
    for (std::size_t i = 0; i < views.size(); ++i) {
        const View& v = views[i];
        if (!v.visible) {
            decor.clear_inner(i);
            continue;
        }
        const auto& vp = v.viewport;
        ImDrawList* draw = &decor.begin_inner(i, clip_box_of(vp, fb_height, scale));
        if (grid && v.grid) draw_grid(*draw, v, fb_height, scale);
        const ImVec2 top_left{float(vp.x) * scale, float(fb_height - vp.y - vp.height) * scale};
        const ImVec2 bottom_right{top_left.x + float(vp.width) * scale,
                                  top_left.y + float(vp.height) * scale};
        const bool selected = i == canvas.selected() && views.size() > 1;
        const ImU32 label_bg = selected ? IM_COL32(40, 90, 160, 220) : IM_COL32(0, 0, 0, 140);
        const ImVec2 size = ImGui::CalcTextSize(v.name.c_str());
        draw->AddRectFilled({top_left.x + 4, top_left.y + 4},
                            {top_left.x + 12 + size.x, top_left.y + 8 + size.y}, label_bg, 3.0f);
        draw->AddText({top_left.x + 8, top_left.y + 6}, IM_COL32(255, 255, 255, 255),
                      v.name.c_str());
        if (selected)
            draw->AddRect(top_left, bottom_right, IM_COL32(40, 90, 160, 255), 0.0f, 0, 2.0f);
        if (v.profile) { // the segment a profile follows
            const render::Vec2 view_size{double(vp.width), double(vp.height)};
            const render::Vec2 a = v.camera.data_to_screen(v.profile->a, view_size);
            const render::Vec2 b = v.camera.data_to_screen(v.profile->b, view_size);
            const ImVec2 pa{top_left.x + float(a.x) * scale, top_left.y + float(a.y) * scale};
            const ImVec2 pb{top_left.x + float(b.x) * scale, top_left.y + float(b.y) * scale};
            draw->PushClipRect(top_left, bottom_right, true);
            draw->AddLine(pa, pb, IM_COL32(217, 89, 0, 255), 2.0f);
            draw->AddCircleFilled(pa, 3.5f, IM_COL32(217, 89, 0, 255));
            draw->AddCircle(pb, 4.0f, IM_COL32(217, 89, 0, 255), 0, 2.0f);
            draw->PopClipRect();
        }
        if (v.layers.empty() && v.profile_source == Canvas::npos) {
            char text[160];
            const char* what = v.patterns.empty() ? "any stream" : v.patterns.front().c_str();
            std::snprintf(text, sizeof text, "waiting for %s%s", what,
                          v.patterns.size() > 1 ? ", ..." : "");
            const ImVec2 ts = ImGui::CalcTextSize(text);
            draw->AddText({(top_left.x + bottom_right.x - ts.x) / 2,
                           (top_left.y + bottom_right.y - ts.y) / 2},
                          IM_COL32(90, 90, 90, 255), text);
        }
    }
}

} // namespace rtv::app
