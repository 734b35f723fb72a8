// 1. Frame hand-off with 1, 2 and 4 producer threads: the core path (a FramePool slot per frame,
// a FrameMsg through moodycamel with explicit tokens, the consumer draining in bulk and releasing
// slots) against the same slots through a mutex + condition variable + std::deque queue.
// Every message must arrive exactly once.

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "bench/harness.hpp"
#include "core/frame_pool.hpp"
#include "core/frame_queue.hpp"

namespace rtv::bench {

namespace {

constexpr unsigned kSlots = 64;

struct Pools {
    std::vector<std::unique_ptr<FramePool>> pools;
    explicit Pools(int n) {
        for (int i = 0; i < n; ++i)
            pools.push_back(std::make_unique<FramePool>(1, kSlots));
    }
};

// Returns messages/s; sets `error` if a message was lost or duplicated.
double run_moodycamel(int producers, std::uint64_t per_producer, std::string& error) {
    FrameQueue queue = make_frame_queue();
    Pools p(producers);
    std::stop_source stop;
    std::vector<std::jthread> threads;
    std::vector<std::uint64_t> next(std::size_t(producers), 0);
    const auto t0 = Clock::now();
    for (int i = 0; i < producers; ++i)
        threads.emplace_back([&, i] {
            moodycamel::ProducerToken token(queue);
            FramePool& pool = *p.pools[std::size_t(i)];
            for (std::uint64_t n = 0; n < per_producer; ++n) {
                const auto slot = pool.acquire_wait(stop.get_token());
                if (!slot) return;
                FrameMsg m{.stream = std::uint16_t(i), .slot = *slot, .sequence = std::uint32_t(n)};
                while (!queue.try_enqueue(token, m))
                    std::this_thread::yield();
            }
        });
    moodycamel::ConsumerToken token(queue);
    FrameMsg batch[256];
    const std::uint64_t total = std::uint64_t(producers) * per_producer;
    std::uint64_t received = 0;
    while (received < total && error.empty()) {
        const std::size_t n = queue.try_dequeue_bulk(token, batch, 256);
        if (n == 0) std::this_thread::yield();
        for (std::size_t k = 0; k < n; ++k) {
            const FrameMsg& m = batch[k];
            if (m.sequence != next[m.stream]++) error = "a message was lost or reordered";
            p.pools[m.stream]->release(m.slot);
        }
        received += n;
    }
    const double elapsed = seconds_since(t0);
    stop.request_stop();
    threads.clear();
    return double(received) / elapsed;
}

double run_mutex_deque(int producers, std::uint64_t per_producer, std::string& error) {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<FrameMsg> queue;
    Pools p(producers);
    std::stop_source stop;
    std::vector<std::jthread> threads;
    std::vector<std::uint64_t> next(std::size_t(producers), 0);
    const auto t0 = Clock::now();
    for (int i = 0; i < producers; ++i)
        threads.emplace_back([&, i] {
            FramePool& pool = *p.pools[std::size_t(i)];
            for (std::uint64_t n = 0; n < per_producer; ++n) {
                const auto slot = pool.acquire_wait(stop.get_token());
                if (!slot) return;
                {
                    std::lock_guard lock(mutex);
                    queue.push_back(
                        {.stream = std::uint16_t(i), .slot = *slot, .sequence = std::uint32_t(n)});
                }
                cv.notify_one();
            }
        });
    std::deque<FrameMsg> taken;
    const std::uint64_t total = std::uint64_t(producers) * per_producer;
    std::uint64_t received = 0;
    while (received < total && error.empty()) {
        {
            std::unique_lock lock(mutex);
            cv.wait(lock, [&] { return !queue.empty(); });
            taken.swap(queue);
        }
        for (const FrameMsg& m : taken) {
            if (m.sequence != next[m.stream]++) error = "a message was lost or reordered";
            p.pools[m.stream]->release(m.slot);
        }
        received += taken.size();
        taken.clear();
    }
    const double elapsed = seconds_since(t0);
    stop.request_stop();
    threads.clear();
    return double(received) / elapsed;
}

} // namespace

void bench_handoff(const Config& c, Report& report) {
    const std::uint64_t per = c.quick ? 20'000 : 400'000;
    const int rounds = c.quick ? 1 : 3;
    for (const int producers : {1, 2, 4}) {
        std::vector<double> fast, base;
        std::string error;
        for (int r = 0; r < rounds; ++r) { // interleaved: both see the same machine weather
            fast.push_back(run_moodycamel(producers, per / std::uint64_t(producers), error));
            base.push_back(run_mutex_deque(producers, per / std::uint64_t(producers), error));
        }
        Result res = compare("handoff", "producers=" + std::to_string(producers), "messages/s",
                             median(fast), "mutex+cv+deque", median(base),
                             "higher is better; both paths use the same pools");
        res.metrics = {{"pool+moodycamel", res.subject, "messages/s"},
                       {"mutex+cv+deque", res.reference, "messages/s"}};
        res.ok = error.empty();
        res.error = error;
        report.add(std::move(res));
    }
}

} // namespace rtv::bench
