#include "app/viewer_app.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include <SDL.h>
#include <glad/gl.h>
#include <imgui.h>
#include <nlohmann/json.hpp>

#include "app/axes.hpp"
#include "app/fnv.hpp"
#include "app/run_report.hpp"
#include "core/clock.hpp"
#include "core/pixel_format.hpp"
#include "core/producer_board.hpp"
#include "render/gl.hpp"
#include "render/snapshot.hpp"
#include "wire/npy.hpp"

namespace rtv::app {

std::atomic<bool> ViewerApp::s_signal_quit{false};

namespace {
constexpr render::Rgb kPanelBackground{0.10f, 0.10f, 0.12f};
constexpr double kHeadlessDefaultSeconds = 5.0;
constexpr std::int64_t kHeadlessPeriodNs = 16'666'667; // headless pacing, 60 Hz
// The longest the loop sleeps in one wait: signals (SIGINT) set a flag it must see.
constexpr std::int64_t kMaxWaitNs = 100'000'000;
// Frames drawn after an input event, whatever else changes: ImGui shows some effects of an
// event (an opened combo, a hover) in the frame after the one that saw it.
constexpr int kFramesAfterInput = 2;
constexpr float kTimelinePadY = 4.0f; // the timeline strip's padding above and below

// The strip under the views when there is a history, in window pixels: the bar's row and the
// moment's text line (measured with the panel's font, so neither is cut), padded.
float timeline_height() {
    return ImGui::GetFrameHeightWithSpacing() + ImGui::GetTextLineHeight() + 2.0f * kTimelinePadY;
}
constexpr const char* kDefaultLayoutFile = "rtviewer-layout.json";

// Whether what `list` draws lies inside `box`, give or take two pixels (a window's border and
// resize grip straddle its edge, their clip rectangle the whole display): each command's
// triangles, as far as its clip rectangle lets them show. The list is then drawn clipped to
// `box`. A few microseconds for a panel's ~5000 indices.
bool draws_inside(const ImDrawList& list, const ClipBox& box) {
    constexpr float kSlack = 2.0f;
    for (const ImDrawCmd& c : list.CmdBuffer) {
        if (c.ElemCount == 0 || c.UserCallback) continue;
        ImVec4 d{1e30f, 1e30f, -1e30f, -1e30f};
        for (unsigned k = 0; k < c.ElemCount; ++k) {
            const ImVec2& p =
                list.VtxBuffer[int(c.VtxOffset + list.IdxBuffer[int(c.IdxOffset + k)])].pos;
            d = {std::min(d.x, p.x), std::min(d.y, p.y), std::max(d.z, p.x), std::max(d.w, p.y)};
        }
        const float x0 = std::max(c.ClipRect.x, d.x), y0 = std::max(c.ClipRect.y, d.y);
        const float x1 = std::min(c.ClipRect.z, d.z), y1 = std::min(c.ClipRect.w, d.w);
        if (x1 <= x0 || y1 <= y0) continue; // nothing of it shows
        if (x0 < box.x0 - kSlack || y0 < box.y0 - kSlack || x1 > box.x1 + kSlack ||
            y1 > box.y1 + kSlack)
            return false;
    }
    return true;
}

LayerSettings defaults_of(const Options& o) {
    LayerSettings s;
    s.colormap = o.colormap;
    s.contrast = o.contrast;
    s.line_color = o.line_color;
    return s;
}

// What an HDF5 recording says of itself: the viewer's version, the producers as given, the
// start time (UTC, ISO 8601).
storage::RecordInfo record_info(const Options& o) {
    storage::RecordInfo info;
    info.version = RTV_VERSION;
    for (const std::string& spec : o.producer_specs)
        info.producers += (info.producers.empty() ? "" : "\n") + spec;
    if (info.producers.empty()) info.producers = "sweep";
    char when[32];
    const std::time_t t = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&t, &utc);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
    info.started = when;
    return info;
}
} // namespace

ViewerApp::ViewerApp(Options options)
    : m_options(std::move(options))
    , m_budget(
          (m_options.memory_limit_mb ? m_options.memory_limit_mb : default_memory_limit() >> 20)
          << 20)
    , m_queue(make_frame_queue())
    , m_host(m_queue, &m_budget)
    , m_router(m_queue, m_host)
    , m_canvas(m_options.layout, defaults_of(m_options)) {
    if (m_options.layout.panel_width) m_panel_width = *m_options.layout.panel_width;
    m_controls.panel_collapsed = m_options.layout.panel_collapsed.value_or(false);
}

ViewerApp::~ViewerApp() {
    shutdown();
}

Status ViewerApp::start() {
    WindowOptions wo;
    wo.width = m_options.width;
    wo.height = m_options.height;
    wo.headless = m_options.headless;
    wo.vsync = m_options.vsync;
    if (Status s = m_window.open(wo); !s) return s;
    m_frame_period_ns = m_options.headless ? kHeadlessPeriodNs : m_window.refresh_period_ns();
    m_readings.streams.resize(kMaxStreams);
    if (m_options.redraw == Redraw::Changes) {
        m_wake_event = SDL_RegisterEvents(1);
        if (m_wake_event == std::uint32_t(-1))
            return Status::error("rtviewer: SDL has no user event left for waking the loop");
        // Producers wake the loop when they enqueue a frame or end (SDL_PushEvent is safe from
        // any thread); ImGui's blinking text cursor would need frames while nothing changes.
        m_host.set_wake(
            [](void* type) {
                SDL_Event e{};
                e.type = *static_cast<std::uint32_t*>(type);
                SDL_PushEvent(&e);
            },
            &m_wake_event);
        m_window.set_cursor_blink(false);
    }
    if (Status s = m_renderer.init(); !s) return Status::error("rtviewer: " + s.message());
    m_host.set_max_image_side(std::uint32_t(render::max_texture_size()));
    m_host.set_stop_deadline(ProducerHost::kStopDeadlineS); // a plugin that will not stop
    m_gl_renderer = render::gl_renderer();
    // Images at screen resolution where the rasteriser is the CPU: there, uploading a whole
    // frame for it to sample what the screen shows costs more than picking those pixels.
    const bool software = m_gl_renderer.find("llvmpipe") != std::string::npos ||
                          m_gl_renderer.find("softpipe") != std::string::npos;
    m_layers.set_screen_images(m_options.image_draw == ImageDraw::Screen ||
                               (m_options.image_draw == ImageDraw::Auto && software));
    m_gl_version = render::gl_version();
    if (!m_options.record_dir.empty()) {
        constexpr std::size_t kRing = std::size_t{64} << 20;
        if (!m_budget.try_reserve(kRing))
            return Status::error("rtviewer: --record: " +
                                 m_budget.refusal("the record ring", kRing));
        std::unique_ptr<storage::RecordWriter> writer;
        if (Status s = storage::make_record_writer(
                m_options.record_dir, m_options.record_compression, record_info(m_options), writer);
            !s)
            return s;
        m_recorder = std::make_unique<Recorder>(std::move(writer), m_options.record_dir,
                                                m_options.record_limit_mb << 20, kRing);
        if (Status s = m_recorder->open(); !s) return s;
        m_taps.recorder = m_recorder.get();
    }
    if (m_options.history_mb > 0 || !m_options.history_streams.empty()) {
        HistorySettings hs;
        hs.default_bytes = m_options.history_mb << 20;
        for (const auto& [name, mb] : m_options.history_streams)
            hs.per_stream.emplace_back(name, mb << 20);
        // The histories together take at most half the memory limit: pools keep the rest.
        m_history = std::make_unique<History>(std::move(hs), &m_budget,
                                              (m_options.memory_limit_mb << 20) / 2);
        m_taps.history = m_history.get();
    }
    if (m_taps.recorder || m_taps.history) m_router.set_tap(&m_taps);
    // Every shader compiled and the panel's first raster made before a producer runs: with a
    // cold shader cache that takes llvmpipe a few hundred ms, which would otherwise stall the
    // first frames of data (their frames dropped while the pools wait).
    draw_frame(true);
    m_renderer.warm_up();
    m_panel_cache.reset_counts(); // that frame is never shown: it counts as none
    m_damage_counts = {};
    m_verify_damage = m_options.verify_damage;
    if (Status s = producers::instance_names(m_options.producers); !s)
        return Status::error("rtviewer: " + s.message());
    for (producers::CreatedProducer& p : m_options.producers) {
        // A producer named other than its kind ("sweep#2", name=left) names its streams so:
        // "sweep#2/image", not a second "sweep/image".
        const std::string prefix = p.name != p.type ? p.name : std::string();
        if (Status s = m_host.start(p.name, std::move(p.producer), p.schedule, prefix); !s)
            return Status::error("rtviewer: " + s.message());
    }
    m_duration_s = m_options.duration_s;
    if (m_options.headless && !m_options.frames && !m_duration_s)
        m_duration_s = kHeadlessDefaultSeconds;
    // One line when the loop starts (scripts and tests wait for it before signalling).
    std::printf("rtviewer: running on %s (%s), %zu producer%s, memory limit %llu MB; Esc, Q or "
                "Ctrl+C stops\n",
                m_gl_renderer.c_str(), m_window.video_driver().c_str(), m_host.producer_count(),
                m_host.producer_count() == 1 ? "" : "s",
                static_cast<unsigned long long>(m_budget.limit() >> 20));
    std::fflush(stdout);
    return Status::ok();
}

