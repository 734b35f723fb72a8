#pragma once
// Per-stream counters and the produce-to-upload latency histogram, readable from any thread at
// any time. Producer-side counters are written by the stream's producer thread, consumer-side
// ones by the main thread. Every frame is accounted for:
//   produced = displayed + superseded + dropped_pool + dropped_queue + rejected + in flight.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/latency_histogram.hpp"

namespace rtv {

// One consistent-enough reading of a stream's counters (see StreamStats::read).
struct StatsSnapshot {
    std::uint64_t produced = 0;        // frames the producer made (submitted or dropped)
    std::uint64_t displayed = 0;       // frames handed to upload (append frames: applied)
    std::uint64_t superseded = 0;      // replaced by a newer frame before upload, or left at exit
    std::uint64_t dropped_pool = 0;    // pool empty when the producer wanted a slot
    std::uint64_t dropped_queue = 0;   // the queue refused the message
    std::uint64_t rejected = 0;        // invalid frames (shape, NaN points, ...), with a message
    std::uint64_t gaps = 0;            // frames the source numbered that never reached the viewer
    bool latency_from_sender = false;  // latency runs from the sender's clock (same machine)
    bool numbered = false;             // a sender numbers this stream's frames (a wire header)
    std::uint64_t sender_id = 0;       // the last numbered frame's publisher
    std::uint64_t sender_sequence = 0; // and its sequence number
    std::uint64_t errors = 0;          // messages recorded (the last one is kept)
    std::int64_t blocked_ns = 0;       // time the producer spent waiting for a slot (policy wait)
    std::int64_t latency_p50_ns = 0;
    std::int64_t latency_p90_ns = 0;
    std::int64_t latency_p99_ns = 0;
    std::int64_t latency_max_ns = 0;

    std::uint64_t dropped() const { return dropped_pool + dropped_queue; }
    // Frames produced but not yet displayed, superseded, dropped or rejected. Never negative for
    // a snapshot from StreamStats::read; bounded by the pool's slot count.
    std::int64_t in_flight() const {
        return static_cast<std::int64_t>(produced) -
               static_cast<std::int64_t>(displayed + superseded + dropped() + rejected);
    }
};

class StreamStats {
public:
    // Producer side. Thread: the stream's producer. Allocates: never.
    void add_produced() { m_produced.fetch_add(1); }
    void add_dropped_pool() { m_dropped_pool.fetch_add(1); }
    void add_dropped_queue() { m_dropped_queue.fetch_add(1); }
    void add_blocked_ns(std::int64_t ns) { m_blocked_ns.fetch_add(ns); }
    // Consumer side. Thread: main. Allocates: never.
    void add_displayed(std::int64_t latency_ns) {
        m_latency.record(latency_ns);
        m_displayed.fetch_add(1);
    }
    void add_superseded() { m_superseded.fetch_add(1); }
    // A network producer's count of frames its sender numbered but the viewer never received
    // (lost before produced: produced + gaps = frames sent). Thread: producer. Never allocates.
    void add_gaps(std::uint64_t n) { m_gaps.fetch_add(n); }
    // Latency runs from the sender's send time (its clock is this machine's). Thread: producer.
    void set_latency_from_sender(bool on) { m_from_sender.store(on); }
    // The last numbered frame received: its publisher and sequence number. Thread: producer.
    void set_sender(std::uint64_t publisher, std::uint64_t sequence) {
        m_sender_id.store(publisher);
        m_sender_sequence.store(sequence);
        m_numbered.store(true);
    }
    // Either side: a rejected frame and why. Thread: any. Allocates: yes (error path only).
    void add_rejected(std::string_view why);
    // Records a message that is not a rejected frame (e.g. a bad network message).
    void add_error(std::string_view why);

    // Reads consumer-side counters before producer-side ones, so that in_flight() >= 0.
    // Thread: any. Allocates: never.
    StatsSnapshot read() const;
    // The counters only, without the latency quantiles (their fields stay 0): what rate meters
    // need, at a fraction of the cost. Thread: any. Allocates: never.
    StatsSnapshot read_counts() const;
    // Copies the last message into `out` (reusing its capacity); false if there is none.
    // Thread: any. Allocates: only when `out` must grow.
    bool last_error(std::string& out) const;
    const LatencyHistogram& latency() const { return m_latency; }

private:
    std::atomic<std::uint64_t> m_produced{0};
    std::atomic<std::uint64_t> m_displayed{0};
    std::atomic<std::uint64_t> m_superseded{0};
    std::atomic<std::uint64_t> m_dropped_pool{0};
    std::atomic<std::uint64_t> m_dropped_queue{0};
    std::atomic<std::uint64_t> m_rejected{0};
    std::atomic<std::uint64_t> m_gaps{0};
    std::atomic<bool> m_from_sender{false};
    std::atomic<bool> m_numbered{false};
    std::atomic<std::uint64_t> m_sender_id{0};
    std::atomic<std::uint64_t> m_sender_sequence{0};
    std::atomic<std::uint64_t> m_errors{0};
    std::atomic<std::int64_t> m_blocked_ns{0};
    LatencyHistogram m_latency;
    mutable std::mutex m_error_mutex; // the error path only
    std::string m_last_error;
};

// Rates per second from successive snapshots, over a window of about `window_s`.
// Thread: the caller's (the main thread). Allocates: never.
class RateMeter {
public:
    explicit RateMeter(double window_s = 1.0)
        : m_window_ns(static_cast<std::int64_t>(window_s * 1e9)) {}
    // Whether update() would compute new rates at `now_ns` (the first call, or a window later):
    // callers read the counters only then.
    bool due(std::int64_t now_ns) const {
        return m_last_ns < 0 || now_ns - m_last_ns >= m_window_ns;
    }
    void update(const StatsSnapshot& s, std::int64_t now_ns);
    double produced_per_s() const { return m_produced_rate; }
    double displayed_per_s() const { return m_displayed_rate; }
    double dropped_per_s() const { return m_dropped_rate; }

private:
    std::int64_t m_window_ns;
    std::int64_t m_last_ns = -1;
    StatsSnapshot m_last{};
    double m_produced_rate = 0, m_displayed_rate = 0, m_dropped_rate = 0;
};

// A producer's lifecycle, shared by all its streams.
enum class ProducerState : std::uint8_t { Starting, Running, Finished, Stopped, Failed };
const char* to_string(ProducerState state);

class ProducerStatus {
public:
    // Thread: any. Allocates: never.
    ProducerState state() const { return m_state.load(); }
    void set_state(ProducerState state) { m_state.store(state); }
    // Marks the producer failed with its message. Thread: any. Allocates: yes (error path).
    void set_failed(std::string_view message);
    // Copies the failure message into `out`. Thread: any. Allocates: only when `out` must grow.
    bool message(std::string& out) const;
    // Times the producer's source was started again after it ended (a helper process or a
    // program that crashed or exited, restart=N). Thread: any. Allocates: never.
    void count_restart() { m_restarts.fetch_add(1); }
    std::uint32_t restarts() const { return m_restarts.load(); }

private:
    std::atomic<ProducerState> m_state{ProducerState::Starting};
    std::atomic<std::uint32_t> m_restarts{0};
    mutable std::mutex m_mutex; // the error path only
    std::string m_message;
};

} // namespace rtv
