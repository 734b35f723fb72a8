#pragma once
// A helper's pools in shared memory (isolate=process): each FramePool's slots live in a POSIX
// shared-memory segment laid out as the client's ring (wire/message.hpp: the RTVRING1 header,
// a control word pair per slot, the slots' data), one ring slot per pool slot. A frame its
// producer filled goes to the viewer as a descriptor of that slot (Publisher::send_placed); the
// viewer copies it out, once, and hands the slot back, and only then does the helper give the
// pool slot back to its producer. No copy on the way but the viewer's, where the frame would
// otherwise be copied into the helper's pool, out of it into the client's ring, and out of that.
// Segments are named rtv-PID-N (the viewer removes any a helper leaves behind) and are unlinked
// when their pool goes.
// Thread: allocate/deallocate: the host's (main, or a producer opening a stream);
// publish/handed_back/revoke: the helper's main thread. Allocates: when a pool is made.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/frame_pool.hpp"
#include "wire/message.hpp"

namespace rtv::plugins {

class ShmPoolMemory final : public PoolMemory {
public:
    ShmPoolMemory() = default;
    ~ShmPoolMemory() override; // unmaps and unlinks what is left
    ShmPoolMemory(const ShmPoolMemory&) = delete;
    ShmPoolMemory& operator=(const ShmPoolMemory&) = delete;

    std::byte* allocate(std::size_t stride, unsigned count) override;
    void deallocate(std::byte* data) override;

    // Makes slot `slot` of `pool` (its first `bytes` bytes) a frame for the viewer: a new, even
    // generation in its control word, and `out` describing it (its segment name valid while the
    // pool lives). False when the pool's slots are not in one of these segments.
    bool publish(const FramePool& pool, std::uint8_t slot, std::size_t bytes,
                 wire::ShmDescriptor& out);
    // Whether the viewer handed back the slot `d` describes (it copied the frame, or dropped it).
    bool handed_back(const wire::ShmDescriptor& d) const;
    // Takes back a slot the viewer has not handed back (its message lost, or the viewer gone):
    // an odd generation, so that a viewer reading it late rejects what it read.
    void revoke(const wire::ShmDescriptor& d);
    // Segments made so far (tests).
    std::size_t segments() const;

private:
    struct Segment {
        std::byte* map = nullptr;
        std::size_t size = 0;
        std::byte* data = nullptr; // slot 0
        unsigned count = 0;
        std::string name;
        std::uint64_t generation = 0;
    };
    Segment* find_locked(const std::byte* data) const;
    Segment* find_named_locked(std::string_view name) const;
    mutable std::mutex m_mutex; // a producer may open a stream while the main thread publishes
    std::vector<std::unique_ptr<Segment>> m_segments;
    std::uint32_t m_made = 0;
};

} // namespace rtv::plugins
