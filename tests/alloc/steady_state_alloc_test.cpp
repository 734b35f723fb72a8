// Counts every heap allocation in the process (all threads; count_allocations.cpp replaces the
// global operator new) and checks that a running pipeline (host, producers on their threads, router
// on this one) allocates nothing once warmed up.

#include <memory>

#include <doctest/doctest.h>

#include "alloc/count_allocations.hpp"
#include "core/frame_router.hpp"
#include "core/producer_host.hpp"
#include "core/scripted_producer.hpp"

using namespace rtv;

TEST_SUITE("alloc") {

    TEST_CASE("Pipeline: zero heap allocations per frame in steady state") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        FrameRouter router(queue, host);
        // An image producer (drop policy, auto pace), a line producer (wait policy) and an append
        // stream, with simulated latency on one of them: every steady-state path is exercised.
        auto images = std::make_unique<test::ScriptedProducer>(
            std::vector<StreamRequest>{test::image_stream("img", 64, 48, 3)},
            [](FrameSink& sink, std::uint64_t n) { test::submit_image(sink, 0, float(n)); });
        auto lines = std::make_unique<test::ScriptedProducer>(
            std::vector<StreamRequest>{
                test::lines_stream("ln", 1, 200, 3),
                test::lines_stream("ap", 1, 16, 4, StreamMode::Append, 1000)},
            [](FrameSink& sink, std::uint64_t n) {
                test::submit_line(sink, 0, 200, float(n));
                test::submit_line(sink, 1, 16, float(n));
            });
        REQUIRE(host.start("img", std::move(images), {}).is_ok());
        Schedule paced;
        paced.policy = PoolPolicy::Wait;
        paced.interval_s = 0.0001;
        paced.latency_s = 0.00005;
        paced.jitter_s = 0.00005;
        REQUIRE(host.start("lines", std::move(lines), paced).is_ok());

        auto upload = [](const FrameView& v) {
            return v.pixels.empty() && v.line_points.empty() ? Status::error("empty frame")
                                                             : Status::ok();
        };
        auto displayed = [&] {
            std::uint64_t total = 0;
            for (std::uint16_t id = 0; id < host.stream_count(); ++id)
                total += host.stream(id).stats().read().displayed;
            return total;
        };
        while (displayed() < 2000) { // warm-up: first-seen histories, queue blocks, thread starts
            router.drain();
            router.deliver(upload);
        }
        const std::uint64_t before = test::allocation_count();
        const std::uint64_t start = displayed();
        while (displayed() < start + 20000) {
            router.drain();
            router.deliver(upload);
        }
        const std::uint64_t allocations = test::allocation_count() - before;
        host.stop_all();
        CHECK(allocations == 0);
        for (std::uint16_t id = 0; id < host.stream_count(); ++id)
            CHECK(host.stream(id).stats().read().rejected == 0);
    }

} // TEST_SUITE
