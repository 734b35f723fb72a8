#pragma once
// The producer's only window onto the pipeline: acquire a frame, fill it, submit it; sleep
// stop-aware. One sink per producer, used only by that producer's thread (except wake(), which
// the main thread calls when it changes the producer's live controls).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/assert.hpp"
#include "core/clock.hpp"
#include "core/frame.hpp"
#include "core/frame_queue.hpp"
#include "core/producer.hpp"
#include "core/stream.hpp"

namespace rtv {

class ProducerHost;

// Live controls of a running producer, written by the main thread, read by the producer's.
struct ScheduleControl {
    std::atomic<double> interval_s{0.0};
    std::atomic<double> latency_s{0.0};
    std::atomic<double> jitter_s{0.0};
};

// A held pool slot: move-only; gives the slot back when destroyed unless it was submitted, so an
// early return in a producer can never leak a slot.
class FrameLease {
public:
    FrameLease() = default;
    FrameLease(FrameLease&& other) noexcept;
    FrameLease& operator=(FrameLease&& other) noexcept;
    FrameLease(const FrameLease&) = delete;
    FrameLease& operator=(const FrameLease&) = delete;
    ~FrameLease();

    explicit operator bool() const { return m_stream != nullptr; }
    FrameKind kind() const;
    std::uint16_t stream_id() const;

    // Image streams: the pixels to fill (row-major, tightly packed) and their size and format.
    // pixels(): a float32 mono stream's width * height floats. samples<T>(): any format's
    // sample_count() samples of T, which must be its sample type (asserted); bytes(): the raw
    // byte_size() bytes.
    std::span<float> pixels();
    template <class T> std::span<T> samples();
    std::span<std::byte> bytes();
    ImageDesc image_desc() const;

    // Lines streams: room for max_lines * max_points points; set the shape actually used
    // (line l occupies points [l * points, (l + 1) * points)). Defaults to one line, full length.
    std::span<LinePoint> points();
    LinesDesc lines_desc() const;
    void set_shape(std::uint32_t lines, std::uint32_t points);
    std::uint32_t lines() const { return m_lines; }
    std::uint32_t points_per_line() const { return m_points; }

    // When the frame was made, on this machine's steady clock, if before submit() (a publisher's
    // send time): latency is then measured from it. Later than now counts as now.
    void set_origin_ns(std::int64_t ns) { m_origin_ns = ns; }

private:
    friend class FrameSink;
    FrameLease(Stream& stream, std::uint8_t slot);
    void reset();
    Stream* m_stream = nullptr;
    std::uint8_t m_slot = 0;
    std::uint32_t m_lines = 0;
    std::uint32_t m_points = 0;
    std::int64_t m_origin_ns = 0;
};

template <class T> std::span<T> FrameLease::samples() {
    const ImageDesc d = image_desc();
    RTV_ASSERT(sizeof(T) == sample_bytes(d.format.sample) &&
                   std::is_floating_point_v<T> == (d.format.sample == SampleType::F32) &&
                   std::is_signed_v<T> ==
                       (d.format.sample != SampleType::U8 && d.format.sample != SampleType::U16),
               "samples<T>() with T not the stream's sample type");
    return m_stream->pool().typed<T>(m_slot).first(d.sample_count());
}

class FrameSink {
public:
    // Thread: main (by the host). Allocates: yes (the queue token).
    FrameSink(FrameQueue& queue, ProducerHost& host, std::uint16_t producer_index,
              const Schedule& schedule);
    FrameSink(const FrameSink&) = delete;
    FrameSink& operator=(const FrameSink&) = delete;

    // A free slot of stream `stream` (the index into the producer's streams()), or an empty
    // lease when the pool is empty (policy drop: counted as dropped) or stop was requested
    // (policy wait). Thread: producer. Allocates: never.
    FrameLease acquire(std::size_t stream = 0);

