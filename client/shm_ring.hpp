#pragma once
// The publisher's side of the shared-memory ring (layout in wire/message.hpp): a POSIX
// shared-memory segment of `slots` slots, each as large as the largest frame so far. write()
// takes the next slot in turn, the oldest. The publisher never waits for a slow viewer: while
// the oldest slot holds a frame that was sent and that the viewer has not handed back yet,
// ready() is false and the publisher drops the new frame (the viewer sees a gap), so that what
// is in flight is never overwritten by a viewer merely behind; a slot held longer than
// kStaleSeconds (a viewer gone, or restarted) is reused anyway (counted here, and a rejected
// frame if a viewer still reads it). A frame larger than the slots makes a new, larger segment.
// Thread: one (the Publisher's). Allocates: when a segment is made.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "wire/message.hpp"

namespace rtv::client {

class ShmRingWriter {
public:
    explicit ShmRingWriter(std::uint32_t slots = 4)
        : m_slots(slots) {}
    ~ShmRingWriter(); // unmaps and unlinks
    ShmRingWriter(const ShmRingWriter&) = delete;
    ShmRingWriter& operator=(const ShmRingWriter&) = delete;

    static constexpr double kStaleSeconds = 1.0;
    // Whether the oldest slot may be written now (see above).
    bool ready() const;
    // Copies `data` into the oldest slot and describes it (the descriptor's segment points
    // into this writer: valid until the next write()).
    Status write(std::span<const std::byte> data, wire::ShmDescriptor& out);
    // The frame last written was sent (its descriptor queued): close() waits for these.
    void mark_sent(const wire::ShmDescriptor& d);
    // Waits (up to `seconds`) until the viewer handed back every slot whose frame was sent and
    // not since overwritten; false if not.
    bool wait_released(double seconds) const;
    // Slots written again before the viewer had handed them back.
    std::uint64_t reused_unread() const { return m_reused_unread; }
    const std::string& segment() const { return m_name; }

private:
    Status make(std::uint64_t slot_bytes);
    void release_segment();
    std::uint32_t m_slots;
    std::string m_name;
    std::byte* m_base = nullptr;
    std::uint64_t m_size = 0, m_slot_bytes = 0;
    std::uint32_t m_next = 0;
    std::uint64_t m_generation = 0;
    std::uint64_t m_reused_unread = 0;
    std::uint64_t m_sent[wire::ShmRing::kMaxSlots] = {};   // per slot: the generation sent
    std::int64_t m_sent_ns[wire::ShmRing::kMaxSlots] = {}; // and when
    std::vector<std::string> m_retired;                    // outgrown segments, unlinked at the end
};

} // namespace rtv::client
