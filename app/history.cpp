#include "app/history.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/page_buffer.hpp"
#include "core/stream.hpp"

namespace rtv::app {

History::History(HistorySettings settings, MemoryBudget* budget, std::uint64_t share_bytes)
    : m_settings(std::move(settings))
    , m_budget(budget)
    , m_share(share_bytes)
    , m_streams(kMaxStreams) {
    if (m_settings.copy_thread && enabled())
        m_thread = std::jthread([this](std::stop_token stop) { copy_loop(stop); });
}

History::~History() {
    // The copy thread copies what is queued, lets every slot go and ends (the pools outlive
    // the history), then the rings go.
    if (m_thread.joinable()) {
        m_thread.request_stop();
        m_thread.join();
    }
    // Lent frames not settled (the ring's newest): their slots go home as they are.
    for (Stream& s : m_streams)
        if (s.pool)
            for (std::size_t i = s.ring->size() - s.ring->lent(); i < s.ring->size(); ++i)
                s.pool->release(s.ring->entry(i).slot);
    if (m_budget && m_reserved > 0) m_budget->release(m_reserved);
}

void History::copy_loop(std::stop_token stop) {
    std::unique_lock lock(m_mutex);
    for (;;) {
        // Returns false only once stop is requested and nothing is queued.
        if (!m_queued.wait(lock, stop, [&] { return m_copied < m_enqueued; })) return;
        const Job job = m_jobs[m_copied % kMaxJobs];
        lock.unlock();
        if (job.bytes > 0) std::memcpy(job.dst, job.src, job.bytes);
        if (job.pool) job.pool->release(job.slot);
        lock.lock();
        ++m_copied;
        m_copied_cv.notify_all();
    }
}

void History::collect() {
    if (m_committed == m_enqueued) return;
    std::uint64_t copied = 0;
    {
        std::lock_guard lock(m_mutex);
        copied = m_copied;
    }
    for (; m_committed < copied; ++m_committed) {
        const Job& job = m_jobs[m_committed % kMaxJobs];
        Stream& s = m_streams[job.stream];
        s.ring->commit();
        if (job.pool) --s.in_flight;
    }
}

void History::flush() {
    settle();
    if (m_committed == m_enqueued) return;
    {
        std::unique_lock lock(m_mutex);
        m_copied_cv.wait(lock, [&] { return m_copied == m_enqueued; });
    }
    collect();
}

void History::settle() {
    for (Stream& s : m_streams)
        if (s.pool) settle(s);
}

void History::settle(Stream& s) {
    while (s.ring->lent() > 0) {
        const std::uint8_t slot = s.ring->oldest_lent().slot;
        if (!s.pool->sole_holder(slot)) return; // the display still has it: in order
        // The slot's buffer is the ring's now; the slot is given a block of the ring's.
        s.pool->exchange(slot, s.ring->settle());
        s.pool->release(slot);
    }
}

void History::lend(Stream& s, const FrameView& f) {
    settle(s);
    if (s.ring->lent() + 2 >= s.pool->slot_count() ||
        !s.ring->lend(f, s.pool->data(f.slot).data())) {
        // Lent frames are the ring's newest until settled, so a copy cannot go after them:
        // the frame is not kept (the display holds slots longer than a frame, or a flood).
        ++s.skipped;
        return;
    }
    s.pool->retain(f.slot);
    ++s.lent_total;
}

bool History::make_lending_ring(Stream& s, const FrameView& f, std::uint64_t bytes,
                                std::uint64_t keep_bytes, std::size_t keep_entries) {
    // The tap's view of the stream is read-only; its pool's slots are what lending changes, as
    // retain() and release() do.
    FramePool& pool = const_cast<rtv::Stream*>(f.stream)->pool();
    if (!m_settings.lend || f.kind != FrameKind::Image || f.stream->mode() == StreamMode::Append ||
        !pool.lendable() || pool.slot_count() <= 2)
        return false;
    const std::size_t blocks = std::size_t((bytes - keep_bytes) / pool.stride());
    if (blocks < 2) return false;
    PageBuffer memory(blocks * pool.stride()); // not touched: huge pages as written
    std::byte* const base = memory.get();
    pool.adopt(std::move(memory)); // the pool keeps it: its slots may end up in it
    s.ring = std::make_unique<HistoryRing>(HistoryRing::Blocks{base, pool.stride(), blocks},
                                           kMaxEntries, std::size_t(keep_bytes), keep_entries);
    s.pool = &pool;
    return true;
}

void History::on_frame(const FrameView& f) {
    Stream& s = m_streams[f.stream->id()];
    if (!s.decided) { // the stream's first frame: make its ring, or say why not
        s.decided = true;
        std::uint64_t bytes = m_settings.default_bytes;
        for (const auto& [name, b] : m_settings.per_stream)
            if (name == f.stream->request().name) bytes = b;
        // The largest frame the stream can send: a ring larger than kMaxEntries of them could
        // never fill, so it is not reserved.
        const StreamRequest& r = f.stream->request();
        const std::uint64_t frame = f.kind == FrameKind::Image
                                        ? r.image.byte_size()
                                        : r.lines.point_capacity() * sizeof(LinePoint);
        const std::uint64_t frame_slot = (frame + 63) / 64 * 64;
        bytes = std::min(bytes, frame_slot * kMaxEntries);
        char why[256];
        why[0] = 0;
        if (bytes == 0) {
            std::snprintf(why, sizeof why, "no history (--history 0 for it)");
        } else if (f.kind == FrameKind::Image && frame > bytes) {
            std::snprintf(why, sizeof why,
                          "no history: a frame is %.1f MB, more than its history of %.1f MB",
                          double(frame) / 1048576.0, double(bytes) / 1048576.0);
        } else if (m_reserved + bytes > m_share || (m_budget && !m_budget->try_reserve(bytes))) {
            std::snprintf(why, sizeof why,
                          "no history: its %.0f MB would pass the histories' share of the "
                          "memory limit (%.0f of %.0f MB in use)",
                          double(bytes) / 1048576.0, double(m_reserved) / 1048576.0,
                          double(m_share) / 1048576.0);
        } else {
            m_reserved += bytes;
            if (f.stream->mode() == StreamMode::Append) {
                s.append_lines = f.stream->request().lines.max_lines;
                s.append_capacity = f.stream->request().history;
            }
            // The keep store, out of the same bytes: the moment's frame and its neighbours, or
            // for an append stream the samples its history holds and a few frames more. Only
            // where it leaves the ring most of its room.
            std::uint64_t keep_bytes = 3 * frame_slot;
            std::size_t keep_entries = 3;
            if (s.append_capacity > 0) {
                keep_bytes = std::uint64_t{s.append_capacity} * s.append_lines * sizeof(LinePoint) +
                             4 * frame_slot;
                keep_entries = kMaxEntries;
            }
            if (keep_bytes * 4 > bytes) keep_bytes = keep_entries = 0;
            if (!make_lending_ring(s, f, bytes, keep_bytes, keep_entries))
                s.ring = std::make_unique<HistoryRing>(std::size_t(bytes - keep_bytes), kMaxEntries,
                                                       std::size_t(keep_bytes), keep_entries);
        }
        s.note = why;
    }
    if (!s.ring) return;
    // Lent once the ring has filled (copied until then: the copy thread, not the producer,
    // pays for its pages' first touch) and no copy is under way (a lent frame is the newest).
    if (s.pool && s.ring->filled() && s.ring->reserved() == 0) {
        lend(s, f);
        return;
    }
    const std::size_t bytes =
        f.kind == FrameKind::Image ? f.pixels.size_bytes() : f.line_points.size_bytes();
    if (m_thread.joinable()) {
        queue_copy(s, f, bytes);
        return;
    }
    if (bytes > m_pass_left) {
        ++s.skipped;
        return;
    }
    m_pass_left -= bytes;
    if (!s.ring->push(f)) ++s.skipped; // (an append frame larger than the ring)
}

void History::queue_copy(Stream& s, const FrameView& f, std::size_t bytes) {
    collect();
    // The copy thread's share of the stream's pool: the producer and the display keep a slot
    // each, so that holding frames for copying never takes the producer's last slot.
    const unsigned slots = f.stream->pool().slot_count();
    const bool to_thread = slots > 2 && s.in_flight < slots - 2;
    // Copied here instead when the copy thread is behind, within the pass's budget, as without
    // a copy thread; past it, or with the queue full, the frame is not kept.
    if (in_flight() >= kMaxJobs || (!to_thread && bytes > m_pass_left)) {
        ++s.skipped;
        return;
    }
    std::span<std::byte> dest;
    if (!s.ring->reserve(f, dest)) {
        ++s.skipped; // larger than the ring, or its room is still being copied
        return;
    }
    const std::byte* src = f.kind == FrameKind::Image
                               ? f.pixels.data()
                               : reinterpret_cast<const std::byte*>(f.line_points.data());
    Job job{f.stream->id(), nullptr, f.slot, src, dest.data(), bytes};
    if (to_thread) {
        // One more holder of the slot: the router gives it back when the display is done with
        // it, the copy thread when the copy is; the last of the two sends it home. (The tap's
        // view of the stream is read-only; the slot's holder count is the one thing changed,
        // as the router changes it.)
        job.pool = &const_cast<rtv::Stream*>(f.stream)->pool();
        job.pool->retain(f.slot);
        ++s.in_flight;
    } else {
        if (bytes > 0) std::memcpy(dest.data(), src, bytes);
        m_pass_left -= bytes;
        job.bytes = 0; // queued all the same: frames are committed in the order taken
    }
    {
        std::lock_guard lock(m_mutex);
        m_jobs[m_enqueued % kMaxJobs] = job;
        ++m_enqueued;
    }
    m_queued.notify_one();
}

std::pair<std::int64_t, std::int64_t> History::span(std::size_t count) const {
    // From the oldest frame held to the newest, but not before the oldest frame of a stream
    // that has lost frames to eviction: before that moment it could not be shown as it was.
    // (A stream that lost none holds everything since its first frame, and before that it had
    // none: it is hidden there, which is how it was.)
    std::int64_t lo = 0, hi = 0, complete_from = 0;
    bool any = false;
    for (std::size_t id = 0; id < count && id < m_streams.size(); ++id) {
        const HistoryRing* r = m_streams[id].ring.get();
        if (!r || r->size() == 0) continue;
        const std::int64_t a = r->entry(0).t_ns, b = r->entry(r->size() - 1).t_ns;
        lo = any ? std::min(lo, a) : a;
        hi = any ? std::max(hi, b) : b;
        if (r->lost_before_first()) complete_from = std::max(complete_from, a);
        any = true;
    }
    return {std::max(lo, complete_from), hi};
}

std::int64_t History::step(std::int64_t t, int dir, std::size_t count) const {
    std::int64_t best = t;
    bool found = false;
    for (std::size_t id = 0; id < count && id < m_streams.size(); ++id) {
        const HistoryRing* r = m_streams[id].ring.get();
        if (!r || r->size() == 0) continue;
        const std::size_t i = r->at_or_before(t);
        std::int64_t candidate = 0;
        if (dir > 0) { // the first frame after t
            const std::size_t next = i == HistoryRing::npos ? 0 : i + 1;
            if (next >= r->size()) continue;
            candidate = r->entry(next).t_ns;
        } else { // the newest frame before t
            std::size_t j = i;
            while (j != HistoryRing::npos && r->entry(j).t_ns >= t)
                j = j == 0 ? HistoryRing::npos : j - 1;
            if (j == HistoryRing::npos) continue;
            candidate = r->entry(j).t_ns;
        }
        if (!found || (dir > 0 ? candidate < best : candidate > best)) best = candidate;
        found = true;
    }
    return best;
}

namespace {
// The first frame an append stream's history at entry `last` needs: enough frames back for
// `capacity` samples.
std::size_t first_needed(const HistoryRing& r, std::size_t last, std::uint32_t capacity) {
    std::size_t first = last;
    std::uint64_t samples = r.entry(last).points;
    while (first > 0 && samples < capacity) {
        --first;
        samples += r.entry(first).points;
    }
    return first;
}
} // namespace

void History::hold(std::int64_t t, std::size_t count) {
    for (std::size_t id = 0; id < count && id < m_streams.size(); ++id) {
        const Stream& s = m_streams[id];
        HistoryRing* r = s.ring.get();
        if (!r || r->size() == 0) continue;
        const std::size_t i = r->at_or_before(t);
        if (i == HistoryRing::npos) { // nothing yet at t: keep the frame stepping shows next
            r->keep(t, r->entry(0).t_ns);
            continue;
        }
        std::size_t first = i > 0 ? i - 1 : i; // the frame before: Left steps to it
        if (s.append_capacity > 0) first = first_needed(*r, first, s.append_capacity);
        const std::size_t next = std::min(i + 1, r->size() - 1); // Right steps to it
        r->keep(r->entry(first).t_ns, r->entry(next).t_ns);
    }
}

void History::release(std::size_t count) {
    for (std::size_t id = 0; id < count && id < m_streams.size(); ++id)
        if (HistoryRing* r = m_streams[id].ring.get()) r->keep_none();
}

std::int64_t History::showable(std::int64_t t, std::size_t count) const {
    // Each move goes to a later held frame, so this ends; a few rounds settle every stream.
    for (std::size_t round = 0; round < 2 * count + 2; ++round) {
        bool moved = false;
        for (std::size_t id = 0; id < count && id < m_streams.size(); ++id) {
            const HistoryRing* r = m_streams[id].ring.get();
            if (!r || r->size() == 0) continue;
            const std::size_t i = r->at_or_before(t);
            std::int64_t to = t;
            if (i == HistoryRing::npos) {
                if (r->lost_before_first()) to = r->entry(0).t_ns;
            } else if (r->entry(i).lost_after && i + 1 < r->size()) {
                to = r->entry(i + 1).t_ns;
            }
            if (to > t) {
                t = to;
                moved = true;
            }
        }
        if (!moved) break;
    }
    return t;
}

std::pair<std::size_t, std::size_t> History::kept(std::size_t count) const {
    std::size_t frames = 0, bytes = 0;
    for (std::size_t id = 0; id < count && id < m_streams.size(); ++id)
        if (const HistoryRing* r = m_streams[id].ring.get()) {
            frames += r->kept_frames();
            bytes += r->kept_bytes();
        }
    return {frames, bytes};
}

bool History::rebuild_append(std::size_t id, std::int64_t t,
                             std::unique_ptr<LineHistory>& out) const {
    const Stream& s = m_streams[id];
    if (!s.ring || s.append_capacity == 0) return false;
    if (!out || out->lines() != s.append_lines || out->capacity() != s.append_capacity)
        out = std::make_unique<LineHistory>(s.append_lines, s.append_capacity);
    else
        out->clear();
    const HistoryRing& r = *s.ring;
    const std::size_t last = r.at_or_before(t);
    if (last == HistoryRing::npos) return true;
    // Only the frames whose samples can still be in a history of `capacity` samples.
    const std::size_t first = first_needed(r, last, s.append_capacity);
    for (std::size_t i = first; i <= last; ++i) {
        const HistoryRing::Entry& e = r.entry(i);
        const std::span<const std::byte> b = r.data(e);
        out->append({reinterpret_cast<const LinePoint*>(b.data()), b.size() / sizeof(LinePoint)},
                    e.lines, e.points);
    }
    return true;
}

} // namespace rtv::app
