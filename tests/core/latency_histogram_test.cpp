#include <doctest/doctest.h>

#include "core/latency_histogram.hpp"

TEST_SUITE("core") {

    TEST_CASE("LatencyHistogram: buckets tile the range without gaps or overlaps") {
        for (int b = 0; b + 1 < rtv::LatencyHistogram::kBuckets; ++b) {
            CHECK(rtv::LatencyHistogram::bucket_high(b) ==
                  rtv::LatencyHistogram::bucket_low(b + 1));
            CHECK(rtv::LatencyHistogram::bucket_of(rtv::LatencyHistogram::bucket_low(b)) == b);
            CHECK(rtv::LatencyHistogram::bucket_of(rtv::LatencyHistogram::bucket_high(b) - 1) == b);
        }
    }

    TEST_CASE("LatencyHistogram: quantiles are within one bucket (12.5 percent) of the truth") {
        rtv::LatencyHistogram h;
        CHECK(h.quantile_ns(0.5) == 0);
        for (std::int64_t i = 1; i <= 1000; ++i)
            h.record(i * 1000); // 1 us .. 1 ms
        CHECK(h.count() == 1000);
        CHECK(h.max_ns() == 1'000'000);
        const auto p50 = static_cast<double>(h.quantile_ns(0.50));
        const auto p99 = static_cast<double>(h.quantile_ns(0.99));
        CHECK(p50 == doctest::Approx(500'000).epsilon(0.125));
        CHECK(p99 == doctest::Approx(990'000).epsilon(0.125));
        CHECK(h.quantile_ns(1.0) <= h.max_ns());
    }

    TEST_CASE("LatencyHistogram: a single huge value lands in the last bucket and is the max") {
        rtv::LatencyHistogram h;
        h.record(std::int64_t{1} << 62);
        h.record(-5); // clamped to 0
        CHECK(h.count() == 2);
        CHECK(h.max_ns() == std::int64_t{1} << 62);
        CHECK(h.quantile_ns(0.0) == 0);
        h.reset();
        CHECK(h.count() == 0);
        CHECK(h.max_ns() == 0);
    }

} // TEST_SUITE