int ViewerApp::run() {
    if (Status s = start(); !s) {
        std::fprintf(stderr, "%s\n", s.message().c_str());
        return 1;
    }
    m_start_ns = m_last_ns = m_next_frame_ns = m_last_progress_ns = now_ns();
    m_next_progress_ns = m_start_ns + std::int64_t(m_options.progress_s * 1e9);
    const bool changes = m_options.redraw == Redraw::Changes;
    for (bool last = false; !last;) { // ends after the frame in which a stop was asked for
        if (changes) wait_for_work();
        if (m_pass_hook) m_pass_hook(*this, m_passes);
        ++m_passes;
        bool input = false;
        SDL_Event event;
        while (SDL_PollEvent(&event))
            input |= handle_event(event);
        // Read before ingest: a producer that has ended has enqueued all its frames, so this
        // frame shows them.
        const bool producers_done = m_options.exit_when_done && all_producers_ended();
        update_hover();
        m_host.rearm_wake(); // before draining: a frame enqueued from now on wakes the loop
        const std::int64_t t = now_ns();
        if (m_history) m_history->begin_pass();
        // Away from live, ingest, statistics and recording go on; the views show the past.
        bool data = m_layers.ingest(m_router, m_host, m_canvas,
                                    m_controls.paused || m_scrub_ns.has_value(), m_hover, t) > 0;
        if (m_history) m_history->settle(); // the frames lent are shown: their slots go home
        last = stop_due(producers_done);
        if (last && m_history) m_history->flush(); // the copy thread's last frames, committed
        if (last && m_history && m_options.history_export_s)
            m_scrub_ns = t - std::int64_t(*m_options.history_export_s * 1e9);
        // Pausing holds the moment on screen (the newest frames, just shown): it stays, and is
        // what Export writes. Resuming (Space or the checkbox) returns to live, as it always did.
        if (!m_was_paused && m_controls.paused && m_history && !m_scrub_ns) {
            const std::int64_t newest = m_history->span(m_host.stream_count()).second;
            if (newest > 0) m_scrub_ns = newest;
        }
        if (m_was_paused && !m_controls.paused && m_scrub_ns) {
            m_scrub_ns.reset();
            m_go_live = true;
        }
        m_was_paused = m_controls.paused;
        if (m_history && m_go_live) {
            m_go_live = false;
            m_history->release(m_host.stream_count());
            data |= m_layers.show_live(*m_history, m_router, m_host) > 0;
        }
        if (m_history && m_scrub_ns) {
            // The frames of the moment (and its neighbours) are kept out of the rings' eviction,
            // so it stays however long it is looked at. Only a moment dragged before the oldest
            // held, or into frames already lost, moves to the nearest one that can be shown.
            const std::size_t streams = m_host.stream_count();
            const std::int64_t oldest = m_history->span(streams).first;
            if (!last)
                *m_scrub_ns = m_history->showable(
                    std::clamp(*m_scrub_ns, oldest, std::max(oldest, t)), streams);
            m_history->hold(*m_scrub_ns, streams);
            data |= m_layers.show_history(*m_history, *m_scrub_ns, m_host) > 0;
        }
        if (m_options.progress_s > 0 && t >= m_next_progress_ns) print_progress(t);
        if (input) m_input_frames = kFramesAfterInput;
        const bool panel = take_readings_if_due(t, input);
        if (m_window.minimised()) { // keep draining (pools must come home), draw nothing
            if (last && !m_options.screenshot.empty()) {
                std::fprintf(stderr, "rtviewer: the window is minimised: no --screenshot\n");
                m_exit_screenshot_failed = true;
            }
            if (!last && !changes) SDL_Delay(10);
            continue;
        }
        // Why this pass draws, if it does (the first reason that holds).
        RedrawReason why = RedrawReason::None;
        if (!changes)
            why = RedrawReason::Always;
        else if (m_frames == 0 || last)
            why = RedrawReason::Other;
        else if (data)
            why = RedrawReason::Data;
        else if (m_input_frames > 0)
            why = RedrawReason::Input;
        else if (panel)
            why = RedrawReason::Panel;
        if (why == RedrawReason::None) continue;
        // Input may change anything on screen (and ImGui shows some of it a frame late): those
        // frames are drawn whole, as are the first and the last.
        const bool full = m_input_frames > 0 || m_frames == 0 || last;
        if (m_input_frames > 0) --m_input_frames;
        ++m_redraws[std::size_t(why)];
        ++m_frames;
        m_data_changed = data;
        draw_frame(full);
        handle_requests(last);
        if (last && m_history && m_options.history_export_s) {
            if (Status s = export_moment(m_options.history_export_dir, *m_scrub_ns); !s) {
                std::fprintf(stderr, "rtviewer: --history-export: %s\n", s.message().c_str());
                m_exit_screenshot_failed = true;
            }
        }
        present(last, why == RedrawReason::Panel);
    }
    return finish();
}

