#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <doctest/doctest.h>

#include "core/image_stats.hpp"
#include "core/random.hpp"

using namespace rtv;

namespace {
std::vector<float> scratch() {
    return std::vector<float>(ImageStats::kQuantileSample);
}

// numpy's default ("linear") percentile of `v`.
float linear_percentile(std::vector<float> v, double percent) {
    std::sort(v.begin(), v.end());
    const double pos = percent / 100.0 * double(v.size() - 1);
    const auto i = static_cast<std::size_t>(pos);
    const double f = pos - double(i);
    return float(double(v[i]) * (1 - f) + double(v[std::min(i + 1, v.size() - 1)]) * f);
}
} // namespace

TEST_SUITE("core") {

    TEST_CASE("ImageStats: the histogram counts each finite pixel in its bin over min..max") {
        // Whole values 0..128 over 128 bins: value k < 128 in bin k, 128 (the max) in the last.
        SplitMix64 rng(7);
        std::vector<float> px(300 * 200);
        for (float& v : px)
            v = float(rng.next() % 129);
        px[0] = 0.0f;
        px[1] = 128.0f;
        px[2] = std::numeric_limits<float>::quiet_NaN(); // not counted in any bin
        std::vector<std::uint32_t> direct(ImageStats::kHistogramBins, 0);
        for (const float v : px)
            if (!std::isnan(v)) ++direct[std::min<std::size_t>(std::size_t(v), 127)];
        ImageStats s;
        compute_image_stats(px, {}, s, true);
        REQUIRE(s.has_histogram);
        CHECK(s.histogram_bins == ImageStats::kHistogramBins);
        for (std::size_t i = 0; i < ImageStats::kHistogramBins; ++i) {
            CAPTURE(i);
            CHECK(s.histogram[i] == direct[i]);
        }
        // Not asked for: none, and no pass over the pixels for it.
        ImageStats none;
        compute_image_stats(px, {}, none);
        CHECK_FALSE(none.has_histogram);
    }

    TEST_CASE("ImageStats: a flat image has a one-bin histogram and an all-NaN image none") {
        ImageStats flat;
        compute_image_stats(std::vector<float>(64, 5.0f), {}, flat, true);
        CHECK(flat.has_histogram);
        CHECK(flat.histogram_bins == 1);
        CHECK(flat.histogram[0] == 64);
        ImageStats nan;
        compute_image_stats(std::vector<float>(64, std::numeric_limits<float>::quiet_NaN()), {},
                            nan, true);
        CHECK(nan.has_histogram);
        CHECK(nan.histogram_bins == 0);
        CHECK(nan.nonfinite == 64);
    }

    TEST_CASE("ImageStats: min and max skip NaN and Inf which are counted") {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const float inf = std::numeric_limits<float>::infinity();
        const std::vector<float> px{3.0f, nan, -1.5f, inf, -inf, 7.25f};
        ImageStats s;
        compute_image_stats(px, {}, s);
        CHECK(s.min == -1.5f);
        CHECK(s.max == 7.25f);
        CHECK(s.nonfinite == 3);
        CHECK_FALSE(s.has_quantiles); // not asked for: no scratch
        // Without a sketch, percentiles run linearly over min..max.
        CHECK(s.percentile(50) == doctest::Approx(2.875));
    }

    TEST_CASE("ImageStats: an image with no finite pixel has limits 0..0 and no sketch") {
        const std::vector<float> px(16, std::numeric_limits<float>::quiet_NaN());
        auto buf = scratch();
        ImageStats s;
        compute_image_stats(px, buf, s);
        CHECK(s.min == 0.0f);
        CHECK(s.max == 0.0f);
        CHECK(s.nonfinite == 16);
        CHECK_FALSE(s.has_quantiles);
        CHECK(s.percentile(99) == 0.0f);
    }

    TEST_CASE("ImageStats: percentiles of a small image equal numpy's linear percentiles") {
        // 64x64 pixels: every pixel is in the sample, so the sketch is exact at its 0.1 % steps.
        std::vector<float> px(64 * 64);
        FastUniform rng(7);
        rng.fill(px);
        for (float& v : px)
            v = -3.0f + 14.0f * v;
        auto buf = scratch();
        ImageStats s;
        compute_image_stats(px, buf, s);
        REQUIRE(s.has_quantiles);
        for (double p : {0.0, 0.1, 1.0, 25.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
            CAPTURE(p);
            CHECK(s.percentile(p) == doctest::Approx(linear_percentile(px, p)).epsilon(1e-5));
        }
    }

    TEST_CASE("ImageStats: 1..99 percentiles ignore a single hot pixel that min..max cannot") {
        // The VisPy example's 600x800 image: a ramp over 0..1, one hot pixel and a few NaNs.
        const std::size_t w = 800, h = 600;
        std::vector<float> px(w * h);
        for (std::size_t i = 0; i < px.size(); ++i)
            px[i] = float(i) / float(px.size() - 1);
        px[12345] = 1.0e6f;
        px[7] = px[99999] = std::numeric_limits<float>::quiet_NaN();
        auto buf = scratch();
        ImageStats s;
        compute_image_stats(px, buf, s);
        CHECK(s.max == 1.0e6f);
        CHECK(s.nonfinite == 2);
        REQUIRE(s.has_quantiles);
        CHECK(s.percentile(1) == doctest::Approx(0.01).epsilon(0.01));
        CHECK(s.percentile(99) == doctest::Approx(0.99).epsilon(0.01));
        CHECK(s.percentile(50) == doctest::Approx(0.5).epsilon(0.01));
        CHECK(s.percentile(100) == 1.0e6f);
        // The sketch is monotonic.
        CHECK(std::is_sorted(s.quantiles.begin(), s.quantiles.end()));
    }
}
