#pragma once
// The recent past of one stream, bounded in bytes: a copy of each frame the router took (the
// superseded ones too), oldest evicted first. One byte buffer used as a ring (each frame's bytes
// contiguous, 64-byte aligned, wrapping to the start when the end is too short) and a ring of
// entries saying what each frame was and when it was submitted. Looking up the frame current at
// a time is a binary search: submit times only grow within a stream.
//
// Keeping a moment: while the user looks at the past, keep(from, to) names the frames that must
// stay (the moment shown and its neighbours). When the ring evicts one of them it is moved into
// a small store of its own (sized at construction, out of the same history budget) instead of
// being lost; entries() then runs over the kept frames first (all older than the ring's), so
// every lookup sees one sequence in age order. Frames lost between held ones are marked
// (Entry::lost_after, lost_before_first()), so that a moment in such a gap is never shown as
// the held frame before it.
//
// Lending (block mode): a ring made over Blocks holds one frame a block, and can hold a frame
// without copying it. lend() holds the frame where its bytes are (the producer's pool slot,
// kept unchanged by its holder); settle() then takes that buffer into the ring for good and
// hands back a block in exchange (a free one, or the oldest frame's), for the slot to be
// filled next. The ring's memory stays the same size: a buffer in, a block out.
// Thread: main (the router's tap writes, the views read); reserve()/commit() let another thread
// write a reserved frame's bytes. Allocates: at construction only.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/frame.hpp"
#include "core/page_buffer.hpp"

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
        std::size_t offset = 0, bytes = 0;   // in the ring's buffer (or the keep store's)
        // Block mode: where its bytes are (unless kept): its block, or while lent its producer's
        // buffer, which becomes its block when settled.
        std::byte* at = nullptr;
        float min = 0.0f, max = 0.0f; // Image: its statistics, for contrast when shown
        std::uint32_t nonfinite = 0;
        bool kept = false;       // in the keep store (else in the ring's buffer)
        bool lost_after = false; // frames between this one and the next held were lost
        bool lent = false;       // block mode: held in its producer's buffer, not yet settled
        std::uint8_t slot = 0;   // lent: the pool slot holding that buffer
    };
    // Block mode's memory: `count` blocks of `block_bytes` (a multiple of 64) from `memory`
    // (64-byte aligned), owned elsewhere for as long as any block may be in use.
    struct Blocks {
        std::byte* memory = nullptr;
        std::size_t block_bytes = 0, count = 0;
    };
    static constexpr std::size_t npos = ~std::size_t{0};

    // `bytes` of frame data and at most `max_entries` frames, plus a keep store of `keep_bytes`
    // and `keep_entries` (0: nothing can be kept). Allocates: yes (the buffers are allocated,
    // not touched: memory becomes resident as frames fill them).
    HistoryRing(std::size_t bytes, std::size_t max_entries, std::size_t keep_bytes = 0,
                std::size_t keep_entries = 0);
    // Block mode: frames of at most blocks.block_bytes, one a block. Allocates: yes (the
    // entries; the blocks are given).
    HistoryRing(Blocks blocks, std::size_t max_entries, std::size_t keep_bytes = 0,
                std::size_t keep_entries = 0);
    HistoryRing(const HistoryRing&) = delete;
    HistoryRing& operator=(const HistoryRing&) = delete;

    // Copies the frame in, evicting the oldest frames it needs room from. False (nothing kept)
    // when the frame alone is larger than the ring. Only with no frame reserved. Allocates: never.
    bool push(const FrameView& frame);

    // In two steps, for a copy made on another thread: reserve() makes room for the frame as
    // push() does (evicting the oldest) and returns where its bytes go, in `dest`; the frame is
    // not held yet (no lookup sees it, and no eviction touches its room). Once its bytes are
    // written (by any thread, with a happens-before to the commit), commit() makes the oldest
    // reserved frame held, in reserve order. False (nothing reserved) when the frame alone is
    // larger than the ring or when the room it needs is taken by frames still reserved.
    // Thread: the ring's owner (the one that reads it). Allocates: never.
    bool reserve(const FrameView& frame, std::span<std::byte>& dest);
    void commit();
    std::size_t reserved() const { return m_pending; }

    // Block mode: holds `frame` where its bytes are, seen by lookups at once; they must stay
    // unchanged until it is settled. `buffer` is those bytes as their holder may write them
    // (the pool slot's buffer, frame.slot). False when the frame is larger than a block, frames
    // are reserved, or every entry is lent. Allocates: never.
    bool lends() const { return m_block_bytes > 0; }
    bool lend(const FrameView& frame, std::byte* buffer);
    // The oldest lent frame is the ring's for good: its buffer becomes its block, and the block
    // returned (a free one, or the oldest frame's, evicted) goes to its slot in exchange.
    // Allocates: never.
    std::byte* settle();
    // Block mode: every block has held a frame (the ring's memory is all resident): from then on
    // a producer lent a block writes into touched pages, never paying for their first touch.
    bool filled() const { return m_filled; }
    // Frames lent and not settled (always the newest held), and the oldest one's entry.
    std::size_t lent() const { return m_lent; }
    const Entry& oldest_lent() const { return ring_entry(m_count - m_lent); }

    // Frames held: the kept ones, then the ring's.
    std::size_t size() const { return m_kept.size() + m_count; }
    // Entry i, 0 the oldest held.
    const Entry& entry(std::size_t i) const {
        return i < m_kept.size() ? m_kept[i]
                                 : m_entries[(m_first + i - m_kept.size()) % m_entries.size()];
    }
    std::span<const std::byte> data(const Entry& e) const {
        if (e.kept) return {m_keep_data.get() + e.offset, e.bytes};
        return {e.at ? e.at : m_data.get() + e.offset, e.bytes};
    }
    // The frames submitted in [from_ns, to_ns] stay held when the ring needs their room, as
    // far as the keep store has room; kept frames outside the new range are let go (counted as
    // lost). keep_none() lets every kept frame go. Allocates: never.
    void keep(std::int64_t from_ns, std::int64_t to_ns);
    void keep_none() { keep(1, 0); }
    // Frames older than entry(0) were lost: before it, the stream cannot be shown as it was.
    bool lost_before_first() const { return m_lost_before_first; }
    std::size_t kept_frames() const { return m_kept.size(); }
    std::size_t kept_bytes() const { return m_keep_used; }
    std::size_t keep_capacity_bytes() const { return m_keep_capacity; }
    // The newest entry submitted at or before `t_ns`, or npos (none held that old).
    std::size_t at_or_before(std::int64_t t_ns) const;
    std::size_t capacity_bytes() const { return m_capacity; }
    std::size_t used_bytes() const { return m_used; }
    // Frames pushed since construction, and those evicted to make room.
    std::uint64_t pushed() const { return m_pushed; }
    std::uint64_t evicted() const { return m_evicted; }

