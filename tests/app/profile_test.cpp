// Line profiles sampled against an image whose every pixel is known: value = 1000 * row + column.

#include <cmath>
#include <limits>
#include <vector>

#include <doctest/doctest.h>

#include "app/profile.hpp"

using namespace rtv;

namespace {

struct Known {
    ImageDesc desc{40, 30};
    std::vector<float> pixels;
    Known()
        : pixels(desc.pixel_count()) {
        for (std::size_t y = 0; y < desc.height; ++y)
            for (std::size_t x = 0; x < desc.width; ++x)
                pixels[y * desc.width + x] = float(1000 * y + x);
    }
};

} // namespace

TEST_SUITE("app") {

    TEST_CASE("profile: a horizontal segment gives each pixel of its row in order") {
        const Known img;
        std::vector<LinePoint> out(app::kMaxProfileSamples);
        // Along row 7 from the middle of column 2 to the middle of column 12 (pixel units).
        const std::size_t n =
            app::sample_profile(img.pixels, img.desc, std::nullopt, {2.5, 7.5}, {12.5, 7.5}, out);
        REQUIRE(n == 11);
        for (std::size_t i = 0; i < n; ++i) {
            CAPTURE(i);
            CHECK(out[i].x == doctest::Approx(double(i))); // distance along the segment
            CHECK(out[i].y == float(7000 + 2 + i));
        }
    }

    TEST_CASE("profile: a diagonal segment in physical units reads the pixels under it") {
        const Known img;
        // Extent [0, 4] x [0, 3]: 10 pixels per unit; row 0 at y = 3.
        const render::Rect extent{0.0, 0.0, 4.0, 3.0};
        std::vector<LinePoint> out(app::kMaxProfileSamples);
        const std::size_t n =
            app::sample_profile(img.pixels, img.desc, extent, {0.05, 2.95}, {2.05, 0.95}, out);
        // From pixel (0.5, 0.5) to (20.5, 20.5): 28.3 pixels long, 30 samples.
        REQUIRE(n == 30);
        CHECK(out[0].y == 0.0f);         // row 0, column 0
        CHECK(out[n - 1].y == 20020.0f); // row 20, column 20
        CHECK(out[n - 1].x == doctest::Approx(std::hypot(2.0, 2.0)));
        for (std::size_t i = 0; i < n; ++i) { // on the diagonal: row == column
            const int v = int(out[i].y);
            CHECK(v / 1000 == v % 1000);
        }
    }

    TEST_CASE("profile: samples off the image and NaN are left out and length is bounded") {
        Known img;
        img.pixels[5 * 40 + 10] = std::numeric_limits<float>::quiet_NaN();
        std::vector<LinePoint> out(app::kMaxProfileSamples);
        // Row 5 from x = -10 to x = 20.5: the part left of the image and the NaN pixel drop out.
        const std::size_t n =
            app::sample_profile(img.pixels, img.desc, std::nullopt, {-10, 5.5}, {20.5, 5.5}, out);
        for (std::size_t i = 0; i < n; ++i)
            CHECK(std::isfinite(out[i].y));
        CHECK(n > 15);
        CHECK(n < 22);
        // A segment a million pixels long keeps at most the buffer's size.
        std::vector<LinePoint> small(64);
        CHECK(app::sample_profile(img.pixels, img.desc, std::nullopt, {0, 0}, {1e6, 0}, small) <=
              64);
    }

} // TEST_SUITE
