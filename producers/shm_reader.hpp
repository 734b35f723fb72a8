#pragma once
// The viewer's side of the shared-memory ring (wire/message.hpp has the layout): copies one
// slot's data into a pool slot, checking everything against the segment as it is now. The
// segment is read with pread(2), never mapped: a publisher that truncates its segment makes a
// short read (the frame rejected), not a SIGBUS; nothing outside the segment can be reached.
// A slot the publisher reused before or while it was read is detected by its generation (read
// before and after the copy) and rejected. Afterwards the slot is handed back (its `released`
// word). Segments stay open in a small cache (8, least recently used closed).
// With map_segments(true), for a publisher that never shrinks its segments (the viewer's own
// rtviewer-plugin-host), the data are copied out of a mapping instead: pread(2) of a large
// frame costs about 2.5x a memcpy. A segment shrunk under a mapping would raise SIGBUS, which
// is why other publishers' segments are never mapped.
// Thread: one (the zmq producer's). Allocates: an error's message only.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/status.hpp"
#include "wire/message.hpp"

namespace rtv::producers {

class ShmReader {
public:
    ShmReader() = default;
    ~ShmReader();
    ShmReader(const ShmReader&) = delete;
    ShmReader& operator=(const ShmReader&) = delete;

    // Copies the descriptor's data (exactly out.size() bytes, which must be its size) into `out`.
    Status read(const wire::ShmDescriptor& d, std::span<std::byte> out);
    // Hands the descriptor's slot back without reading it (the frame was dropped or refused
    // before its data were needed), so that the publisher need not wait for it. Best effort.
    void release(const wire::ShmDescriptor& d);
    // Segments open now (tests).
    std::size_t open_segments() const;
    // Whether data are copied from a mapping of the segment (above). Thread: before read().
    void map_segments(bool on) { m_map = on; }

private:
    struct Entry {
        char name[wire::ShmRing::kMaxSegmentName + 1] = {};
        int fd = -1;
        std::uint64_t used = 0;
        std::byte* map = nullptr; // map_segments: the segment's first map_size bytes
        std::uint64_t map_size = 0;
    };
    Status open(std::string_view name, int& fd, Entry** entry = nullptr);
    static void close(Entry& e);
    static void hand_back(int fd, std::uint64_t control, std::uint64_t generation);
    std::array<Entry, 8> m_cache{};
    std::uint64_t m_clock = 0;
    bool m_map = false;
};

} // namespace rtv::producers
