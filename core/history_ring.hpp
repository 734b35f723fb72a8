#pragma once
// The recent past of one stream, bounded in bytes: a copy of each frame the router took (the
// superseded ones too), oldest evicted first. One byte buffer used as a ring (each frame's bytes
// contiguous, 64-byte aligned, wrapping to the start when the end is too short) and a ring of
// entries saying what each frame was and when it was submitted. Looking up the frame current at
// a time is a binary search: submit times only grow within a stream.
// Thread: main (the router's tap writes, the views read). Allocates: at construction only.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/frame.hpp"

namespace rtv {

struct FrameView;

class HistoryRing {
public:
    struct Entry {
        std::uint32_t sequence = 0;
        std::int64_t t_ns = 0; // submit time (steady clock)
        FrameKind kind = FrameKind::Image;
        ImageDesc image;                     // Image
        std::uint32_t lines = 0, points = 0; // Lines: the frame's shape
        std::size_t offset = 0, bytes = 0;   // in the ring's buffer
        float min = 0.0f, max = 0.0f;        // Image: its statistics, for contrast when shown
        std::uint32_t nonfinite = 0;
    };
    static constexpr std::size_t npos = ~std::size_t{0};

    // `bytes` of frame data and at most `max_entries` frames. Allocates: yes (the buffer is
    // allocated, not touched: memory becomes resident as frames fill it).
    HistoryRing(std::size_t bytes, std::size_t max_entries);
    HistoryRing(const HistoryRing&) = delete;
    HistoryRing& operator=(const HistoryRing&) = delete;

    // Copies the frame in, evicting the oldest frames it needs room from. False (nothing kept)
    // when the frame alone is larger than the ring. Allocates: never.
    bool push(const FrameView& frame);

    std::size_t size() const { return m_count; }
    // Entry i, 0 the oldest held.
    const Entry& entry(std::size_t i) const { return m_entries[(m_first + i) % m_entries.size()]; }
    std::span<const std::byte> data(const Entry& e) const {
        return {m_data.get() + e.offset, e.bytes};
    }
    // The newest entry submitted at or before `t_ns`, or npos (none held that old).
    std::size_t at_or_before(std::int64_t t_ns) const;
    std::size_t capacity_bytes() const { return m_capacity; }
    std::size_t used_bytes() const { return m_used; }
    // Frames pushed since construction, and those evicted to make room.
    std::uint64_t pushed() const { return m_pushed; }
    std::uint64_t evicted() const { return m_evicted; }

private:
    void evict_oldest();
    std::size_t m_capacity;
    std::unique_ptr<std::byte[]> m_data;
    std::vector<Entry> m_entries;
    std::size_t m_first = 0, m_count = 0, m_used = 0;
    std::uint64_t m_pushed = 0, m_evicted = 0;
};

} // namespace rtv
