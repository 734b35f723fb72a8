#pragma once
// Min/max decimation of a line far longer than its view is wide: per pixel column, the points
// with the smallest and the largest y, in their original order. Drawn as a line strip, the result
// covers exactly the pixels the full line would in every column (each column's vertical extent
// and the joins between columns are kept), at a cost of at most two vertices per column.
// Pure: no GL. Thread: any. Allocates: never.

#include <cstddef>
#include <span>

#include "core/frame.hpp"

namespace rtv::render {

// Whether x never decreases along the line: decimation by column needs it (a line that doubles
// back on itself is drawn in full).
bool x_is_sorted(std::span<const LinePoint> line);

// Most points decimate() writes for `columns` columns.
constexpr std::size_t decimated_capacity(std::size_t columns) {
    return 2 * columns + 2;
}

// Decimates the x-sorted `line` for a view showing x0..x1 over `columns` pixel columns into `out`
// (at least decimated_capacity(columns) points). The last point left of x0 and the first right
// of x1 are kept, so the line still runs to the view's edges. Returns the points written.
std::size_t decimate(std::span<const LinePoint> line, double x0, double x1, std::size_t columns,
                     std::span<LinePoint> out);

} // namespace rtv::render
