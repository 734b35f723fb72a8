#include "core/image_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "core/assert.hpp"

namespace rtv {

float ImageStats::percentile(double percent) const {
    const double p = std::clamp(percent, 0.0, 100.0) / 100.0;
    if (p <= 0.0) return min;
    if (p >= 1.0) return max;
    if (!has_quantiles) return static_cast<float>(double(min) + p * (double(max) - double(min)));
    const double pos = p * double(kQuantiles - 1);
    const auto i = static_cast<std::size_t>(pos); // below kQuantiles - 1, as p < 1
    const double f = pos - double(i);
    return static_cast<float>(double(quantiles[i]) * (1.0 - f) + double(quantiles[i + 1]) * f);
}

namespace {

template <class T>
void fill_quantiles(std::span<const T> px, std::span<float> scratch, ImageStats& out) {
    RTV_ASSERT(scratch.size() >= ImageStats::kQuantileSample, "quantile scratch is too small");
    const std::size_t n = px.size();
    const std::size_t stride = std::max<std::size_t>(1, (n + ImageStats::kQuantileSample - 1) /
                                                            ImageStats::kQuantileSample);
    std::size_t m = 0;
    for (std::size_t i = stride / 2; i < n && m < ImageStats::kQuantileSample; i += stride) {
        const auto v = static_cast<float>(px[i]);
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

struct MinMax {
    float lo, hi;
    std::uint32_t bad;
    // One sample, one at a time (the vectorised loops keep lanes of their own).
    void add(float v) {
        if (v - v == 0.0f) {
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        } else {
            ++bad;
        }
    }
};

// One pass over the pixels in independent lanes, written so that the compiler vectorises it
// (v - v is 0 for finite v and NaN otherwise; a non-finite pixel becomes +-inf for the min/max
// and counts as bad). Built for AVX2 too, chosen at run time where the CPU has it.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) &&                  \
    !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("avx2", "default")))
#endif
MinMax
min_max(const float* p, std::size_t n) {
    constexpr std::size_t kLanes = 16;
    constexpr float kInf = std::numeric_limits<float>::infinity();
    float lo[kLanes], hi[kLanes];
    std::uint32_t bad[kLanes];
    for (std::size_t l = 0; l < kLanes; ++l) {
        lo[l] = kInf;
        hi[l] = -kInf;
        bad[l] = 0;
    }
    std::size_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
        for (std::size_t l = 0; l < kLanes; ++l) {
            const float v = p[i + l];
            const bool finite = v - v == 0.0f;
            const float a = finite ? v : kInf;
            const float b = finite ? v : -kInf;
            lo[l] = a < lo[l] ? a : lo[l];
            hi[l] = b > hi[l] ? b : hi[l];
            bad[l] += finite ? 0u : 1u;
        }
    }
    MinMax m{kInf, -kInf, 0};
    for (std::size_t l = 0; l < kLanes; ++l) {
        m.lo = lo[l] < m.lo ? lo[l] : m.lo;
        m.hi = hi[l] > m.hi ? hi[l] : m.hi;
        m.bad += bad[l];
    }
    for (; i < n; ++i)
        m.add(p[i]);
    return m;
}

// The same for integer samples: every one is finite.
template <class T>
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) &&                  \
    !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("avx2", "default")))
#endif
MinMax
min_max_int(const T* p, std::size_t n) {
    constexpr std::size_t kLanes = 32;
    T lo[kLanes], hi[kLanes];
    for (std::size_t l = 0; l < kLanes; ++l) {
        lo[l] = std::numeric_limits<T>::max();
        hi[l] = std::numeric_limits<T>::lowest();
    }
    std::size_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (std::size_t l = 0; l < kLanes; ++l) {
            const T v = p[i + l];
            lo[l] = v < lo[l] ? v : lo[l];
            hi[l] = v > hi[l] ? v : hi[l];
        }
    T a = std::numeric_limits<T>::max(), b = std::numeric_limits<T>::lowest();
    for (std::size_t l = 0; l < kLanes; ++l) {
        a = lo[l] < a ? lo[l] : a;
        b = hi[l] > b ? hi[l] : b;
    }
    for (; i < n; ++i) {
        a = p[i] < a ? p[i] : a;
        b = p[i] > b ? p[i] : b;
    }
    if (n == 0)
        return {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(), 0};
    return {static_cast<float>(a), static_cast<float>(b), 0};
}

