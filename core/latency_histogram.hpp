#pragma once
// A fixed-size log-linear histogram of durations in nanoseconds (8 sub-buckets per power of two,
// so a percentile is exact to within 12.5 %), plus the exact maximum. One writer, any readers:
// counters are relaxed atomics, so reading while recording is safe (and close to exact).

#include <array>
#include <atomic>
#include <cstdint>

namespace rtv {

class LatencyHistogram {
public:
    static constexpr int kSubBits = 3;  // 8 sub-buckets per octave
    static constexpr int kOctaves = 40; // up to 2^40 ns (~18 minutes)
    static constexpr int kBuckets = (kOctaves << kSubBits) + 1;

    // Thread: the one writer (the main thread for latencies). Allocates: never.
    void record(std::int64_t ns);
    // Thread: any. Allocates: never.
    std::uint64_t count() const { return m_count.load(std::memory_order_relaxed); }
    std::int64_t max_ns() const { return m_max.load(std::memory_order_relaxed); }
    // The q-quantile (0..1) in nanoseconds: the middle of its bucket, never above max.
    // 0 when empty. Thread: any. Allocates: never.
    std::int64_t quantile_ns(double q) const;
    // Thread: the writer. Allocates: never.
    void reset();

    static int bucket_of(std::int64_t ns);
    static std::int64_t bucket_low(int bucket);
    static std::int64_t bucket_high(int bucket); // exclusive

private:
    std::array<std::atomic<std::uint64_t>, kBuckets> m_buckets{};
    std::atomic<std::uint64_t> m_count{0};
    std::atomic<std::int64_t> m_max{0};
};

} // namespace rtv
