// Pixel formats in the core: names, statistics per sample type in raw units, reading a pixel,
// frames of every format through a real host and router, and images larger than the display
// takes refused on their stream.

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <doctest/doctest.h>

#include "core/deadline.hpp"
#include "core/image_stats.hpp"
#include "core/pixel_format.hpp"
#include "core/scripted_producer.hpp"

using namespace rtv;

namespace {
template <class T> std::span<const std::byte> bytes_of(const std::vector<T>& v) {
    return std::as_bytes(std::span<const T>(v));
}
} // namespace

TEST_SUITE("core") {

    TEST_CASE("PixelFormat: every name reads back to its format and sizes follow the samples") {
        for (const char* name :
             {"u8", "u16", "i16", "f32", "rgb8", "rgb16", "rgb32f", "rgba8", "rgba16", "rgba32f"}) {
            CAPTURE(name);
            const auto f = find_format(name);
            REQUIRE(f);
            CHECK(format_name(*f) == name);
            CHECK(format_supported(*f));
        }
        CHECK(PixelFormat{1, SampleType::U16}.pixel_bytes() == 2);
        CHECK(PixelFormat{3, SampleType::U8}.pixel_bytes() == 3);
        CHECK(PixelFormat{4, SampleType::F32}.pixel_bytes() == 16);
        const ImageDesc d{5, 3, {4, SampleType::U8}};
        CHECK(d.sample_count() == 60);
        CHECK(d.byte_size() == 60);
        // int16 colour and two-channel images are not taken.
        CHECK_FALSE(format_supported({3, SampleType::I16}));
        CHECK_FALSE(format_supported({2, SampleType::U8}));
        CHECK_FALSE(find_format("rgb"));
        CHECK(format_list() == "u8, u16, i16, f32, rgb8, rgb16, rgb32f, rgba8, rgba16, rgba32f");
    }

    TEST_CASE("PixelFormat: read_pixel gives each channel of a pixel in raw units") {
        const std::vector<std::uint16_t> u16{0, 4095, 65535, 7};
        CHECK(read_pixel({2, 2, {1, SampleType::U16}}, bytes_of(u16), 0, 1).c[0] == 65535.0f);
        const std::vector<std::int16_t> i16{-32768, 32767};
        CHECK(read_pixel({2, 1, {1, SampleType::I16}}, bytes_of(i16), 0, 0).c[0] == -32768.0f);
        const std::vector<std::uint8_t> rgba{1, 2, 3, 4, 250, 251, 252, 253};
        const PixelValue v = read_pixel({2, 1, {4, SampleType::U8}}, bytes_of(rgba), 1, 0);
        CHECK(v.channels == 4);
        CHECK(v.c[0] == 250.0f);
        CHECK(v.c[3] == 253.0f);
        char text[64];
        format_pixel(text, sizeof text, v);
        CHECK(std::string(text) == "(250, 251, 252, 253)");
        CHECK(pixel_intensity(v) == 251.0f);
    }

    TEST_CASE("ImageStats: integer images give min and max in raw units and no bad pixels") {
        std::vector<std::uint16_t> px(1000);
        for (std::size_t i = 0; i < px.size(); ++i)
            px[i] = std::uint16_t(100 + i % 50);
        px[500] = 4095; // a hot pixel
        px[7] = 3;
        ImageStats s;
        std::vector<float> scratch(ImageStats::kQuantileSample);
        compute_image_stats({100, 10, {1, SampleType::U16}}, bytes_of(px), scratch, s, true);
        CHECK(s.min == 3.0f);
        CHECK(s.max == 4095.0f);
        CHECK(s.nonfinite == 0);
        CHECK(s.has_quantiles);
        CHECK(s.percentile(50) >= 100.0f);
        CHECK(s.percentile(50) < 150.0f);
        REQUIRE(s.has_histogram);
        std::uint32_t counted = 0;
        for (std::size_t b = 0; b < s.histogram_bins; ++b)
            counted += s.histogram[b];
        CHECK(counted == 1000);
        CHECK(s.histogram[ImageStats::kHistogramBins - 1] == 1); // only the hot pixel

        const std::vector<std::int16_t> signed_px{-300, 5, 2000, -1};
        compute_image_stats({2, 2, {1, SampleType::I16}}, bytes_of(signed_px), {}, s);
        CHECK(s.min == -300.0f);
        CHECK(s.max == 2000.0f);
        const std::vector<std::uint8_t> u8(77, 9);
        compute_image_stats({7, 11, {1, SampleType::U8}}, bytes_of(u8), {}, s);
        CHECK(s.min == 9.0f);
        CHECK(s.max == 9.0f);
    }

    TEST_CASE("ImageStats: RGBA statistics cover the colour channels and leave alpha out") {
        // Colours 10..200, alpha 255 everywhere: alpha must not become the max.
        std::vector<std::uint8_t> px;
        for (int i = 0; i < 64; ++i)
            for (const int c : {10 + i, 100, 200 - i, 255})
                px.push_back(std::uint8_t(c));
        ImageStats s;
        compute_image_stats({8, 8, {4, SampleType::U8}}, bytes_of(px), {}, s, true);
        CHECK(s.min == 10.0f);
        CHECK(s.max == 200.0f);
        std::uint32_t counted = 0;
        for (std::size_t b = 0; b < s.histogram_bins; ++b)
            counted += s.histogram[b];
        CHECK(counted == 64 * 3);
        // float32 RGB: NaN samples are counted bad, the rest give min and max.
        std::vector<float> rgb{0.5f, std::numeric_limits<float>::quiet_NaN(), 0.25f, 2.0f, 0.0f,
                               1.0f};
        compute_image_stats({2, 1, {3, SampleType::F32}}, bytes_of(rgb), {}, s);
        CHECK(s.nonfinite == 1);
        CHECK(s.min == 0.0f);
        CHECK(s.max == 2.0f);
    }

    TEST_CASE("Pipeline: uint16 and RGBA frames arrive with their bytes and statistics as sent") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        FrameRouter router(queue, host);
        StreamRequest cam = test::image_stream("cam", 5, 3);
        cam.image.format = {1, SampleType::U16};
        StreamRequest overlay = test::image_stream("overlay", 2, 2);
        overlay.image.format = {4, SampleType::U8};
        auto producer = std::make_unique<test::ScriptRun>(
            std::vector<StreamRequest>{cam, overlay}, [](FrameSink& sink) {
                FrameLease a = sink.acquire(0);
                const std::span<std::uint16_t> s = a.samples<std::uint16_t>(); // 15 samples
                for (std::size_t i = 0; i < s.size(); ++i)
                    s[i] = std::uint16_t(1000 * i);
                sink.submit(std::move(a));
                FrameLease b = sink.acquire(1);
                const std::span<std::uint8_t> p = b.samples<std::uint8_t>(); // 16 samples
                for (std::size_t i = 0; i < p.size(); ++i)
                    p[i] = std::uint8_t(i * 16);
                sink.submit(std::move(b));
            });
        REQUIRE(host.start("formats", std::move(producer), {}).is_ok());
        std::vector<std::uint16_t> got_cam;
        std::vector<std::uint8_t> got_overlay;
        ImageStats cam_stats;
        auto keep = [&](const FrameView& v) {
            if (v.stream->id() == 0) {
                const auto s = v.samples<std::uint16_t>();
                got_cam.assign(s.begin(), s.end());
                cam_stats = v.image_stats;
                CHECK(v.image.format == PixelFormat{1, SampleType::U16});
            } else {
                const auto s = v.samples<std::uint8_t>();
                got_overlay.assign(s.begin(), s.end());
            }
            return Status::ok();
        };
        const auto deadline = std::chrono::steady_clock::now() + test::kHangDeadline;
        while ((got_cam.empty() || got_overlay.empty()) &&
               std::chrono::steady_clock::now() < deadline) {
            router.drain();
            router.deliver(keep);
        }
        host.stop_all();
        REQUIRE(got_cam.size() == 15);
        CHECK(got_cam[14] == 14000);
        CHECK(cam_stats.max == 14000.0f);
        REQUIRE(got_overlay.size() == 16);
        CHECK(got_overlay[15] == 240);
    }

    TEST_CASE("ProducerHost: an image larger than the display's texture limit is refused on its "
              "stream with the limit named") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        host.set_max_image_side(64);
        FrameRouter router(queue, host);
        auto producer = std::make_unique<test::ScriptedProducer>(
            std::vector<StreamRequest>{test::image_stream("fits", 64, 64),
                                       test::image_stream("wide", 100, 10)},
            [](FrameSink& sink, std::uint64_t n) {
                test::submit_image(sink, 0, float(n));
                test::submit_image(sink, 1, float(n));
            });
        REQUIRE(host.start("two", std::move(producer), test::once(4)).is_ok());
        test::pump_until_finished(host, router);
        const StatsSnapshot fits = host.stream(0).stats().read();
        const StatsSnapshot wide = host.stream(1).stats().read();
        CHECK(fits.displayed + fits.superseded == 4);
        CHECK(wide.produced == 4);
        CHECK(wide.rejected == 4);
        std::string why;
        REQUIRE(host.stream(1).stats().last_error(why));
        CHECK(why == "wide: refused: image 100x10 (width x height) is larger than the display's "
                     "maximum texture size 64 (GL_MAX_TEXTURE_SIZE); frame rejected");
    }

    TEST_CASE("StreamRequest: a pixel format the pipeline does not take is refused by name") {
        StreamRequest r = test::image_stream("odd", 4, 4);
        r.image.format = {2, SampleType::U8};
        const Status s = validate(r);
        CHECK(s.message() == "odd: pixel format of 2 channel(s) of uint8 is not supported, "
                             "expected one of u8, u16, i16, f32, rgb8, rgb16, rgb32f, rgba8, "
                             "rgba16, rgba32f");
    }

} // TEST_SUITE
