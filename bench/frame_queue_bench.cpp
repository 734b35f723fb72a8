// The frame hand-off, single-threaded: moodycamel's queue with explicit tokens (what the sink
// and router use) against a mutex + std::deque queue, the baseline measured in the same run.
// Each benchmark checks its own answer: a lost message is an error, not a fast result.
// Run: build/bin/rtv_bench --benchmark_filter=Queue  (ratios matter, not absolutes)

#include <array>
#include <deque>
#include <mutex>

#include <benchmark/benchmark.h>

#include "core/frame_pool.hpp"
#include "core/frame_queue.hpp"

namespace {

constexpr std::uint32_t kBatch = 64;

void BM_FrameQueue_SubmitThenDrain(benchmark::State& state) {
    rtv::FrameQueue queue = rtv::make_frame_queue();
    moodycamel::ProducerToken ptok(queue);
    moodycamel::ConsumerToken ctok(queue);
    std::array<rtv::FrameMsg, kBatch> batch{};
    std::int64_t sent = 0, drained = 0;
    for (auto _ : state) {
        for (std::uint32_t i = 0; i < kBatch; ++i)
            sent += queue.try_enqueue(ptok, rtv::FrameMsg{.sequence = i}) ? 1 : 0;
        drained += static_cast<std::int64_t>(queue.try_dequeue_bulk(ctok, batch.begin(), kBatch));
    }
    if (sent != drained || drained != state.iterations() * kBatch)
        state.SkipWithError("messages were lost");
    state.SetItemsProcessed(drained);
}
BENCHMARK(BM_FrameQueue_SubmitThenDrain);

void BM_Baseline_MutexDeque_SubmitThenDrain(benchmark::State& state) {
    std::mutex mutex;
    std::deque<rtv::FrameMsg> queue;
    std::array<rtv::FrameMsg, kBatch> batch{};
    std::int64_t drained = 0;
    for (auto _ : state) {
        for (std::uint32_t i = 0; i < kBatch; ++i) {
            std::lock_guard lock(mutex);
            queue.push_back(rtv::FrameMsg{.sequence = i});
        }
        std::lock_guard lock(mutex);
        std::size_t n = 0;
        while (!queue.empty() && n < kBatch) {
            batch[n++] = queue.front();
            queue.pop_front();
        }
        drained += static_cast<std::int64_t>(n);
    }
    benchmark::DoNotOptimize(batch);
    if (drained != state.iterations() * kBatch) state.SkipWithError("messages were lost");
    state.SetItemsProcessed(drained);
}
BENCHMARK(BM_Baseline_MutexDeque_SubmitThenDrain);

void BM_FramePool_AcquireRelease(benchmark::State& state) {
    rtv::FramePool pool(16, 3);
    std::int64_t cycles = 0;
    for (auto _ : state) {
        const auto slot = pool.try_acquire();
        if (!slot) break;
        pool.release(*slot);
        ++cycles;
    }
    if (cycles != state.iterations()) state.SkipWithError("the pool ran dry");
    state.SetItemsProcessed(cycles);
}
BENCHMARK(BM_FramePool_AcquireRelease);

// The floor under the pool: one atomic read-modify-write pair.
void BM_Baseline_AtomicFetchOr(benchmark::State& state) {
    std::atomic<std::uint64_t> mask{7};
    for (auto _ : state) {
        mask.fetch_and(~std::uint64_t{1});
        mask.fetch_or(1);
    }
    if (mask.load() != 7) state.SkipWithError("mask corrupted");
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Baseline_AtomicFetchOr);

} // namespace

BENCHMARK_MAIN();