// RGBA: R, G and B of every pixel (alpha is not a value to show).
template <class T> MinMax min_max_rgba(const T* p, std::size_t pixels) {
    constexpr float kInf = std::numeric_limits<float>::infinity();
    MinMax m{kInf, -kInf, 0};
    for (std::size_t i = 0; i < pixels; ++i)
        for (std::size_t c = 0; c < 3; ++c)
            m.add(static_cast<float>(p[4 * i + c]));
    return m;
}

// Four interleaved sub-histograms, so that runs of equal values do not wait on each other's
// increments (the increments are the cost: about 0.6 ns a pixel here; computing the bins
// vectorised first measured no faster). A non-finite pixel is skipped (counted in nonfinite).
// `skip`: every 4th sample is alpha (RGBA), left out.
template <class T>
void fill_histogram(const T* p, std::size_t n, bool skip_alpha, float lo, float hi,
                    std::array<std::uint32_t, ImageStats::kHistogramBins>& out) {
    constexpr std::size_t kBins = ImageStats::kHistogramBins;
    std::array<std::array<std::uint32_t, kBins>, 4> sub{};
    const float scale = hi > lo ? float(double(kBins) / (double(hi) - double(lo))) : 0.0f;
    const auto bin = [&](float v) -> std::size_t {
        const float t = (v - lo) * scale; // 0..kBins for v in [lo, hi]; +inf if v - lo overflows
        return t > 0.0f ? (t < float(kBins) ? static_cast<std::size_t>(t) : kBins - 1) : 0;
    };
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (std::size_t k = 0; k < (skip_alpha ? 3 : 4); ++k) {
            const auto v = static_cast<float>(p[i + k]);
            if (v - v == 0.0f) ++sub[k][bin(v)];
        }
    for (; i < n; ++i) {
        const auto v = static_cast<float>(p[i]);
        if (v - v == 0.0f) ++sub[0][bin(v)];
    }
    for (std::size_t b = 0; b < kBins; ++b)
        out[b] = sub[0][b] + sub[1][b] + sub[2][b] + sub[3][b];
}

template <class T>
void stats_of(const T* px, std::size_t n, unsigned channels, std::span<float> scratch,
              ImageStats& out, bool histogram) {
    MinMax m{};
    if (channels == 4)
        m = min_max_rgba(px, n / 4);
    else if constexpr (std::is_same_v<T, float>)
        m = min_max(px, n);
    else
        m = min_max_int(px, n);
    const bool any = m.lo <= m.hi; // else: no finite pixel
    out.min = any ? m.lo : 0.0f;
    out.max = any ? m.hi : 0.0f;
    out.nonfinite = m.bad;
    out.has_quantiles = false;
    // The sketch serves percentile contrast, which only mono images have.
    if (!scratch.empty() && channels == 1) fill_quantiles(std::span<const T>(px, n), scratch, out);
    out.has_histogram = histogram;
    if (!histogram) return;
    out.histogram.fill(0);
    out.histogram_bins = !any ? 0 : m.hi > m.lo ? std::uint32_t(ImageStats::kHistogramBins) : 1;
    if (out.histogram_bins == 0) return;
    fill_histogram(px, n, channels == 4, m.lo, m.hi, out.histogram);
}

} // namespace

void compute_image_stats(std::span<const float> px, std::span<float> scratch, ImageStats& out,
                         bool histogram) {
    stats_of(px.data(), px.size(), 1, scratch, out, histogram);
}

void compute_image_stats(const ImageDesc& desc, std::span<const std::byte> pixels,
                         std::span<float> scratch, ImageStats& out, bool histogram) {
    RTV_ASSERT(pixels.size() >= desc.byte_size(), "image statistics of a short frame");
    const std::size_t n = desc.sample_count();
    const unsigned ch = desc.format.channels;
    const void* p = pixels.data(); // 64-byte aligned pool storage (or a caller's typed array)
    switch (desc.format.sample) {
    case SampleType::U8:
        return stats_of(static_cast<const std::uint8_t*>(p), n, ch, scratch, out, histogram);
    case SampleType::U16:
        return stats_of(static_cast<const std::uint16_t*>(p), n, ch, scratch, out, histogram);
    case SampleType::I16:
        return stats_of(static_cast<const std::int16_t*>(p), n, ch, scratch, out, histogram);
    case SampleType::F32:
        return stats_of(static_cast<const float*>(p), n, ch, scratch, out, histogram);
    }
}

} // namespace rtv
