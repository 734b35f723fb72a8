#pragma once
// The viewer's side of the shared-memory ring (wire/message.hpp has the layout): copies one
// slot's data into a pool slot, checking everything against the segment as it is now. The
// segment is read with pread(2), never mapped: a publisher that truncates its segment makes a
// short read (the frame rejected), not a SIGBUS; nothing outside the segment can be reached.
// A slot the publisher reused before or while it was read is detected by its generation (read
// before and after the copy) and rejected. Afterwards the slot is handed back (its `released`
// word). Segments stay open in a small cache (8, least recently used closed).
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

private:
    struct Entry {
        char name[wire::ShmRing::kMaxSegmentName + 1] = {};
        int fd = -1;
        std::uint64_t used = 0;
    };
    Status open(std::string_view name, int& fd);
    static void hand_back(int fd, std::uint64_t control, std::uint64_t generation);
    std::array<Entry, 8> m_cache{};
    std::uint64_t m_clock = 0;
};

} // namespace rtv::producers
