// Draws known data with the real renderer into the offscreen framebuffer and reads pixels back.
// Tolerance: +-2 of 255 per channel (the colormap texture is RGBA8, the framebuffer 8 bits).

#include <cmath>
#include <cstdio>
#include <limits>
#include <span>
#include <vector>

#include <doctest/doctest.h>

#include "app/layers.hpp"
#include "core/image_stats.hpp"
#include "core/line_history.hpp"
#include "gl/gl_fixture.hpp"
#include "render/contrast.hpp"
#include "render/gl.hpp"
#include "render/renderer.hpp"
#include "render/snapshot.hpp"

using namespace rtv;
using namespace rtv::render;
using namespace rtv::test;

namespace {

Pixel pixel(const RgbaImage& img, int x, int y_from_top) {
    const std::uint8_t* p = img.at(x, y_from_top);
    return {p[0], p[1], p[2]};
}

Pixel to8(Rgb c) {
    return {int(std::lround(c.r * 255)), int(std::lround(c.g * 255)), int(std::lround(c.b * 255))};
}

// A 200 x 1 image whose pixel i has value i, drawn over the whole framebuffer.
ImageLayer gradient() {
    std::vector<float> values(kW);
    for (int i = 0; i < kW; ++i)
        values[std::size_t(i)] = float(i);
    ImageLayer layer;
    REQUIRE(layer.upload({kW, 1}, values).is_ok());
    return layer;
}

// The first channel of a texel read back, or nothing.
std::optional<float> texel(ImageLayer& layer, std::uint32_t x, std::uint32_t y) {
    const auto v = layer.read_texel(x, y);
    if (!v) return std::nullopt;
    return v->c[0];
}

std::optional<float> value_of(const std::optional<PixelValue>& v) {
    if (!v) return std::nullopt;
    return v->c[0];
}

Camera camera(Rect range) {
    Camera c;
    c.set_range(range, 0.0);
    return c;
}

} // namespace

