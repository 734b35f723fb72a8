#include "app/run_report.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/producer_board.hpp"

namespace rtv::app {

namespace {

using nlohmann::json;

// The process's peak resident set (VmHWM), or 0 where /proc does not say.
double peak_rss_mb() {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
    return 0.0;
}

double ms(std::int64_t ns) {
    return double(ns) * 1e-6;
}

json views_json(const RunReport& r) {
    json views = json::array();
    for (const View& v : r.canvas.views()) {
        json j = json::object();
        j["name"] = v.name;
        j["visible"] = v.visible;
        const auto& vp = v.viewport;
        // Screenshot pixels, origin top-left (the viewport's origin is bottom-left).
        j["rect"] = v.visible
                        ? json{vp.x, r.framebuffer_height - vp.y - vp.height, vp.width, vp.height}
                        : json{0, 0, 0, 0};
        const render::Rect& shown = v.camera.visible();
        j["x_range"] = {shown.x0, shown.x1};
        j["y_range"] = {shown.y0, shown.y1};
        const auto values = [](const render::Ticks& t) { // as the labels show them
            json a = json::array();
            std::array<char, 32> buf{};
            for (int i = 0; i < t.count; ++i)
                a.push_back(std::strtod(render::tick_label(t, t.value(i), buf).data(), nullptr));
            return a;
        };
        j["ticks"] = {{"x", values(v.x_ticks)}, {"y", values(v.y_ticks)}};
        if (v.has_colorbar && v.visible) {
            const auto& bar = v.colorbar;
            j["colorbar"] = {
                {"rect", {bar.x, r.framebuffer_height - bar.y - bar.height, bar.width, bar.height}},
                {"limits", {v.bar_limits.lo, v.bar_limits.hi}},
                {"colormap", std::string(render::name_of(v.bar_colormap))},
                {"ticks", values(v.bar_ticks)}};
        }
        if (v.profile)
            j["profile"] = {v.profile->a.x, v.profile->a.y, v.profile->b.x, v.profile->b.y};
        if (v.profile_source != Canvas::npos)
            j["profile_of"] = r.canvas.views()[v.profile_source].name;
        json streams = json::array();
        for (const std::uint16_t id : v.layers)
            streams.push_back(r.canvas.stream_name(id));
        j["streams"] = std::move(streams);
        views.push_back(std::move(j));
    }
    return views;
}

} // namespace

const char* version_string() {
    return "rtviewer " RTV_VERSION;
}

void print_summary(const RunReport& r) {
    std::printf(
        "rtviewer: %llu frames in %.2f s (%.1f fps), frame time p50 %.2f ms, p99 %.2f ms, on %s\n",
        static_cast<unsigned long long>(r.frames), r.duration_s,
        r.duration_s > 0 ? double(r.frames) / r.duration_s : 0.0,
        ms(r.frame_times.quantile_ns(0.5)), ms(r.frame_times.quantile_ns(0.99)),
        r.gl_renderer.c_str());
    for (std::size_t id = 0; id < r.host.stream_count(); ++id) {
        const Stream& s = r.host.stream(static_cast<std::uint16_t>(id));
        const StatsSnapshot st = s.stats().read();
        std::printf("  %-18s %-8s produced %llu, displayed %llu, superseded %llu, dropped %llu, "
                    "rejected %llu, gaps %llu, latency p50 %.1f ms, p99 %.1f ms%s\n",
                    s.request().name.c_str(), to_string(s.owner().state()),
                    static_cast<unsigned long long>(st.produced),
                    static_cast<unsigned long long>(st.displayed),
                    static_cast<unsigned long long>(st.superseded),
                    static_cast<unsigned long long>(st.dropped()),
                    static_cast<unsigned long long>(st.rejected),
                    static_cast<unsigned long long>(st.gaps), ms(st.latency_p50_ns),
                    ms(st.latency_p99_ns), st.latency_from_sender ? " (from the sender)" : "");
    }
    // Why each failed producer failed, and how often one was started again.
    std::string message;
    for (std::size_t i = 0; i < r.host.producer_count(); ++i) {
        const ProducerStatus& st = r.host.producer_status(i);
        if (st.state() == ProducerState::Failed && st.message(message))
            std::printf("  producer %s failed: %s\n", r.host.producer_name(i).c_str(),
                        message.c_str());
        if (st.restarts() > 0)
            std::printf("  producer %s was started again %u time%s\n",
                        r.host.producer_name(i).c_str(), st.restarts(),
                        st.restarts() == 1 ? "" : "s");
    }
    if (r.recorder) {
        const Recorder::Counts c = r.recorder->counts();
        std::printf("  recorded %llu frames (%.1f MB) to %s, %llu not recorded (disk behind)%s\n",
                    static_cast<unsigned long long>(c.frames), double(c.bytes) / 1e6,
                    r.recorder->dir().c_str(), static_cast<unsigned long long>(c.dropped),
                    c.limit_reached ? ", stopped at the size limit" : "");
        if (c.discarded)
            std::printf("  %llu frames lost when a write error stopped the recording\n",
                        static_cast<unsigned long long>(c.discarded));
        if (c.failed) std::printf("  %s\n", r.recorder->error().c_str());
    }
}

std::string stats_json(const RunReport& r) {
    json j = json::object();
    j["version"] = RTV_VERSION;
    j["headless"] = r.headless;
    j["video_driver"] = r.video_driver;
    j["gl_renderer"] = r.gl_renderer;
    j["gl_version"] = r.gl_version;
    j["duration_s"] = r.duration_s;
    j["frames_displayed"] = r.frames;
    j["display_fps"] = r.duration_s > 0 ? double(r.frames) / r.duration_s : 0.0;
    j["frame_time_ms"] = {{"p50", ms(r.frame_times.quantile_ns(0.50))},
                          {"p90", ms(r.frame_times.quantile_ns(0.90))},
                          {"p99", ms(r.frame_times.quantile_ns(0.99))},
                          {"max", ms(r.frame_times.max_ns())}};
    const RunReport::Redraws& d = r.redraw;
    j["redraw"] = {{"mode", d.always ? "always" : "changes"},
                   {"passes", d.passes},
                   {"frames", r.frames},
                   {"for_data", d.data},
                   {"for_input", d.input},
                   {"for_panel", d.panel},
                   {"other", d.other},
                   {"panel_rasterised", d.panel_rasterised},
                   {"panel_reused", d.panel_reused},
                   {"image_draw", d.screen_images ? "screen" : "texture"}};
    const DamageCounts& dc = r.damage;
    j["damage"] = {{"back_buffer", r.back_buffer},    {"full_frames", dc.full},
                   {"partial_frames", dc.partial},    {"views_drawn", dc.views},
                   {"margins_drawn", dc.margins},     {"margins_laid_out", dc.margins_laid_out},
                   {"timelines_drawn", dc.timelines}, {"panels_drawn", dc.panels},
                   {"verified", dc.verified},         {"mismatched", dc.mismatched}};
    j["gl_errors"] = d.gl_errors;
    std::string message;
    json producers = json::array();
    for (std::size_t i = 0; i < r.host.producer_count(); ++i) {
        const ProducerStatus& st = r.host.producer_status(i);
        (void)st.message(message);
        json info = json::object(); // the rows the producer shows about itself (ABI 1.1)
        if (const ProducerBoard* board = r.host.producer(i).board()) {
            std::array<ProducerBoard::Row, ProducerBoard::kMaxRows> rows;
            const std::size_t n = board->copy(rows);
            for (std::size_t k = 0; k < n; ++k)
                info[std::string(rows[k].key_view())] = std::string(rows[k].value_view());
        }
        json p = {{"name", r.host.producer_name(i)},
                  {"type", std::string(r.host.producer(i).info().name)},
                  {"state", to_string(st.state())},
                  {"restarts", st.restarts()},
                  {"message", message},
                  {"info", std::move(info)}};
        // A network producer's endpoints: where it listens or connects, and how each is doing.
        if (std::vector<EndpointState> eps; r.host.producer(i).endpoints(eps)) {
            json list = json::array();
            for (const EndpointState& e : eps)
                list.push_back({{"endpoint", e.endpoint},
                                {"state", e.state},
                                {"reason", e.reason},
                                {"peers", e.peers}});
            p["endpoints"] = std::move(list);
        }
        // The streams its publishers offer that it does not take (streams=): the panel's list.
        if (std::vector<OfferedStream> offers; r.host.producer(i).offered(offers)) {
            json list = json::array();
            for (const OfferedStream& o : offers)
                list.push_back({{"name", o.name}, {"detail", o.detail}});
            p["offered"] = std::move(list);
            p["offered_left_out"] = r.host.producer(i).offered_left_out();
        }
        // Its authentication: who got in, who was refused (address, reason).
        if (SecurityState sec; r.host.producer(i).security(sec)) {
            json recent = json::array();
            for (const SecurityState::Refused& x : sec.recent)
                recent.push_back(
                    {{"address", x.address}, {"reason", x.reason}, {"detail", x.detail}});
            p["curve"] = {{"mechanism", sec.mechanism},
                          {"allowed_keys", sec.allowed_keys},
                          {"accepted", sec.accepted},
                          {"refused", sec.refused},
                          {"recent", std::move(recent)}};
        }
        producers.push_back(std::move(p));
    }
    j["producers"] = std::move(producers);
    json streams = json::array();
    for (std::size_t id = 0; id < r.host.stream_count(); ++id) {
        const Stream& s = r.host.stream(static_cast<std::uint16_t>(id));
        const StatsSnapshot st = s.stats().read();
        const std::size_t view = r.canvas.view_of(s.id());
        json o = json::object();
        o["name"] = s.request().name;
        o["producer"] = r.host.producer_name(s.producer());
        o["kind"] = s.kind() == FrameKind::Image ? "image" : "lines";
        o["format"] = stream_format(s.request());
        if (s.kind() == FrameKind::Image)
            o["size"] = {s.request().image.width, s.request().image.height};
        o["mode"] = s.mode() == StreamMode::Replace ? "replace" : "append";
        o["view"] = view == Canvas::npos ? json(nullptr) : json(r.canvas.views()[view].name);
        o["state"] = to_string(s.owner().state());
        (void)s.owner().message(message);
        o["message"] = message;
        o["produced"] = st.produced;
        o["displayed"] = st.displayed;
        o["superseded"] = st.superseded;
        o["dropped"] = st.dropped();
        o["dropped_pool"] = st.dropped_pool;
        o["dropped_queue"] = st.dropped_queue;
        o["rejected"] = st.rejected;
        o["gaps"] = st.gaps;
        o["in_flight"] = st.in_flight();
        o["memory_mb"] =
            s.refusal().empty() ? double(Stream::memory_cost(s.request())) / 1048576.0 : 0.0;
        o["refused"] = !s.refusal().empty();
        (void)s.stats().last_error(message);
        o["last_error"] = message;
        o["blocked_s"] = double(st.blocked_ns) * 1e-9;
        if (r.history) {
            const History::Stream& h = r.history->stream(id);
            json hj = json::object();
            const HistoryRing* ring = h.ring.get();
            hj["frames"] = ring ? ring->size() : 0;
            hj["seconds"] =
                ring && ring->size() > 1
                    ? double(ring->entry(ring->size() - 1).t_ns - ring->entry(0).t_ns) * 1e-9
                    : 0.0;
            hj["mb"] = ring ? double(ring->capacity_bytes()) / 1048576.0 : 0.0;
            hj["used_mb"] = ring ? double(ring->used_bytes()) / 1048576.0 : 0.0;
            hj["skipped"] = h.skipped;
            hj["note"] = h.note;
            o["history"] = std::move(hj);
        }
        // Where latency starts: "sender" (a publisher on this machine stamped its send time on
        // our clock) or "viewer" (the producer's submit inside the viewer).
        o["latency_from"] = st.latency_from_sender ? "sender" : "viewer";
        // A numbering sender (the wire header), only then: its id and the last sequence number
        // received; produced + gaps = last_sequence + 1 when one publisher feeds the stream.
        if (st.numbered) {
            char publisher[24];
            std::snprintf(publisher, sizeof publisher, "%016llx",
                          static_cast<unsigned long long>(st.sender_id));
            o["sender"] = {{"publisher", publisher}, {"last_sequence", st.sender_sequence}};
        }
        o["latency_ms"] = {{"p50", ms(st.latency_p50_ns)},
                           {"p90", ms(st.latency_p90_ns)},
                           {"p99", ms(st.latency_p99_ns)},
                           {"max", ms(st.latency_max_ns)}};
        streams.push_back(std::move(o));
    }
    j["streams"] = std::move(streams);
    j["views"] = views_json(r);
    if (r.budget)
        j["memory"] = {{"limit_mb", double(r.budget->limit()) / 1048576.0},
                       {"used_mb", double(r.budget->used()) / 1048576.0},
                       {"refused", r.budget->refused()},
                       {"peak_rss_mb", peak_rss_mb()}};
    if (r.recorder) {
        const Recorder::Counts c = r.recorder->counts();
        j["record"] = {{"dir", r.recorder->dir()},
                       {"frames", c.frames},
                       {"bytes", c.bytes},
                       {"dropped", c.dropped},
                       {"limit_reached", c.limit_reached},
                       {"discarded", c.discarded},
                       {"error", r.recorder->error()}};
    }
    // Non-finite numbers cannot be JSON: dump() writes them as null.
    return j.dump(2) + "\n";
}

Status write_stats(const std::string& path, const RunReport& report) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << stats_json(report);
    out.flush();
    if (!out) return Status::error("--stats-json: cannot write " + path);
    return Status::ok();
}

} // namespace rtv::app
