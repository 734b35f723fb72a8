#pragma once
// Owns the producers, their threads and their streams. The only place in rtviewer that creates
// threads: one std::jthread per producer, named after it, given a stop_token. A producer that
// throws is marked failed with its message; the others go on. Stopping is two-phase (request stop
// on all, then join all), and every wait a producer can be in wakes at once on stop.
//
// Threads: start(), stop_all() and the live controls are for the main thread; stream lookups are
// safe from any thread; open_stream() is called by producer threads through their FrameSink.

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/frame_queue.hpp"
#include "core/frame_sink.hpp"
#include "core/memory_budget.hpp"
#include "core/producer.hpp"
#include "core/stream.hpp"
#include "core/stream_stats.hpp"

namespace rtv {

class ProducerHost {
public:
    // The queue (and the budget, when given) must outlive the host. Streams reserve their
    // memory from `budget` as they open (none given: no limit). Thread: main. Allocates: yes.
    explicit ProducerHost(FrameQueue& queue, MemoryBudget* budget = nullptr);
    ProducerHost(const ProducerHost&) = delete;
    ProducerHost& operator=(const ProducerHost&) = delete;
    ~ProducerHost(); // stop_all()

    // Allocates the streams of a configured producer and starts its thread. `name` names the
    // instance (shown in the UI, and the thread's name). With a `stream_prefix`, its streams
    // named "<kind>/..." (the producer's info().name) are registered as "<stream_prefix>/...",
    // also those it opens later: a second producer of a kind keeps its streams apart. Fails,
    // starting nothing, if a stream request is invalid or a limit is reached. Thread: main.
    // Allocates: yes (on start only).
    Status start(std::string name, std::unique_ptr<Producer> producer, const Schedule& schedule,
                 std::string stream_prefix = {});

    // Requests stop on every producer, then joins them all. Idempotent. With a stop deadline set
    // (the viewer's: kStopDeadlineS), a producer whose thread has not returned within it
    // (counted from the request) is abandoned: told
    // so (Producer::abandon), its thread left running detached, itself and its streams never
    // freed, and its name listed by abandoned(); the viewer then exits without waiting for it
    // (the process ends it). Thread: main.
    void stop_all();
    // The longest stop_all() waits for the producers to return, all together; 0 (the default,
    // for tests and tools whose producers end by themselves): no deadline. Thread: main.
    static constexpr double kStopDeadlineS = 2.0;
    void set_stop_deadline(double seconds) { m_stop_deadline_s = seconds; }
    // Where the streams' pools keep their slots (FramePool; nullptr, the default: the heap), and
    // whether image frames get their statistics at submit (true, the default). A helper process
    // keeps its pools in shared memory and leaves the statistics to the viewer it feeds.
    // Thread: main, before start(). The memory must outlive the host.
    void set_pool_memory(PoolMemory* memory) { m_pool_memory = memory; }
    void set_image_statistics(bool on) { m_image_statistics = on; }
    bool image_statistics() const { return m_image_statistics; }
    // The producers stop_all() abandoned, by name. Thread: main.
    const std::vector<std::string>& abandoned() const { return m_abandoned; }
    // Waits for every producer to end by itself (iterations reached, or failed), without
    // requesting stop. For tests and tools: hangs on an endless producer, and the GUI loop
    // never calls it. Thread: main.
    void join_all();
    // Phase one alone (e.g. from a signal-driven quit before joining). Thread: main.
    void request_stop_all();

    // Producers, by index. Thread: main (count and names), any (status).
    std::size_t producer_count() const { return m_producer_count; }
    const std::string& producer_name(std::size_t index) const;
    const ProducerStatus& producer_status(std::size_t index) const;
    ProducerStatus& status_of(std::size_t index) { return record(index).status; }
    // When the producer's tick in progress started, or 0 (see FrameSink::busy_since_ns).
    // Thread: any.
    std::int64_t busy_since_ns(std::size_t index) const {
        return record(index).sink->busy_since_ns();
    }
    const Producer& producer(std::size_t index) const;
    Producer& producer(std::size_t index); // for its requests (subscribe): thread main
    // Live controls, changed through atomics; the producer sees them at its next wait.
    // Thread: main. Allocates: never. The GUI never waits on a producer.
    const ScheduleControl& control(std::size_t index) const;
    void set_interval(std::size_t index, double seconds);
    void set_latency(std::size_t index, double seconds);
    void set_jitter(std::size_t index, double seconds);

