#include "render/ticks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace rtv::render {

namespace {

// Step number j: mantissa {1, 2, 2.5, 5}[j mod 4] times 10^floor(j / 4).
constexpr double kMantissa[4] = {1.0, 2.0, 2.5, 5.0};

struct Step {
    double value;
    int exponent; // value = mantissa * 10^exponent
    bool two_and_a_half;
};

Step step_number(int j) {
    const int e = j >= 0 ? j / 4 : -((-j + 3) / 4);
    const int m = j - 4 * e;
    return {kMantissa[m] * std::pow(10.0, e), e, m == 2};
}

// Ticks of step s inside [lo, hi]: their first index and count.
int count_of(double lo, double hi, double s, double& first_index) {
    first_index = std::ceil(lo / s - 1e-9);
    const double last = std::floor(hi / s + 1e-9);
    return last < first_index ? 0 : int(std::min(last - first_index + 1.0, 1e6));
}

} // namespace

Ticks nice_ticks(double lo, double hi, int wanted) {
    if (!std::isfinite(lo) || !std::isfinite(hi)) { // a defined range
        lo = 0.0;
        hi = 1.0;
    }
    if (lo > hi) std::swap(lo, hi);
    lo = std::max(lo, -1e300);
    hi = std::min(hi, 1e300);
    const double mag = std::max(std::abs(lo), std::abs(hi));
    // A double cannot tell ticks apart much below 1e-12 of the values' magnitude: widen empty
    // and such ranges about their centre.
    if (!(hi - lo > mag * 1e-12) || hi - lo < 1e-300) {
        const double c = lo / 2 + hi / 2;
        const double half = std::max(std::abs(c) * 0.05, 0.5);
        lo = c - half;
        hi = c + half;
    }
    wanted = std::clamp(wanted, Ticks::kMin, Ticks::kMax);
    const double raw = (hi - lo) / wanted;
    int j = 4 * int(std::floor(std::log10(raw))) - 4;
    while (step_number(j).value < raw)
        ++j;
    double first = 0.0;
    int n = count_of(lo, hi, step_number(j).value, first);
    for (int guard = 0; n > Ticks::kMax && guard < 64; ++guard)
        n = count_of(lo, hi, step_number(++j).value, first);
    for (int guard = 0; n < Ticks::kMin && guard < 64; ++guard) {
        double f = 0.0;
        const int smaller = count_of(lo, hi, step_number(j - 1).value, f);
        if (smaller > Ticks::kMax) break;
        --j;
        n = smaller;
        first = f;
    }
    const Step s = step_number(j);
    Ticks t;
    t.step = s.value;
    t.first = first * s.value;
    t.count = n;
    t.decimals = std::max(0, -s.exponent + (s.two_and_a_half ? 1 : 0));
    return t;
}

std::string_view tick_label(const Ticks& t, double v, std::array<char, 32>& out) {
    if (std::abs(v) < t.step * 1e-6) v = 0.0; // never "-0" nor "1e-17" for zero
    const double mag = std::max(std::abs(t.first), std::abs(t.value(std::max(t.count - 1, 0))));
    const bool scientific =
        mag >= 1e15 || (mag >= 1e7 && t.step >= 1.0) || (mag > 0.0 && mag < 1e-4);
    int n = 0;
    if (v == 0.0) {
        n = std::snprintf(out.data(), out.size(), "0");
    } else if (scientific) {
        // Significant digits that tell neighbouring ticks apart.
        const int mag_exp = int(std::floor(std::log10(mag)));
        const int step_exp = int(std::floor(std::log10(t.step) + 1e-9));
        const bool half = std::abs(t.step / std::pow(10.0, step_exp) - 2.5) < 1e-6;
        const int digits = std::clamp(mag_exp - step_exp + (half ? 1 : 0), 0, 16);
        n = std::snprintf(out.data(), out.size(), "%.*e", digits, v);
    } else {
        n = std::snprintf(out.data(), out.size(), "%.*f", std::min(t.decimals, 20), v);
    }
    return {out.data(), std::size_t(std::clamp(n, 0, int(out.size()) - 1))};
}

} // namespace rtv::render
