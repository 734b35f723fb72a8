#include "plugin_host/plugin_producer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "core/assert.hpp"
#include "core/clock.hpp"

namespace rtv::plugins {

namespace {

PluginProducer& self_of(rtv_host* host) {
    return *reinterpret_cast<PluginProducer*>(host);
}

// The trampolines the C table holds: a plugin sees only rtv_host* and these.
int c_lease(rtv_host* h, std::uint32_t stream, rtv_frame* frame) {
    return self_of(h).host_lease(stream, frame);
}
int c_commit(rtv_host* h, rtv_frame* frame, std::uint64_t sequence, std::int64_t timestamp_ns) {
    return self_of(h).host_commit(frame, sequence, timestamp_ns);
}
void c_abandon(rtv_host* h, rtv_frame* frame) {
    self_of(h).host_abandon(frame);
}
int c_open_stream(rtv_host* h, const rtv_stream_request* request, std::uint32_t* index) {
    return self_of(h).host_open_stream(request, index);
}
int c_stop_requested(rtv_host* h) {
    return self_of(h).host_stop_requested();
}
int c_sleep(rtv_host* h, double seconds) {
    return self_of(h).host_sleep(seconds);
}
void c_report_error(rtv_host* h, const char* message) {
    self_of(h).host_report_error(message);
}
void c_log(rtv_host* h, int level, const char* message) {
    self_of(h).host_log(level, message);
}
std::int64_t c_now_ns(rtv_host*) {
    return now_ns();
}
void c_reject(rtv_host* h, std::uint32_t stream, const char* why) {
    self_of(h).host_reject(stream, why);
}
void c_set_info(rtv_host* h, const char* key, const char* value) {
    self_of(h).host_set_info(key, value);
}
int c_next_change(rtv_host* h, char* key, std::uint32_t key_size, char* value,
                  std::uint32_t value_size) {
    return self_of(h).host_next_change(key, key_size, value, value_size);
}

constexpr rtv_host_api kApi{sizeof(rtv_host_api),
                            RTV_PLUGIN_ABI_MAJOR,
                            RTV_PLUGIN_ABI_MINOR,
                            &c_lease,
                            &c_commit,
                            &c_abandon,
                            &c_open_stream,
                            &c_stop_requested,
                            &c_sleep,
                            &c_report_error,
                            &c_log,
                            &c_now_ns,
                            &c_reject,
                            &c_set_info,
                            &c_next_change};

// A leased frame's handle: its slot in the held table and that slot's generation, so that a
// handle committed twice, or forged, is refused.
std::uint64_t handle_of(std::size_t index, std::uint32_t generation) {
    return (std::uint64_t{generation} << 32) | (index + 1);
}

// The frame struct of ABI 1.0: what a plugin must pass at least.
constexpr std::uint32_t kFrameSize10 = sizeof(rtv_frame);

} // namespace

const rtv_host_api& host_api() {
    return kApi;
}

class PluginProducer::Call {
public:
    explicit Call(PluginProducer& p)
        : m_p(p) {
        m_p.m_in_flight.fetch_add(1);
        m_open = !m_p.m_closed.load() && m_p.m_sink != nullptr;
    }
    ~Call() { m_p.m_in_flight.fetch_sub(1); }
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;
    explicit operator bool() const { return m_open; }

private:
    PluginProducer& m_p;
    bool m_open = false;
};

PluginProducer::PluginProducer(const PluginType& type)
    : m_type(type) {
    m_self = type.desc.create(type.desc.context);
}

PluginProducer::~PluginProducer() {
    m_held.clear(); // every slot went back as the thread ended; nothing is held here
    if (m_self) m_type.desc.destroy(m_self);
}

ProducerInfo PluginProducer::info() const {
    return {m_type.desc.name, m_type.desc.description ? m_type.desc.description : ""};
}

Status PluginProducer::to_request(const rtv_stream_request& c, StreamRequest& out) {
    if (!c.name || !*c.name) return Status::error("stream: name is empty, expected a name");
    out = StreamRequest{};
    out.name = c.name;
    out.fixed_slots = true; // a plugin may keep the slots' addresses (plugin.h)
    if (c.kind > RTV_KIND_LINES)
        return Status::error(out.name + ": kind is out of range, got " + std::to_string(c.kind) +
                             ", expected RTV_KIND_IMAGE (0) or RTV_KIND_LINES (1)");
    if (c.mode > RTV_MODE_APPEND)
        return Status::error(out.name + ": mode is out of range, got " + std::to_string(c.mode) +
                             ", expected RTV_MODE_REPLACE (0) or RTV_MODE_APPEND (1)");
    out.kind = c.kind == RTV_KIND_IMAGE ? FrameKind::Image : FrameKind::Lines;
    out.mode = c.mode == RTV_MODE_REPLACE ? StreamMode::Replace : StreamMode::Append;
    if (out.kind == FrameKind::Image) {
        if (c.sample > RTV_SAMPLE_F32)
            return Status::error(out.name + ": sample type is out of range, got " +
                                 std::to_string(c.sample) +
                                 ", expected RTV_SAMPLE_U8, _U16, _I16 or _F32 (0..3)");
        if (c.channels > 255)
            return Status::error(out.name + ": channels is out of range, got " +
                                 std::to_string(c.channels) + ", expected 1, 3 or 4");
        out.image.width = c.width;
        out.image.height = c.height;
        out.image.format.channels = static_cast<std::uint8_t>(c.channels);
        // RTV_SAMPLE_* are numbered as SampleType is: U8, U16, I16, F32.
        out.image.format.sample = static_cast<SampleType>(c.sample);
    } else {
        out.lines.max_lines = c.max_lines;
        out.lines.max_points = c.max_points;
        out.history = c.history;
    }
    if (c.slots != 0) out.slots = c.slots;
    return Status::ok();
}

Status PluginProducer::configure(const ProducerConfig& config) {
    const std::string who(m_type.desc.name);
    if (!m_self) return Status::error(who + ": the plugin could not create the producer");
    std::vector<rtv_setting_value> values;
    values.reserve(config.size());
    for (const auto& [key, value] : config)
        values.push_back({sizeof(rtv_setting_value), key.c_str(), value.c_str()});
    char error[512] = "";
    const int r = !m_type.desc.configure // no settings of its own
                      ? RTV_OK
                      : m_type.desc.configure(m_self, values.data(),
                                              static_cast<std::uint32_t>(values.size()), error,
                                              static_cast<std::uint32_t>(sizeof error));
    error[sizeof error - 1] = '\0';
    if (r != RTV_OK) {
        const std::string why = *error ? error : "its settings were refused";
        return Status::error(why.starts_with(who + ":") ? why : who + ": " + why);
    }
    const std::uint32_t count = m_type.desc.stream_count(m_self);
    if (count > kMaxStreams)
        return Status::error(who + ": too many streams, got " + std::to_string(count) +
                             ", expected at most " + std::to_string(kMaxStreams));
    m_streams.clear();
    for (std::uint32_t i = 0; i < count; ++i) {
        rtv_stream_request c{};
        c.size = sizeof c;
        if (m_type.desc.stream(m_self, i, &c) != RTV_OK)
            return Status::error(who + ": stream " + std::to_string(i) +
                                 " was refused by the plugin");
        c.size = sizeof c; // whatever it wrote there
        StreamRequest request;
        if (Status s = to_request(c, request); !s) return Status::error(who + ": " + s.message());
        m_streams.push_back(std::move(request));
    }
    return Status::ok();
}

std::vector<StreamRequest> PluginProducer::streams() const {
    return m_streams;
}

void PluginProducer::grow_held(std::size_t more) {
    m_held.resize(m_held.size() + more);
}

void PluginProducer::throw_if_failed(const char* fallback, int result) {
    std::string message;
    {
        std::lock_guard lock(m_mutex);
        if (!m_failed && result != RTV_ERROR) return;
        message = m_failed || !m_error.empty() ? m_error : fallback;
    }
    throw std::runtime_error(message);
}

void PluginProducer::tick(FrameSink&, std::uint64_t n) {
    const int r = m_type.desc.tick(m_self, reinterpret_cast<rtv_host*>(this), &kApi, n);
    throw_if_failed("tick() returned RTV_ERROR", r);
    if (r == RTV_DONE && m_done) m_done->request_stop();
}

void PluginProducer::run(std::stop_token stop, FrameSink& sink) {
    {
        std::lock_guard lock(m_mutex);
        std::size_t slots = 0;
        for (std::size_t i = 0; i < sink.stream_count(); ++i)
            slots += sink.stream(i).request().slots;
        grow_held(slots);
        m_last_sequence.assign(sink.stream_count(), std::nullopt);
        m_sink = &sink;
    }
    struct Ending { // however run ends: the gate closes and held slots go back
        PluginProducer& p;
        ~Ending() { p.close_gate(); }
    } ending{*this};
    if (m_type.desc.run) {
        const int r = m_type.desc.run(m_self, reinterpret_cast<rtv_host*>(this), &kApi);
        throw_if_failed("run() returned RTV_ERROR", r);
        return;
    }
    // The schedule of a built-in producer, ended early by RTV_DONE as by stop.
    std::stop_source done;
    std::stop_callback link(stop, [&done] { done.request_stop(); });
    m_done = &done;
    Producer::run(done.get_token(), sink);
    m_done = nullptr;
}

void PluginProducer::close_gate() {
    m_closed.store(true);
    // Calls in flight return at once: a lease waiting for a slot on stop, a sleep on a wake
    // (repeated: a sleep may begin just after one). The producer may have ended by itself, so
    // stop is not what wakes a plugin thread's long sleep.
    while (m_in_flight.load() != 0) {
        if (m_sink) m_sink->wake();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::lock_guard lock(m_mutex);
    for (Held& h : m_held)
        h.lease = FrameLease{}; // gives the slot back
}

void PluginProducer::abandon() {
    close_gate();
}

PluginProducer::Held* PluginProducer::held_of(const rtv_frame* frame) {
    if (!frame || frame->size < kFrameSize10) return nullptr;
    const std::uint64_t index = (frame->handle & 0xffffffffu);
    if (index == 0 || index > m_held.size()) return nullptr;
    Held& h = m_held[index - 1];
    if (!h.used || h.generation != std::uint32_t(frame->handle >> 32)) return nullptr;
    return &h;
}

int PluginProducer::host_lease(std::uint32_t stream, rtv_frame* frame) {
    Call call(*this);
    if (!call || !frame) return RTV_ERROR;
    std::lock_guard lock(m_mutex);
    if (frame->size < kFrameSize10 || stream >= m_sink->stream_count()) return RTV_ERROR;
    FrameLease lease = m_sink->acquire(stream);
    if (!lease) return RTV_EMPTY; // counted as dropped (policy drop), or stop
    // One entry per pool slot: a slot leased has an entry free.
    const auto free =
        std::find_if(m_held.begin(), m_held.end(), [](const Held& h) { return !h.used; });
    RTV_ASSERT(free != m_held.end(), "a leased slot without a held entry");
    rtv_frame f{};
    f.size = frame->size > sizeof f ? std::uint32_t(sizeof f) : frame->size;
    f.stream = stream;
    f.handle = handle_of(std::size_t(free - m_held.begin()), free->generation);
    if (lease.kind() == FrameKind::Image) {
        const ImageDesc d = lease.image_desc();
        const std::span<std::byte> bytes = lease.bytes();
        f.kind = RTV_KIND_IMAGE;
        f.data = bytes.data();
        f.bytes = bytes.size();
        f.width = d.width;
        f.height = d.height;
        f.channels = d.format.channels;
        f.sample = static_cast<std::uint32_t>(d.format.sample);
    } else {
        const LinesDesc d = lease.lines_desc();
        const std::span<LinePoint> points = lease.points();
        f.kind = RTV_KIND_LINES;
        f.data = points.data();
        f.bytes = points.size_bytes();
        f.max_lines = d.max_lines;
        f.max_points = d.max_points;
    }
    free->lease = std::move(lease);
    free->stream = stream;
    free->used = true;
    std::memcpy(frame, &f, f.size); // within what the plugin's struct holds
    return RTV_OK;
}

int PluginProducer::host_commit(rtv_frame* frame, std::uint64_t sequence,
                                std::int64_t timestamp_ns) {
    Call call(*this);
    if (!call) return RTV_ERROR;
    std::lock_guard lock(m_mutex);
    Held* h = held_of(frame);
    if (!h) {
        if (frame && frame->size >= kFrameSize10 && frame->stream < m_sink->stream_count())
            m_sink->reject(frame->stream, std::string(m_type.desc.name) +
                                              ": commit() of a frame not leased (committed or "
                                              "abandoned already?); frame rejected");
        return RTV_ERROR;
    }
    FrameLease lease = std::move(h->lease);
    h->used = false;
    ++h->generation;
    const std::size_t stream = h->stream; // the lease's, whatever the plugin wrote
    Stream& s = m_sink->stream(stream);
    const StreamRequest& r = s.request();
    char why[256] = "";
    if (frame->stream != stream) {
        std::snprintf(why, sizeof why,
                      "%s: frame committed to stream %u, leased from stream %zu; frame rejected",
                      r.name.c_str(), frame->stream, stream);
    } else if (r.kind == FrameKind::Image) {
        const ImageDesc& d = r.image;
        if (frame->width != d.width || frame->height != d.height ||
            frame->channels != d.format.channels ||
            frame->sample != static_cast<std::uint32_t>(d.format.sample))
            std::snprintf(why, sizeof why,
                          "%s: frame committed as %ux%u of %u channel(s) of sample type %u, the "
                          "stream is %ux%u of %u of %u; frame rejected",
                          r.name.c_str(), frame->width, frame->height, frame->channels,
                          frame->sample, d.width, d.height, unsigned(d.format.channels),
                          unsigned(d.format.sample));
    } else {
        const std::uint32_t lines = frame->lines ? frame->lines : r.lines.max_lines;
        const std::uint32_t points = frame->points ? frame->points : r.lines.max_points;
        lease.set_shape(lines, points); // FrameSink checks it against the capacity
    }
    if (*why) {
        m_sink->reject(stream, why);
        return RTV_ERROR;
    }
    std::optional<std::uint64_t>& last = m_last_sequence[stream];
    // A frame numbered below the newest (a source's late frame) is no gap and leaves the newest
    // where it is: the frames after it are not counted as lost twice.
    if (last && sequence > *last + 1) s.stats().add_gaps(sequence - *last - 1);
    if (!last || sequence > *last) last = sequence;
    if (timestamp_ns > 0) lease.set_origin_ns(timestamp_ns);
    m_sink->submit(std::move(lease));
    return RTV_OK;
}

void PluginProducer::host_abandon(rtv_frame* frame) {
    Call call(*this);
    if (!call) return;
    std::lock_guard lock(m_mutex);
    if (Held* h = held_of(frame)) {
        h->lease = FrameLease{};
        h->used = false;
        ++h->generation;
    }
}

int PluginProducer::host_open_stream(const rtv_stream_request* request, std::uint32_t* index) {
    Call call(*this);
    if (!call || !request || !index) return RTV_ERROR;
    rtv_stream_request c{};
    std::memcpy(&c, request, std::min<std::size_t>(request->size, sizeof c));
    StreamRequest r;
    Status s = to_request(c, r);
    std::lock_guard lock(m_mutex);
    std::size_t at = 0;
    if (s) s = m_sink->open_stream(std::move(r), at);
    if (!s) {
        m_error = std::string(m_type.desc.name) + ": open_stream: " + s.message();
        std::fprintf(stderr, "rtviewer: %s\n", m_error.c_str());
        return RTV_ERROR;
    }
    grow_held(m_sink->stream(at).request().slots);
    m_last_sequence.resize(m_sink->stream_count());
    *index = static_cast<std::uint32_t>(at);
    return RTV_OK;
}

int PluginProducer::host_stop_requested() {
    Call call(*this);
    if (!call) return 1; // ended or abandoned: whatever asks should stop
    return m_sink->stop_token().stop_requested() ? 1 : 0;
}

int PluginProducer::host_sleep(double seconds) {
    Call call(*this);
    if (!call) return 0;
    return m_sink->sleep_for(seconds) && !m_closed.load() ? 1 : 0; // a wake on closing: stop
}

void PluginProducer::host_report_error(const char* message) {
    std::lock_guard lock(m_mutex);
    m_error = message && *message ? message : "the plugin reported an error";
    m_failed = true;
}

void PluginProducer::host_log(int level, const char* message) {
    std::fprintf(stderr, "rtviewer: %s: %s%s\n", m_type.desc.name,
                 level == RTV_LOG_WARNING ? "warning: " : "", message ? message : "");
}

void PluginProducer::host_reject(std::uint32_t stream, const char* why) {
    Call call(*this);
    if (!call) return;
    std::lock_guard lock(m_mutex);
    if (stream < m_sink->stream_count())
        m_sink->reject(stream, std::string(m_type.desc.name) + ": " + (why ? why : "rejected"));
}

void PluginProducer::host_set_info(const char* key, const char* value) {
    if (!key) return;
    const ProducerBoard::SetResult r = m_board.set(key, value);
    if (r == ProducerBoard::SetResult::Full)
        std::fprintf(stderr,
                     "rtviewer: %s: warning: set_info: row '%.*s' ignored: a producer shows at "
                     "most %zu rows (further ones are ignored without a word)\n",
                     m_type.desc.name, int(ProducerBoard::kKeyBytes - 1), key,
                     ProducerBoard::kMaxRows);
}

int PluginProducer::host_next_change(char* key, std::uint32_t key_size, char* value,
                                     std::uint32_t value_size) {
    if (!key || !value) return 0;
    return m_board.next_change({key, key_size}, {value, value_size}) ? 1 : 0;
}

} // namespace rtv::plugins
