#include "app/recorder.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "core/clock.hpp"
#include "core/stream.hpp"

namespace rtv::app {

namespace {
constexpr std::size_t kMaxPending = 4096;
constexpr auto kFlushEvery = std::chrono::seconds(1); // readers see frames at most this late
} // namespace

Recorder::Recorder(std::unique_ptr<storage::RecordWriter> writer, std::string path,
                   std::uint64_t limit_bytes, std::size_t ring_bytes)
    : m_writer_impl(std::move(writer))
    , m_dir(std::move(path))
    , m_limit(limit_bytes)
    , m_ring(ring_bytes)
    , m_pending(kMaxPending) {
    m_last_sequence.reserve(256);
}

Recorder::~Recorder() {
    close();
}

Status Recorder::open() {
    if (Status s = m_writer_impl->open(); !s) return s;
    m_writer = std::jthread([this](std::stop_token stop) { write_loop(stop); });
    return Status::ok();
}

// Space for `bytes` in the ring after the newest record (or from the start when that end is
// too short and the oldest record leaves room). Caller holds m_mutex.
bool Recorder::reserve(std::size_t bytes, std::size_t& offset) {
    if (bytes > m_ring.size()) return false;
    if (m_count == 0) {
        offset = 0;
        return true;
    }
    const Pending& oldest = m_pending[m_head];
    const Pending& newest = m_pending[(m_head + m_count - 1) % kMaxPending];
    const std::size_t begin = oldest.offset, end = newest.offset + newest.bytes;
    if (m_count == kMaxPending) return false;
    if (end > begin) { // live data is [begin, end)
        if (m_ring.size() - end >= bytes) {
            offset = end;
            return true;
        }
        if (begin >= bytes) {
            offset = 0;
            return true;
        }
        return false;
    }
    if (begin - end >= bytes) { // wrapped: live data is [begin, size) and [0, end)
        offset = end;
        return true;
    }
    return false;
}

void Recorder::on_frame(const FrameView& f) {
    const std::span<const std::byte> data =
        f.kind == FrameKind::Image ? f.pixels : std::as_bytes(f.line_points);
    const std::size_t bytes = data.size_bytes();
    std::size_t offset = 0;
    std::size_t slot = 0;
    // Sequence numbers this stream skipped since its last frame here (lost before the viewer,
    // or not recorded): a reader sees where the recording has holes.
    std::uint64_t gaps = 0;
    auto last = std::find_if(m_last_sequence.begin(), m_last_sequence.end(),
                             [&](const auto& e) { return e.first == f.stream; });
    if (last == m_last_sequence.end()) {
        if (m_last_sequence.size() < m_last_sequence.capacity())
            m_last_sequence.emplace_back(f.stream, f.sequence);
    } else {
        gaps = f.sequence - last->second > 1 ? f.sequence - last->second - 1 : 0;
        last->second = f.sequence;
    }
    {
        std::lock_guard lock(m_mutex);
        if (m_stopped || m_closing) return;
        if (m_accepted_bytes + bytes > m_limit) {
            m_counts.limit_reached = true;
            m_stopped = true;
            return;
        }
        if (!reserve(bytes, offset)) {
            ++m_counts.dropped;
            return;
        }
        m_accepted_bytes += bytes;
        slot = (m_head + m_count) % kMaxPending;
        Pending& p = m_pending[slot];
        p = Pending{};
        p.offset = offset;
        p.bytes = bytes;
        p.stream = f.stream;
        p.kind = f.kind;
        if (f.kind == FrameKind::Image) p.image = f.image;
        p.lines = f.lines;
        p.points = f.points;
        p.sequence = f.sequence;
        p.gaps = gaps;
        p.t_ns = f.submit_ns;
        ++m_count;
    }
    std::memcpy(m_ring.data() + offset, data.data(), bytes); // outside the lock: ours alone
    {
        std::lock_guard lock(m_mutex);
        m_pending[slot].ready = true;
    }
    m_ready.notify_one();
}

Status Recorder::write_one(const Pending& p) {
    const StreamRequest& r = p.stream->request();
    storage::RecordFrame f;
    f.stream = r.name;
    f.kind = p.kind;
    f.mode = r.mode;
    f.image = p.image;
    f.capacity = r.lines;
    f.lines = p.lines;
    f.points = p.points;
    f.data = {m_ring.data() + p.offset, p.bytes};
    f.sequence = p.sequence;
    f.gaps = p.gaps;
    f.t_ns = p.t_ns;
    return m_writer_impl->write(f);
}

void Recorder::fail(std::string message) {
    m_error = std::move(message) + "; recording stopped";
    m_counts.failed = m_stopped = true;
    m_counts.discarded += m_count; // what is still in the ring will not be written
    m_count = 0;
}

void Recorder::write_loop(std::stop_token stop) {
    auto last_flush = Clock::now();
    bool unflushed = false;
    auto say_notes = [&] {
        const std::string notes = m_writer_impl->take_notes();
        if (!notes.empty()) std::fputs(notes.c_str(), stderr);
    };
    for (;;) {
        Pending p;
        bool have = false;
        {
            std::unique_lock lock(m_mutex);
            const auto flush_at = last_flush + kFlushEvery;
            m_ready.wait_until(lock, stop, flush_at, [&] {
                return (m_count > 0 && m_pending[m_head].ready) || m_closing;
            });
            have = m_count > 0 && m_pending[m_head].ready;
            if (have)
                p = m_pending[m_head];
            else if (m_closing || stop.stop_requested())
                break; // nothing left
        }
        if (have) {
            const Status s = write_one(p);
            say_notes();
            std::lock_guard lock(m_mutex);
            m_head = (m_head + 1) % kMaxPending;
            --m_count;
            if (!s) {
                ++m_counts.discarded; // this frame
                fail(s.message());
                break; // closed below: what was written before stays readable
            }
            ++m_counts.frames;
            m_counts.bytes = m_writer_impl->bytes();
            unflushed = true;
        }
        // Readers of a file being written (SWMR) see what was flushed: at least once a second.
        if (unflushed && Clock::now() - last_flush >= kFlushEvery) {
            const Status s = m_writer_impl->flush();
            last_flush = Clock::now();
            unflushed = false;
            say_notes();
            if (!s) {
                std::lock_guard lock(m_mutex);
                fail(s.message());
                break;
            }
        } else if (!unflushed) {
            last_flush = Clock::now();
        }
    }
    const Status s = m_writer_impl->close(); // flushes what is left
    say_notes();
    std::lock_guard lock(m_mutex);
    if (!s && !m_counts.failed) fail(s.message());
}

void Recorder::close() {
    {
        std::lock_guard lock(m_mutex);
        m_closing = true;
    }
    m_ready.notify_all();
    if (m_writer.joinable()) m_writer.join(); // writes what is left, closes, then returns
    m_writer_impl.reset();                    // a writer that failed closes here
}

Recorder::Counts Recorder::counts() const {
    std::lock_guard lock(m_mutex);
    return m_counts;
}

std::string Recorder::error() const {
    std::lock_guard lock(m_mutex);
    return m_error;
}

} // namespace rtv::app
