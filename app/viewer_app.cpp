#include "app/viewer_app.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <thread>

#include <SDL.h>
#include <imgui.h>

#include "app/stats_json.hpp"
#include "core/clock.hpp"
#include "render/gl.hpp"
#include "render/snapshot.hpp"

namespace rtv::app {

std::atomic<bool> ViewerApp::s_signal_quit{false};

namespace {
constexpr render::Rgb kImageBackground{0.0f, 1.0f, 1.0f};                        // cyan
constexpr render::Rgb kLineBackground{192.0f / 255, 192.0f / 255, 192.0f / 255}; // #c0c0c0
constexpr render::Rgb kBadValueColor{1.0f, 0.0f, 1.0f};                          // magenta
constexpr double kHeadlessDefaultSeconds = 5.0;
} // namespace

ViewerApp::ViewerApp(Options options)
    : m_options(std::move(options))
    , m_queue(make_frame_queue())
    , m_host(m_queue)
    , m_router(m_queue, m_host) {
    m_state.colormap = m_options.colormap;
    m_state.line_color = m_options.line_color;
    m_state.contrast = m_options.contrast;
    m_image_view.background = kImageBackground;
    m_image_view.camera.set_y_down(true); // images: row 0 on top
    m_line_view.background = kLineBackground;
    m_views.reserve(kMaxStreams); // StreamViews are created as streams appear, never moved
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
    if (Status s = m_renderer.init(); !s) return Status::error("rtviewer: " + s.message());
    m_gl_renderer = render::gl_renderer();
    m_gl_version = render::gl_version();
    if (!m_options.record_dir.empty()) {
        m_recorder =
            std::make_unique<Recorder>(m_options.record_dir, m_options.record_limit_mb << 20);
        if (Status s = m_recorder->open(); !s) return s;
        m_router.set_tap(m_recorder.get());
    }
    std::size_t index = 0;
    for (producers::CreatedProducer& p : m_options.producers) {
        // Instance names: "sweep", then "sweep#2", ...
        std::size_t same = 0;
        for (std::size_t i = 0; i < index; ++i)
            same += m_options.producers[i].type == p.type;
        std::string name = same == 0 ? p.type : p.type + "#" + std::to_string(same + 1);
        if (Status s = m_host.start(name, std::move(p.producer), p.schedule); !s)
            return Status::error("rtviewer: " + s.message());
        ++index;
    }
    return Status::ok();
}

int ViewerApp::run() {
    if (Status s = start(); !s) {
        std::fprintf(stderr, "%s\n", s.message().c_str());
        return 1;
    }
    std::optional<double> duration = m_options.duration_s;
    if (m_options.headless && !m_options.frames && !duration) duration = kHeadlessDefaultSeconds;
    // Headless swaps are not paced by a display; pace them like vsync unless --no-vsync.
    const bool pace = m_options.headless && m_options.vsync;
    const auto period = std::chrono::nanoseconds(16'666'667);

    // One line when the loop starts (scripts and tests wait for it before signalling).
    std::printf("rtviewer: running on %s (%s), %zu producer%s; Esc, Q or Ctrl+C stops\n",
                m_gl_renderer.c_str(), m_window.video_driver().c_str(), m_host.producer_count(),
                m_host.producer_count() == 1 ? "" : "s");
    std::fflush(stdout);
    m_start_ns = now_ns();
    std::int64_t last_ns = m_start_ns;
    auto next_frame = Clock::now();
    for (;;) { // ends after the frame in which a stop was asked for, so outputs show that frame
        SDL_Event event;
        while (SDL_PollEvent(&event))
            handle_event(event);

        // Read before ingest: a producer that has ended has enqueued all its frames, so this
        // frame shows them.
        const bool producers_done = m_options.exit_when_done && all_producers_ended();
        ingest();
        m_window.drawable_size(m_fb_width, m_fb_height);
        SDL_GetWindowSize(m_window.window(), &m_win_width, &m_win_height);
        const bool minimised = (SDL_GetWindowFlags(m_window.window()) & SDL_WINDOW_MINIMIZED) != 0;
        if (minimised) { // keep draining (pools must come home), skip drawing
            if (m_state.quit || s_signal_quit.load()) break; // nothing to screenshot
            SDL_Delay(10);
            continue;
        }
        layout(m_fb_width, m_fb_height);
        if (m_state.reset_requested) reset_cameras();
        update_cursor();
        draw_canvas();

        m_window.begin_imgui_frame();
        const std::size_t n = m_recent_ms.size();
        std::array<float, 240> ordered{};
        for (std::size_t i = 0; i < n; ++i)
            ordered[i] = m_recent_ms[(m_recent_next + i) % n];
        if (m_recorder) update_record_text();
        draw_panels(m_state, m_host, m_views, m_frame_times, ordered, m_cursor_text, m_notice,
                    m_record_text, m_panel_width);
        m_window.render_imgui();

        if (m_state.screenshot_requested) {
            m_state.screenshot_requested = false;
            const std::string path =
                "rtviewer-screenshot-" + std::to_string(++m_screenshot_count) + ".png";
            const Status s = take_screenshot(path);
            m_notice = s ? "saved " + path : s.message();
        }
        ++m_frames;
        const bool last = m_state.quit || s_signal_quit.load() || producers_done ||
                          (m_options.frames && m_frames >= *m_options.frames) ||
                          (duration && double(now_ns() - m_start_ns) * 1e-9 >= *duration);
        if (last && !m_options.screenshot.empty()) {
            if (Status s = take_screenshot(m_options.screenshot); !s) {
                std::fprintf(stderr, "rtviewer: %s\n", s.message().c_str());
                shutdown();
                return 1;
            }
        }
        m_window.swap();

        const std::int64_t t = now_ns();
        m_frame_times.record(t - last_ns);
        m_recent_ms[m_recent_next] = float(double(t - last_ns) * 1e-6);
        m_recent_next = (m_recent_next + 1) % m_recent_ms.size();
        last_ns = t;
        if (last) break;
        if (pace) {
            next_frame += period;
            const auto now = Clock::now();
            if (next_frame < now) next_frame = now;
            std::this_thread::sleep_until(next_frame);
        }
    }
    m_end_ns = now_ns();
    shutdown();
    if (m_options.headless) print_summary();
    if (!m_options.stats_json.empty()) {
        if (Status s = write_stats(m_options.stats_json); !s) {
            std::fprintf(stderr, "rtviewer: %s\n", s.message().c_str());
            return 1;
        }
    }
    return 0;
}

// Shutdown order: 1. stop and join every producer (none touches a pool after this);
// 2. a last drain, so every frame is accounted for; 3. pending slots go home.
// GL objects, then ImGui and SDL, go with the members (renderer before window).
void ViewerApp::shutdown() {
    if (m_shut_down) return;
    m_shut_down = true;
    m_host.stop_all();
    while (m_router.drain() != 0) {
    }
    m_router.release_all();
    if (m_recorder) { // 4. the recorder writes what it holds (it reads the streams' names)
        m_router.set_tap(nullptr);
        m_recorder->close();
    }
}

void ViewerApp::update_record_text() {
    const Recorder::Counts c = m_recorder->counts();
    char buf[512];
    std::snprintf(buf, sizeof buf, "recording to %s: %llu frames, %.1f MB%s%s%s",
                  m_recorder->dir().c_str(), static_cast<unsigned long long>(c.frames),
                  double(c.bytes) / 1e6, c.dropped ? ", some dropped (disk behind)" : "",
                  c.limit_reached ? ", size limit reached: stopped" : "",
                  c.error.empty() ? "" : " - write error: stopped");
    m_record_text = buf; // reuses its capacity
}

void ViewerApp::handle_event(const SDL_Event& event) {
    if (event.type == SDL_QUIT ||
        (event.type == SDL_WINDOWEVENT && event.window.event == SDL_WINDOWEVENT_CLOSE)) {
        m_state.quit = true;
        return;
    }
    const bool imgui_wants = m_window.forward_to_imgui(event);
    switch (event.type) {
    case SDL_KEYDOWN:
        if (imgui_wants) break;
        switch (event.key.keysym.sym) {
        case SDLK_ESCAPE:
        case SDLK_q:
            m_state.quit = true;
            break;
        case SDLK_SPACE:
            m_state.paused = !m_state.paused;
            break;
        case SDLK_s:
            m_state.screenshot_requested = true;
            break;
        case SDLK_r:
            m_state.reset_requested = true;
            break;
        default:
            break;
        }
        break;
    case SDL_MOUSEMOTION:
        m_mouse_x = event.motion.x;
        m_mouse_y = event.motion.y;
        if (m_dragging && m_drag_view) {
            const render::Vec2 scale = pixel_scale();
            m_drag_view->camera.pan({event.motion.xrel * scale.x, event.motion.yrel * scale.y},
                                    view_size(*m_drag_view));
            if (m_drag_view == &m_line_view) m_state.follow = false;
        }
        break;
    case SDL_MOUSEBUTTONDOWN:
        if (!imgui_wants && event.button.button == SDL_BUTTON_LEFT) {
            m_drag_view = view_at(event.button.x, event.button.y);
            m_dragging = m_drag_view != nullptr;
        }
        break;
    case SDL_MOUSEBUTTONUP:
        if (event.button.button == SDL_BUTTON_LEFT) m_dragging = false;
        break;
    case SDL_MOUSEWHEEL:
        if (imgui_wants) break;
        if (CanvasView* v = view_at(m_mouse_x, m_mouse_y)) {
            v->camera.zoom(std::pow(1.15, event.wheel.y), in_view(*v, m_mouse_x, m_mouse_y),
                           view_size(*v));
            if (v == &m_line_view) m_state.follow = false;
        }
        break;
    default:
        break;
    }
}

render::Vec2 ViewerApp::pixel_scale() const {
    return {double(m_fb_width) / std::max(m_win_width, 1),
            double(m_fb_height) / std::max(m_win_height, 1)};
}

render::Vec2 ViewerApp::in_view(const CanvasView& v, int x, int y) const {
    const render::Vec2 scale = pixel_scale();
    return {x * scale.x - v.viewport.x,
            y * scale.y - (m_fb_height - v.viewport.y - v.viewport.height)};
}

render::Vec2 ViewerApp::view_size(const CanvasView& v) {
    return {double(v.viewport.width), double(v.viewport.height)};
}

CanvasView* ViewerApp::view_at(int x, int y) {
    if (x < 0 || y < 0) return nullptr;
    const render::Vec2 scale = pixel_scale();
    const double fx = x * scale.x,
                 fy = m_fb_height - y * scale.y; // framebuffer, origin bottom-left
    for (CanvasView* v : {&m_image_view, &m_line_view}) {
        const auto& vp = v->viewport;
        if (v->used && fx >= vp.x && fx < vp.x + vp.width && fy >= vp.y && fy < vp.y + vp.height)
            return v;
    }
    return nullptr;
}

// Drains the queue and uploads the newest frame of each stream; append streams bring their
// history up to date. Paused: ingest and statistics go on (superseding keeps memory bounded),
// only uploads stop; resuming shows the newest frame.
void ViewerApp::ingest() {
    m_router.drain();
    while (m_views.size() < m_host.stream_count()) { // allocates: on stream start
        m_views.emplace_back().order = static_cast<int>(m_views.size());
        m_draw_order.push_back(static_cast<std::uint16_t>(m_draw_order.size()));
    }
    const std::int64_t now = now_ns();
    const bool percentile = m_state.contrast.mode == render::ContrastMode::Percentile;
    for (std::size_t id = 0; id < m_views.size(); ++id) {
        Stream& stream = m_host.stream(static_cast<std::uint16_t>(id));
        m_views[id].rates.update(stream.stats().read(), now);
        // The quantile sketch costs the producer a sort of 4096 samples: only when it is used.
        if (stream.kind() == FrameKind::Image && stream.want_quantiles() != percentile)
            stream.set_want_quantiles(percentile);
    }
    if (m_state.paused) return;
    m_router.deliver([this](const FrameView& f) -> Status {
        StreamView& v = m_views[f.stream->id()];
        v.has_frame = true;
        if (f.kind == FrameKind::Image) {
            v.last_stats = f.image_stats;
            if (m_hover_x >= 0 && m_hover_y >= 0 && m_hover_x < f.image.width &&
                m_hover_y < f.image.height) {
                m_hover_value =
                    f.pixels[std::size_t(m_hover_y) * f.image.width + std::size_t(m_hover_x)];
                m_hover_valid = true;
            }
            return v.image.upload(f.image, f.pixels);
        }
        return v.lines.upload(f.lines, f.points, f.line_points);
    });
    for (std::size_t id = 0; id < m_views.size(); ++id) {
        if (const LineHistory* h = m_router.history(static_cast<std::uint16_t>(id))) {
            if (Status s = m_views[id].lines.upload_history(*h); !s)
                m_host.stream(static_cast<std::uint16_t>(id)).stats().add_error(s.message());
            m_views[id].has_frame = true;
        }
    }
}

bool ViewerApp::all_producers_ended() const {
    for (std::size_t p = 0; p < m_host.producer_count(); ++p) {
        const ProducerState s = m_host.producer_status(p).state();
        if (s == ProducerState::Starting || s == ProducerState::Running) return false;
    }
    return true;
}

void ViewerApp::layout(int fb_w, int fb_h) {
    const float scale = m_win_width > 0 ? float(fb_w) / float(m_win_width) : 1.0f;
    const int panel = std::min(int(m_panel_width * scale), fb_w / 2);
    bool images = false, lines = false;
    for (std::size_t id = 0; id < m_views.size(); ++id) {
        const FrameKind k = m_host.stream(static_cast<std::uint16_t>(id)).kind();
        images = images || k == FrameKind::Image;
        lines = lines || k == FrameKind::Lines;
    }
    if (!images && !lines) images = lines = true; // nothing yet: show the layout empty
    const int x = panel, w = std::max(fb_w - panel, 1);
    const int line_h = images ? (lines ? fb_h / 3 : 0) : fb_h;
    m_line_view.used = lines;
    m_image_view.used = images;
    m_line_view.viewport = {x, 0, w, std::max(line_h, 1)};
    m_image_view.viewport = {x, line_h, w, std::max(fb_h - line_h, 1)};
}

void ViewerApp::reset_cameras() {
    bool have_image = false, have_line = false;
    render::Rect image_range{}, line_range{};
    for (std::size_t id = 0; id < m_views.size(); ++id) {
        const StreamView& v = m_views[id];
        if (!v.has_frame) continue;
        const Stream& s = m_host.stream(static_cast<std::uint16_t>(id));
        if (s.kind() == FrameKind::Image && !v.image.empty()) {
            const render::Rect r{0, 0, double(v.image.desc().width), double(v.image.desc().height)};
            image_range = have_image ? image_range.united(r) : r;
            have_image = true;
        } else if (s.kind() == FrameKind::Lines && s.mode() == StreamMode::Replace &&
                   !v.lines.empty()) {
            const render::Rect b = v.lines.bounds();
            // As VisPy's example: x over the points, y over 0..1 (widened if the data leave it).
            const render::Rect r{b.x0, std::min(0.0, b.y0), b.x1 > b.x0 ? b.x1 : b.x0 + 1.0,
                                 std::max(1.0, b.y1)};
            line_range = have_line ? line_range.united(r) : r;
            have_line = true;
        }
    }
    if (have_image) m_image_view.camera.set_range(image_range, 0.0);
    if (have_line)
        m_line_view.camera.set_range(line_range, 0.0);
    else
        m_line_view.camera.set_range({0, 0, 1, 1}, 0.0);
    m_state.follow = true;
    // Keep resetting until every view has seen data, so the first frames set the range.
    m_state.reset_requested = !(have_image || have_line);
}

void ViewerApp::draw_canvas() {
    // Append streams: the line view follows the newest samples over the history's span.
    if (m_state.follow) {
        for (std::size_t id = 0; id < m_views.size(); ++id) {
            const LineHistory* h = m_router.history(static_cast<std::uint16_t>(id));
            if (!h || h->size() == 0) continue;
            const auto [older, newer] = h->runs(0);
            const LinePoint first = older.front();
            const LinePoint last = newer.empty() ? older.back() : newer.back();
            const auto& vis = m_line_view.camera.visible();
            const double span = std::max(double(last.x - first.x), 1e-9);
            m_line_view.camera.set_range({last.x - span, vis.y0, last.x, vis.y1}, 0.0);
            break;
        }
    }
    // Layers in their draw order (the panel edits StreamView::order). An insertion sort: stable
    // (stream order among equals), in place (std::stable_sort may allocate), and the ids are few
    // and almost always sorted already.
    for (std::size_t i = 1; i < m_draw_order.size(); ++i) {
        const std::uint16_t id = m_draw_order[i];
        std::size_t j = i;
        for (; j > 0 && m_views[m_draw_order[j - 1]].order > m_views[id].order; --j)
            m_draw_order[j] = m_draw_order[j - 1];
        m_draw_order[j] = id;
    }
    const auto& ivp = m_image_view.viewport;
    m_image_view.camera.fit_aspect({double(ivp.width), double(ivp.height)}); // square pixels
    for (CanvasView* v : {&m_image_view, &m_line_view}) {
        if (!v->used) continue;
        m_renderer.begin_view(v->viewport, v->background);
        for (const std::uint16_t id : m_draw_order) {
            StreamView& sv = m_views[id];
            if (!sv.has_frame) continue;
            const Stream& s = m_host.stream(id);
            if (s.kind() == FrameKind::Image && v == &m_image_view) {
                sv.limits = render::contrast_limits(m_state.contrast, sv.last_stats, sv.limits);
                m_renderer.draw(
                    sv.image, v->camera,
                    {m_state.colormap, sv.limits.lo, sv.limits.hi, sv.opacity, kBadValueColor});
            } else if (s.kind() == FrameKind::Lines && v == &m_line_view) {
                if (Status st =
                        m_renderer.draw(sv.lines, v->camera, {m_state.line_color, sv.opacity});
                    !st)
                    m_host.stream(id).stats().add_error(st.message());
            }
        }
        m_renderer.end_view();
    }
    // The control panel's strip of the framebuffer.
    m_renderer.begin_view({0, 0, std::max(m_image_view.viewport.x, 1), std::max(m_fb_height, 1)},
                          {0.10f, 0.10f, 0.12f});
    m_renderer.end_view();
}

void ViewerApp::update_cursor() {
    m_hover_x = m_hover_y = -1;
    CanvasView* v = view_at(m_mouse_x, m_mouse_y);
    if (!v) {
        m_cursor_text.clear();
        return;
    }
    const render::Vec2 d =
        v->camera.screen_to_data(in_view(*v, m_mouse_x, m_mouse_y), view_size(*v));
    char buf[128];
    if (v == &m_image_view) {
        m_hover_x = static_cast<std::int64_t>(std::floor(d.x));
        m_hover_y = static_cast<std::int64_t>(std::floor(d.y));
        if (m_hover_valid)
            std::snprintf(buf, sizeof buf, "x %.1f  y %.1f  value %.4g", d.x, d.y,
                          double(m_hover_value));
        else
            std::snprintf(buf, sizeof buf, "x %.1f  y %.1f", d.x, d.y);
    } else {
        std::snprintf(buf, sizeof buf, "x %.4g  y %.4g", d.x, d.y);
    }
    m_cursor_text = buf; // reuses its capacity: no allocation after the first frames
}

Status ViewerApp::take_screenshot(const std::string& path) {
    render::RgbaImage image;
    if (Status s = render::read_pixels(0, 0, m_fb_width, m_fb_height, image); !s) return s;
    return render::write_png(path, image);
}

// A few lines on stdout after a headless run: what --stats-json holds, for a human.
void ViewerApp::print_summary() const {
    const double duration = double(m_end_ns - m_start_ns) * 1e-9;
    std::printf(
        "rtviewer: %llu frames in %.2f s (%.1f fps), frame time p50 %.2f ms, p99 %.2f ms, on %s\n",
        static_cast<unsigned long long>(m_frames), duration,
        duration > 0 ? double(m_frames) / duration : 0.0,
        double(m_frame_times.quantile_ns(0.5)) * 1e-6,
        double(m_frame_times.quantile_ns(0.99)) * 1e-6, m_gl_renderer.c_str());
    for (std::size_t id = 0; id < m_host.stream_count(); ++id) {
        const Stream& s = m_host.stream(static_cast<std::uint16_t>(id));
        const StatsSnapshot st = s.stats().read();
        std::printf("  %-18s %-8s produced %llu, displayed %llu, superseded %llu, dropped %llu, "
                    "rejected %llu, latency p50 %.1f ms, p99 %.1f ms\n",
                    s.request().name.c_str(), to_string(s.owner().state()),
                    static_cast<unsigned long long>(st.produced),
                    static_cast<unsigned long long>(st.displayed),
                    static_cast<unsigned long long>(st.superseded),
                    static_cast<unsigned long long>(st.dropped()),
                    static_cast<unsigned long long>(st.rejected), double(st.latency_p50_ns) * 1e-6,
                    double(st.latency_p99_ns) * 1e-6);
    }
    if (m_recorder) {
        const Recorder::Counts c = m_recorder->counts();
        std::printf("  recorded %llu frames (%.1f MB) to %s, %llu not recorded (disk behind)%s\n",
                    static_cast<unsigned long long>(c.frames), double(c.bytes) / 1e6,
                    m_recorder->dir().c_str(), static_cast<unsigned long long>(c.dropped),
                    c.limit_reached ? ", stopped at the size limit" : "");
        if (!c.error.empty()) std::printf("  %s\n", c.error.c_str());
    }
}

Status ViewerApp::write_stats(const std::string& path) const {
    const double duration = double(m_end_ns - m_start_ns) * 1e-9;
    JsonWriter j;
    j.begin_object();
    j.field("version", "0.1.0");
    j.field("headless", m_options.headless);
    j.field("video_driver", m_window.video_driver());
    j.field("gl_renderer", m_gl_renderer);
    j.field("gl_version", m_gl_version);
    j.field("duration_s", duration);
    j.field("frames_displayed", m_frames);
    j.field("display_fps", duration > 0 ? double(m_frames) / duration : 0.0);
    j.begin_object("frame_time_ms");
    j.field("p50", double(m_frame_times.quantile_ns(0.50)) * 1e-6);
    j.field("p90", double(m_frame_times.quantile_ns(0.90)) * 1e-6);
    j.field("p99", double(m_frame_times.quantile_ns(0.99)) * 1e-6);
    j.field("max", double(m_frame_times.max_ns()) * 1e-6);
    j.end_object();
    std::string message;
    j.begin_array("producers");
    for (std::size_t i = 0; i < m_host.producer_count(); ++i) {
        const ProducerStatus& st = m_host.producer_status(i);
        j.begin_object();
        j.field("name", m_host.producer_name(i));
        j.field("type", m_host.producer(i).info().name);
        j.field("state", to_string(st.state()));
        (void)st.message(message);
        j.field("message", message);
        j.end_object();
    }
    j.end_array();
    j.begin_array("streams");
    for (std::size_t id = 0; id < m_host.stream_count(); ++id) {
        const Stream& s = m_host.stream(static_cast<std::uint16_t>(id));
        const StatsSnapshot st = s.stats().read();
        const ProducerStatus& owner = s.owner();
        j.begin_object();
        j.field("name", s.request().name);
        j.field("producer", m_host.producer_name(s.producer()));
        j.field("kind", s.kind() == FrameKind::Image ? "image" : "lines");
        j.field("mode", s.mode() == StreamMode::Replace ? "replace" : "append");
        j.field("state", to_string(owner.state()));
        (void)owner.message(message);
        j.field("message", message);
        j.field("produced", st.produced);
        j.field("displayed", st.displayed);
        j.field("superseded", st.superseded);
        j.field("dropped", st.dropped());
        j.field("dropped_pool", st.dropped_pool);
        j.field("dropped_queue", st.dropped_queue);
        j.field("rejected", st.rejected);
        j.field("gaps", st.gaps);
        j.field("in_flight", st.in_flight());
        (void)s.stats().last_error(message);
        j.field("last_error", message);
        j.field("blocked_s", double(st.blocked_ns) * 1e-9);
        j.begin_object("latency_ms");
        j.field("p50", double(st.latency_p50_ns) * 1e-6);
        j.field("p90", double(st.latency_p90_ns) * 1e-6);
        j.field("p99", double(st.latency_p99_ns) * 1e-6);
        j.field("max", double(st.latency_max_ns) * 1e-6);
        j.end_object();
        j.end_object();
    }
    j.end_array();
    if (m_recorder) {
        const Recorder::Counts c = m_recorder->counts();
        j.begin_object("record");
        j.field("dir", m_recorder->dir());
        j.field("frames", c.frames);
        j.field("bytes", c.bytes);
        j.field("dropped", c.dropped);
        j.field("limit_reached", c.limit_reached);
        j.field("error", c.error);
        j.end_object();
    }
    j.end_object();
    std::ofstream out(path);
    out << j.text() << '\n';
    if (!out) return Status::error("--stats-json: cannot write " + path);
    return Status::ok();
}

} // namespace rtv::app