TEST_SUITE("gl") {

    TEST_CASE("Renderer: a gradient drawn with viridis reds and blues matches the tables pixel by "
              "pixel") {
        GlContext::get();
        Renderer renderer;
        REQUIRE(renderer.init().is_ok());
        ImageLayer layer = gradient();
        for (Colormap map : {Colormap::Viridis, Colormap::Reds, Colormap::Blues}) {
            CAPTURE(name_of(map));
            renderer.begin_view({0, 0, kW, kH}, {0, 0, 0});
            renderer.draw(layer, camera({0, 0, kW, 1}),
                          {map, 0.0f, float(kW - 1), 1.0f, {1, 0, 1}});
            renderer.end_view();
            const RgbaImage img = grab();
            int mismatches = 0;
            for (int x = 0; x < kW; x += 7) {
                const Pixel want = to8(colormap_lookup(map, float(x) / float(kW - 1)));
                if (!near(pixel(img, x, kH / 2), want)) ++mismatches;
            }
            CHECK(mismatches == 0);
        }
        CHECK(check_gl("gradient").is_ok());
    }

    TEST_CASE("ImageLayer: read_texel gives back each uploaded value and nothing off the image") {
        GlContext::get();
        std::vector<float> values(4 * 3);
        for (std::size_t i = 0; i < values.size(); ++i)
            values[i] = float(i) * 0.5f - 1.0f; // row y, column x: (y * 4 + x) / 2 - 1
        values[6] = std::numeric_limits<float>::quiet_NaN();
        ImageLayer layer;
        CHECK_FALSE(layer.read_texel(0, 0)); // nothing uploaded yet
        REQUIRE(layer.upload({4, 3}, values).is_ok());
        CHECK(texel(layer, 0, 0) == -1.0f);
        CHECK(texel(layer, 3, 0) == 0.5f);
        CHECK(texel(layer, 1, 2) == 3.5f);
        CHECK(std::isnan(*texel(layer, 2, 1)));
        CHECK_FALSE(layer.read_texel(4, 0));
        CHECK_FALSE(layer.read_texel(0, 3));
        // A new frame of another size: the read follows it.
        REQUIRE(layer.upload({2, 1}, std::vector<float>{7.0f, 8.0f}).is_ok());
        CHECK(texel(layer, 1, 0) == 8.0f);
        CHECK_FALSE(layer.read_texel(2, 0));
        CHECK(check_gl("read_texel").is_ok());
    }

    TEST_CASE("Layers: the cursor value is the frame on screen under the cursor and none off it") {
        GlContext::get();
        app::Layers layers;
        app::Layer& layer = layers[0];
        REQUIRE(layer.image
                    .upload({4, 3}, std::vector<float>{0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23})
                    .is_ok());
        ++layer.generation;
        CHECK(value_of(layers.value_at(0, {2.5, 1.5}, std::nullopt)) == 12.0f); // column 2, row 1
        // Off the image (the cursor left it): no value, never the last one seen.
        CHECK_FALSE(layers.value_at(0, {4.5, 1.5}, std::nullopt));
        CHECK_FALSE(layers.value_at(0, {-0.5, 0.5}, std::nullopt));
        // A new frame under a still cursor: the new value, not the remembered one.
        REQUIRE(layer.image.upload({4, 3}, std::vector<float>(12, 7.0f)).is_ok());
        ++layer.generation;
        CHECK(value_of(layers.value_at(0, {2.5, 1.5}, std::nullopt)) == 7.0f);
        // In physical units: extent [0, 8] x [0, 6]: (5, 1) is column 2, row 2.
        REQUIRE(layer.image
                    .upload({4, 3}, std::vector<float>{0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23})
                    .is_ok());
        ++layer.generation;
        CHECK(value_of(layers.value_at(0, {5.0, 1.0}, render::Rect{0, 0, 8, 6})) == 22.0f);
    }

    TEST_CASE("Renderer: the view's background shows where there is no data") {
        GlContext::get();
        Renderer renderer;
        REQUIRE(renderer.init().is_ok());
        ImageLayer layer = gradient();
        // The image covers data x 0..200 of a view showing -100..200: the left third is background.
        renderer.begin_view({0, 0, kW, kH}, {0.0f, 1.0f, 1.0f});
        renderer.draw(layer, camera({-100, 0, kW, 1}),
                      {Colormap::Viridis, 0.0f, float(kW - 1), 1.0f, {1, 0, 1}});
        renderer.end_view();
        const RgbaImage img = grab();
        CHECK(near(pixel(img, 10, 50), {0, 255, 255}));
        CHECK(near(pixel(img, 60, 50), {0, 255, 255}));
        CHECK_FALSE(near(pixel(img, 150, 50), {0, 255, 255}));
    }

    TEST_CASE("Renderer: a fill cut to a rectangle gives every colour the whole clear gives and "
              "stays inside it") {
        GlContext::get();
        Renderer renderer;
        REQUIRE(renderer.init().is_ok());
        // A rectangle off the rasteriser's tile edges: llvmpipe clears it on its own path, which
        // truncates where the whole clear rounds (without the quarter step, 498 of these 1000
        // grey levels came out one level darker).
        const render::Viewport rect{13, 7, 150, 80};
        int differing = 0, first = -1; // of the 1000 greys
        for (int i = 0; i < 1000; ++i) {
            const float v = float(i) / 999.0f;
            renderer.clear({v, v, v});
            renderer.fill(std::span<const render::Viewport>(&rect, 1), {v, 1.0f - v, 0.5f});
            const RgbaImage img = grab();
            const int level = int(std::lround(v * 255.0f));
            const Pixel in = pixel(img, 100, 50), out = pixel(img, 5, 50);
            const Pixel want_in{level, int(std::lround((1.0f - v) * 255.0f)), 128};
            if (in.r != want_in.r || in.g != want_in.g || in.b != want_in.b || out.r != level ||
                out.g != level || out.b != level) {
                if (first < 0) first = i;
                ++differing;
            }
        }
        INFO(differing << " of 1000 greys differ, the first at " << first << " / 999");
        CHECK(differing == 0);
        // The fill's edges: its corners inside, their neighbours outside (rows from the bottom).
        renderer.clear({0, 0, 0});
        renderer.fill(std::span<const render::Viewport>(&rect, 1), {1, 1, 1});
        const RgbaImage img = grab();
        const auto at = [&](int x, int y_up) { return pixel(img, x, kH - 1 - y_up); };
        CHECK(at(13, 7).r == 255);
        CHECK(at(162, 86).r == 255);
        CHECK(at(12, 7).r == 0);
        CHECK(at(13, 6).r == 0);
        CHECK(at(163, 86).r == 0);
        CHECK(at(162, 87).r == 0);
    }

    TEST_CASE("Renderer: an image drawn at screen resolution shows the pixels the texture shows "
              "through a zoom, a pan and a flip") {
        GlContext::get();
        Renderer renderer;
        REQUIRE(renderer.init().is_ok());
        // 37 x 23, values from below the limits to above them, with NaN and Inf pixels.
        const std::uint32_t w = 37, h = 23;
        std::vector<float> f(w * h);
        std::vector<std::uint16_t> u(w * h);
        for (std::uint32_t i = 0; i < w * h; ++i) {
            f[i] = float((i * 7919u) % 1000u) / 800.0f - 0.1f;
            u[i] = std::uint16_t((i * 7919u) % 65536u);
        }
        f[5] = std::numeric_limits<float>::quiet_NaN();
        f[100] = std::numeric_limits<float>::infinity();
        struct Case {
            const char* what;
            Rect visible;
            Rect place; // all zero: pixel units
        };
        const Case cases[] = {
            {"the whole image", {0, 0, 37, 23}, {0, 0, 0, 0}},
            {"shrunk (a zoom out)", {-50, -80, 400, 250}, {0, 0, 0, 0}},
            {"magnified and panned", {10.3, 4.7, 19.9, 9.1}, {0, 0, 0, 0}},
            {"partly off the view", {20, -5, 60, 15}, {0, 0, 0, 0}},
            {"placed flipped in data units", {-1, -1, 2, 2}, {1.5, 1.0, -0.5, -0.75}},
        };
        for (const bool integer : {false, true}) {
            const ImageDesc desc{w, h, integer ? PixelFormat{1, SampleType::U16} : PixelFormat{}};
            const std::span<const std::byte> bytes =
                integer ? std::as_bytes(std::span<const std::uint16_t>(u))
                        : std::as_bytes(std::span<const float>(f));
            ImageLayer texture, screen;
            screen.set_screen(true);
            REQUIRE(texture.upload(desc, bytes).is_ok());
            REQUIRE(screen.upload(desc, bytes).is_ok());
            REQUIRE(screen.kept().size() == desc.byte_size());
            for (const Case& c : cases) {
                CAPTURE(std::string(c.what));
                CAPTURE(integer);
                ImageStyle style{Colormap::Magma,
                                 integer ? 1000.0f : 0.0f,
                                 integer ? 60000.0f : 1.0f,
                                 1.0f,
                                 {0, 1, 0}};
                style.place = c.place;
                const auto draw = [&](ImageLayer& layer) {
                    renderer.begin_view({3, 2, kW - 9, kH - 5}, {0.2f, 0.2f, 0.9f});
                    renderer.draw(layer, camera(c.visible), style);
                    renderer.end_view();
                    return grab();
                };
                const RgbaImage a = draw(texture), b = draw(screen);
                // The same picture, except where the shader's float interpolation and the CPU's
                // decide a tie the other way: a row (or column) of pixel centres exactly on an
                // image pixel's edge, a value exactly between two colormap entries. A wrong
                // orientation, offset, format or colormap would change most of the image.
                int differing = 0;
                for (int y = 0; y < kH; ++y)
                    for (int x = 0; x < kW; ++x)
                        differing += !near(pixel(a, x, y), pixel(b, x, y), 0);
                CHECK(differing <= kW - 9 + kH - 5);
                int shown = 0; // pixels of the view that are not its background
                for (int y = 5; y < kH - 2; ++y)
                    for (int x = 3; x < kW - 6; ++x)
                        shown += !near(pixel(b, x, y), {51, 51, 230}, 0);
                CHECK(shown > 0);
            }
            // What the screen path leaves to the shaders (opacity below 1) comes from the
            // texture filled from the kept frame: the same picture again.
            ImageStyle half{Colormap::Viridis, 0.0f, integer ? 65535.0f : 1.0f, 0.5f};
            renderer.begin_view({0, 0, kW, kH}, {1, 0, 0});
            renderer.draw(texture, camera({0, 0, 37, 23}), half);
            renderer.end_view();
            const RgbaImage a = grab();
            renderer.begin_view({0, 0, kW, kH}, {1, 0, 0});
            renderer.draw(screen, camera({0, 0, 37, 23}), half);
            renderer.end_view();
            CHECK(grab().pixels == a.pixels);
            // The value under the cursor comes from the kept frame.
            const auto v = screen.read_texel(3, 2);
            REQUIRE(v);
            CHECK(v->c[0] == (integer ? float(u[2 * w + 3]) : f[2 * w + 3]));
            CHECK_FALSE(screen.read_texel(w, 0));
        }
    }

    TEST_CASE("Renderer: contrast limits clamp and NaN and Inf pixels get the bad-value colour") {
        GlContext::get();
        Renderer renderer;
        REQUIRE(renderer.init().is_ok());
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const float inf = std::numeric_limits<float>::infinity();
        // Four pixels: below the limits, NaN, above the limits, +Inf.
        const std::vector<float> values{-5.0f, nan, 50.0f, inf};
        ImageLayer layer;
        REQUIRE(layer.upload({4, 1}, values).is_ok());
        renderer.begin_view({0, 0, kW, kH}, {0, 0, 0});
        renderer.draw(layer, camera({0, 0, 4, 1}), {Colormap::Grays, 0.0f, 10.0f, 1.0f, {1, 0, 1}});
        renderer.end_view();
        const RgbaImage img = grab();
        CHECK(near(pixel(img, 25, 50), {0, 0, 0}));        // clamped to lo: black
        CHECK(near(pixel(img, 75, 50), {255, 0, 255}));    // NaN: magenta
        CHECK(near(pixel(img, 125, 50), {255, 255, 255})); // clamped to hi: white
        CHECK(near(pixel(img, 175, 50), {255, 0, 255}));   // Inf: magenta
    }

    TEST_CASE("Renderer: percentile contrast draws a ramp with a hot pixel in full grey range") {
        GlContext::get();
        Renderer renderer;
        REQUIRE(renderer.init().is_ok());
        // 200 x 1 ramp over 0..1 with one hot pixel at x = 50.
        std::vector<float> values(kW);
        for (int i = 0; i < kW; ++i)
            values[std::size_t(i)] = float(i) / float(kW - 1);
        values[50] = 1.0e6f;
        ImageLayer layer;
        REQUIRE(layer.upload({kW, 1}, values).is_ok());
        std::vector<float> scratch(ImageStats::kQuantileSample);
        ImageStats stats;
        compute_image_stats(values, scratch, stats);
        auto draw = [&](Contrast c) {
            const Limits l = contrast_limits(c, stats, {});
            renderer.begin_view({0, 0, kW, kH}, {0, 0, 0});
            renderer.draw(layer, camera({0, 0, kW, 1}),
                          {Colormap::Grays, l.lo, l.hi, 1.0f, {1, 0, 1}});
            renderer.end_view();
            return grab();
        };
        const RgbaImage by_auto = draw({ContrastMode::Auto});
        CHECK(near(pixel(by_auto, 150, 50), {0, 0, 0}));           // the ramp is crushed to black
        CHECK(near(pixel(by_auto, 50, 50), {255, 255, 255}));      // but for the hot pixel
        const RgbaImage by_pct = draw({ContrastMode::Percentile}); // 1..99 %
        // x = 150 holds 0.754: (0.754 - 0.01) / 0.98 of the way from black to white.
        const int want = int(std::lround((0.754 - 0.01) / 0.98 * 255));
        CHECK(near(pixel(by_pct, 150, 50), {want, want, want}, 4));
        CHECK(near(pixel(by_pct, 1, 50), {0, 0, 0}, 4));
        CHECK(near(pixel(by_pct, 198, 50), {255, 255, 255}, 4));
    }

    TEST_CASE("Renderer: a red line appears at the expected pixels and nowhere else") {
        GlContext::get();
        Renderer renderer;
        REQUIRE(renderer.init().is_ok());
        // A horizontal line at y = 0.5 from x = 0.25 to 0.75 of a 0..1 view.
        const std::vector<LinePoint> pts{{0.25f, 0.5f}, {0.75f, 0.5f}};
        LineLayer line;
        REQUIRE(line.upload(1, 2, pts).is_ok());
        renderer.begin_view({0, 0, kW, kH}, {0.75f, 0.75f, 0.75f});
        REQUIRE(renderer.draw(line, camera({0, 0, 1, 1}), {{1, 0, 0}, 1.0f}).is_ok());
        renderer.end_view();
        const RgbaImage img = grab();
        int red_in_row = 0, red_elsewhere = 0;
        for (int y = 0; y < kH; ++y)
            for (int x = 0; x < kW; ++x) {
                const bool red = near(pixel(img, x, y), {255, 0, 0});
                if (red && (y == kH / 2 || y == kH / 2 - 1))
                    ++red_in_row;
                else if (red)
                    ++red_elsewhere;
            }
        CHECK(red_in_row >= 95); // about 100 pixels from x = 50 to 150
        CHECK(red_in_row <= 105);
        CHECK(red_elsewhere == 0);
        CHECK(near(pixel(img, 20, kH / 2), {191, 191, 191}));
    }

    TEST_CASE("Renderer: 100 lines in one frame are drawn with one draw call") {
        GlContext::get();
        Renderer renderer;
        REQUIRE(renderer.init().is_ok());
        constexpr std::uint32_t kLines = 100, kPoints = 50;
        std::vector<LinePoint> pts;
        for (std::uint32_t l = 0; l < kLines; ++l)
            for (std::uint32_t i = 0; i < kPoints; ++i)
                pts.push_back({float(i), float(l)});
        LineLayer lines;
        REQUIRE(lines.upload(kLines, kPoints, pts).is_ok());
        CHECK(lines.firsts().size() == kLines);
        const auto before = renderer.draw_calls();
        renderer.begin_view({0, 0, kW, kH}, {1, 1, 1});
        REQUIRE(
            renderer.draw(lines, camera({0, -0.5, kPoints - 1, kLines - 0.5}), {{0, 0, 1}, 1.0f})
                .is_ok());
        renderer.end_view();
        CHECK(renderer.draw_calls() - before == 1);
        // Each of the 100 rows of the 100-pixel-high view holds a blue line.
        const RgbaImage img = grab();
        int rows_with_blue = 0;
        for (int y = 0; y < kH; ++y)
            rows_with_blue += near(pixel(img, kW / 2, y), {0, 0, 255}) ? 1 : 0;
        CHECK(rows_with_blue >= 95);
    }

    TEST_CASE(
        "Renderer: a line far longer than the view is wide is drawn decimated with its spike") {
        GlContext::get();
        Renderer renderer;
        REQUIRE(renderer.init().is_ok());
        // 200,000 points at y = 0.25 with a one-sample spike to y = 0.9 at x = 100,000.
        const std::uint32_t n = 200'000;
        std::vector<LinePoint> pts(n);
        for (std::uint32_t i = 0; i < n; ++i)
            pts[i] = {float(i), i == n / 2 ? 0.9f : 0.25f};
        LineLayer line;
        REQUIRE(line.upload(1, n, pts).is_ok());
        renderer.begin_view({0, 0, kW, kH}, {1, 1, 1});
        REQUIRE(renderer.draw(line, camera({0, 0, double(n), 1}), {{1, 0, 0}, 1.0f}).is_ok());
        renderer.end_view();
        CHECK(line.decimated());
        REQUIRE(line.counts().size() == 1);
        CHECK(std::size_t(line.counts()[0]) <= 2 * std::size_t(kW) + 2);
        const RgbaImage img = grab();
        // The spike's column reaches the top rows (y = 0.9 is 10 pixels from the top).
        bool spike = false;
        for (int x = kW / 2 - 2; x <= kW / 2 + 2; ++x)
            spike = spike || near(pixel(img, x, 11), {255, 0, 0}, 60);
        CHECK(spike);
        // The level line at y = 0.25: on the row either side of the boundary at 75 from the top.
        CHECK((near(pixel(img, 20, 74), {255, 0, 0}, 60) ||
               near(pixel(img, 20, 75), {255, 0, 0}, 60)));
        CHECK(near(pixel(img, 20, 11), {255, 255, 255})); // nothing above it elsewhere

        // A long line that doubles back (a circle) cannot be decimated by column: drawn whole.
        std::vector<LinePoint> circle(n);
        for (std::uint32_t i = 0; i < n; ++i) {
            const float a = float(i) * 6.2831853f / float(n - 1);
            circle[i] = {std::cos(a), std::sin(a)};
        }
        LineLayer round;
        REQUIRE(round.upload(1, n, circle).is_ok());
        renderer.begin_view({0, 0, kW, kH}, {1, 1, 1});
        REQUIRE(renderer.draw(round, camera({-1, -1, 1, 1}), {{1, 0, 0}, 1.0f}).is_ok());
        renderer.end_view();
        CHECK_FALSE(round.decimated());
        CHECK(round.counts()[0] == std::int32_t(n));
    }

    TEST_CASE("Renderer: an append stream's ring is drawn without a gap where it wraps") {
        GlContext::get();
        Renderer renderer;
        REQUIRE(renderer.init().is_ok());
        LineHistory history(1, 8);
        std::vector<LinePoint> samples;
        for (int i = 0; i < 12; ++i)
            samples.push_back({float(i), 0.5f});
        history.append(std::span(samples).first(5), 1, 5);
        LineLayer line;
        REQUIRE(line.upload_history(history).is_ok());
        history.append(std::span(samples).subspan(5), 1, 7); // wraps: the ring holds samples 4..11
        REQUIRE(line.upload_history(history).is_ok());
        REQUIRE(line.firsts().size() == 2);
        CHECK(line.counts()[0] + line.counts()[1] == 9); // 8 samples plus the joining copy
        renderer.begin_view({0, 0, kW, kH}, {1, 1, 1});
        REQUIRE(renderer.draw(line, camera({4, 0, 11, 1}), {{1, 0, 0}, 1.0f}).is_ok());
        renderer.end_view();
        const RgbaImage img = grab();
        int missing = 0;
        for (int x = 1; x < kW - 1; ++x) {
            const bool red = near(pixel(img, x, kH / 2), {255, 0, 0}) ||
                             near(pixel(img, x, kH / 2 - 1), {255, 0, 0});
            missing += red ? 0 : 1;
        }
        CHECK(missing == 0);
    }

    TEST_CASE("Renderer: two half-transparent layers blend in their draw order") {
        GlContext::get();
        Renderer renderer;
        REQUIRE(renderer.init().is_ok());
        ImageLayer white, black;
        const std::vector<float> one{1.0f}, zero{0.0f};
        REQUIRE(white.upload({1, 1}, one).is_ok());
        REQUIRE(black.upload({1, 1}, zero).is_ok());
        const Camera cam = camera({0, 0, 1, 1});
        const ImageStyle opaque{Colormap::Grays, 0.0f, 1.0f, 1.0f, {1, 0, 1}};
        const ImageStyle half{Colormap::Grays, 0.0f, 1.0f, 0.5f, {1, 0, 1}};
        // White, then black at 50 %: mid grey.
        renderer.begin_view({0, 0, kW, kH}, {0, 0, 1});
        renderer.draw(white, cam, opaque);
        renderer.draw(black, cam, half);
        renderer.end_view();
        CHECK(near(pixel(grab(), 100, 50), {128, 128, 128}));
        // Black at 50 % over the blue background, then white at 50 % on top.
        renderer.begin_view({0, 0, kW, kH}, {0, 0, 1});
        renderer.draw(black, cam, half);
        renderer.draw(white, cam, half);
        renderer.end_view();
        // background (0,0,255) -> black 50 %: (0,0,128) -> white 50 %: (128,128,191)
        CHECK(near(pixel(grab(), 100, 50), {128, 128, 191}));
    }

    TEST_CASE("Snapshot: a PNG written and read back holds the same pixels") {
        GlContext::get();
        Renderer renderer;
        REQUIRE(renderer.init().is_ok());
        ImageLayer layer = gradient();
        renderer.begin_view({0, 0, kW, kH}, {0, 0, 0});
        renderer.draw(layer, camera({0, 0, kW, 1}),
                      {Colormap::Turbo, 0.0f, float(kW - 1), 1.0f, {1, 0, 1}});
        renderer.end_view();
        const RgbaImage img = grab();
        const std::string path = "rtv_snapshot_roundtrip.png";
        REQUIRE(write_png(path, img).is_ok());
        RgbaImage back;
        REQUIRE(read_png(path, back).is_ok());
        CHECK(back.width == kW);
        CHECK(back.height == kH);
        CHECK(back.pixels == img.pixels);
        std::remove(path.c_str());
        CHECK(write_png("/nonexistent-dir/x.png", img)
                  .message()
                  .rfind("snapshot: cannot write /nonexistent-dir/x.png", 0) == 0);
    }

} // TEST_SUITE
