#pragma once
// zmq: frames from other processes and machines. A ZeroMQ SUB socket bound to `bind` (loopback
// by default; any ZeroMQ endpoint) receives multipart messages [stream name, .npy payload] or
// [stream name, header, payload] (see wire/message.hpp); each new name opens a stream, shaped by
// its first frame. With a header: the sender's sequence numbers give the stream's `gaps` (frames
// one publisher numbered that never arrived, counted per publisher: up to kSendersPerStream
// publishers may feed one stream at once), its send time the latency when its boot id is
// ours (same machine, same CLOCK_MONOTONIC), and a shm header has the data copied from the
// publisher's shared-memory ring straight into the pool slot (ShmReader). A sequence mark (a
// header with the mark flag) tells the last number a publisher used on a stream: the numbers
// not received count as gaps, and it opens the stream (from the .npy header it carries) when no
// frame of it ever arrived; it is not a frame (not produced) and allocates nothing unless it
// opens a stream. Marks count towards `iterations` like any message. Bad messages are
// rejected with their reason and counted: on their stream, or on "<name>/messages" when they
// have none. ZMQ_MAXMSGSIZE bounds a message (ZeroMQ drops the connection of a peer that sends
// more); ZMQ_RCVHWM bounds the messages ZeroMQ queues for us.
// `connect` (endpoints separated by ';') makes the SUB socket connect instead of bind: to
// publishers that bind, or to rtviewer-broker's backend; ZeroMQ reconnects by itself, and each
// endpoint's state (from zmq_socket_monitor) is shown by endpoints() and printed when it changes.
// `streams` (names or patterns with '*', separated by ',' or ';') subscribes to those streams
// only: ZeroMQ filters by the prefix before the first '*', and the whole pattern is checked here
// (a message the prefix let through but no pattern matches is counted on zmq/messages as "not
// subscribed"). A bind or connect beyond loopback, ipc:// and inproc:// needs CURVE or
// `insecure=1`. CURVE (wire/curve.hpp, docs/security.md): with `curve` and `allow` the socket
// is a CURVE server (bind or connect) whose ZAP handler admits the listed keys; refusals are
// counted on zmq/messages and shown by security(); with `server_key` and `key` (connect only)
// it is a CURVE client of a broker.
// The schedule's interval, latency and jitter do not apply (frames come when they are sent);
// `iterations` stops after that many messages. Thread: configure on main, run on its own.

#include <array>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/producer.hpp"
#include "core/producer_board.hpp"
#include "producers/settings.hpp"
#include "producers/shm_reader.hpp"
#include "wire/curve.hpp"
#include "wire/message.hpp"
#include "wire/npy.hpp"

namespace zmq {
class socket_t;
}

namespace rtv::producers {

class ZmqInput final : public Producer {
public:
    static constexpr std::string_view kName = "zmq";
    static constexpr std::string_view kDescription =
        "frames from other processes over ZeroMQ: multipart [stream name, .npy array]";
    static std::span<const SettingInfo> settings();

    ProducerInfo info() const override { return {kName, kDescription}; }
    Status configure(const ProducerConfig& config) override;
    std::vector<StreamRequest> streams() const override;
    void tick(FrameSink&, std::uint64_t) override {} // run() does the work
    void run(std::stop_token stop, FrameSink& sink) override;
    // Ends run() once `ended` is requested and nothing has arrived for kDrainIdleS: the last
    // frames and sequence marks of a sender that has gone (a child process that exited) are
    // read, not lost. Thread: before run().
    void drain_when(std::stop_token ended) { m_drain = std::move(ended); }
    static constexpr double kDrainIdleS = 0.5;
    // Copies shared-memory frames out of mappings of their segments (ShmReader::map_segments):
    // only for a publisher known never to shrink them. Thread: before run().
    void map_shared_memory(bool on) { m_shm.map_segments(on); }
    // Takes the rows messages (wire/rows.hpp) its publisher sends into `board`, each replacing
    // the rows there; a bad one is refused and counted on "<name>/messages". Without a board
    // (the default) such a message is refused as any message with a control-byte topic is.
    // rtviewer-plugin-host's viewer side (ChildSource) takes its producer's rows so.
    // Thread: before run().
    void take_rows(ProducerBoard* board) { m_rows_board = board; }
    bool endpoints(std::vector<EndpointState>& out) const override;
    bool security(SecurityState& out) const override;
    // The streams the publishers' catalogues offer that streams= leaves out (none without
    // streams=: every stream is taken), and a click's subscription to one of them: queued, made
    // by run() (ZMQ_SUBSCRIBE) within its next poll. At most kMaxPatterns names and patterns in
    // all (streams= and clicks), kMaxOffers offered streams (more are left out, counted).
    bool offered(std::vector<OfferedStream>& out) const override;
    std::uint64_t offered_left_out() const override;
    std::uint64_t offered_version() const override;
    Status subscribe(std::string_view name) override;
    static constexpr std::size_t kMaxPatterns = 256;
    static constexpr std::size_t kMaxOffers = 256;
    static constexpr std::size_t kMaxRequests = 16;
    // A publisher whose catalogue has not come for this long no longer offers its streams.
    static constexpr double kOfferExpiryS = 30.0;

    ZmqInput();
    ~ZmqInput() override;
    ZmqInput(const ZmqInput&) = delete;
    ZmqInput& operator=(const ZmqInput&) = delete;

