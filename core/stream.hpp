#pragma once
// One stream as the host owns it: its request, its pool and its statistics. Address-stable for
// the host's lifetime; the producer thread and the main thread both hold references.

#include <atomic>
#include <cstdint>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "core/frame_pool.hpp"
#include "core/producer.hpp"
#include "core/stream_stats.hpp"

namespace rtv {

class Stream {
public:
    // Thread: main or the owning producer (under the host's registration lock). Allocates: yes,
    // unless `refusal` is given: a stream the memory budget refused gets no pool to speak of,
    // and every frame offered to it is rejected (and counted) with that reason. With `memory`, the
    // pool's slots live there (FramePool).
    Stream(std::uint16_t id, StreamRequest request, std::uint16_t producer,
           const ProducerStatus& owner, std::string refusal = {}, PoolMemory* memory = nullptr);

    // What a stream of this request allocates: its pool (slots, their statistics), the
    // quantile sketch's buffer, and the consumer's history of an append stream. Allocates: never.
    static std::uint64_t memory_cost(const StreamRequest& request);
    // Why the budget refused this stream, or empty.
    const std::string& refusal() const { return m_refusal; }
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    std::uint16_t id() const { return m_id; }
    const StreamRequest& request() const { return m_request; }
    FrameKind kind() const { return m_request.kind; }
    StreamMode mode() const { return m_request.mode; }
    FramePool& pool() { return m_pool; }
    const FramePool& pool() const { return m_pool; }
    StreamStats& stats() { return m_stats; }
    const StreamStats& stats() const { return m_stats; }
    // The index (in the host) and state of the producer feeding this stream.
    std::uint16_t producer() const { return m_producer; }
    const ProducerStatus& owner() const { return m_owner; }

    // Producer side only: the next sequence number. Thread: the owning producer.
    std::uint32_t take_sequence() { return m_next_sequence++; }

    // Pacing of interval=auto: frames the producer enqueued and frames the router took off the
    // queue. count_enqueued: the owning producer. count_taken: the main thread (the router).
    void count_enqueued() { ++m_enqueued; }
    void count_taken() {
        m_taken.fetch_add(1, std::memory_order_release);
        m_taken.notify_all(); // cheap when nobody waits
    }
    // Waits until the router has taken every frame this stream enqueued: true, or false once
    // `stop` is requested. Thread: the owning producer. Allocates: never.
    bool wait_taken(std::stop_token stop);

    // Whether image frames carry a quantile sketch (ImageStats::quantiles), asked for by a view
    // in percentile contrast mode. Thread: set from any (the main thread), read at submit.
    void set_want_quantiles(bool on) { m_want_quantiles.store(on, std::memory_order_relaxed); }
    bool want_quantiles() const { return m_want_quantiles.load(std::memory_order_relaxed); }
    // Whether image frames carry a histogram (ImageStats::histogram), asked for while a panel
    // shows it. Thread: set from any (the main thread), read at submit.
    void set_want_histogram(bool on) { m_want_histogram.store(on, std::memory_order_relaxed); }
    bool want_histogram() const { return m_want_histogram.load(std::memory_order_relaxed); }
    // A panel refreshes its histogram at a human rate: at most one frame per this period carries
    // one (the pass over the pixels would otherwise take a core's share from the display).
    static constexpr std::int64_t kHistogramPeriodNs = 250'000'000;
    // Whether the frame submitted at `now_ns` computes the histogram: asked for, and the period
    // has passed since the last one. Thread: the owning producer (at submit).
    bool histogram_due(std::int64_t now_ns) {
        if (!want_histogram() || now_ns < m_next_histogram_ns) return false;
        m_next_histogram_ns = now_ns + kHistogramPeriodNs;
        return true;
    }
    // Producer side: the sample buffer for the sketch, empty unless asked for (or not an image).
    // Thread: the owning producer.
    std::span<float> quantile_scratch() {
        if (!want_quantiles()) return {};
        return m_quantile_scratch;
    }

private:
    std::uint16_t m_id;
    StreamRequest m_request;
    FramePool m_pool;
    StreamStats m_stats;
    std::uint16_t m_producer;
    const ProducerStatus& m_owner;
    std::uint32_t m_next_sequence = 0;
    std::atomic<bool> m_want_quantiles{false};
    std::atomic<bool> m_want_histogram{false};
    std::uint32_t m_enqueued = 0;          // owning producer only
    std::int64_t m_next_histogram_ns = 0;  // owning producer only
    std::atomic<std::uint32_t> m_taken{0}; // by the router
    std::vector<float> m_quantile_scratch; // ImageStats::kQuantileSample floats for images
    std::string m_refusal;
};

} // namespace rtv
