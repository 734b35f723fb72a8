#include <vector>

#include <doctest/doctest.h>

#include "core/image_stats.hpp"
#include "render/contrast.hpp"

using namespace rtv;
using namespace rtv::render;

namespace {
// A ramp 0..1 over `n` pixels with one hot pixel, its statistics with the quantile sketch.
ImageStats ramp_with_hot_pixel(std::size_t n) {
    std::vector<float> px(n);
    for (std::size_t i = 0; i < n; ++i)
        px[i] = float(i) / float(n - 1);
    px[n / 3] = 5000.0f;
    std::vector<float> scratch(ImageStats::kQuantileSample);
    ImageStats s;
    compute_image_stats(px, scratch, s);
    return s;
}
} // namespace

TEST_SUITE("render") {

    TEST_CASE("Contrast: auto follows each frame's min and max") {
        ImageStats s;
        s.min = -2.0f;
        s.max = 3.0f;
        const Limits l = contrast_limits({ContrastMode::Auto}, s, {0.0f, 1.0f});
        CHECK(l.lo == -2.0f);
        CHECK(l.hi == 3.0f);
    }

    TEST_CASE("Contrast: manual keeps its limits whatever the frame holds") {
        ImageStats s;
        s.min = -100.0f;
        s.max = 100.0f;
        Contrast c{ContrastMode::Manual};
        c.manual_lo = 0.25f;
        c.manual_hi = 0.75f;
        const Limits l = contrast_limits(c, s, {0.0f, 1.0f});
        CHECK(l.lo == 0.25f);
        CHECK(l.hi == 0.75f);
    }

    TEST_CASE("Contrast: percentile 1..99 ignores a single hot pixel that auto is ruled by") {
        const ImageStats s = ramp_with_hot_pixel(600 * 800);
        const Limits a = contrast_limits({ContrastMode::Auto}, s, {});
        CHECK(a.hi == 5000.0f); // the hot pixel sets the top: the ramp is all in entry 0
        Contrast c{ContrastMode::Percentile};
        const Limits p = contrast_limits(c, s, {});
        CHECK(p.lo == doctest::Approx(0.01).epsilon(0.01));
        CHECK(p.hi == doctest::Approx(0.99).epsilon(0.01));
    }

    TEST_CASE("Contrast: percentile falls back to min..max until a frame carries the sketch") {
        ImageStats s;
        s.min = 0.0f;
        s.max = 10.0f;
        const Limits p = contrast_limits({ContrastMode::Percentile}, s, {});
        CHECK(p.lo == doctest::Approx(0.1f));
        CHECK(p.hi == doctest::Approx(9.9f));
    }

    TEST_CASE("Contrast: hold keeps the limits in use while frames change") {
        ImageStats s;
        s.min = -7.0f;
        s.max = 7.0f;
        const Limits l = contrast_limits({ContrastMode::Hold}, s, {0.5f, 2.5f});
        CHECK(l.lo == 0.5f);
        CHECK(l.hi == 2.5f);
    }

    TEST_CASE("Contrast: mode names are one table for the CLI and the GUI") {
        for (std::string_view name : contrast_mode_names()) {
            const auto mode = find_contrast_mode(name);
            REQUIRE(mode.has_value());
            CHECK(name_of(*mode) == name);
        }
        CHECK_FALSE(find_contrast_mode("median").has_value());
    }
}
