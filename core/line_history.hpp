#pragma once
// The consumer-side history of an append stream: per line, a fixed-capacity ring of the newest
// points. Appending copies only the new samples; readers get the ring as (at most) two
// contiguous runs, oldest first, so nothing is shifted or copied per frame.
// Thread: main (the router appends, the renderer reads).

#include <cstdint>
#include <memory>
#include <span>
#include <utility>

#include "core/frame.hpp"

namespace rtv {

class LineHistory {
public:
    // Allocates: yes, once (lines * capacity points).
    LineHistory(std::uint32_t lines, std::uint32_t capacity);

    // Appends `points` samples to each of the `lines` lines; `pts` holds them line after line.
    // Allocates: never.
    void append(std::span<const LinePoint> pts, std::uint32_t lines, std::uint32_t points);

    // Empties it (the storage stays). Allocates: never.
    void clear() {
        m_head = 0;
        m_written = 0;
    }

    std::uint32_t lines() const { return m_lines; }
    std::uint32_t capacity() const { return m_capacity; }
    // Samples appended per line since the start (grows without bound; tells readers what is new).
    std::uint64_t written() const { return m_written; }
    // Samples currently held per line: min(written, capacity).
    std::uint32_t size() const;
    // Ring position where the next sample of every line goes.
    std::uint32_t head() const { return m_head; }
    // The line's samples, oldest first: `first` then `second` (either may be empty).
    std::pair<std::span<const LinePoint>, std::span<const LinePoint>>
    runs(std::uint32_t line) const;
    // The whole ring storage of one line, in ring order (for uploading it as is).
    std::span<const LinePoint> ring(std::uint32_t line) const;

private:
    std::uint32_t m_lines;
    std::uint32_t m_capacity;
    std::uint32_t m_head = 0;
    std::uint64_t m_written = 0;
    std::unique_ptr<LinePoint[]> m_points;
};

} // namespace rtv