    // Validates the frame, stamps its sequence number and time, and hands it to the main
    // thread. An invalid frame is rejected with a message on its stream, a full queue counts
    // as a drop; either way the slot goes back. Thread: producer. Allocates: never (except
    // the message of a rejected frame).
    void submit(FrameLease&& lease);

    // Counts a frame the producer itself found invalid, with the reason (a bad network
    // message, an unreadable file). Thread: producer. Allocates: yes (error path).
    void reject(std::size_t stream, std::string_view why);

    // Sleeps until `deadline`, waking at once when stop is requested or the main thread calls
    // wake(). Returns false if stop was requested. With `seen` (what wake_generation() returned),
    // any wake() since then ends it too: read it before the live controls a wait is computed from,
    // so that a change made between reading them and waiting is not lost (the wait would run to
    // the old deadline). Thread: producer. Allocates: never.
    bool wait_until(Clock::time_point deadline, std::optional<std::uint64_t> seen = {});
    bool sleep_for(double seconds, std::optional<std::uint64_t> seen = {});
    std::uint64_t wake_generation();
    // Interrupts wait_until so that new live controls take effect. Thread: any. Allocates: never.
    void wake();

    // Opens a stream at run time (a network producer learning its streams) and returns its
    // index for acquire(). Thread: producer. Allocates: yes (the stream's pool).
    Status open_stream(StreamRequest request, std::size_t& index);
    // Memory the producer makes the viewer hold besides its streams (what a socket may queue),
    // from the viewer's memory budget: an error (with the numbers) when it does not fit.
    // Thread: producer. Allocates: only the error's message.
    Status reserve_memory(std::uint64_t bytes, std::string_view what);
    // What the budget still has (all of it when the viewer has no budget). Thread: any.
    std::uint64_t memory_available() const;

    // The producer's status: its restarts are counted here (restart=N). Thread: any.
    ProducerStatus& status();

    std::size_t stream_count() const { return m_streams.size(); }
    Stream& stream(std::size_t index) { return *m_streams[index]; }
    std::stop_token stop_token() const { return m_stop; }
    const Schedule& schedule() const { return m_schedule; }
    ScheduleControl& control() { return m_control; }
    // When the tick in progress started (now_ns), or 0 between ticks: a producer that stops
    // answering (a tick that never returns) is seen by its age. Set by Producer::run's
    // schedule. Thread: the producer's (set), any (read). Allocates: never.
    void set_busy_since(std::int64_t ns) { m_busy_since.store(ns, std::memory_order_relaxed); }
    std::int64_t busy_since_ns() const { return m_busy_since.load(std::memory_order_relaxed); }
    // True if an acquire() found its pool empty since clear_starved() (the scheduler's pacing).
    bool starved() const { return m_starved; }
    void clear_starved() { m_starved = false; }
    // Waits until the pool that last starved has a free slot (without taking it); false on
    // stop. Thread: producer. Allocates: never.
    bool wait_for_slot();
    // interval=auto: waits until the main thread has taken every frame this producer enqueued,
    // so that it makes one frame per display frame instead of frames nobody will see; false on
    // stop. Thread: producer. Allocates: never.
    bool wait_until_taken();

private:
    friend class ProducerHost;
    void attach(Stream& stream) { m_streams.push_back(&stream); }
    void set_stop_token(std::stop_token stop) { m_stop = std::move(stop); }

    FrameQueue& m_queue;
    ProducerHost& m_host;
    std::uint16_t m_producer_index;
    moodycamel::ProducerToken m_token;
    Schedule m_schedule;
    ScheduleControl m_control;
    std::vector<Stream*> m_streams; // sized on start; grows only in open_stream
    std::stop_token m_stop;
    bool m_starved = false;
    std::atomic<std::int64_t> m_busy_since{0};
    std::size_t m_starved_stream = 0;
    // Member, not per wait: libstdc++'s condition_variable_any allocates on construction.
    std::mutex m_wait_mutex;
    std::condition_variable_any m_wait_cv;
    std::uint64_t m_wake_generation = 0; // guarded by m_wait_mutex
};

} // namespace rtv
