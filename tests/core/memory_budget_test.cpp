// The memory budget: reservations up to the limit and no further, even from many threads at
// once, and streams over it refused while the others run.

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "core/frame_router.hpp"
#include "core/memory_budget.hpp"
#include "core/producer_host.hpp"
#include "core/scripted_producer.hpp"

using namespace rtv;

TEST_SUITE("core") {

    TEST_CASE("MemoryBudget: reservations fit up to the limit and the one past it is refused") {
        MemoryBudget budget(1000);
        CHECK(budget.try_reserve(600));
        CHECK(budget.try_reserve(400));
        CHECK_FALSE(budget.try_reserve(1));
        CHECK(budget.used() == 1000);
        CHECK(budget.refused() == 1);
        budget.release(400);
        CHECK(budget.available() == 400);
        CHECK_FALSE(budget.try_reserve(~std::uint64_t{0})); // no overflow past the limit
        CHECK(budget.refusal("x", 3 << 20) ==
              "x needs 3.0 MB, over the memory limit of 0 MB (0.0 MB in use)");
    }

    TEST_CASE("MemoryBudget: threads reserving at once never pass the limit together") {
        MemoryBudget budget(10'000);
        constexpr int kThreads = 4, kTries = 5000;
        std::atomic<std::uint64_t> granted{0};
        std::latch start(kThreads);
        std::vector<std::jthread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&] {
                start.arrive_and_wait();
                for (int i = 0; i < kTries; ++i)
                    if (budget.try_reserve(3)) granted.fetch_add(3);
            });
        threads.clear(); // joins
        CHECK(granted.load() == budget.used());
        CHECK(budget.used() <= 10'000);
        CHECK(budget.used() > 10'000 - 3);
    }

    TEST_CASE("ProducerHost: a stream over the memory budget is refused and the others run") {
        FrameQueue queue = make_frame_queue();
        MemoryBudget budget(1 << 20); // 1 MB
        ProducerHost host(queue, &budget);
        FrameRouter router(queue, host);
        // 64x64 floats x 3 slots fits; 512x512 x 3 (3 MB) does not.
        auto producer = std::make_unique<test::ScriptedProducer>(
            std::vector<StreamRequest>{test::image_stream("small", 64, 64),
                                       test::image_stream("big", 512, 512)},
            [](FrameSink& sink, std::uint64_t n) {
                test::submit_image(sink, 0, float(n));
                test::submit_image(sink, 1, float(n));
            });
        REQUIRE(host.start("two", std::move(producer), test::once(5)).is_ok());
        test::pump_until_finished(host, router);
        const StatsSnapshot small = host.stream(0).stats().read();
        const StatsSnapshot big = host.stream(1).stats().read();
        CHECK(host.stream(0).refusal().empty());
        CHECK(small.displayed + small.superseded == 5);
        CHECK(big.produced == 5);
        CHECK(big.rejected == 5);
        CHECK(big.displayed == 0);
        std::string why;
        REQUIRE(host.stream(1).stats().last_error(why));
        CHECK(why == "big: refused: the stream needs 3.0 MB, over the memory limit of 1 MB "
                     "(0.1 MB in use)");
        CHECK(budget.used() == Stream::memory_cost(host.stream(0).request()));
        CHECK(budget.used() <= budget.limit());
    }

} // TEST_SUITE
