#include <atomic>
#include <cstring>
#include <latch>
#include <set>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "core/deadline.hpp"
#include "core/frame_pool.hpp"
#include "core/page_buffer.hpp"

TEST_SUITE("core") {

    TEST_CASE("FramePool: try_acquire hands out each slot once and then reports empty") {
        rtv::FramePool pool(16, 3);
        auto a = pool.try_acquire(), b = pool.try_acquire(), c = pool.try_acquire();
        REQUIRE((a && b && c));
        CHECK(*a != *b);
        CHECK(*b != *c);
        CHECK(*a != *c);
        CHECK(pool.in_use() == 3);
        CHECK_FALSE(pool.try_acquire());
        pool.release(*b);
        CHECK(pool.in_use() == 2);
        const auto again = pool.try_acquire();
        REQUIRE(again);
        CHECK(*again == *b);
    }

    TEST_CASE("FramePool: slots are disjoint and 64-byte aligned and sized as asked") {
        rtv::FramePool pool(1001, 4); // bytes: not a multiple of 64 (nor of any sample size)
        std::vector<std::span<std::byte>> spans;
        for (int i = 0; i < 4; ++i)
            spans.push_back(pool.data(*pool.try_acquire()));
        for (std::size_t i = 0; i < spans.size(); ++i) {
            CHECK(spans[i].size() == 1001);
            CHECK(reinterpret_cast<std::uintptr_t>(spans[i].data()) % 64 == 0);
            for (std::size_t j = i + 1; j < spans.size(); ++j) {
                const bool disjoint = spans[i].data() + spans[i].size() <= spans[j].data() ||
                                      spans[j].data() + spans[j].size() <= spans[i].data();
                CHECK(disjoint);
            }
        }
        CHECK(pool.bytes() >= 4 * 1001);
        CHECK(pool.typed<std::uint16_t>(0).size() == 500);
        CHECK(pool.typed<float>(0).size() == 250);
    }

    TEST_CASE(
        "FramePool: slots live in the PoolMemory given and go back to it or else on the heap") {
        struct Counting final : rtv::PoolMemory {
            alignas(64) std::byte room[4096];
            bool give = true;
            int allocated = 0, freed = 0;
            std::size_t stride = 0;
            unsigned count = 0;
            std::byte* allocate(std::size_t s, unsigned c) override {
                if (!give) return nullptr;
                ++allocated;
                stride = s;
                count = c;
                return room;
            }
            void deallocate(std::byte* p) override { freed += p == room; }
        } memory;
        {
            rtv::FramePool pool(100, 3, &memory);
            CHECK(memory.allocated == 1);
            CHECK(memory.stride == 128); // 100 bytes padded to 64-byte multiples
            CHECK(memory.count == 3);
            CHECK(pool.memory() == &memory);
            CHECK(pool.stride() == 128);
            const std::uint8_t slot = *pool.try_acquire();
            CHECK(pool.data(slot).data() == memory.room + slot * 128);
            CHECK(pool.data(slot).size() == 100);
        }
        CHECK(memory.freed == 1);
        memory.give = false;
        {
            rtv::FramePool pool(100, 3, &memory); // it has none: the heap
            CHECK(pool.memory() == nullptr);
            const std::byte* at = pool.data(0).data();
            CHECK((at < memory.room || at >= memory.room + sizeof memory.room));
        }
        CHECK(memory.freed == 1); // nothing of the heap's goes to it
    }

    TEST_CASE("FramePool: all 64 slots can be used") {
        rtv::FramePool pool(1, 64);
        std::set<int> seen;
        while (auto s = pool.try_acquire())
            seen.insert(*s);
        CHECK(seen.size() == 64);
        CHECK(*seen.begin() == 0);
        CHECK(*seen.rbegin() == 63);
    }

    TEST_CASE("FramePool: acquire_wait returns nothing once stop is requested") {
        rtv::FramePool pool(1, 1);
        REQUIRE(pool.try_acquire());
        std::stop_source stop;
        stop.request_stop();
        CHECK_FALSE(pool.acquire_wait(stop.get_token()));
    }

    TEST_CASE("FramePool: acquire_wait wakes when another thread releases a slot") {
        rtv::FramePool pool(1, 1);
        const auto held = pool.try_acquire();
        REQUIRE(held);
        std::optional<std::uint8_t> got;
        std::latch waiting(1);
        std::jthread waiter([&](std::stop_token stop) {
            waiting.count_down();
            got = pool.acquire_wait(stop);
        });
        waiting.wait();
        // Release only once the waiter is inside acquire_wait, so the wake-up path is the one
        // tested (not a first try_acquire that finds the slot free).
        while (pool.waiters() == 0)
            std::this_thread::yield();
        pool.release(*held);
        rtv::test::must_finish("acquire_wait after a release", [&] { waiter.join(); });
        REQUIRE(got);
        CHECK(*got == *held);
    }

    TEST_CASE("FramePool: acquire_wait wakes at once when stop is requested while it waits") {
        rtv::FramePool pool(1, 1);
        REQUIRE(pool.try_acquire());
        std::optional<std::uint8_t> got{7};
        std::latch waiting(1);
        std::jthread waiter([&](std::stop_token stop) {
            waiting.count_down();
            got = pool.acquire_wait(stop);
        });
        waiting.wait();
        while (pool.waiters() == 0) // inside acquire_wait: the stop must wake it
            std::this_thread::yield();
        waiter.request_stop();
        rtv::test::must_finish("acquire_wait after a stop request", [&] { waiter.join(); });
        CHECK_FALSE(got);
    }

    TEST_CASE("FramePool: concurrent acquire and release never hand one slot to two holders") {
        rtv::FramePool pool(1, 8);
        constexpr int kThreads = 4, kRounds = 20000;
        std::vector<std::atomic<int>> owners(8);
        std::atomic<int> conflicts{0}, acquired{0};
        std::latch start(kThreads);
        {
            std::vector<std::jthread> threads;
            for (int t = 0; t < kThreads; ++t) {
                threads.emplace_back([&] {
                    start.arrive_and_wait();
                    for (int i = 0; i < kRounds; ++i) {
                        if (auto s = pool.try_acquire()) {
                            if (owners[*s].fetch_add(1) != 0) conflicts.fetch_add(1);
                            acquired.fetch_add(1);
                            owners[*s].fetch_sub(1);
                            pool.release(*s);
                        }
                    }
                });
            }
        }
        CHECK(conflicts.load() == 0);
        CHECK(acquired.load() > 0);
        CHECK(pool.in_use() == 0);
    }

    TEST_CASE("FramePool: a retained slot goes home with the last of its holders") {
        rtv::FramePool pool(64, 2);
        const auto slot = pool.try_acquire();
        REQUIRE(slot.has_value());
        pool.retain(*slot);
        pool.release(*slot); // one holder left
        CHECK(pool.in_use() == 1);
        CHECK(pool.try_acquire().has_value()); // the other slot
        CHECK_FALSE(pool.try_acquire().has_value());
        pool.release(*slot);
        CHECK(pool.in_use() == 1);
        // Two holders letting go at once on two threads: the slot goes home exactly once.
        for (int round = 0; round < 2000; ++round) {
            const auto s = pool.try_acquire();
            REQUIRE(s.has_value());
            pool.retain(*s);
            std::thread other([&] { pool.release(*s); });
            pool.release(*s);
            other.join();
            REQUIRE(pool.in_use() == 1);
        }
    }

    TEST_CASE("FramePool: the sole holder of a slot can exchange its buffer, and the slot's next "
              "holder writes into the new one") {
        rtv::FramePool pool(100, 2);
        CHECK(pool.lendable());
        rtv::PageBuffer memory(pool.stride());
        std::byte* const block = memory.get();
        pool.adopt(std::move(memory));
        const auto slot = pool.try_acquire();
        REQUIRE(slot.has_value());
        std::byte* const own = pool.data(*slot).data();
        std::memset(own, 7, 100);
        pool.retain(*slot); // a second holder (the display)
        CHECK_FALSE(pool.sole_holder(*slot));
        pool.release(*slot);
        REQUIRE(pool.sole_holder(*slot));
        CHECK(pool.exchange(*slot, block) == own); // the old buffer is the caller's
        CHECK(pool.data(*slot).data() == block);
        pool.release(*slot);
        CHECK(pool.in_use() == 0);
        // A producer on another thread takes the slot again and writes: into the new buffer.
        std::thread producer([&] {
            const auto again = pool.try_acquire();
            REQUIRE(again.has_value());
            REQUIRE(*again == *slot);
            std::memset(pool.data(*again).data(), 9, 100);
            pool.release(*again);
        });
        producer.join();
        CHECK(std::to_integer<int>(block[99]) == 9);
        CHECK(std::to_integer<int>(own[0]) == 7); // the old buffer untouched
        CHECK(std::to_integer<int>(own[99]) == 7);
        // The other slot is where it was.
        const auto first = pool.try_acquire(), second = pool.try_acquire();
        REQUIRE((first && second));
        const std::uint8_t other = *first == *slot ? *second : *first;
        CHECK(pool.data(other).data() != block);
        CHECK(pool.data(other).data() != own);
    }

    TEST_CASE("FramePool: a pool in PoolMemory or a pinned pool does not lend its slots") {
        struct Room final : rtv::PoolMemory {
            alignas(64) std::byte room[1024];
            std::byte* allocate(std::size_t, unsigned) override { return room; }
            void deallocate(std::byte*) override {}
        } room;
        rtv::FramePool shared(64, 4, &room);
        CHECK_FALSE(shared.lendable());
        rtv::FramePool heap(64, 4);
        CHECK(heap.lendable());
        heap.pin(); // its producer keeps the slots' addresses
        CHECK_FALSE(heap.lendable());
    }
} // TEST_SUITE
