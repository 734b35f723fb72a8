#include "core/history_ring.hpp"

#include <algorithm>
#include <cstring>

#include "core/assert.hpp"
#include "core/frame_router.hpp"

namespace rtv {

namespace {
constexpr std::size_t kRecordAlign = 64;
std::size_t aligned(std::size_t n) {
    return (n + kRecordAlign - 1) / kRecordAlign * kRecordAlign;
}
HistoryRing::Entry ring_entry_of(const FrameView& f, std::size_t bytes) {
    HistoryRing::Entry e;
    e.sequence = f.sequence;
    e.t_ns = f.submit_ns;
    e.kind = f.kind;
    e.bytes = bytes;
    if (f.kind == FrameKind::Image) {
        e.image = f.image;
        e.min = f.image_stats.min;
        e.max = f.image_stats.max;
        e.nonfinite = f.image_stats.nonfinite;
    } else {
        e.lines = f.lines;
        e.points = f.points;
    }
    return e;
}
std::span<const std::byte> frame_bytes_of(const FrameView& f) {
    return f.kind == FrameKind::Image ? f.pixels : std::as_bytes(f.line_points);
}
} // namespace

HistoryRing::HistoryRing(std::size_t bytes, std::size_t max_entries, std::size_t keep_bytes,
                         std::size_t keep_entries)
    : m_capacity(bytes / kRecordAlign * kRecordAlign)
    , m_data(std::max<std::size_t>(m_capacity, kRecordAlign)) // not touched: huge pages as written
    , m_entries(std::max<std::size_t>(max_entries, 1))
    , m_keep_capacity(keep_bytes / kRecordAlign * kRecordAlign)
    , m_keep_data(m_keep_capacity) {
    m_kept.reserve(m_keep_capacity > 0 ? keep_entries : 0);
}

HistoryRing::HistoryRing(Blocks blocks, std::size_t max_entries, std::size_t keep_bytes,
                         std::size_t keep_entries)
    : m_capacity(blocks.block_bytes * blocks.count)
    , m_block_bytes(blocks.block_bytes)
    , m_entries(std::max<std::size_t>(max_entries, 1))
    , m_keep_capacity(keep_bytes / kRecordAlign * kRecordAlign)
    , m_keep_data(m_keep_capacity) {
    RTV_ASSERT(blocks.block_bytes > 0 && blocks.block_bytes % kRecordAlign == 0,
               "a block is a positive multiple of 64 bytes");
    RTV_ASSERT(blocks.count > 0 && blocks.memory != nullptr, "block mode needs blocks");
    m_kept.reserve(m_keep_capacity > 0 ? keep_entries : 0);
    m_free_blocks.reserve(blocks.count);
    for (std::size_t i = blocks.count; i-- > 0;) // popped from the back: the first block first
        m_free_blocks.push_back(blocks.memory + i * blocks.block_bytes);
}

void HistoryRing::mark_lost(std::size_t kept_before) {
    if (kept_before == 0)
        m_lost_before_first = true;
    else
        m_kept[kept_before - 1].lost_after = true;
}

void HistoryRing::evict_oldest() {
    RTV_ASSERT(m_count > 0, "evicting from an empty history");
    Entry e = m_entries[m_first];
    RTV_ASSERT(!e.lent, "evicting a lent frame");
    m_used -= lends() ? m_block_bytes : aligned(e.bytes);
    m_first = (m_first + 1) % m_entries.size();
    --m_count;
    ++m_evicted;
    // A frame of the moment kept moves to the store (its bytes are still in place: the new
    // frame is written after every eviction it needs); any other is lost.
    const bool wanted = e.t_ns >= m_keep_from && e.t_ns <= m_keep_to;
    if (wanted && m_kept.size() < m_kept.capacity() &&
        m_keep_used + aligned(e.bytes) <= m_keep_capacity) {
        if (e.bytes > 0) std::memcpy(m_keep_data.get() + m_keep_used, data(e).data(), e.bytes);
        e.offset = m_keep_used;
        e.kept = true;
        m_keep_used += aligned(e.bytes);
        m_kept.push_back(e); // within its reserved capacity: no allocation
    } else {
        mark_lost(m_kept.size());
    }
    if (lends()) m_free_blocks.push_back(e.at); // within its reserved capacity
}

void HistoryRing::keep(std::int64_t from_ns, std::int64_t to_ns) {
    if (from_ns == m_keep_from && to_ns == m_keep_to) return;
    m_keep_from = from_ns;
    m_keep_to = to_ns;
    // Let go of the kept frames outside the range; pack the rest (in order, so moving each
    // down never overwrites one not yet moved).
    std::size_t w = 0, used = 0;
    for (std::size_t r = 0; r < m_kept.size(); ++r) {
        Entry e = m_kept[r];
        if (e.t_ns < from_ns || e.t_ns > to_ns) {
            mark_lost(w);
            continue;
        }
        if (e.bytes > 0 && e.offset != used)
            std::memmove(m_keep_data.get() + used, m_keep_data.get() + e.offset, e.bytes);
        e.offset = used;
        used += aligned(e.bytes);
        m_kept[w++] = e;
    }
    m_kept.resize(w); // shrinks: no allocation
    m_keep_used = used;
}

bool HistoryRing::push(const FrameView& f) {
    RTV_ASSERT(m_pending == 0, "push() while frames are reserved");
    std::span<std::byte> dest;
    if (!reserve(f, dest)) return false;
    const std::span<const std::byte> src = frame_bytes_of(f);
    if (!src.empty()) std::memcpy(dest.data(), src.data(), src.size());
    commit();
    return true;
}

bool HistoryRing::lend(const FrameView& f, std::byte* buffer) {
    RTV_ASSERT(lends(), "lend() on a ring that does not lend");
    const std::span<const std::byte> src = frame_bytes_of(f);
    RTV_ASSERT(buffer == src.data(), "lending a buffer other than the frame's");
    if (src.size() > m_block_bytes || m_pending > 0) return false;
    if (m_count == m_entries.size()) {
        if (m_count == m_lent) return false; // every entry lent
        evict_oldest();
    }
    Entry e = ring_entry_of(f, src.size());
    e.at = buffer;
    e.lent = true;
    e.slot = f.slot;
    m_entries[(m_first + m_count) % m_entries.size()] = e;
    ++m_count;
    ++m_lent;
    ++m_pushed;
    return true;
}

std::byte* HistoryRing::settle() {
    RTV_ASSERT(m_lent > 0, "settle() with no frame lent");
    // The block given back: a free one, else the oldest frame's (never a lent one: they are the
    // newest, and the blocks held and free add up to all of them, at least one).
    if (m_free_blocks.empty()) evict_oldest();
    RTV_ASSERT(!m_free_blocks.empty(), "no block to settle with");
    std::byte* block = m_free_blocks.back();
    m_free_blocks.pop_back();
    m_filled = m_filled || m_free_blocks.empty();
    m_entries[(m_first + m_count - m_lent) % m_entries.size()].lent = false;
    --m_lent;
    m_used += m_block_bytes;
    return block;
}

bool HistoryRing::reserve(const FrameView& f, std::span<std::byte>& dest) {
    const std::span<const std::byte> src = frame_bytes_of(f);
    if (lends()) { // a block: a free one, or the oldest frame's
        if (src.size() > m_block_bytes || m_lent > 0) return false;
        if (m_count + m_pending == m_entries.size() || m_free_blocks.empty()) {
            if (m_count == 0) return false; // every block reserved
            evict_oldest();
        }
        Entry e = ring_entry_of(f, src.size());
        e.at = m_free_blocks.back();
        m_free_blocks.pop_back();
        m_filled = m_filled || m_free_blocks.empty();
        m_entries[(m_first + m_count + m_pending) % m_entries.size()] = e;
        ++m_pending;
        m_used += m_block_bytes;
        dest = {e.at, src.size()};
        return true;
    }
    const std::size_t need = aligned(std::max<std::size_t>(src.size(), 1));
    if (need > m_capacity) return false;
    const std::size_t slots = m_entries.size();
    if (m_count + m_pending == slots) {
        if (m_count == 0) return false; // every entry reserved
        evict_oldest();
    }
    // Where the new frame goes: after the newest (reserved or held), or at the start when the
    // end is too short. Frames lie in age order from the oldest's offset up, then (once wrapped)
    // from 0 up to the newest's end. Wrapping drops the held frames between the newest's end and
    // the buffer's end: they are the oldest.
    const auto overlaps = [&](const Entry& e, std::size_t at) {
        const std::size_t begin = e.offset, end = begin + aligned(e.bytes);
        return !(end <= at || begin >= at + need);
    };
    std::size_t at = 0;
    if (m_count + m_pending > 0) {
        const Entry& newest = ring_entry(m_count + m_pending - 1);
        at = newest.offset + aligned(newest.bytes);
        if (at + need > m_capacity) {
            while (m_count > 0 && ring_entry(0).offset >= at)
                evict_oldest();
            at = 0;
        }
    }
    // Reserved frames are never evicted: room they hold is refused.
    for (std::size_t i = 0; i < m_pending; ++i)
        if (overlaps(ring_entry(m_count + i), at)) return false;
    // Then every held frame that overlaps [at, at + need): the oldest ones, in order.
    while (m_count > 0 && overlaps(ring_entry(0), at))
        evict_oldest();
    Entry e = ring_entry_of(f, src.size());
    e.offset = at;
    m_entries[(m_first + m_count + m_pending) % slots] = e;
    ++m_pending;
    m_used += aligned(e.bytes);
    dest = {m_data.get() + at, src.size()};
    return true;
}

void HistoryRing::commit() {
    RTV_ASSERT(m_pending > 0, "commit() with no frame reserved");
    --m_pending;
    ++m_count;
    ++m_pushed;
}

std::size_t HistoryRing::at_or_before(std::int64_t t_ns) const {
    // The first entry submitted after t, by binary search over the ring in age order.
    std::size_t lo = 0, hi = size();
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (entry(mid).t_ns <= t_ns)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? npos : lo - 1;
}

} // namespace rtv
