#include "render/decimate.hpp"

#include <algorithm>

#include "core/assert.hpp"

namespace rtv::render {

bool x_is_sorted(std::span<const LinePoint> line) {
    for (std::size_t i = 1; i < line.size(); ++i)
        if (line[i].x < line[i - 1].x) return false;
    return true;
}

std::size_t decimate(std::span<const LinePoint> line, double x0, double x1, std::size_t columns,
                     std::span<LinePoint> out) {
    RTV_ASSERT(columns > 0 && x1 > x0, "decimate() needs columns and a non-empty x range");
    RTV_ASSERT(out.size() >= decimated_capacity(columns), "decimate() output is too small");
    const auto by_x = [](const LinePoint& p, double x) { return double(p.x) < x; };
    const auto first = std::lower_bound(line.begin(), line.end(), x0, by_x);
    const auto last = std::upper_bound(
        line.begin(), line.end(), x1, [](double x, const LinePoint& p) { return x < double(p.x); });
    std::size_t n = 0;
    if (first != line.begin()) out[n++] = *(first - 1); // runs in from the left edge

    const double scale = double(columns) / (x1 - x0);
    auto it = first;
    while (it != last) {
        // One column: every point whose x falls in it; its min and max in their original order.
        const auto column = std::min<std::size_t>(
            static_cast<std::size_t>((double(it->x) - x0) * scale), columns - 1);
        auto lo = it, hi = it;
        for (++it; it != last; ++it) {
            const auto c = std::min<std::size_t>(
                static_cast<std::size_t>((double(it->x) - x0) * scale), columns - 1);
            if (c != column) break;
            if (it->y < lo->y) lo = it;
            if (it->y > hi->y) hi = it;
        }
        if (lo == hi) {
            out[n++] = *lo;
        } else if (lo < hi) {
            out[n++] = *lo;
            out[n++] = *hi;
        } else {
            out[n++] = *hi;
            out[n++] = *lo;
        }
    }
    if (last != line.end()) out[n++] = *last; // runs out to the right edge
    return n;
}

} // namespace rtv::render
