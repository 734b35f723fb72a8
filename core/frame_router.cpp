#include "core/frame_router.hpp"

#include "core/assert.hpp"

namespace rtv {

FrameRouter::FrameRouter(FrameQueue& queue, ProducerHost& host)
    : m_queue(queue)
    , m_host(host)
    , m_token(queue)
    , m_owner(std::this_thread::get_id()) {
}

FrameRouter::~FrameRouter() {
    release_all();
}

void FrameRouter::check_thread() const {
    RTV_ASSERT(std::this_thread::get_id() == m_owner,
               "the frame router is used off the thread that created it (the main thread)");
}

std::size_t FrameRouter::drain() {
    check_thread();
    std::size_t total = 0;
    for (std::size_t b = 0; b < kMaxBatchesPerDrain; ++b) {
        const std::size_t n = m_queue.try_dequeue_bulk(m_token, m_batch.begin(), kBatch);
        for (std::size_t i = 0; i < n; ++i)
            route(m_batch[i]);
        total += n;
        if (n < kBatch) break;
    }
    return total;
}

void FrameRouter::route(const FrameMsg& msg) {
    Stream& stream = m_host.stream(msg.stream);
    stream.count_taken();
    StreamState& s = m_state[msg.stream];
    // The frame it supersedes goes home first, so that a tap holding that slot too (the history
    // lending it) is its last holder by the time it sees the new frame.
    if (s.pending) {
        stream.pool().release(s.msg.slot);
        stream.stats().add_superseded();
        s.pending = false;
    }
    if (m_tap) m_tap->on_frame(view_of(msg));

    if (stream.mode() == StreamMode::Append) {
        const StreamRequest& r = stream.request();
        if (!s.history) s.history = std::make_unique<LineHistory>(r.lines.max_lines, r.history);
        const std::span<const LinePoint> pts =
            stream.pool().typed<LinePoint>(msg.slot).first(std::size_t{msg.lines} * msg.points);
        s.history->append(pts, msg.lines, msg.points);
        stream.pool().release(msg.slot);
        stream.stats().add_displayed(now_ns() - msg.submit_ns);
        return;
    }
    s.msg = msg;
    s.pending = true;
}

FrameView FrameRouter::view_of(const FrameMsg& msg) {
    const Stream& stream = m_host.stream(msg.stream);
    FrameView v;
    v.stream = &stream;
    v.kind = msg.kind;
    v.sequence = msg.sequence;
    v.submit_ns = msg.submit_ns;
    v.slot = msg.slot;
    if (msg.kind == FrameKind::Image) {
        v.image = stream.request().image;
        v.pixels = stream.pool().data(msg.slot).first(v.image.byte_size());
        v.image_stats = stream.pool().image_stats(msg.slot);
    } else {
        v.lines = msg.lines;
        v.points = msg.points;
        v.line_points =
            stream.pool().typed<LinePoint>(msg.slot).first(std::size_t{msg.lines} * msg.points);
    }
    return v;
}

void FrameRouter::finish(StreamState& s, const Status& status) {
    Stream& stream = m_host.stream(s.msg.stream);
    stream.pool().release(s.msg.slot); // the upload has consumed the data when it returns
    s.pending = false;
    if (status.is_ok())
        stream.stats().add_displayed(now_ns() - s.msg.submit_ns);
    else
        stream.stats().add_rejected(status.message());
}

void FrameRouter::release_all() {
    check_thread();
    const std::size_t n = m_host.stream_count();
    for (std::size_t id = 0; id < n; ++id) {
        StreamState& s = m_state[id];
        if (!s.pending) continue;
        Stream& stream = m_host.stream(static_cast<std::uint16_t>(id));
        stream.pool().release(s.msg.slot);
        stream.stats().add_superseded();
        s.pending = false;
    }
}

} // namespace rtv
