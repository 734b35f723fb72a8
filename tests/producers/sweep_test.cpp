#include <cmath>

#include <doctest/doctest.h>

#include "harness.hpp"
#include "producers/sweep.hpp"

using namespace rtv;

TEST_SUITE("producers") {

    TEST_CASE("sweep: every image frame follows the example's rule through the wrap at width") {
        test::Capture cap;
        REQUIRE(cap.run("sweep:width=8,height=3,points=5,iterations=20,seed=7,slots=64,policy=wait,"
                        "interval=auto"));
        const auto images = cap.of_stream(0);
        REQUIRE(images.size() == 20); // stops after iterations
        CHECK(cap.host.producer_status(0).state() == ProducerState::Finished);
        for (std::uint32_t n = 0; n < 20; ++n) {
            CAPTURE(n);
            const std::vector<float>& px = images[n]->pixels;
            CHECK(images[n]->sequence == n);
            const std::uint32_t column = n % 8;
            bool swept_ok = true, random_ok = true;
            for (std::uint32_t row = 0; row < 3; ++row) {
                for (std::uint32_t j = 0; j < 8; ++j) {
                    const float v = px[row * 8 + j];
                    if (j <= column)
                        swept_ok = swept_ok && v == float(j) / 8.0f;
                    else
                        random_ok = random_ok && v >= 0.0f && v < 1.0f;
                }
            }
            CHECK(swept_ok);
            CHECK(random_ok);
        }
        // Right of the swept column, values are fresh random numbers each frame.
        CHECK(images[0]->pixels[7] != images[1]->pixels[7]);
        // Frame 8 wraps: only column 0 is swept again.
        CHECK(images[8]->pixels[0] == 0.0f);
        CHECK(images[8]->pixels[1] != images[7]->pixels[1]);
    }

    TEST_CASE(
        "sweep: the line shifts left by one each frame and appends |sin(n / iterations * 16 pi)|") {
        test::Capture cap;
        REQUIRE(cap.run("sweep:width=4,height=2,points=5,iterations=20,seed=3,slots=64,policy=wait,"
                        "interval=auto"));
        const auto lines = cap.of_stream(1);
        REQUIRE(lines.size() == 20);
        for (std::uint32_t n = 0; n < 20; ++n) {
            CAPTURE(n);
            const auto& pts = lines[n]->line_points;
            REQUIRE(pts.size() == 5);
            CHECK(lines[n]->lines == 1);
            for (std::uint32_t i = 0; i < 5; ++i)
                CHECK(pts[i].x == float(i));
            CHECK(pts[4].y == doctest::Approx(producers::Sweep::line_value(n, 20)));
            if (n > 0) {
                const auto& prev = lines[n - 1]->line_points;
                for (std::uint32_t i = 0; i + 1 < 5; ++i)
                    CHECK(pts[i].y == prev[i + 1].y);
            }
        }
        // Before the first shift, y starts uniform random: frame 0's first four values.
        for (std::uint32_t i = 0; i < 4; ++i) {
            CHECK(lines[0]->line_points[i].y >= 0.0f);
            CHECK(lines[0]->line_points[i].y < 1.0f);
        }
        CHECK(producers::Sweep::line_value(5, 20) ==
              doctest::Approx(std::abs(std::sin(5.0 / 20 * 16 * 3.14159265358979))));
    }

    TEST_CASE("sweep: the same seed gives the same frames and another seed other frames") {
        test::Capture a, b, c;
        const std::string base = "sweep:width=16,height=4,points=8,iterations=3,slots=64,policy="
                                 "wait,interval=auto,seed=";
        REQUIRE(a.run(base + "11"));
        REQUIRE(b.run(base + "11"));
        REQUIRE(c.run(base + "12"));
        REQUIRE(a.frames.size() == 6);
        REQUIRE(b.frames.size() == 6);
        REQUIRE(c.frames.size() == 6);
        CHECK(a.of_stream(0)[2]->pixels == b.of_stream(0)[2]->pixels);
        CHECK(a.of_stream(0)[2]->pixels != c.of_stream(0)[2]->pixels);
    }

    TEST_CASE("sweep: a 600x800 default frame has the example's shape") {
        test::Capture cap;
        REQUIRE(cap.run("sweep:iterations=1,policy=wait"));
        REQUIRE(cap.frames.size() == 2);
        CHECK(cap.host.stream(0).request().image == ImageDesc{800, 600});
        CHECK(cap.frames[0].pixels.size() == 800 * 600);
        CHECK(cap.frames[1].line_points.size() == 200);
    }

} // TEST_SUITE
