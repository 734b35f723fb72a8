// Every pixel format uploaded in its own type and drawn by the real renderer into the offscreen
// framebuffer, pixels read back: raw-unit contrast for integer images, RGB drawn as it is, and
// RGBA blended back to front as the blend equation says.
// Tolerance: +-2 of 255 per channel (8-bit framebuffer and colormap texture).

#include <cmath>
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

#include "gl/gl_fixture.hpp"
#include "render/colormap.hpp"
#include "render/gl.hpp"
#include "render/renderer.hpp"
#include "render/snapshot.hpp"

using namespace rtv;
using namespace rtv::render;
using namespace rtv::test;

namespace {

Pixel at(const RgbaImage& img, int x, int y_from_top) {
    const std::uint8_t* p = img.at(x, y_from_top);
    return {p[0], p[1], p[2]};
}

Pixel to8(double r, double g, double b) {
    return {int(std::lround(r * 255)), int(std::lround(g * 255)), int(std::lround(b * 255))};
}

template <class T> std::span<const std::byte> bytes_of(const std::vector<T>& v) {
    return std::as_bytes(std::span<const T>(v));
}

Camera camera(double w, double h) {
    Camera c;
    c.set_range({0, 0, w, h}, 0.0);
    return c;
}

// Draws `layer` over the whole framebuffer on `background` and reads it back.
RgbaImage draw_one(Renderer& r, ImageLayer& layer, const ImageStyle& style,
                   Rgb background = {0, 0, 0}) {
    r.begin_view({0, 0, kW, kH}, background);
    r.draw(layer, camera(layer.desc().width, layer.desc().height), style);
    r.end_view();
    return grab();
}

} // namespace

