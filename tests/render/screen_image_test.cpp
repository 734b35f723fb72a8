// Picking the pixels an image shows at screen resolution, and colouring them as the shader does.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include <doctest/doctest.h>

#include "render/screen_image.hpp"

using namespace rtv;
using namespace rtv::render;

namespace {

std::vector<std::uint32_t> picks(double a, double b, int lo, int hi, std::uint32_t size,
                                 PixelSpan& span) {
    std::vector<std::uint32_t> index;
    span = pick_pixels(a, b, lo, hi, size, index);
    index.resize(std::size_t(span.count));
    return index;
}

// A table whose entry i is the word i: the colour says the entry.
std::vector<std::uint32_t> identity_table() {
    std::vector<std::uint32_t> t(256);
    for (std::uint32_t i = 0; i < 256; ++i)
        t[i] = i;
    return t;
}

template <typename T> std::vector<std::byte> bytes_of(const std::vector<T>& v) {
    std::vector<std::byte> b(v.size() * sizeof(T));
    std::memcpy(b.data(), v.data(), b.size());
    return b;
}

} // namespace

TEST_SUITE("render") {

    TEST_CASE("pick_pixels: one image pixel a screen pixel shows each in turn") {
        PixelSpan s;
        const auto i = picks(10.0, 14.0, 0, 100, 4, s);
        CHECK(s.first == 10);
        CHECK(s.count == 4);
        CHECK(i == std::vector<std::uint32_t>{0, 1, 2, 3});
    }

    TEST_CASE("pick_pixels: a shrunk image shows the pixel under each screen pixel's centre") {
        // 800 pixels on 328: screen pixel p shows floor((p + 0.5) * 800 / 328).
        PixelSpan s;
        const auto i = picks(0.0, 328.0, 0, 1000, 800, s);
        REQUIRE(s.count == 328);
        for (int p = 0; p < 328; ++p)
            CHECK(i[std::size_t(p)] == std::uint32_t(std::floor((p + 0.5) * 800.0 / 328.0)));
    }

    TEST_CASE("pick_pixels: a magnified image repeats each pixel, a flipped one runs backwards") {
        PixelSpan s;
        CHECK(picks(0.0, 6.0, 0, 100, 2, s) == std::vector<std::uint32_t>{0, 0, 0, 1, 1, 1});
        CHECK(picks(6.0, 0.0, 0, 100, 2, s) == std::vector<std::uint32_t>{1, 1, 1, 0, 0, 0});
        CHECK(s.first == 0);
    }

    TEST_CASE("pick_pixels: a pixel centre on the near edge is inside, on the far edge outside") {
        PixelSpan s;
        picks(2.5, 5.5, 0, 100, 3, s); // centres 2.5, 3.5, 4.5 inside; 5.5 not
        CHECK(s.first == 2);
        CHECK(s.count == 3);
        picks(2.6, 5.4, 0, 100, 3, s); // centres 3.5 and 4.5 only
        CHECK(s.first == 3);
        CHECK(s.count == 2);
    }

    TEST_CASE("pick_pixels: clipped to the viewport, and empty outside it or when degenerate") {
        PixelSpan s;
        const auto i = picks(-10.0, 10.0, 0, 5, 20, s); // pixels 0..4 show image pixels 10..14
        CHECK(s.first == 0);
        CHECK(i == std::vector<std::uint32_t>{10, 11, 12, 13, 14});
        picks(50.0, 60.0, 0, 40, 10, s);
        CHECK(s.count == 0);
        picks(5.0, 5.0, 0, 40, 10, s);
        CHECK(s.count == 0);
        picks(0.0, std::numeric_limits<double>::infinity(), 0, 40, 10, s);
        CHECK(s.count == 0);
        picks(0.0, 10.0, 0, 40, 0, s);
        CHECK(s.count == 0);
    }

    TEST_CASE("colormap_pixels: limits, clamping, NaN and Inf as the shader maps them") {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const float inf = std::numeric_limits<float>::infinity();
        const std::vector<float> v{0.0f, 0.5f, 1.0f, -3.0f, 7.0f, nan, inf, 0.25f};
        const ImageDesc desc{8, 1};
        const auto table = identity_table();
        std::vector<std::uint32_t> out;
        const std::vector<std::uint32_t> cols{0, 1, 2, 3, 4, 5, 6, 7}, rows{0};
        colormap_pixels(desc, bytes_of(v), cols, rows, table, 0.0f, 1.0f, 0xdeadu, out);
        CHECK(out == std::vector<std::uint32_t>{0, 128, 255, 0, 255, 0xdead, 0xdead, 64});
        // hi <= lo: everything above lo at the top, the rest at the bottom
        colormap_pixels(desc, bytes_of(v), cols, rows, table, 0.5f, 0.5f, 0xdeadu, out);
        CHECK(out == std::vector<std::uint32_t>{0, 0, 255, 0, 255, 0xdead, 0xdead, 0});
    }

    TEST_CASE("colormap_pixels: integer images read their raw units, rows and columns as picked") {
        // 3x2 uint16, rows picked bottom-up as the renderer does for a flipped view
        const std::vector<std::uint16_t> v{0, 1000, 2000, 3000, 4000, 65535};
        const ImageDesc desc{3, 2, PixelFormat{1, SampleType::U16}};
        const auto table = identity_table();
        std::vector<std::uint32_t> out;
        const std::vector<std::uint32_t> cols{2, 0}, rows{1, 0};
        colormap_pixels(desc, bytes_of(v), cols, rows, table, 0.0f, 4000.0f, 0u, out);
        // (2,1)=65535 -> top, (0,1)=3000 -> 191, (2,0)=2000 -> 128, (0,0)=0 -> 0
        CHECK(out == std::vector<std::uint32_t>{255, 191, 128, 0});
        const std::vector<std::int16_t> s{-100, 100};
        colormap_pixels(ImageDesc{2, 1, PixelFormat{1, SampleType::I16}}, bytes_of(s),
                        std::vector<std::uint32_t>{0, 1}, std::vector<std::uint32_t>{0}, table,
                        -100.0f, 100.0f, 0u, out);
        CHECK(out[0] == 0);
        CHECK(out[1] == 255);
    }

    TEST_CASE("rgba8: red in the lowest byte, opaque, rounded and clamped") {
        CHECK(rgba8(1.0f, 0.0f, 0.0f) == 0xff0000ffu);
        CHECK(rgba8(0.0f, 0.5f, 2.0f) == 0xffff8000u);
    }
}