// Sleeps until an event arrives (input, or a producer's wake: a frame or an ending), or the
// next due time: a panel reading, a progress line, the end of --duration; never longer than
// kMaxWaitNs (a signal sets a flag this loop must see). Frames drawn back to back are paced to
// the display's refresh rate in present(), not here.
void ViewerApp::wait_for_work() {
    const std::int64_t t = now_ns();
    std::int64_t until = t + kMaxWaitNs;
    if (m_readings.taken_ns >= 0)
        until = std::min(until, m_readings.taken_ns + PanelReadings::kPeriodNs);
    if (m_options.progress_s > 0) until = std::min(until, m_next_progress_ns);
    if (m_duration_s) until = std::min(until, m_start_ns + std::int64_t(*m_duration_s * 1e9));
    if (m_input_frames > 0 || m_frames == 0) until = t; // frames still owed to an input event
    if (until <= t) return;
    const int ms = int(std::clamp<std::int64_t>((until - t + 999'999) / 1'000'000, 1, 1000));
    SDL_WaitEventTimeout(nullptr, ms);
    const std::int64_t woke = now_ns();
    if (woke - t > 1'000'000) m_last_ns = woke; // it slept: the next frame's time starts now
}

// A few times a second, or at once after input: what the panel shows of the numbers that move
// with every frame. Returns true when they changed (the panel needs a frame to show them).
bool ViewerApp::take_readings_if_due(std::int64_t t, bool input) {
    PanelReadings& r = m_readings;
    const bool period = r.taken_ns < 0 || t - r.taken_ns >= PanelReadings::kPeriodNs;
    m_cursor_due = period || input;
    if (!period && !input) return false;
    if (period) { // the frame rate over the period (input alone does not restart it)
        const double dt = r.taken_ns >= 0 ? double(t - r.taken_ns) * 1e-9 : 0.0;
        r.fps = dt > 0 ? double(m_timed_frames - r.frames) / dt : 0.0;
        r.taken_ns = t;
        r.frames = m_timed_frames;
        ++r.count;
        if (m_history) { // unchanged while no frame comes: the bar stays as it was drawn
            const auto [oldest, newest] = m_history->span(m_host.stream_count());
            if (oldest != m_live_span.oldest || newest != m_live_span.newest)
                m_live_span = {oldest, newest, t};
        }
    }
    r.frame_p50_ms = double(m_frame_times.quantile_ns(0.5)) * 1e-6;
    r.frame_p99_ms = double(m_frame_times.quantile_ns(0.99)) * 1e-6;
    for (std::size_t i = 0; i < m_recent_ms.size(); ++i)
        r.frame_ms[i] = m_recent_ms[(m_recent_next + i) % m_recent_ms.size()];
    for (std::size_t id = 0; id < m_host.stream_count(); ++id)
        r.streams[id] = m_host.stream(std::uint16_t(id)).stats().read();
    m_layers.take_readings();
    const std::uint64_t signature = readings_signature();
    const bool changed = signature != m_readings_signature;
    m_readings_signature = signature;
    return changed;
}

// Everything the panel shows that changes without data or input: the readings, the producers'
// states, memory in use. Equal signatures: the panel would draw the same pixels.
std::uint64_t ViewerApp::readings_signature() const {
    Fnv f;
    const auto add = [&f](const void* p, std::size_t n) { f.bytes(p, n); };
    const PanelReadings& r = m_readings;
    add(&r.fps, sizeof r.fps);
    // The live timeline's span (not the time it was read: an idle viewer draws nothing).
    add(&m_live_span.oldest, sizeof m_live_span.oldest);
    add(&m_live_span.newest, sizeof m_live_span.newest);
    add(&r.frame_p50_ms, sizeof r.frame_p50_ms);
    add(&r.frame_p99_ms, sizeof r.frame_p99_ms);
    add(r.frame_ms.data(), sizeof r.frame_ms);
    const std::size_t streams = m_host.stream_count();
    add(r.streams.data(), streams * sizeof(StatsSnapshot));
    for (std::size_t id = 0; id < streams; ++id) {
        const Layer& layer = m_layers[id];
        add(&layer.shown_limits, sizeof layer.shown_limits);
        add(&layer.shown_nonfinite, sizeof layer.shown_nonfinite);
        const double rates[2] = {layer.rates.produced_per_s(), layer.rates.displayed_per_s()};
        add(rates, sizeof rates);
    }
    for (std::size_t p = 0; p < m_host.producer_count(); ++p) {
        const ProducerState s = m_host.producer_status(p).state();
        add(&s, sizeof s);
        // What a producer shows about itself: its rows (ABI 1.1) and network endpoints.
        const Producer& producer = m_host.producer(p);
        if (const ProducerBoard* board = producer.board()) {
            const std::uint64_t v = board->version();
            add(&v, sizeof v);
        }
        const std::uint64_t offers = producer.offered_version();
        add(&offers, sizeof offers);
        if (producer.endpoints(m_endpoints_scratch))
            for (const EndpointState& e : m_endpoints_scratch) {
                add(e.state.data(), e.state.size());
                add(e.reason.data(), e.reason.size());
                add(&e.peers, sizeof e.peers);
            }
    }
    const std::uint64_t work = panel_work_done();
    add(&work, sizeof work);
    const std::uint64_t memory[2] = {m_budget.used(), m_budget.refused()};
    add(memory, sizeof memory);
    return f.h;
}

bool ViewerApp::stop_due(bool producers_done) const {
    return m_controls.quit || s_signal_quit.load() || producers_done ||
           (m_options.frames && m_frames + 1 >= *m_options.frames) || // this pass draws the last
           (m_duration_s && double(now_ns() - m_start_ns) * 1e-9 >= *m_duration_s);
}

void ViewerApp::draw_frame(bool full_wanted) {
    m_window.drawable_size(m_fb_width, m_fb_height);
    SDL_GetWindowSize(m_window.window(), &m_win_width, &m_win_height);
    const float scale = m_win_width > 0 ? float(m_fb_width) / float(m_win_width) : 1.0f;
    // The panel as wide as the user left it, as the window allows (never over the views).
    const float panel_width =
        panel_width_for(float(m_win_width), m_panel_width, m_controls.panel_collapsed);
    m_window.begin_imgui_frame(); // first: the axes' margins are measured with its font
    const float timeline_h = m_history ? timeline_height() : 0.0f;
    const int timeline = int(std::ceil(timeline_h * scale));
    const render::Viewport area = views_area(m_fb_width, m_fb_height, scale, panel_width, timeline);
    const int panel = area.x;
    m_canvas.update(area, m_layers.extents(m_router, m_canvas),
                    m_options.axes ? axis_margins(1.0f / scale) : Margins{});
    // The readout follows the cursor at once, and the values under a still cursor at the
    // readings' rate (over a live image they would change the panel in every frame).
    if (m_cursor_due) update_cursor_text();
    m_cursor_due = false;
    // What ImGui draws over and around the views, per view (their margin lists laid out again
    // only when their axes change).
    if (m_options.axes) {
        for (View& view : m_canvas.views())
            if (view.visible) m_layers.note_colorbar(view, m_canvas);
        draw_axes(m_canvas, m_fb_height, 1.0f / scale, m_decor);
    }
    draw_view_labels(m_canvas, m_fb_height, 1.0f / scale, m_decor, m_options.axes);
    m_timeline_list = nullptr;
    if (m_history)
        draw_timeline(float(panel) / scale, float(m_fb_height - timeline) / scale,
                      float(m_fb_width - panel) / scale, timeline_h);
    if (m_recorder) update_record_text();
    PanelContext panels{m_controls,  m_host,        m_canvas,       m_layers,
                        m_readings,  m_cursor_text, m_notice,       m_record_text,
                        panel_width, &m_budget,     m_history.get()};
    const ImDrawList* panel_list = draw_panels(panels);
    if (panels.resized_width > 0.0f) m_panel_width = panels.resized_width; // from next frame
    // The panel's raster is kept while its geometry is unchanged; it must not overlap a view.
    const int panel_px = int(std::ceil(panel_width * scale));
    if (panel_px > panel) panel_list = nullptr;
    ImDrawData* data = m_window.finish_imgui_frame();

    FrameParts parts;
    parts.data = data;
    parts.panel = panel_list;
    parts.panel_rect = {0, 0, panel_px, m_fb_height};
    parts.timeline_rect = {panel, 0, m_fb_width - panel, timeline};
    parts.scale = 1.0f / scale;
    // Each of ImGui's lists belongs to the part it draws inside (its commands' clip rectangles):
    // the panel (its window and child windows: tables, scrolling regions), the timeline; any
    // other list with something in it (a tooltip or popup reaching past the panel) may lie over
    // any part: such frames, and the one after, are drawn whole.
    const ClipBox panel_box = clip_box_of(parts.panel_rect, m_fb_height, parts.scale);
    const ClipBox timeline_box = clip_box_of(parts.timeline_rect, m_fb_height, parts.scale);
    m_part_of.assign(std::size_t(data ? data->CmdListsCount : 0), Part::None);
    for (int i = 0; data && i < data->CmdListsCount; ++i) {
        const ImDrawList* l = data->CmdLists[i];
        if (l->VtxBuffer.Size == 0) continue;
        if (panel_list && draws_inside(*l, panel_box))
            m_part_of[std::size_t(i)] = Part::Panel;
        else if (m_timeline_list && draws_inside(*l, timeline_box))
            m_part_of[std::size_t(i)] = Part::Timeline;
        else
            m_part_of[std::size_t(i)] = Part::Overlay, parts.overlays = true;
    }
    Fnv geometry;
    geometry.add(m_fb_width).add(m_fb_height).add(scale).add(panel_px).add(area).add(timeline);
    geometry.add(panel_list != nullptr);
    for (const View& v : m_canvas.views())
        geometry.add(v.visible).add(v.cell).add(v.viewport).add(v.colorbar);
    const bool full = full_wanted || !m_probe.kept() || m_options.redraw == Redraw::Always ||
                      parts.overlays || m_overlays_drawn || !panel_list || geometry.h != m_geometry;
    m_geometry = geometry.h;
    m_overlays_drawn = parts.overlays;
    render_frame(parts, full);
    if (full)
        ++m_damage_counts.full;
    else
        ++m_damage_counts.partial;
    if (m_verify_damage && !full) verify_partial_frame(parts);
}

// Draws the frame's parts: all of them (`full`), or those whose content changed since they were
// last drawn, over a back buffer that still holds the last frame (BackBufferProbe::kept).
void ViewerApp::render_frame(const FrameParts& parts, bool full) {
    m_probe.before_draw();
    const ImDrawData& data = *parts.data;
    const int fb_h = m_fb_height;
    const float s = parts.scale;
    if (full) m_renderer.clear(kPanelBackground);
    auto& views = m_canvas.views();
    if (m_drawn.size() < views.size()) m_drawn.resize(views.size());
    for (std::size_t i = 0; i < views.size(); ++i) {
        View& view = views[i];
        if (!view.visible) continue;
        DrawnView& drawn = m_drawn[i];
        // The data area: its layers (any new frame), and what lies over it.
        ImDrawList* inner = m_decor.inner(i);
        Fnv sig;
        const render::Rect& r = view.camera.visible();
        sig.add(r.x0).add(r.y0).add(r.x1).add(r.y1).add(view.background);
        sig.add(view.layers.size()).bytes(view.layers.data(), view.layers.size() * 2);
        sig.add(inner ? draw_list_hash(*inner) : 0);
        if (full || m_data_changed || sig.h != drawn.data) {
            const render::Viewport covered = m_layers.covered(view, m_canvas);
            m_renderer.begin_view(view.viewport, view.background, &covered);
            m_layers.draw(view, m_canvas, m_renderer, m_host);
            m_layers.draw_profile(view, m_renderer);
            m_renderer.end_view();
            if (inner) {
                const ClipBox box = clip_box_of(view.viewport, fb_h, s);
                render_clipped(data, *inner, {&box, 1});
            }
            drawn.data = sig.h;
            ++m_damage_counts.views;
        }
        // The margins: axes, titles, the colorbar and its labels.
        // Drawn again when they would look different: the list's geometry (an axis laid out
        // again may come out the same) and the colorbar's colormap and place.
        ImDrawList* margin = m_decor.margin(i);
        Fnv msig;
        if (margin && m_options.axes)
            msig.add(draw_list_hash(*margin)).add(view.has_colorbar).add(view.bar_colormap);
        if (m_options.axes && margin && (full || msig.h != drawn.margin)) {
            std::array<render::Viewport, 4> bands{};
            const std::size_t n = render::bands_around(view.cell, view.viewport, bands);
            std::array<ClipBox, 4> boxes{};
            if (!full) m_renderer.fill({bands.data(), n}, kPanelBackground);
            for (std::size_t b = 0; b < n; ++b)
                boxes[b] = clip_box_of(bands[b], fb_h, s);
            m_layers.draw_colorbar(view, m_renderer);
            render_clipped(data, *margin, {boxes.data(), n});
            drawn.margin = msig.h;
            ++m_damage_counts.margins;
        }
    }
    glViewport(0, 0, m_fb_width, fb_h);
    const auto group_hash = [&](Part part, const render::Viewport& rect) {
        Fnv h;
        h.add(rect);
        for (int i = 0; i < data.CmdListsCount; ++i)
            if (m_part_of[std::size_t(i)] == part) h.add(draw_list_hash(*data.CmdLists[i]));
        return h.h;
    };
    // The lists of `part` in their order, clipped to `rect` (all but `skip`).
    const auto draw_group = [&](Part part, const render::Viewport& rect, const ImDrawList* skip) {
        const ClipBox box = clip_box_of(rect, fb_h, s);
        for (int i = 0; i < data.CmdListsCount; ++i)
            if (m_part_of[std::size_t(i)] == part && data.CmdLists[i] != skip)
                render_clipped(data, *data.CmdLists[i], {&box, 1});
    };
    if (m_timeline_list) {
        const std::uint64_t h = group_hash(Part::Timeline, parts.timeline_rect);
        if (full || h != m_timeline_drawn) {
            if (!full) m_renderer.fill({&parts.timeline_rect, 1}, kPanelBackground);
            draw_group(Part::Timeline, parts.timeline_rect, nullptr);
            m_timeline_drawn = h;
            ++m_damage_counts.timelines;
        }
    }
    if (parts.panel) {
        const std::uint64_t h = group_hash(Part::Panel, parts.panel_rect);
        if (full || h != m_panel_drawn) {
            if (m_probe.kept()) { // drawn where it goes: nothing to copy, no framebuffer switch
                if (!full) m_renderer.fill({&parts.panel_rect, 1}, kPanelBackground);
                draw_group(Part::Panel, parts.panel_rect, nullptr);
                ++m_damage_counts.panel_live;
            } else { // every frame is whole: the window's raster is kept and copied, unchanged
                m_panel_cache.draw_panel(data, parts.panel, parts.panel_rect, kPanelBackground,
                                         m_fb_width, fb_h);
                draw_group(Part::Panel, parts.panel_rect, parts.panel); // its child windows
            }
            m_panel_drawn = h;
            ++m_damage_counts.panels;
        } else {
            ++m_damage_counts.panel_left;
        }
    }
    // Everything else ImGui drew (popups, tooltips: only in whole frames), in its order.
    if (full)
        for (int i = 0; i < data.CmdListsCount; ++i)
            if (m_part_of[std::size_t(i)] == Part::Overlay ||
                (!parts.panel && m_part_of[std::size_t(i)] == Part::None))
                render_lists(data, i, i + 1);
}

// Checks a partial frame against the whole frame drawn from the same state (--verify-damage, and
// the damage tests): the pixels must be the same, or a part was not drawn that should have been.
void ViewerApp::verify_partial_frame(const FrameParts& parts) {
    render::RgbaImage& partial = m_verify_images[0];
    render::RgbaImage& whole = m_verify_images[1];
    const Status read = render::read_pixels(0, 0, m_fb_width, m_fb_height, partial);
    render_frame(parts, true);
    if (!read || !render::read_pixels(0, 0, m_fb_width, m_fb_height, whole)) return;
    ++m_damage_counts.verified;
    if (partial.pixels == whole.pixels) return;
    if (++m_damage_counts.mismatched > 3) return; // said for the first few
    std::size_t first = 0;
    while (first < whole.pixels.size() && partial.pixels[first] == whole.pixels[first])
        ++first;
    const std::size_t px = first / 4, w = std::size_t(std::max(m_fb_width, 1));
    std::fprintf(stderr,
                 "rtviewer: damage: frame %llu drawn in parts differs from the whole frame, "
                 "first at (%zu, %zu) from the top left\n",
                 static_cast<unsigned long long>(m_frames), px % w, px / w);
}

// The layout file's form of what is on screen: the views, and the panel as the user left it.
LayoutSpec ViewerApp::layout_in_use() {
    LayoutSpec spec = m_canvas.layout_in_use(m_layers.limits());
    spec.panel_width = m_panel_width;
    if (m_controls.panel_collapsed) spec.panel_collapsed = true;
    return spec;
}

// Screenshots (S, the button, the exit screenshot) and Save layout, once the frame is drawn.
void ViewerApp::handle_requests(bool last) {
    if (m_controls.screenshot_requested) {
        m_controls.screenshot_requested = false;
        const std::string path =
            "rtviewer-screenshot-" + std::to_string(++m_screenshot_count) + ".png";
        const Status s = take_screenshot(path);
        m_notice = s ? "saved " + path : s.message();
    }
    if (m_export_requested) { // the frame on screen, with the moment's frames
        m_export_requested = false;
        const std::string dir = "rtviewer-export-" + std::to_string(++m_export_count);
        const Status st = export_moment(dir, m_scrub_ns.value_or(now_ns()));
        m_notice = st ? "exported the moment shown to " + dir : st.message();
    }
    if (m_controls.save_layout_requested) {
        m_controls.save_layout_requested = false;
        const std::string path =
            m_options.save_layout.empty() ? kDefaultLayoutFile : m_options.save_layout;
        const Status s = save_layout(path, layout_in_use());
        m_notice = s ? "layout saved to " + path : "Save layout: " + s.message();
    }
    if (last && !m_options.screenshot.empty()) {
        if (Status s = take_screenshot(m_options.screenshot); !s) {
            std::fprintf(stderr, "rtviewer: %s\n", s.message().c_str());
            m_exit_screenshot_failed = true;
        }
    }
}

// `panel_only`: the frame shows new panel numbers and nothing else; its time is not a frame
// time (it would itself move the numbers it shows, and so on every reading).
void ViewerApp::present(bool last, bool panel_only) {
    if (const Status s = render::check_gl("frame"); !s) { // once per frame, not per call
        ++m_gl_errors;
        m_notice = s.message();
    }
    m_probe.before_swap();
    m_window.swap();
    const std::int64_t t = now_ns();
    if (!panel_only) {
        m_frame_times.record(t - m_last_ns);
        m_recent_ms[m_recent_next] = float(double(t - m_last_ns) * 1e-6);
        m_recent_next = (m_recent_next + 1) % m_recent_ms.size();
        ++m_timed_frames;
    }
    m_last_ns = t;
    // Pace like vsync unless --no-vsync: headless swaps are not paced by a display, and a
    // window's may not be (no vsync in Xvfb, or the driver refused it). Where the swap waited
    // for the display already, the time is past and this sleeps not at all.
    if (last || !m_options.vsync) return;
    m_next_frame_ns = std::max(m_next_frame_ns + m_frame_period_ns, t);
    if (m_next_frame_ns - t > 500'000) // the swap returned early: the display did not pace it
        std::this_thread::sleep_for(std::chrono::nanoseconds(m_next_frame_ns - t));
}

// "rtviewer: progress t=60.0 s frames=3600 fps=60.0 memory=123.4 MB": frames and fps since
// the start and over the last interval. printf into stdout's buffer: no allocation.
void ViewerApp::print_progress(std::int64_t t) {
    const double elapsed = double(t - m_start_ns) * 1e-9;
    const double interval = double(t - m_last_progress_ns) * 1e-9;
    std::printf("rtviewer: progress t=%.1f s frames=%llu fps=%.1f memory=%.1f MB\n", elapsed,
                static_cast<unsigned long long>(m_frames),
                interval > 0 ? double(m_frames - m_last_progress_frames) / interval : 0.0,
                double(m_budget.used()) / 1048576.0);
    std::fflush(stdout);
    m_last_progress_ns = t;
    m_last_progress_frames = m_frames;
    m_next_progress_ns = t + std::int64_t(m_options.progress_s * 1e9);
}

// After the loop: stop everything, then write every requested output even if one fails.
int ViewerApp::finish() {
    m_end_ns = now_ns();
    shutdown();
    int status = m_exit_screenshot_failed ? 1 : 0;
    const auto reason = [this](RedrawReason r) { return m_redraws[std::size_t(r)]; };
    m_damage_counts.margins_laid_out = m_decor.margins_built();
    const RunReport report{m_host,
                           m_canvas,
                           m_frame_times,
                           m_recorder.get(),
                           &m_budget,
                           m_history.get(),
                           m_options.headless,
                           m_window.video_driver(),
                           m_gl_renderer,
                           m_gl_version,
                           m_frames,
                           double(m_end_ns - m_start_ns) * 1e-9,
                           m_fb_height,
                           {m_options.redraw == Redraw::Always, m_passes,
                            reason(RedrawReason::Data), reason(RedrawReason::Input),
                            reason(RedrawReason::Panel), reason(RedrawReason::Other),
                            m_panel_cache.rasterised() + m_damage_counts.panel_live,
                            m_panel_cache.reused() + m_damage_counts.panel_left, m_gl_errors,
                            m_layers.screen_images()},
                           m_probe.name(),
                           m_damage_counts};
    if (m_options.headless) print_summary(report);
    if (!m_options.stats_json.empty()) {
        if (Status s = write_stats(m_options.stats_json, report); !s) {
            std::fprintf(stderr, "rtviewer: %s\n", s.message().c_str());
            status = 1;
        }
    }
    if (!m_options.save_layout.empty()) {
        if (Status s = save_layout(m_options.save_layout, layout_in_use()); !s) {
            std::fprintf(stderr, "rtviewer: --save-layout: %s\n", s.message().c_str());
            status = 1;
        }
    }
    return status;
}

// Shutdown order: 1. stop and join every producer (none touches a pool after this);
// 2. a last drain, so every frame is accounted for; 3. pending slots go home.
// GL objects, then ImGui and SDL, go with the members (layers and renderer before the window).
void ViewerApp::shutdown() {
    if (m_shut_down) return;
    m_shut_down = true;
    finish_panel_work(); // a camera search under way ends first: it may start a producer
    m_host.stop_all();
    for (const std::string& name : m_host.abandoned())
        std::fprintf(stderr,
                     "rtviewer: producer '%s' did not stop within %.0f s of being asked: left "
                     "running (its thread is named '%.15s'), exiting without it\n",
                     name.c_str(), ProducerHost::kStopDeadlineS, name.c_str());
    while (m_router.drain() != 0) {
    }
    if (m_history) m_history->flush(); // every slot the copy thread held goes home
    m_router.release_all();
    if (m_history) m_history->settle(); // and every slot lent to the history
    if (m_recorder) { // 4. the recorder writes what it holds (it reads the streams' names)
        m_router.set_tap(nullptr);
        m_recorder->close();
    }
}

void ViewerApp::draw_timeline(float x, float y, float width, float height) {
    const std::size_t streams = m_host.stream_count();
    // Live: the span as taken with the readings. Looking back: as it is now (the user drags).
    const bool live = !m_scrub_ns;
    const auto [oldest, newest] =
        live ? std::pair{m_live_span.oldest, m_live_span.newest} : m_history->span(streams);
    const std::int64_t now = live ? m_live_span.now : now_ns();
    const std::int64_t left = oldest > 0 ? oldest : now, right = std::max(now, left + 1);
    ImGui::SetNextWindowPos({x, y});
    ImGui::SetNextWindowSize({width, height});
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding,
                        {ImGui::GetStyle().WindowPadding.x, kTimelinePadY});
    ImGui::Begin("##timeline", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing |
                     ImGuiWindowFlags_NoBringToFrontOnFocus);
    if (ImGui::Button(m_scrub_ns ? "Live (L)" : "Live")) go_live();
    ImGui::SameLine();
    if (ImGui::Button("Export (E)")) m_export_requested = true; // once the frame is drawn
    ImGui::SameLine();
    // The bar: the span held, from the oldest frame to now; the moment shown as a marker.
    const float bar_w = std::max(ImGui::GetContentRegionAvail().x, 40.0f);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("##span", {bar_w, ImGui::GetFrameHeight()});
    const double span_ns = double(right - left); // what the bar spans
    if (ImGui::IsItemActive() && oldest > 0) {   // dragging: look back
        const float f = std::clamp((ImGui::GetIO().MousePos.x - p0.x) / bar_w, 0.0f, 1.0f);
        m_scrub_ns = left + std::int64_t(double(f) * span_ns);
    }
    ImDrawList* draw = ImGui::GetWindowDrawList();
    m_timeline_list = draw;
    const float h = ImGui::GetFrameHeight();
    draw->AddRectFilled(p0, {p0.x + bar_w, p0.y + h}, IM_COL32(40, 40, 48, 255));
    // Whole pixels: the strip is drawn again only when what it shows moves by one.
    if (oldest > 0) {
        const float held = std::round(float(double(newest - left) / span_ns) * bar_w);
        draw->AddRectFilled({p0.x, p0.y + h * 0.3f}, {p0.x + held, p0.y + h * 0.7f},
                            IM_COL32(70, 110, 160, 255));
    }
    const std::int64_t shown = m_scrub_ns.value_or(right);
    const float mx = std::round(p0.x + float(double(shown - left) / span_ns) * bar_w);
    draw->AddRectFilled({mx - 2, p0.y}, {mx + 2, p0.y + h},
                        m_scrub_ns ? IM_COL32(255, 170, 40, 255) : IM_COL32(120, 220, 120, 255));
    // The moment's text: live, or its time, age and each stream's frame (sequence number).
    char buf[160];
    bool cut = false; // the line is wider than the window: cut short
    m_timeline_text.clear();
    if (!m_scrub_ns) {
        // The longest of these that fits the window's width (a narrow window shows the first
        // words, not half a sentence).
        const double held = oldest > 0 ? double(newest - oldest) * 1e-9 : 0.0;
        const float room = ImGui::GetContentRegionAvail().x;
        const std::array<const char*, 3> forms{
            m_controls.paused ? "live: %.1f s held; drag the bar or Left/Right to look back"
                              : "live: %.1f s held; drag the bar (or pause and Left/Right) to "
                                "look back",
            "live: %.1f s held; drag the bar to look back", "live: %.1f s held"};
        for (const char* form : forms) {
            std::snprintf(buf, sizeof buf, form, held);
            if (ImGui::CalcTextSize(buf).x <= room) break;
        }
        m_timeline_text += buf;
    } else {
        const auto [kept_frames, kept_bytes] = m_history->kept(streams);
        // The moment, what is kept of it (left out where the line would not fit), and each
        // stream's frame.
        const auto compose = [&](bool with_kept) {
            m_timeline_text.clear();
            std::snprintf(buf, sizeof buf, "%s t=%.3f s, %.3f s ago",
                          m_controls.paused ? "paused:" : "looking back:",
                          double(*m_scrub_ns - m_start_ns) * 1e-9,
                          double(now - *m_scrub_ns) * 1e-9);
            m_timeline_text += buf;
            if (with_kept) {
                std::snprintf(buf, sizeof buf, " (%zu frames, %.1f MB kept)", kept_frames,
                              double(kept_bytes) / 1048576.0);
                m_timeline_text += buf;
            }
            m_timeline_text += ':';
            for (std::size_t id = 0; id < streams; ++id) {
                const History::Stream& hs = m_history->stream(id);
                if (!hs.ring) continue;
                const std::size_t i = hs.ring->at_or_before(*m_scrub_ns);
                if (i == HistoryRing::npos)
                    std::snprintf(buf, sizeof buf, "  %s -",
                                  m_host.stream(std::uint16_t(id)).request().name.c_str());
                else
                    std::snprintf(buf, sizeof buf, "  %s #%u",
                                  m_host.stream(std::uint16_t(id)).request().name.c_str(),
                                  hs.ring->entry(i).sequence);
                m_timeline_text += buf;
            }
        };
        compose(true);
        if (ImGui::CalcTextSize(m_timeline_text.c_str()).x > ImGui::GetContentRegionAvail().x) {
            m_timeline_full = m_timeline_text; // whole in a tooltip, over the line cut short
            compose(false);
            cut = true;
        }
    }
    ImGui::TextUnformatted(m_timeline_text.c_str());
    if (cut && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", m_timeline_full.c_str());
    ImGui::End();
    ImGui::PopStyleVar();
}

// Live means live: the views follow the newest frames again, and the display is not paused.
void ViewerApp::go_live() {
    if (m_scrub_ns) m_go_live = true;
    m_scrub_ns.reset();
    m_controls.paused = false;
    m_was_paused = false;
}

void ViewerApp::step_history(int dir) {
    const std::size_t streams = m_host.stream_count();
    const auto [oldest, newest] = m_history->span(streams);
    if (oldest == 0) return;
    const std::int64_t from = m_scrub_ns.value_or(newest);
    m_scrub_ns = m_scrub_ns ? m_history->step(from, dir, streams) : newest;
}

Status ViewerApp::export_moment(const std::string& dir, std::int64_t t) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(fs::path(dir) / "frames", ec);
    if (ec) return Status::error("cannot create " + dir + "/frames: " + ec.message());
    if (Status s = take_screenshot((fs::path(dir) / "screenshot.png").string()); !s) return s;
    std::ofstream index(fs::path(dir) / "index.tsv");
    index << "frame\tstream\tkind\trows\tcols\tformat\tt_ns\tfile\n";
    std::vector<std::byte> bytes;
    std::unique_ptr<LineHistory> rebuilt;
    std::size_t n = 0;
    nlohmann::json shown = nlohmann::json::array(); // each stream's frame: sequence and time
    for (std::size_t id = 0; id < m_host.stream_count(); ++id) {
        const History::Stream& hs = m_history->stream(id);
        if (!hs.ring) continue;
        const std::size_t i = hs.ring->at_or_before(t);
        if (i == HistoryRing::npos) continue;
        const HistoryRing::Entry& e = hs.ring->entry(i);
        std::uint32_t rows = 0, cols = 0;
        std::string format = "xy32f";
        bytes.clear();
        if (hs.append_capacity > 0) { // the samples as they were, line after line
            if (!m_history->rebuild_append(id, t, rebuilt)) continue;
            rows = rebuilt->lines();
            cols = rebuilt->size();
            for (std::uint32_t l = 0; l < rows; ++l) {
                const auto [a, b] = rebuilt->runs(l);
                for (const auto run : {a, b}) {
                    const auto raw = std::as_bytes(run);
                    bytes.insert(bytes.end(), raw.begin(), raw.end());
                }
            }
        } else {
            const auto raw = hs.ring->data(e);
            bytes.assign(raw.begin(), raw.end());
            rows = e.kind == FrameKind::Image ? e.image.height : e.lines;
            cols = e.kind == FrameKind::Image ? e.image.width : e.points;
            if (e.kind == FrameKind::Image) format = std::string(format_name(e.image.format));
        }
        const bool image = e.kind == FrameKind::Image;
        const std::uint64_t shape[3] = {image ? rows : std::uint64_t{rows} * cols, image ? cols : 2,
                                        e.image.format.channels};
        std::vector<std::byte> file;
        wire::write_npy_header(file,
                               image ? wire::npy_type_of(e.image.format.sample) : wire::NpyType::F4,
                               image && !e.image.format.mono() ? 3 : 2, shape);
        file.insert(file.end(), bytes.begin(), bytes.end());
        char name[32];
        std::snprintf(name, sizeof name, "%09zu.npy", n);
        std::ofstream out(fs::path(dir) / "frames" / name, std::ios::binary);
        out.write(reinterpret_cast<const char*>(file.data()), std::streamsize(file.size()));
        if (!out) return Status::error("cannot write " + dir + "/frames/" + name);
        shown.push_back({{"stream", m_host.stream(std::uint16_t(id)).request().name},
                         {"sequence", e.sequence},
                         {"t_ns", e.t_ns}});
        index << n << '\t' << m_host.stream(std::uint16_t(id)).request().name << '\t'
              << (image ? "image" : "lines") << '\t' << rows << '\t' << cols << '\t' << format
              << '\t' << e.t_ns << "\tframes/" << name << '\n';
        ++n;
    }
    if (!index) return Status::error("cannot write " + dir + "/index.tsv");
    // When the moment was: its time on the frames' clock and its age when exported.
    const nlohmann::json moment = {{"t_ns", t},
                                   {"seconds_ago", double(now_ns() - t) * 1e-9},
                                   {"frames", n},
                                   {"streams", std::move(shown)}};
    std::ofstream(fs::path(dir) / "moment.json") << moment.dump(2) << '\n';
    return Status::ok();
}

// Rewritten only when the counts change (the text buffer keeps its capacity).
void ViewerApp::update_record_text() {
    const Recorder::Counts c = m_recorder->counts();
    if (c == m_record_counts && !m_record_text.empty()) return;
    m_record_counts = c;
    char buf[512];
    std::snprintf(buf, sizeof buf, "recording to %s: %llu frames, %.1f MB%s%s%s",
                  m_recorder->dir().c_str(), static_cast<unsigned long long>(c.frames),
                  double(c.bytes) / 1e6, c.dropped ? ", some dropped (disk behind)" : "",
                  c.limit_reached ? ", size limit reached: stopped" : "",
                  c.failed ? " - write error: stopped" : "");
    m_record_text = buf; // reuses its capacity
}

bool ViewerApp::handle_event(const SDL_Event& event) {
    if (m_wake_event != 0 && event.type == m_wake_event) return false; // a producer's wake
    if (event.type == SDL_QUIT ||
        (event.type == SDL_WINDOWEVENT && event.window.event == SDL_WINDOWEVENT_CLOSE)) {
        m_controls.quit = true;
        return true;
    }
    if (event.type == SDL_WINDOWEVENT) {
        switch (event.window.event) {
        case SDL_WINDOWEVENT_SHOWN:
        case SDL_WINDOWEVENT_EXPOSED:
        case SDL_WINDOWEVENT_RESIZED:
        case SDL_WINDOWEVENT_SIZE_CHANGED:
        case SDL_WINDOWEVENT_MINIMIZED:
        case SDL_WINDOWEVENT_MAXIMIZED:
        case SDL_WINDOWEVENT_RESTORED:
            m_probe.restart(); // the surface may be new: whole frames until it is checked again
            break;
        default:
            break;
        }
    }
    if (event.type == SDL_WINDOWEVENT && event.window.event == SDL_WINDOWEVENT_LEAVE) {
        m_mouse_x = m_mouse_y = -1; // the readout clears
        return true;
    }
    const bool imgui_wants = m_window.forward_to_imgui(event);
    switch (event.type) {
    case SDL_KEYDOWN:
        if (imgui_wants) break;
        switch (event.key.keysym.sym) {
        case SDLK_ESCAPE:
        case SDLK_q:
            m_controls.quit = true;
            break;
        case SDLK_SPACE:
            m_controls.paused = !m_controls.paused;
            break;
        case SDLK_s:
            m_controls.screenshot_requested = true;
            break;
        case SDLK_e: // export the moment shown
            if (m_history) m_export_requested = true;
            break;
        case SDLK_TAB: // the panel: hidden to a rail, or shown again
            m_controls.panel_collapsed = !m_controls.panel_collapsed;
            break;
        case SDLK_r:
            m_canvas.reset();
            break;
        case SDLK_LEFT:
        case SDLK_RIGHT: // frame by frame through the history, while paused or looking back
            if (m_history && (m_controls.paused || m_scrub_ns))
                step_history(event.key.keysym.sym == SDLK_LEFT ? -1 : 1);
            break;
        case SDLK_HOME: // the oldest moment held
            if (m_history) {
                const std::int64_t oldest = m_history->span(m_host.stream_count()).first;
                if (oldest > 0) m_scrub_ns = oldest;
            }
            break;
        case SDLK_l:
        case SDLK_END: // back to live
            go_live();
            break;
        default:
            break;
        }
        break;
    case SDL_MOUSEMOTION:
        m_mouse_x = event.motion.x;
        m_mouse_y = event.motion.y;
        if (m_profile_drag != Canvas::npos) {
            const render::Vec2 p = framebuffer_point(m_mouse_x, m_mouse_y);
            const Segment seg{m_canvas.views()[m_profile_drag].profile->a,
                              Canvas::data_at(m_profile_camera, m_profile_viewport, p.x, p.y)};
            m_canvas.set_profile(m_profile_drag, seg);
        } else if (m_drag_view != Canvas::npos) {
            const render::Vec2 s = framebuffer_point(1, 1), o = framebuffer_point(0, 0);
            m_canvas.pan(m_drag_view,
                         {event.motion.xrel * (s.x - o.x), event.motion.yrel * (o.y - s.y)});
        }
        break;
    case SDL_MOUSEBUTTONDOWN:
        if (!imgui_wants && event.button.button == SDL_BUTTON_LEFT) {
            const render::Vec2 p = framebuffer_point(event.button.x, event.button.y);
            const std::size_t view = m_canvas.view_at(p.x, p.y);
            if (view != Canvas::npos) m_canvas.select(view);
            if (view != Canvas::npos && (SDL_GetModState() & KMOD_SHIFT) &&
                m_canvas.views()[view].images) { // shift-drag: a line profile's segment
                const render::Vec2 d = m_canvas.data_at(view, p.x, p.y);
                m_profile_drag = view;
                m_profile_camera = m_canvas.views()[view].camera;
                m_profile_viewport = m_canvas.views()[view].viewport;
                m_canvas.set_profile(view, {d, d});
            } else if (view != Canvas::npos && event.button.clicks >= 2) {
                m_canvas.reset(view); // double-click: this view fits its data again
            } else {
                m_drag_view = view;
            }
        }
        break;
    case SDL_MOUSEBUTTONUP:
        if (event.button.button == SDL_BUTTON_LEFT) {
            m_drag_view = Canvas::npos;
            if (m_profile_drag != Canvas::npos) { // a click without a drag closes the profile
                const auto& seg = m_canvas.views()[m_profile_drag].profile;
                if (seg && seg->a.x == seg->b.x && seg->a.y == seg->b.y)
                    m_canvas.clear_profile(m_profile_drag);
            }
            m_profile_drag = Canvas::npos;
        }
        break;
    case SDL_MOUSEWHEEL:
        if (imgui_wants) break;
        if (const render::Vec2 p = framebuffer_point(m_mouse_x, m_mouse_y); m_mouse_x >= 0) {
            const std::size_t view = m_canvas.view_at(p.x, p.y);
            if (view != Canvas::npos) m_canvas.zoom(view, std::pow(1.15, event.wheel.y), p.x, p.y);
        }
        break;
    default:
        break;
    }
    return true;
}

render::Vec2 ViewerApp::framebuffer_point(int x, int y) const {
    const double sx = double(m_fb_width) / std::max(m_win_width, 1);
    const double sy = double(m_fb_height) / std::max(m_win_height, 1);
    return {x * sx, m_fb_height - y * sy};
}

std::pair<int, int> ViewerApp::window_point(double fx, double fy) const {
    const double sx = double(std::max(m_win_width, 1)) / std::max(m_fb_width, 1);
    const double sy = double(std::max(m_win_height, 1)) / std::max(m_fb_height, 1);
    return {int(std::lround(fx * sx)), int(std::lround((m_fb_height - fy) * sy))};
}

void ViewerApp::update_hover() {
    m_hover = {};
    if (m_mouse_x < 0 || m_mouse_y < 0) return;
    const render::Vec2 p = framebuffer_point(m_mouse_x, m_mouse_y);
    m_hover.view = m_canvas.view_at(p.x, p.y);
    if (m_hover.view != Canvas::npos) m_hover.data = m_canvas.data_at(m_hover.view, p.x, p.y);
}

// "lines: x 12.5  y 0.25", or for a view with images "image: x 10.5  y 3.5  sweep/image 0.42"
// with the value of each image layer under the cursor. Empty outside the views.
void ViewerApp::update_cursor_text() {
    update_hover();        // the views may have moved since the events were read
    m_cursor_text.clear(); // keeps its capacity: no allocation once grown
    if (m_hover.view == Canvas::npos) return;
    const View& view = m_canvas.views()[m_hover.view];
    char buf[160];
    const render::Vec2 d = m_hover.data;
    std::snprintf(buf, sizeof buf,
                  view.images && !view.extent ? "%s: x %.1f  y %.1f" : "%s: x %.4g  y %.4g",
                  view.name.c_str(), d.x, d.y);
    m_cursor_text += buf;
    for (const std::uint16_t id : view.layers) {
        if (const auto v = m_layers.value_at(id, d, view.extent)) {
            char value[96];
            format_pixel(value, sizeof value, *v);
            std::snprintf(buf, sizeof buf, "  %s %s", m_canvas.stream_name(id).c_str(), value);
            m_cursor_text += buf;
        }
    }
}

Status ViewerApp::take_screenshot(const std::string& path) {
    render::RgbaImage image;
    if (Status s = render::read_pixels(0, 0, m_fb_width, m_fb_height, image); !s) return s;
    return render::write_png(path, image);
}

bool ViewerApp::all_producers_ended() const {
    for (std::size_t p = 0; p < m_host.producer_count(); ++p) {
        const ProducerState s = m_host.producer_status(p).state();
        if (s == ProducerState::Starting || s == ProducerState::Running) return false;
    }
    return true;
}

} // namespace rtv::app