    // Streams, by id (0..stream_count()-1). Thread: any. Allocates: never.
    std::size_t stream_count() const { return m_stream_count.load(std::memory_order_acquire); }
    Stream& stream(std::uint16_t id);
    const Stream& stream(std::uint16_t id) const;

    // The memory budget streams reserve from, or nullptr. Thread: any.
    MemoryBudget* budget() const { return m_budget; }

    // Waking a consumer that waits for work (the viewer's loop redraws only on change): `fn` is
    // called with `context` from a producer's thread after it enqueues a frame or ends, at most
    // once until the consumer calls rearm_wake(). Set before the first start(); `fn` must be
    // safe to call from any thread and must not block. Thread: main.
    // The largest image side the display takes (GL_MAX_TEXTURE_SIZE): an image stream larger
    // than this is registered refused, with a message saying so, and every frame offered to it
    // is rejected and counted. 0: no limit (no display). Set before the first start().
    // Thread: main.
    void set_max_image_side(std::uint32_t side);
    using WakeFn = void (*)(void* context);
    void set_wake(WakeFn fn, void* context);
    // Calls the wake function unless a wake is pending already. Thread: any. Allocates: never.
    void wake();
    // Makes the next frame wake the consumer again: call before draining the queue (a frame
    // enqueued after this call wakes it; one enqueued before is drained). Thread: main.
    void rearm_wake() { m_wake_pending.exchange(false, std::memory_order_acq_rel); }

    // Registers a stream for producer `producer` at run time. Thread: that producer's.
    // Allocates: yes. A stream over the memory budget is registered refused (see Stream).
    Status open_stream(std::uint16_t producer, StreamRequest request, Stream*& out);

private:
    struct Record {
        std::string name;
        std::unique_ptr<Producer> producer;
        ProducerStatus status;
        std::unique_ptr<FrameSink> sink;
        std::string kind_prefix, stream_prefix; // "sweep/" -> "sweep#2/" (none: empty)
        // Set by the thread as it returns: stop_all() waits on it with its deadline.
        std::mutex end_mutex;
        std::condition_variable end_cv;
        bool ended = false;                 // guarded by end_mutex
        std::atomic<bool> abandoned{false}; // stop_all() gave up on the thread
        std::jthread thread;                // declared last: destroyed (joined) first
    };
    Record& record(std::size_t index) const;
    // The name a stream of `r` is registered under (its prefix replaced, see start()).
    static void rename(const Record& r, StreamRequest& request);
    Stream* add_stream_locked(std::uint16_t producer, StreamRequest request);

    FrameQueue& m_queue;
    MemoryBudget* m_budget;
    std::array<std::unique_ptr<Record>, kMaxProducers> m_producers;
    std::size_t m_producer_count = 0; // main thread only
    std::mutex m_register_mutex;      // serialises stream registration (start, open_stream)
    std::array<std::unique_ptr<Stream>, kMaxStreams> m_streams;
    std::atomic<std::uint32_t> m_stream_count{0};
    std::uint32_t m_max_image_side = 0; // set before producers start
    WakeFn m_wake = nullptr;            // set before producers start, read by their threads
    void* m_wake_context = nullptr;
    std::atomic<bool> m_wake_pending{false};
    double m_stop_deadline_s = 0.0;
    PoolMemory* m_pool_memory = nullptr;
    bool m_image_statistics = true;
    std::vector<std::string> m_abandoned; // main thread only
};

} // namespace rtv