private:
    // Entry i of the ring's own buffer (kept frames not counted), 0 the oldest.
    const Entry& ring_entry(std::size_t i) const {
        return m_entries[(m_first + i) % m_entries.size()];
    }
    void evict_oldest();
    // A frame is gone for good: the held frame before it (if any) gets a gap after it.
    void mark_lost(std::size_t kept_before);
    std::size_t m_capacity;
    PageBuffer m_data; // byte mode's ring (empty in block mode)
    // Block mode: the block size (0: byte mode), the free blocks, frames lent.
    std::size_t m_block_bytes = 0;
    std::vector<std::byte*> m_free_blocks; // reserved at construction: never grows past it
    std::size_t m_lent = 0;
    bool m_filled = false;
    std::vector<Entry> m_entries;
    std::size_t m_first = 0, m_count = 0, m_used = 0;
    std::size_t m_pending = 0; // reserved frames: the entries after the m_count held ones
    std::uint64_t m_pushed = 0, m_evicted = 0;
    bool m_lost_before_first = false;
    // The keep store: kept frames in age order, packed from the start of its buffer.
    std::size_t m_keep_capacity;
    PageBuffer m_keep_data;
    std::vector<Entry> m_kept; // reserved at construction: never grows past it
    std::size_t m_keep_used = 0;
    std::int64_t m_keep_from = 1, m_keep_to = 0; // empty range
};

} // namespace rtv
