#include <algorithm>
#include <cmath>
#include <cstring>

#include <doctest/doctest.h>

#include "core/pixel_format.hpp"
#include "harness.hpp"
#include "producers/camera.hpp"
#include "producers/waves.hpp"

using namespace rtv;

TEST_SUITE("producers") {

    TEST_CASE("waves: one frame holds every line and each line keeps to its own band of 0..1") {
        test::Capture cap;
        REQUIRE(cap.run("waves:lines=3,points=50,iterations=2,slots=8,policy=wait,interval=auto"));
        REQUIRE(cap.frames.size() == 2);
        const test::Captured& f = cap.frames[1];
        CHECK(f.lines == 3);
        CHECK(f.points == 50);
        for (std::uint32_t l = 0; l < 3; ++l)
            for (std::uint32_t i = 0; i < 50; ++i) {
                const LinePoint p = f.line_points[l * 50 + i];
                CHECK(p.x == float(i));
                CHECK(p.y > float(l) / 3.0f);
                CHECK(p.y < float(l + 1) / 3.0f);
            }
        CHECK(f.line_points[0].y != cap.frames[0].line_points[0].y); // the waves travel
    }

    TEST_CASE("blobs: frames are finite and non-negative and brightest at a blob centre") {
        test::Capture cap;
        REQUIRE(cap.run("blobs:width=64,height=48,blobs=1,sigma=0.1,iterations=2,seed=5,slots=8,"
                        "policy=wait,interval=auto"));
        REQUIRE(cap.frames.size() == 2);
        const auto& px = cap.frames[1].pixels;
        REQUIRE(px.size() == 64 * 48);
        std::size_t argmax = 0;
        for (std::size_t i = 0; i < px.size(); ++i) {
            CHECK(std::isfinite(px[i]));
            CHECK(px[i] >= 0.0f);
            if (px[i] > px[argmax]) argmax = i;
        }
        CHECK(px[argmax] > 0.9f);          // a single blob peaks near 1
        CHECK(cap.frames[0].pixels != px); // and moves
    }

    TEST_CASE("camera: uint16 frames within the bit depth with the dark offset and hot pixels "
              "at the top value and a spot that moves") {
        test::Capture cap;
        REQUIRE(cap.run("camera:width=160,height=120,bits=12,dark=100,hot=5,iterations=2,seed=3,"
                        "slots=8,policy=wait,interval=auto"));
        REQUIRE(cap.frames.size() == 2);
        CHECK(cap.host.stream(0).request().image.format == PixelFormat{1, SampleType::U16});
        const auto& raw = cap.frames[1].bytes;
        REQUIRE(raw.size() == 160 * 120 * 2);
        std::vector<std::uint16_t> px(160 * 120);
        std::memcpy(px.data(), raw.data(), raw.size());
        std::size_t at_top = 0, near_dark = 0;
        std::uint16_t max = 0;
        for (const std::uint16_t v : px) {
            max = std::max(max, v);
            at_top += v == 4095;
            near_dark += v >= 80 && v <= 120; // dark offset +- read noise
        }
        CHECK(max == 4095);               // 12 bits: never above 4095
        CHECK(at_top >= 5);               // the hot pixels (and perhaps the spot's peak)
        CHECK(near_dark > px.size() / 2); // most of the frame is dark
        // The spot: well above the dark level somewhere, at the place spot_centre says.
        double cx = 0, cy = 0;
        producers::Camera::spot_centre(1, cx, cy);
        const std::size_t centre = std::size_t(cy * 120) * 160 + std::size_t(cx * 160);
        CHECK(px[centre] > 2500);
        CHECK(cap.frames[0].bytes != raw); // noise and motion: frames differ
    }

    TEST_CASE("camera: bits=16 uses the full uint16 range and a dark level above 2^bits is "
              "refused") {
        test::Capture cap;
        REQUIRE(cap.run("camera:width=32,height=32,bits=16,dark=60000,iterations=1,slots=8,"
                        "policy=wait,interval=auto"));
        REQUIRE(cap.frames.size() == 1);
        std::vector<std::uint16_t> px(32 * 32);
        REQUIRE(cap.frames[0].bytes.size() == px.size() * 2);
        std::memcpy(px.data(), cap.frames[0].bytes.data(), px.size() * 2);
        CHECK(*std::min_element(px.begin(), px.end()) > 59000);  // the dark level, 16 bits deep
        CHECK(*std::max_element(px.begin(), px.end()) == 65535); // hot pixels at the top
        producers::CreatedProducer made;
        CHECK(producers::create("camera:bits=8,dark=300", made).message() ==
              "camera: dark is out of range, got 300, expected 0..255");
    }

    TEST_CASE("transparency: a float32 RGBA square at alpha 0.25 and a uint8 RGBA disc at alpha "
              "128 and transparent elsewhere") {
        test::Capture cap;
        REQUIRE(cap.run("transparency:width=80,height=60,iterations=1,slots=8,policy=wait,"
                        "interval=auto"));
        REQUIRE(cap.frames.size() == 2);
        CHECK(format_name(cap.host.stream(0).request().image.format) == "rgba32f");
        CHECK(format_name(cap.host.stream(1).request().image.format) == "rgba8");
        const auto back = cap.of_stream(0), front = cap.of_stream(1);
        REQUIRE(back.size() == 1);
        REQUIRE(front.size() == 1);
        std::vector<float> b(80 * 60 * 4);
        REQUIRE(back[0]->bytes.size() == b.size() * 4);
        std::memcpy(b.data(), back[0]->bytes.data(), back[0]->bytes.size());
        const auto& f = front[0]->bytes;
        REQUIRE(f.size() == 80 * 60 * 4);
        std::size_t square = 0, disc = 0;
        for (std::size_t i = 0; i < 80 * 60; ++i) {
            const float a = b[i * 4 + 3];
            CHECK((a == 0.0f || a == 0.25f));
            square += a == 0.25f;
            const auto fa = std::uint8_t(f[i * 4 + 3]);
            CHECK((fa == 0 || fa == 128));
            disc += fa == 128;
        }
        CHECK(square == 30 * 30); // the square's side: half the shorter side
        CHECK(disc > 0);
        CHECK(disc < 80 * 60 / 2);
    }

    TEST_CASE("sensor: samples arrive in order without gaps across its append frames") {
        test::Capture cap;
        REQUIRE(cap.run(
            "sensor:rate=100000,history=1000,iterations=30,slots=64,policy=wait,interval=0.001"));
        const auto frames = cap.of_stream(0);
        REQUIRE(!frames.empty());
        CHECK(cap.host.stream(0).mode() == StreamMode::Append);
        std::size_t index = 0;
        bool in_order = true;
        for (const test::Captured* f : frames) {
            CHECK(f->lines == 1);
            for (std::uint32_t i = 0; i < f->points; ++i, ++index)
                in_order = in_order && f->line_points[i].x == float(double(index) / 100000.0);
        }
        CHECK(in_order);
        CHECK(index > frames.size()); // batches of several samples
    }

    TEST_CASE("producers: a producer with a long latency stops as soon as it is asked") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        producers::CreatedProducer made;
        REQUIRE(producers::create("sweep:latency=600", made).is_ok());
        CHECK(made.schedule.latency_s == 600.0);
        REQUIRE(host.start(made.type, std::move(made.producer), made.schedule).is_ok());
        host.stop_all(); // a sleep that ignored stop would outlast the ctest timeout
        CHECK(host.producer_status(0).state() == ProducerState::Stopped);
        CHECK(host.stream(0).stats().read().produced == 0);
    }

} // TEST_SUITE
