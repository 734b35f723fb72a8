// Counts every heap allocation in the process (all threads; count_allocations.cpp replaces the
// global operator new) and checks that a running pipeline (host, producers on their threads, router
// on this one) allocates nothing once warmed up: scripted producers covering every policy, and the
// built-in producers as the viewer runs them. Every loop has a deadline on progress (a hang
// detector), so a stalled pipeline fails the test instead of hanging it, and a busy machine
// does not.

#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include <doctest/doctest.h>

#include "alloc/count_allocations.hpp"
#include "core/deadline.hpp"
#include "core/frame_router.hpp"
#include "core/producer_host.hpp"
#include "core/scripted_producer.hpp"
#include "producers/registry.hpp"
#include "wire/message.hpp"
#include "wire/npy.hpp"

using namespace rtv;

namespace {

std::uint64_t displayed_total(const ProducerHost& host) {
    std::uint64_t total = 0;
    for (std::uint16_t id = 0; id < host.stream_count(); ++id)
        total += host.stream(id).stats().read().displayed;
    return total;
}

// Drains and delivers until `frames` more frames are displayed; false when no frame at all was
// displayed for the hang deadline (a stall, not a slow machine: however busy the machine, the
// frames keep coming, and the count is reached).
template <class Upload>
bool pump(ProducerHost& host, FrameRouter& router, std::uint64_t frames, Upload& upload) {
    const std::uint64_t target = displayed_total(host) + frames;
    std::uint64_t seen = displayed_total(host);
    auto deadline = std::chrono::steady_clock::now() + test::kHangDeadline;
    while (seen < target) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        router.drain();
        router.deliver(upload);
        if (const std::uint64_t now = displayed_total(host); now != seen) {
            seen = now;
            deadline = std::chrono::steady_clock::now() + test::kHangDeadline;
        }
    }
    return true;
}

// The upload the tests deliver to: checks the frame carries data, draws nothing.
Status nonempty_upload(const FrameView& v) {
    return v.pixels.empty() && v.line_points.empty() ? Status::error("empty frame") : Status::ok();
}

} // namespace

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

        auto upload = nonempty_upload;
        // Warm-up: first-seen histories, queue blocks, thread starts.
        REQUIRE_MESSAGE(pump(host, router, 2000, upload), "the pipeline stalled while warming up");
        const std::uint64_t before = test::allocation_count();
        const bool flowed = pump(host, router, 20000, upload);
        const std::uint64_t allocations = test::allocation_count() - before;
        host.stop_all();
        REQUIRE_MESSAGE(flowed, "the pipeline stalled");
        CHECK(allocations == 0);
        for (std::uint16_t id = 0; id < host.stream_count(); ++id)
            CHECK(host.stream(id).stats().read().rejected == 0);
    }

    TEST_CASE("Pipeline: the built-in producers allocate nothing per frame in steady state") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        FrameRouter router(queue, host);
        // As the viewer runs them (the default sweep, a wait-policy waves, blobs with latency and
        // jitter, the sensor's append stream), each as fast as the router takes its frames.
        for (const char* spec :
             {"sweep:interval=auto,iterations=0", "waves:interval=0.0002,policy=wait,lines=20",
              "blobs:interval=0.0005,latency=0.0001,jitter=0.0001,width=128,height=128",
              "sensor:interval=0.0002,rate=20000",
              // uint16 and RGBA (float32 and uint8) frames: statistics and copies per format
              "camera:interval=auto,width=96,height=64",
              "transparency:interval=0.0005,width=64,height=48"}) {
            producers::CreatedProducer made;
            REQUIRE_MESSAGE(producers::create(spec, made).is_ok(), spec);
            REQUIRE(host.start(made.type, std::move(made.producer), made.schedule).is_ok());
        }
        auto upload = nonempty_upload;
        REQUIRE_MESSAGE(pump(host, router, 500, upload), "the pipeline stalled while warming up");
        const std::uint64_t before = test::allocation_count();
        const bool flowed = pump(host, router, 5000, upload);
        const std::uint64_t allocations = test::allocation_count() - before;
        host.stop_all();
        REQUIRE_MESSAGE(flowed, "the pipeline stalled");
        CHECK(allocations == 0);
        for (std::uint16_t id = 0; id < host.stream_count(); ++id) {
            CAPTURE(host.stream(id).request().name);
            CHECK(host.stream(id).stats().read().rejected == 0);
            CHECK(host.stream(id).stats().read().displayed > 0);
        }
    }

    TEST_CASE("FrameQueue: enqueueing and draining its preallocated capacity allocates nothing") {
        FrameQueue queue = make_frame_queue(512, 4);
        moodycamel::ProducerToken ptok(queue);
        moodycamel::ConsumerToken ctok(queue);
        std::array<FrameMsg, 64> batch{};
        const std::uint64_t before = test::allocation_count();
        std::uint32_t accepted = 0, drained = 0;
        for (int round = 0; round < 10; ++round) {
            for (std::uint32_t i = 0; i < 512; ++i)
                accepted += queue.try_enqueue(ptok, FrameMsg{.sequence = i}) ? 1 : 0;
            while (std::size_t n = queue.try_dequeue_bulk(ctok, batch.begin(), batch.size()))
                drained += std::uint32_t(n);
        }
        CHECK(test::allocation_count() - before == 0);
        CHECK(accepted == 5120);
        CHECK(drained == 5120);
    }

    TEST_CASE("zmq: decoding a good message allocates nothing") {
        std::vector<std::byte> npy;
        const std::vector<float> pixels(64 * 48, 0.5f);
        wire::write_npy(npy, pixels, 48, 64);
        wire::DecodedFrame frame;
        const char* topic = "a-camera-with-a-long-name/image"; // longer than any SSO buffer
        const std::uint64_t before = test::allocation_count();
        const Status s = wire::decode_frame(topic, npy, frame);
        const std::uint64_t allocations = test::allocation_count() - before;
        REQUIRE(s.is_ok());
        CHECK(allocations == 0);
        CHECK(frame.width == 64);
        CHECK(frame.height == 48);
    }

} // TEST_SUITE
