#include <cmath>

#include <doctest/doctest.h>

#include "harness.hpp"
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