TEST_SUITE("gl") {

    TEST_CASE("formats: a uint16 ramp with manual limits 0..4080 gives the expected grey levels") {
        GlContext::get();
        Renderer renderer;
        REQUIRE(renderer.init().is_ok());
        // 200 columns: column i holds i * 20 raw units (a 12-bit camera's range, 0..3980).
        std::vector<std::uint16_t> ramp(kW);
        for (int i = 0; i < kW; ++i)
            ramp[std::size_t(i)] = std::uint16_t(i * 20);
        ImageLayer layer;
        REQUIRE(layer.upload({kW, 1, {1, SampleType::U16}}, bytes_of(ramp)).is_ok());
        const RgbaImage img =
            draw_one(renderer, layer, {Colormap::Grays, 0.0f, 4080.0f, 1.0f, {1, 0, 1}});
        int mismatches = 0;
        for (int x = 0; x < kW; x += 9) {
            const double t = double(x * 20) / 4080.0;
            const Rgb want = colormap_lookup(Colormap::Grays, float(t));
            if (!near(at(img, x, kH / 2), to8(want.r, want.g, want.b))) ++mismatches;
        }
        CHECK(mismatches == 0);
        CHECK(check_gl("uint16 ramp").is_ok());
    }

    TEST_CASE("formats: uint8 and int16 mono images are colormapped in their raw units") {
        GlContext::get();
        Renderer renderer;
        REQUIRE(renderer.init().is_ok());
        const std::vector<std::int16_t> signed_px{-1000, 0, 1000, 30000};
        ImageLayer s16;
        REQUIRE(s16.upload({4, 1, {1, SampleType::I16}}, bytes_of(signed_px)).is_ok());
        const RgbaImage a =
            draw_one(renderer, s16, {Colormap::Grays, -1000.0f, 1000.0f, 1.0f, {1, 0, 1}});
        CHECK(near(at(a, 25, 50), {0, 0, 0}));        // -1000: the low limit
        CHECK(near(at(a, 75, 50), {128, 128, 128}));  // 0: half way
        CHECK(near(at(a, 125, 50), {255, 255, 255})); // 1000: the high limit
        CHECK(near(at(a, 175, 50), {255, 255, 255})); // above: clamped
        const std::vector<std::uint8_t> u8{0, 51, 255, 102};
        ImageLayer b8;
        REQUIRE(b8.upload({4, 1, {1, SampleType::U8}}, bytes_of(u8)).is_ok());
        const RgbaImage b =
            draw_one(renderer, b8, {Colormap::Grays, 0.0f, 255.0f, 1.0f, {1, 0, 1}});
        CHECK(near(at(b, 75, 50), {51, 51, 51}));
        CHECK(near(at(b, 175, 50), {102, 102, 102}));
        CHECK(check_gl("mono integer").is_ok());
    }

    TEST_CASE("formats: RGB thirds come out red and green and blue whatever the sample type") {
        GlContext::get();
        Renderer renderer;
        REQUIRE(renderer.init().is_ok());
        const std::vector<std::uint8_t> rgb8{255, 0, 0, 0, 255, 0, 0, 0, 255};
        const std::vector<std::uint16_t> rgb16{65535, 0, 0, 0, 65535, 0, 0, 0, 65535};
        // float32 is clamped to 0..1: 7 and -3 draw as 1 and 0.
        const std::vector<float> rgb32{7.0f, -3.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f, 0.0f, 1.0f};
        ImageLayer a, b, c;
        REQUIRE(a.upload({3, 1, {3, SampleType::U8}}, bytes_of(rgb8)).is_ok());
        REQUIRE(b.upload({3, 1, {3, SampleType::U16}}, bytes_of(rgb16)).is_ok());
        REQUIRE(c.upload({3, 1, {3, SampleType::F32}}, bytes_of(rgb32)).is_ok());
        for (ImageLayer* layer : {&a, &b, &c}) {
            CAPTURE(format_name(layer->desc().format));
            // The colormap and limits are ignored: RGB is drawn as it is.
            const RgbaImage img = draw_one(
                renderer, *layer, {Colormap::Viridis, 100.0f, 200.0f, 1.0f, {1, 0, 1}}, {1, 1, 1});
            CHECK(near(at(img, kW / 6, 50), {255, 0, 0}));
            CHECK(near(at(img, kW / 2, 50), {0, 255, 0}));
            CHECK(near(at(img, 5 * kW / 6, 50), {0, 0, 255}));
        }
        CHECK(check_gl("rgb thirds").is_ok());
    }

    TEST_CASE("formats: the VisPy FAQ pair composites to what the blend equation predicts") {
        GlContext::get();
        Renderer renderer;
        REQUIRE(renderer.init().is_ok());
        // Back: float32 RGBA at alpha 0.25; front: uint8 RGBA at alpha 128; over a cyan view.
        const std::vector<float> back{0.2f, 0.5f, 1.0f, 0.25f};
        const std::vector<std::uint8_t> front{255, 128, 0, 128};
        ImageLayer b, f;
        REQUIRE(b.upload({1, 1, {4, SampleType::F32}}, bytes_of(back)).is_ok());
        REQUIRE(f.upload({1, 1, {4, SampleType::U8}}, bytes_of(front)).is_ok());
        const double bg[3] = {0.0, 1.0, 1.0};
        const auto composite = [&](double front_opacity) {
            renderer.begin_view({0, 0, kW, kH}, {0.0f, 1.0f, 1.0f});
            renderer.draw(b, camera(1, 1), {Colormap::Grays, 0, 1, 1.0f, {1, 0, 1}});
            renderer.draw(f, camera(1, 1),
                          {Colormap::Grays, 0, 1, float(front_opacity), {1, 0, 1}});
            renderer.end_view();
            // dst = src * a + dst * (1 - a), back then front.
            double c[3];
            const double fa = 128.0 / 255.0 * front_opacity;
            const double fc[3] = {1.0, 128.0 / 255.0, 0.0};
            for (int i = 0; i < 3; ++i) {
                c[i] = double(back[std::size_t(i)]) * 0.25 + bg[i] * 0.75;
                c[i] = fc[i] * fa + c[i] * (1.0 - fa);
            }
            return to8(c[0], c[1], c[2]);
        };
        const Pixel full = composite(1.0);
        CHECK(near(at(grab(), kW / 2, kH / 2), full));
        // The layer's opacity multiplies the front's alpha.
        const Pixel half = composite(0.5);
        CHECK(near(at(grab(), kW / 2, kH / 2), half));
        CHECK_FALSE(near(full, half, 10));
        CHECK(check_gl("faq pair").is_ok());
    }

    TEST_CASE("formats: read_texel gives each format's raw values back") {
        GlContext::get();
        const std::vector<std::uint16_t> u16{0, 4095, 65535, 12};
        ImageLayer a;
        REQUIRE(a.upload({2, 2, {1, SampleType::U16}}, bytes_of(u16)).is_ok());
        CHECK(a.read_texel(0, 1)->c[0] == 65535.0f);
        CHECK(a.read_texel(1, 0)->c[0] == 4095.0f);
        const std::vector<std::int16_t> i16{-32768, 32767};
        ImageLayer b;
        REQUIRE(b.upload({2, 1, {1, SampleType::I16}}, bytes_of(i16)).is_ok());
        CHECK(b.read_texel(0, 0)->c[0] == -32768.0f);
        const std::vector<std::uint8_t> u8{7, 200, 3};
        ImageLayer c; // 3 bytes a row: not 4-byte aligned rows
        REQUIRE(c.upload({3, 1, {1, SampleType::U8}}, bytes_of(u8)).is_ok());
        CHECK(c.read_texel(1, 0)->c[0] == 200.0f);
        const std::vector<std::uint8_t> rgba{10, 20, 30, 40, 50, 60, 70, 80};
        ImageLayer d;
        REQUIRE(d.upload({2, 1, {4, SampleType::U8}}, bytes_of(rgba)).is_ok());
        const auto v = d.read_texel(1, 0);
        REQUIRE(v);
        CHECK(v->channels == 4);
        CHECK(v->c[0] == 50.0f);
        CHECK(v->c[3] == 80.0f);
        CHECK(check_gl("read_texel formats").is_ok());
    }

    TEST_CASE("formats: an image wider than the GL maximum texture size is refused with the limit "
              "named") {
        GlContext::get();
        const int max = max_texture_size();
        REQUIRE(max > 0);
        ImageLayer layer;
        const ImageDesc wide{std::uint32_t(max) + 1, 1, {1, SampleType::U8}};
        const std::vector<std::uint8_t> px(wide.byte_size(), 0);
        const Status s = layer.upload(wide, bytes_of(px));
        CHECK(s.message() == "image " + std::to_string(max + 1) +
                                 "x1 (width x height) is larger than this GPU's maximum texture "
                                 "size " +
                                 std::to_string(max) + "; frame rejected");
        CHECK(layer.empty());
        CHECK(check_gl("too wide").is_ok()); // refused before GL saw it: no GL error
    }

} // TEST_SUITE
