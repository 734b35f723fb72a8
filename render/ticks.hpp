#pragma once
// Axis ticks at "nice" steps (1, 2, 2.5 or 5 x 10^k) and their labels. Pure math, no GL: the
// axes of every view and the colorbars use it, and it is tested headless. Thread: any.

#include <array>
#include <cstddef>
#include <string_view>

namespace rtv::render {

struct Ticks {
    static constexpr int kMin = 3, kMax = 12;
    double first = 0.0; // the lowest tick
    double step = 1.0;  // between ticks, > 0
    int count = 0;      // ticks: first + i * step for i in 0..count-1
    int decimals = 0;   // digits after the point that tell neighbouring labels apart
    double value(int i) const { return first + double(i) * step; }
};

// Ticks inside [lo, hi] (either order; the range is widened around its centre when it is empty
// or too narrow for a double to tell ticks apart), about `wanted` of them (clamped to 3..12) and
// never more than 12, at least 3 where the range allows any nice step.
Ticks nice_ticks(double lo, double hi, int wanted);

// The label of tick value `v`: fixed-point with the ticks' decimals, or scientific notation for
// very large or very small magnitudes ("1.5e+09"). Never "-0". Writes into `out` (at most 31
// characters and the terminating zero) and returns the text. Allocates: never.
std::string_view tick_label(const Ticks& ticks, double v, std::array<char, 32>& out);

} // namespace rtv::render