    // Whether stream `name` matches `pattern` ('*' matches any run of characters).
    static bool matches(std::string_view pattern, std::string_view name);

private:
    struct Watched;
    void watch_events(zmq::socket_t& monitor, std::vector<Watched>& watched);
    void set_endpoint(std::size_t i, std::string_view state, std::string_view reason,
                      std::uint32_t peers);
    Status configure_security(const ProducerConfig& config, const std::vector<std::string>& ends);
    // Counts the CURVE refusals not yet counted on zmq/messages (with their address and reason)
    // and says each new peer and reason once on stdout. Thread: run().
    void report_refusals(FrameSink& sink, const curve::CurveServer& server);
    static constexpr int kRefusalPollMs = 100;
    // As a CURVE client: counts a handshake with the server at `endpoint`, admitted (`refused`
    // null) or refused (of that kind, `why` as the endpoint's reason), for security().
    // Thread: run().
    void count_client_handshake(const std::string& endpoint, const curve::Refusal* refused,
                                std::string why);
    bool subscribed(std::string_view topic) const;
    // A publisher's catalogue (wire/catalogue.hpp) into m_offers. Thread: run().
    void take_catalogue(FrameSink& sink, std::span<const std::byte> json, std::size_t parts);
    // A rows message (wire/rows.hpp) into m_rows_board. Thread: run().
    void take_rows_message(FrameSink& sink, std::span<const std::byte> json, std::size_t parts);
    // Makes the subscriptions subscribe() queued. Thread: run().
    void take_requests(zmq::socket_t& socket);
    void handle(FrameSink& sink, std::string_view topic, const wire::WireHeader* header,
                std::span<const std::byte> payload);
    void handle_mark(FrameSink& sink, std::string_view topic, const wire::WireHeader& header,
                     std::span<const std::byte> payload);
    struct Known;
    Known* find(std::string_view name);
    // The stream `f` names, opened (shaped by `f`) if it is new; null when it cannot be opened
    // (too many streams, the memory limit): then counted on zmq/messages with the reason.
    Known* find_or_open(FrameSink& sink, const wire::DecodedFrame& f);
    void reject_named(FrameSink& sink, std::string_view topic, std::string_view why);
    void count_sender(FrameSink& sink, Known& k, const wire::WireHeader& h);

    static constexpr std::size_t kSendersPerStream = 4;
    struct Sender {
        std::uint64_t publisher = 0;
        std::uint64_t next_sequence = 0; // what it numbers next if nothing is lost
        std::uint64_t heard = 0;         // when last heard (m_heard): the oldest is replaced
    };
    struct Known {
        std::string name;
        std::size_t index = 0;
        // The publishers numbering this stream (senders[0..sender_count)), each counted on its
        // own numbering, so that publishers taking turns on a stream are no gaps of each other.
        std::array<Sender, kSendersPerStream> senders{};
        std::size_t sender_count = 0;
        Sender* sender(std::uint64_t publisher);
        Sender& add_sender(std::uint64_t publisher); // replaces the least recently heard
    };

    std::stop_token m_drain;
    ProducerBoard* m_rows_board = nullptr;
    std::array<ProducerBoard::Row, ProducerBoard::kMaxRows> m_rows{}; // decoded here: no allocation
    std::uint64_t m_reserved_hwm = 0; // the receive queue reserved by the first run (in messages)
    std::string m_bind = "tcp://127.0.0.1:5555";
    std::vector<std::string> m_connect;  // connect mode: these instead of m_bind
    std::vector<std::string> m_patterns; // streams= and clicks: empty takes every stream
    // What the catalogues offer and the subscriptions asked for: under m_offers_mutex, written
    // by run() (offers) and subscribe() (requests), read by any thread.
    struct Offer {
        std::string name, detail;
        std::uint64_t publisher = 0;
        std::int64_t heard_ns = 0;
    };
    mutable std::mutex m_offers_mutex;
    std::vector<Offer> m_offers;
    std::vector<std::string> m_requests;
    std::uint64_t m_offers_version = 0;
    std::uint64_t m_offers_over = 0; // offered streams left out (kMaxOffers)
    std::size_t m_subscriptions = 0; // m_patterns.size(), for subscribe()
    bool m_patterns_empty = true;    // every stream is taken
    int m_wake = -1;                 // eventfd: subscribe() wakes run()'s poll
    bool m_insecure = false;
    // CURVE: as the server (curve=, allow=), or as a client of a broker (server_key=, key=).
    std::string m_curve_secret;
    curve::AllowList m_allowed;
    std::string m_server_public, m_client_secret;
    std::uint64_t m_reported = 0;    // refusals counted on zmq/messages so far (run()'s)
    std::vector<std::string> m_said; // peers and reasons said on stdout (run()'s)
    // m_endpoints, m_server and m_last_refusals: written by run(), read by any thread.
    mutable std::mutex m_endpoints_mutex;
    const curve::CurveServer* m_server = nullptr; // while run() has one
    curve::RefusalSnapshot m_last_refusals;       // once it has gone
    curve::RefusalSnapshot m_client_handshakes;   // as a CURVE client: admitted and refused
    std::vector<EndpointState> m_endpoints;
    std::uint32_t m_max_mb = 64;
    std::uint32_t m_hwm = 16;
    std::uint32_t m_max_streams = 32;
    wire::NpyLimits m_limits;
    std::vector<Known> m_streams; // by name: the sink index and the sender's numbering
    wire::BootId m_boot_id{};
    std::uint64_t m_heard = 0; // numbered messages so far: the senders' clock
    ShmReader m_shm;
};

} // namespace rtv::producers
