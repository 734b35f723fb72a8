#include "core/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace rtv {

namespace {
constexpr std::int64_t kSub = std::int64_t{1} << LatencyHistogram::kSubBits;
}

// Values below 2^kSubBits each get their own bucket; above, bucket = octave * 8 + the three bits
// after the leading one.
int LatencyHistogram::bucket_of(std::int64_t ns) {
    if (ns < kSub) return static_cast<int>(std::max<std::int64_t>(ns, 0));
    const auto v = static_cast<std::uint64_t>(ns);
    const int msb = 63 - std::countl_zero(v);
    const int octave = msb - kSubBits + 1;
    const auto sub = static_cast<int>((v >> (msb - kSubBits)) & (kSub - 1));
    return std::min((octave << kSubBits) + sub, kBuckets - 1);
}

std::int64_t LatencyHistogram::bucket_low(int bucket) {
    if (bucket < kSub) return bucket;
    const int octave = bucket >> kSubBits;
    const int sub = bucket & static_cast<int>(kSub - 1);
    const int shift = octave - 1;
    return (kSub + sub) << shift;
}

std::int64_t LatencyHistogram::bucket_high(int bucket) {
    if (bucket < kSub) return bucket + 1;
    return bucket_low(bucket) + (std::int64_t{1} << ((bucket >> kSubBits) - 1));
}

void LatencyHistogram::record(std::int64_t ns) {
    ns = std::max<std::int64_t>(ns, 0);
    auto& bucket = m_buckets[static_cast<std::size_t>(bucket_of(ns))];
    bucket.store(bucket.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    m_count.store(m_count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (ns > m_max.load(std::memory_order_relaxed)) m_max.store(ns, std::memory_order_relaxed);
}

std::int64_t LatencyHistogram::quantile_ns(double q) const {
    std::uint64_t total = 0;
    for (const auto& b : m_buckets)
        total += b.load(std::memory_order_relaxed);
    if (total == 0) return 0;
    q = std::clamp(q, 0.0, 1.0);
    const auto rank =
        std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * double(total))));
    std::uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
        seen += m_buckets[static_cast<std::size_t>(i)].load(std::memory_order_relaxed);
        if (seen >= rank) {
            const std::int64_t mid = bucket_low(i) + (bucket_high(i) - 1 - bucket_low(i)) / 2;
            return std::min(mid, max_ns());
        }
    }
    return max_ns();
}

void LatencyHistogram::reset() {
    for (auto& b : m_buckets)
        b.store(0, std::memory_order_relaxed);
    m_count.store(0, std::memory_order_relaxed);
    m_max.store(0, std::memory_order_relaxed);
}

} // namespace rtv
