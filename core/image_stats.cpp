#include "core/image_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/assert.hpp"

namespace rtv {

float ImageStats::percentile(double percent) const {
    const double p = std::clamp(percent, 0.0, 100.0) / 100.0;
    if (p <= 0.0) return min;
    if (p >= 1.0) return max;
    if (!has_quantiles) return static_cast<float>(double(min) + p * (double(max) - double(min)));
    const double pos = p * double(kQuantiles - 1);
    const auto i = static_cast<std::size_t>(pos);
    if (i + 1 >= kQuantiles) return quantiles[kQuantiles - 1];
    const double f = pos - double(i);
    return static_cast<float>(double(quantiles[i]) * (1.0 - f) + double(quantiles[i + 1]) * f);
}

namespace {

void fill_quantiles(std::span<const float> px, std::span<float> scratch, ImageStats& out) {
    RTV_ASSERT(scratch.size() >= ImageStats::kQuantileSample, "quantile scratch is too small");
    const std::size_t n = px.size();
    const std::size_t stride = std::max<std::size_t>(1, (n + ImageStats::kQuantileSample - 1) /
                                                            ImageStats::kQuantileSample);
    std::size_t m = 0;
    for (std::size_t i = stride / 2; i < n && m < ImageStats::kQuantileSample; i += stride) {
        const float v = px[i];
        if (v - v == 0.0f) scratch[m++] = v; // finite only
    }
    out.has_quantiles = m > 0;
    if (m == 0) {
        out.quantiles.fill(0.0f);
        return;
    }
    float* first = scratch.data();
    std::sort(first, first + m);
    for (std::size_t q = 0; q < ImageStats::kQuantiles; ++q) {
        const double pos = double(q) * double(m - 1) / double(ImageStats::kQuantiles - 1);
        const auto i = static_cast<std::size_t>(pos);
        const double f = pos - double(i);
        const float a = first[i];
        const float b = first[std::min(i + 1, m - 1)];
        out.quantiles[q] = static_cast<float>(double(a) * (1.0 - f) + double(b) * f);
    }
}

} // namespace

void compute_image_stats(std::span<const float> px, std::span<float> scratch, ImageStats& out) {
    float lo = std::numeric_limits<float>::infinity();
    float hi = -std::numeric_limits<float>::infinity();
    std::uint32_t bad = 0;
    for (const float v : px) {
        // v - v is 0 for finite v and NaN otherwise; cheaper than isfinite and vectorisable.
        if (v - v == 0.0f) {
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        } else {
            ++bad;
        }
    }
    if (lo > hi) lo = hi = 0.0f; // no finite pixel
    out.min = lo;
    out.max = hi;
    out.nonfinite = bad;
    out.has_quantiles = false;
    if (!scratch.empty()) fill_quantiles(px, scratch, out);
}

} // namespace rtv
