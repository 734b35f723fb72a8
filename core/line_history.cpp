#include "core/line_history.hpp"

#include <algorithm>

#include "core/assert.hpp"

namespace rtv {

LineHistory::LineHistory(std::uint32_t lines, std::uint32_t capacity)
    : m_lines(lines)
    , m_capacity(capacity)
    , m_points(std::make_unique<LinePoint[]>(std::size_t{lines} * capacity)) {
    RTV_ASSERT(lines >= 1 && capacity >= 1, "a history needs at least one line and one point");
}

void LineHistory::append(std::span<const LinePoint> pts, std::uint32_t lines,
                         std::uint32_t points) {
    RTV_ASSERT(lines == m_lines, "append frame line count differs from the history's");
    RTV_ASSERT(pts.size() >= std::size_t{lines} * points, "append frame is shorter than its shape");
    // Only the newest `capacity` samples can survive; skip the rest.
    const std::uint32_t keep = std::min(points, m_capacity);
    const std::uint32_t skip = points - keep;
    const std::uint32_t start = static_cast<std::uint32_t>((m_head + skip) % m_capacity);
    const std::uint32_t first = std::min(keep, m_capacity - start);
    for (std::uint32_t l = 0; l < lines; ++l) {
        const LinePoint* src = pts.data() + std::size_t{l} * points + skip;
        LinePoint* ring = m_points.get() + std::size_t{l} * m_capacity;
        std::copy_n(src, first, ring + start);
        std::copy_n(src + first, keep - first, ring);
    }
    m_head = static_cast<std::uint32_t>((std::uint64_t{m_head} + points) % m_capacity);
    m_written += points;
}

std::uint32_t LineHistory::size() const {
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(m_written, m_capacity));
}

std::pair<std::span<const LinePoint>, std::span<const LinePoint>>
LineHistory::runs(std::uint32_t line) const {
    const std::span<const LinePoint> r = ring(line);
    if (m_written < m_capacity) return {r.first(size()), {}};
    return {r.subspan(m_head), r.first(m_head)};
}

std::span<const LinePoint> LineHistory::ring(std::uint32_t line) const {
    RTV_ASSERT(line < m_lines, "line index out of range");
    return {m_points.get() + std::size_t{line} * m_capacity, m_capacity};
}

} // namespace rtv
