#pragma once
// What a frame source implements. Thread rules are part of the contract:
//  - info(), configure() and streams() run on the main thread, before the producer's thread exists;
//  - tick() and run() run on the producer's own thread and must not touch GL, SDL or ImGui, and
//    should not allocate in steady state.
// Producers never see a thread, a queue, a pool or a token: only a FrameSink.

#include <cstdint>
#include <functional>
#include <map>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "core/frame.hpp"
#include "core/status.hpp"

namespace rtv {

class FrameSink;
class ProducerBoard;

struct ProducerInfo {
    std::string_view name;        // stable id of the type (not the instance), e.g. "sweep"
    std::string_view description; // one line, shown by --list-producers and in the UI
};

// key=value settings, parsed from the command line or the UI.
using ProducerConfig = std::map<std::string, std::string, std::less<>>;

// One stream a producer feeds; the host allocates its pool from this (the one place that
// allocates: at start, or when a producer opens a stream at run time).
struct StreamRequest {
    std::string name;                  // shown in the UI, e.g. "sweep/image"
    FrameKind kind = FrameKind::Image; //
    StreamMode mode = StreamMode::Replace;
    ImageDesc image;           // Image streams: the frame size
    LinesDesc lines;           // Lines streams: the per-frame capacity
    std::uint32_t history = 0; // Append streams: points kept per line by the consumer
    unsigned slots = 3;        // frames in flight (pool size), 1..64
    // The producer may keep a slot's address from one lease to the next (a camera SDK given the
    // slots as its own buffers): the pool never moves a slot's buffer, so the history copies
    // its frames instead of taking their buffers (FramePool::pin). Plugins' streams all are.
    bool fixed_slots = false;
};

// Checks a request against the pipeline's limits, naming the stream in the message.
Status validate(const StreamRequest& request);

// A network producer's endpoint (where it listens or connects) and its state now: "listening",
// "connecting", "connected", "retrying" or "failed", with the reason when retrying or failed.
struct EndpointState {
    std::string endpoint;
    std::string state;
    std::string reason;
    std::uint32_t peers = 0; // listening: peers connected now
};

// A network producer's authentication (CURVE): its role, the peers admitted and refused, and
// the last few refusals with the peer's address and the reason.
struct SecurityState {
    struct Refused {
        std::string address; // the peer's IP address, or the endpoint when it was not known
        std::string reason;  // "unknown key", "not CURVE", "bad handshake"
        std::string detail;
    };
    std::string mechanism; // "CURVE server", "CURVE client"
    std::uint32_t allowed_keys = 0;
    std::uint64_t accepted = 0;
    std::uint64_t refused = 0;
    std::vector<Refused> recent; // oldest first
};

// A stream that a network producer's publishers offer (their catalogues, wire/catalogue.hpp)
// and that the producer does not take now (not in its streams=): the panel lists it, and a
// click subscribes to it (Producer::subscribe).
struct OfferedStream {
    std::string name;
    std::string detail; // "600x800 <u2 29.8/s": what its publisher said of it
};

// How the host paces a producer. interval_s == 0 means "auto": a new frame as soon as the main
// thread has taken the last one (paced by the display, never making frames nobody sees).
struct Schedule {
    double interval_s = 0.0;      // seconds between ticks; 0 = auto (display-paced)
    double latency_s = 0.0;       // simulated work per tick (a slow instrument)
    double jitter_s = 0.0;        // extra random work per tick, uniform in [0, jitter)
    std::uint64_t iterations = 0; // stop after this many ticks; 0 = forever
    std::uint64_t seed = 0;       // deterministic randomness
    PoolPolicy policy = PoolPolicy::Drop;
    unsigned slots = 0; // frames in flight per stream; 0 = as each stream asks
    // Throw after this many ticks (0 = never): how a failing producer looks, on demand.
    std::uint64_t fail_after = 0;
};

class Producer {
public:
    virtual ~Producer() = default;
    virtual ProducerInfo info() const = 0;
    // Applies the producer's own settings; rejects unknown keys and bad values with a clear
    // message. Thread: main, before start. Allocates: yes.
    virtual Status configure(const ProducerConfig& config) = 0;
    // The streams this producer feeds, in the order its FrameSink indexes them.
    // Thread: main, after configure. Allocates: yes.
    virtual std::vector<StreamRequest> streams() const = 0;
    // Makes frame set number n (acquire, fill, submit through the sink).
    // Thread: the producer's own. Allocates: should never.
    virtual void tick(FrameSink& sink, std::uint64_t n) = 0;
    // The producer's thread body. The default runs the host's schedule (interval, latency,
    // jitter, iterations), calling tick(); event-driven producers (a network socket) override it.
    // Must return promptly once `stop` is requested. Thread: the producer's own.
    virtual void run(std::stop_token stop, FrameSink& sink);
    // The host gave up waiting for this producer's thread after stop (it would not return
    // within the stop deadline) and leaves it running, detached, while the viewer exits: from
    // now on the thread must not touch its sink. Built-in producers always stop in time; a
    // plugin's adapter closes its gate to the host here. Thread: main. Allocates: never.
    virtual void abandon() {}
    // A network producer's endpoints, each with its state now, copied into `out` (reusing its
    // capacity); false (and `out` untouched) for producers without any. Shown under the
    // producer's row in the panel and as "endpoints" in --stats-json. Thread: any (the producer
    // guards them itself). Allocates: only when `out` must grow.
    virtual bool endpoints(std::vector<EndpointState>& out) const {
        (void)out;
        return false;
    }
    // What the producer shows about itself while it runs (rows) and the live changes the user
    // asks of it, or nullptr for a producer without them (the built-in ones, exec).
    // The board is the producer's and lives as long as it. Thread: any. Allocates: never.
    virtual ProducerBoard* board() const { return nullptr; }
    // A network producer's authentication now, copied into `out`; false (and `out` untouched)
    // for producers without any. Shown under its endpoints in the panel and as "curve" in
    // --stats-json. Thread: any. Allocates: yes (a copy).
    virtual bool security(SecurityState& out) const {
        (void)out;
        return false;
    }
    // The streams offered that this producer does not take now, copied into `out` (reusing its
    // elements' capacity); false (and `out` untouched) for producers without a catalogue.
    // Thread: any. Allocates: only when `out` or a name must grow.
    virtual bool offered(std::vector<OfferedStream>& out) const {
        (void)out;
        return false;
    }
    // Bumped whenever offered() would say something else. Thread: any. Allocates: never.
    virtual std::uint64_t offered_version() const { return 0; }
    // How many times an offered stream was left out of offered() because its list was full
    // (a viewer offered more streams than it lists), counted since the start. Thread: any.
    // Allocates: never.
    virtual std::uint64_t offered_left_out() const { return 0; }
    // Asks the producer to take stream `name` too (a click on an offered stream). Queued for the
    // producer's thread: ok when queued; an error saying why not (not a network producer, too
    // many subscriptions, too many requests waiting). Thread: main. Allocates: yes.
    virtual Status subscribe(std::string_view name) {
        return Status::error(std::string(info().name) + ": takes no subscriptions (not '" +
                             std::string(name) + "')");
    }
};

} // namespace rtv
