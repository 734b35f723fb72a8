#include <atomic>
#include <latch>
#include <memory>
#include <stdexcept>
#include <thread>

#include <doctest/doctest.h>
#include <pthread.h>

#include "core/deadline.hpp"
#include "core/frame_router.hpp"
#include "core/producer_host.hpp"
#include "core/scripted_producer.hpp"

using namespace rtv;
using rtv::test::ScriptedProducer;

namespace {
std::unique_ptr<ScriptedProducer> image_producer(std::uint32_t size = 8, unsigned slots = 3,
                                                 ScriptedProducer::Tick extra = nullptr) {
    return std::make_unique<ScriptedProducer>(
        std::vector<StreamRequest>{test::image_stream("img", size, size, slots)},
        [extra](FrameSink& sink, std::uint64_t n) {
            if (extra) extra(sink, n);
            test::submit_image(sink, 0, float(n));
        });
}
} // namespace

TEST_SUITE("core") {

    TEST_CASE("ProducerHost: a producer runs its iterations and finishes") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        FrameRouter router(queue, host);
        REQUIRE(host.start("ten", image_producer(), test::once(10)).is_ok());
        test::pump_until_finished(host, router);
        CHECK(host.producer_status(0).state() == ProducerState::Finished);
        const StatsSnapshot s = host.stream(0).stats().read();
        CHECK(s.produced == 10);
        CHECK(s.displayed + s.superseded + s.dropped() == 10);
    }

    TEST_CASE(
        "ProducerHost: the wake hook is called once per rearm, by a frame or a producer's end") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        FrameRouter router(queue, host);
        std::atomic<int> wakes{0};
        host.set_wake([](void* n) { static_cast<std::atomic<int>*>(n)->fetch_add(1); }, &wakes);
        REQUIRE(host.start("three", image_producer(8, 4), test::once(3)).is_ok());
        test::pump_until_finished(host, router);
        host.stop_all(); // joins: the thread's last wake has happened
        // Three frames and the end, but no rearm in between: one wake.
        CHECK(wakes.load() == 1);
        host.rearm_wake();
        host.wake(); // what the next frame would do
        host.wake();
        CHECK(wakes.load() == 2);
        // A second producer ending wakes a rearmed consumer too.
        host.rearm_wake();
        auto silent = std::make_unique<test::ScriptRun>(
            std::vector<StreamRequest>{test::image_stream("quiet", 8, 8)}, [](FrameSink&) {});
        REQUIRE(host.start("quiet", std::move(silent), {}).is_ok());
        host.stop_all(); // the script ignores stop: this joins after it ran to its end
        CHECK(wakes.load() == 3);
    }

    TEST_CASE("ProducerHost: start rejects an invalid stream with a message naming it and starting "
              "nothing") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        auto bad = std::make_unique<ScriptedProducer>(
            std::vector<StreamRequest>{test::image_stream("cam/image", 0, 600)},
            [](FrameSink&, std::uint64_t) {});
        const Status s = host.start("cam", std::move(bad), {});
        CHECK(s.message() == "cam/image: width is out of range, got 0, expected 1..16384");
        CHECK(host.producer_count() == 0);
        CHECK(host.stream_count() == 0);

        auto slots = std::make_unique<ScriptedProducer>(
            std::vector<StreamRequest>{test::lines_stream("cam/line", 1, 10, 65)},
            [](FrameSink&, std::uint64_t) {});
        CHECK(host.start("cam", std::move(slots), {}).message() ==
              "cam/line: slots is out of range, got 65, expected 1..64");
    }

    TEST_CASE(
        "ProducerHost: a producer that throws is failed with its message while others go on") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        FrameRouter router(queue, host);
        auto thrower = std::make_unique<ScriptedProducer>(
            std::vector<StreamRequest>{test::image_stream("bad", 4, 4)},
            [](FrameSink& sink, std::uint64_t n) {
                if (n == 3) throw std::runtime_error("sensor unplugged");
                test::submit_image(sink, 0, 1.0f);
            });
        REQUIRE(host.start("thrower", std::move(thrower), {}).is_ok());
        REQUIRE(host.start("good", image_producer(), test::once(50)).is_ok());
        test::pump_until_finished(host, router);
        CHECK(host.producer_status(0).state() == ProducerState::Failed);
        std::string message;
        CHECK(host.producer_status(0).message(message));
        CHECK(message == "thrower: sensor unplugged");
        CHECK(host.stream(0).stats().read().produced == 3);
        CHECK(host.producer_status(1).state() == ProducerState::Finished);
        CHECK(host.stream(1).stats().read().produced == 50);
    }

    TEST_CASE("ProducerHost: interval=auto makes a frame only once the last was taken") {
        // Display-paced: a frame is enqueued only after the router took the one before, so no
        // drain ever finds two frames of the stream and nothing is superseded or dropped.
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        FrameRouter router(queue, host);
        REQUIRE(host.start("auto", image_producer(), test::once(2000)).is_ok());
        test::pump_until_finished(host, router);
        const StatsSnapshot s = host.stream(0).stats().read();
        CHECK(host.producer_status(0).state() == ProducerState::Finished);
        CHECK(s.produced == 2000);
        CHECK(s.displayed == 2000);
        CHECK(s.superseded == 0);
        CHECK(s.dropped() == 0);
    }

    TEST_CASE("ProducerHost: stop wakes an auto producer waiting for its frame to be taken") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        REQUIRE(host.start("auto", image_producer(), test::once(0)).is_ok());
        // Nobody drains: after its first frame the producer waits for the display.
        while (host.stream_count() == 0 || host.stream(0).stats().read().produced == 0)
            std::this_thread::yield();
        test::must_finish("stop_all with a producer waiting for the display",
                          [&] { host.stop_all(); });
        CHECK(host.producer_status(0).state() == ProducerState::Stopped);
        CHECK(host.stream(0).stats().read().produced == 1);
    }

    TEST_CASE("ProducerHost: fail_after makes the schedule throw after that many frames") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        FrameRouter router(queue, host);
        Schedule s = test::once(100);
        s.fail_after = 4;
        REQUIRE(host.start("flaky", image_producer(), s).is_ok());
        test::pump_until_finished(host, router);
        CHECK(host.producer_status(0).state() == ProducerState::Failed);
        std::string message;
        CHECK(host.producer_status(0).message(message));
        CHECK(message == "flaky: simulated failure after 4 frames (fail_after)");
        CHECK(host.stream(0).stats().read().produced == 4);
    }

    TEST_CASE("ProducerHost: stop wakes a producer in the middle of a 600 s simulated latency") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        std::latch sleeping(1);
        auto slow = std::make_unique<ScriptedProducer>(
            std::vector<StreamRequest>{test::image_stream("slow", 4, 4)},
            [&](FrameSink& sink, std::uint64_t) {
                sleeping.count_down();
                (void)sink.sleep_for(600.0); // what latency=600 does, seen from inside the tick
            });
        REQUIRE(host.start("slow", std::move(slow), {}).is_ok());
        sleeping.wait();
        // A stop-blind sleep would take 600 s.
        test::must_finish("stop_all during a 600 s latency", [&] { host.stop_all(); });
        CHECK(host.producer_status(0).state() == ProducerState::Stopped);
    }

    TEST_CASE("ProducerHost: stop ends a schedule with latency and a long interval at once") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        std::latch ticked(1);
        Schedule slow;
        slow.interval_s = 600.0;
        REQUIRE(host.start("interval",
                           image_producer(4, 3,
                                          [&](FrameSink&, std::uint64_t) { ticked.count_down(); }),
                           slow)
                    .is_ok());
        Schedule latent;
        latent.latency_s = 600.0;
        REQUIRE(host.start("latency", image_producer(), latent).is_ok());
        ticked.wait(); // the first producer is now in its 600 s interval wait
        test::must_finish("stop_all during a 600 s interval and a 600 s latency",
                          [&] { host.stop_all(); });
        CHECK(host.producer_status(0).state() == ProducerState::Stopped);
        CHECK(host.producer_status(1).state() == ProducerState::Stopped);
        CHECK(host.stream(1).stats().read().produced == 0);
    }

    TEST_CASE("ProducerHost: stop wakes a producer waiting for a slot under the wait policy") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue); // no router drains: the one slot never comes back
        std::latch second_tick(1);
        Schedule wait;
        wait.policy = PoolPolicy::Wait;
        wait.interval_s = 1e-9;
        REQUIRE(host.start("waiter",
                           image_producer(4, 1,
                                          [&](FrameSink&, std::uint64_t n) {
                                              if (n == 1) second_tick.count_down();
                                          }),
                           wait)
                    .is_ok());
        second_tick.wait();
        test::must_finish("stop_all with a producer waiting for a slot", [&] { host.stop_all(); });
        const StatsSnapshot s = host.stream(0).stats().read();
        CHECK(host.producer_status(0).state() == ProducerState::Stopped);
        CHECK(s.produced == 1);
        CHECK(s.dropped() == 0);
    }

    TEST_CASE("ProducerHost: a live interval change takes effect in a producer's current wait") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        FrameRouter router(queue, host);
        std::latch first(1), third(1);
        Schedule slow;
        slow.interval_s = 600.0;
        REQUIRE(host.start("live",
                           image_producer(4, 3,
                                          [&](FrameSink&, std::uint64_t n) {
                                              if (n == 0) first.count_down();
                                              if (n == 2) third.count_down();
                                          }),
                           slow)
                    .is_ok());
        first.wait();
        host.set_interval(0, 0.001);
        CHECK(host.control(0).interval_s.load() == 0.001);
        // Ticks 1 and 2 come only if the new interval cut the current 600 s wait short; the
        // router keeps slots flowing meanwhile.
        const auto deadline = std::chrono::steady_clock::now() + test::kHangDeadline;
        bool ticked = false;
        while (!(ticked = third.try_wait()) && std::chrono::steady_clock::now() < deadline) {
            router.drain();
            router.deliver([](const FrameView&) { return Status::ok(); });
        }
        CHECK_MESSAGE(ticked, "the new interval did not end the producer's current 600 s wait");
        host.stop_all();
    }

    TEST_CASE("FrameSink: a wake after the producer read its wake generation ends a wait begun "
              "later, which would otherwise run to its deadline") {
        // The producer reads the generation, then its controls, then waits: a live change made in
        // between must end that wait (it was lost, and a 600 s interval kept its 600 s wait).
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        FrameRouter router(queue, host);
        std::latch done(1);
        bool running = false;
        Schedule slow;
        slow.interval_s = 600.0;
        REQUIRE(host.start("generation",
                           image_producer(4, 3,
                                          [&](FrameSink& sink, std::uint64_t n) {
                                              if (n != 0) return;
                                              const std::uint64_t seen = sink.wake_generation();
                                              sink.wake(); // the change, before the wait begins
                                              running = sink.wait_until(
                                                  Clock::now() + std::chrono::seconds(600), seen);
                                              done.count_down();
                                          }),
                           slow)
                    .is_ok());
        test::must_finish("a wait after a wake it had seen the generation before",
                          [&] { done.wait(); });
        CHECK(running); // ended by the wake, not by a stop
        host.stop_all();
    }

    TEST_CASE("ProducerHost: worker threads are named after their producer") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        FrameRouter router(queue, host);
        std::string name;
        REQUIRE(host.start("camera-left-long-name",
                           image_producer(4, 3,
                                          [&](FrameSink&, std::uint64_t) {
                                              char buf[16] = {};
                                              pthread_getname_np(pthread_self(), buf, sizeof buf);
                                              name = buf;
                                          }),
                           test::once(1))
                    .is_ok());
        test::pump_until_finished(host, router);
        CHECK(name == "camera-left-lon");
    }

    TEST_CASE("ProducerHost: every frame is accounted for after 4 producers x 10000 frames") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        FrameRouter router(queue, host);
        constexpr std::uint64_t kFrames = 10000;
        for (int i = 0; i < 4; ++i) {
            Schedule s = test::once(kFrames);
            s.policy = i % 2 == 0 ? PoolPolicy::Drop : PoolPolicy::Wait;
            REQUIRE(host.start("p" + std::to_string(i), image_producer(16, 2), s).is_ok());
        }
        test::pump_until_finished(host, router);
        for (std::uint16_t id = 0; id < 4; ++id) {
            CAPTURE(id);
            const StatsSnapshot s = host.stream(id).stats().read();
            CHECK(host.producer_status(id).state() == ProducerState::Finished);
            CHECK(s.produced == kFrames);
            CHECK(s.displayed + s.superseded + s.dropped() + s.rejected == s.produced);
            CHECK(s.in_flight() == 0);
            CHECK(s.gaps == 0); // drops inside the viewer are dropped, never gaps
            CHECK(host.stream(id).pool().in_use() == 0);
            if (id % 2 == 1) CHECK(s.dropped() == 0); // policy wait never drops
            CHECK(s.displayed >= 1);
        }
    }

    TEST_CASE("ProducerHost: a producer started while another runs gets its streams and frames") {
        // The panel's Cameras list starts producers while the viewer runs.
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        FrameRouter router(queue, host);
        REQUIRE(host.start("first", image_producer(), Schedule{}).is_ok());
        auto noop = [](const FrameView&) { return Status::ok(); };
        while (host.stream(0).stats().read().produced < 5) { // the first runs
            router.drain();
            router.deliver(noop);
        }
        REQUIRE(host.start("late", image_producer(4), test::once(10), "late").is_ok());
        REQUIRE(host.producer_count() == 2);
        REQUIRE(host.stream_count() == 2);
        CHECK(host.stream(1).request().name == "img"); // no kind prefix to replace
        while (host.producer_status(1).state() != ProducerState::Finished) {
            router.drain();
            router.deliver(noop);
        }
        host.stop_all();
        while (router.drain() != 0) {
        }
        router.deliver(noop);
        CHECK(host.stream(1).stats().read().produced == 10);
        CHECK(host.producer_status(0).state() == ProducerState::Stopped);
    }
} // TEST_SUITE
