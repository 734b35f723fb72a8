// rtviewer-broker: forwards rtviewer's messages from any number of publishers to any number of
// viewers, on ZeroMQ's own proxy (zmq_proxy_steerable): an XSUB socket bound to --frontend
// (publishers connect), an XPUB socket bound to --backend (viewers connect with
// `--producer zmq:connect=...`). Viewers' subscriptions go upstream, so a stream nobody
// subscribed to never leaves its publisher. Each viewer has a queue of --hwm messages: a slow or
// paused viewer loses messages there (it counts them as gaps from the sequence numbers) and never
// slows the others. A capture socket copies every message to a statistics thread: messages and
// bytes in and out per stream, publishers, viewers and subscriptions, for --progress and
// --stats-json. SIGINT/SIGTERM end it cleanly. Exit status: 0 after a signal, 2 for bad
// arguments or an endpoint that cannot be bound, 1 for other failures.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <pthread.h>
#include <unistd.h>
#include <zmq.hpp>

#include "wire/catalogue.hpp"
#include "wire/curve.hpp"
#include "wire/endpoint.hpp"

namespace {

struct Options {
    std::string frontend = "tcp://127.0.0.1:5555";
    std::string backend = "tcp://127.0.0.1:5556";
    int hwm = 64;
    std::string stats_json;
    double progress_s = 0.0;
    bool insecure = false;
    std::string curve; // --curve: the broker's secret key (a file or Z85); CURVE on both sides
    std::string allow; // --allow: the publishers' and viewers' public keys accepted
};

constexpr const char* kUsage =
    "Usage: rtviewer-broker [--frontend ENDPOINT] [--backend ENDPOINT] [--hwm N]\n"
    "                       [--stats-json FILE] [--progress SECONDS] [--insecure]\n"
    "                       [--curve SECRET_FILE --allow DIR_OR_FILE]\n"
    "Forwards rtviewer streams from publishers to viewers (ZeroMQ XSUB -> XPUB proxy).\n"
    "  --frontend ENDPOINT  where publishers connect (default tcp://127.0.0.1:5555)\n"
    "  --backend ENDPOINT   where viewers connect: rtviewer --producer zmq:connect=ENDPOINT\n"
    "                       (default tcp://127.0.0.1:5556)\n"
    "  --hwm N              messages queued for each viewer before it loses some (default 64)\n"
    "  --stats-json FILE    counters per stream written at exit\n"
    "  --progress SECONDS   a counters line on stdout every SECONDS\n"
    "  --insecure           allow endpoints beyond this machine (no authentication)\n"
    "  --curve SECRET_FILE  CURVE on both sides: the broker's secret key (a file, mode 0600,\n"
    "                       or the Z85 text); publishers and viewers give its public key as\n"
    "                       server_key= (docs/security.md)\n"
    "  --allow DIR_OR_FILE  the publishers' and viewers' public keys admitted (*.key files in\n"
    "                       a directory, or a file of keys); needed with --curve\n"
    "Port * picks a free port; the ready line says which:\n"
    "  rtviewer-broker: forwarding FRONTEND -> BACKEND\n";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "rtviewer-broker: %s\n", message.c_str());
    return 2;
}

// The broker's own subscription upstream: publishers that wait for a subscriber before they
// send (rtviewer's clients do) start as soon as the broker is there. No stream name starts with
// this byte (names are printable), so it lets no frame through.
constexpr char kBrokerTopic[] = "\x01rtviewer-broker";

constexpr int kMaxQueuedSubscriptions = 100000;
constexpr int kMaxSubscriptionBytes = 4096; // the CURVE handshake's commands (about 300) fit

struct StreamCount {
    std::uint64_t messages_in = 0, bytes_in = 0, messages_out = 0, bytes_out = 0;
    std::uint32_t subscribers = 0;
};

// The statistics thread's state: everything it counts. Only that thread touches it until it
// has been joined.
struct Counters {
    std::map<std::string, StreamCount, std::less<>> streams;
    std::uint64_t other_messages = 0, other_bytes = 0; // no stream name, or over the stream limit
    std::uint64_t catalogue_messages = 0, catalogue_bytes = 0;       // publishers' catalogues, in
    std::map<std::string, std::uint32_t, std::less<>> subscriptions; // prefix -> viewers
    std::uint32_t publishers = 0, viewers = 0, peak_viewers = 0;
    std::uint64_t messages_in = 0, bytes_in = 0, messages_out = 0, bytes_out = 0;
    static constexpr std::size_t kMaxStreams = 1024;
    static constexpr std::size_t kMaxSubscriptions = 1024;
    std::uint64_t untracked_subscriptions = 0; // past kMaxSubscriptions

    std::uint32_t matching(std::string_view topic) const {
        std::uint32_t n = 0;
        for (const auto& [prefix, count] : subscriptions)
            if (topic.starts_with(prefix)) n += count;
        return n;
    }
    void message(const std::vector<zmq::message_t>& parts) {
        std::uint64_t bytes = 0;
        for (const zmq::message_t& p : parts)
            bytes += p.size();
        const std::string_view first = parts[0].to_string_view();
        // The proxy copies its control commands to the capture socket too: not traffic.
        if (parts.size() == 1 && first == "TERMINATE") return;
        if (parts.size() == 1 && !first.empty() && (first[0] == 0 || first[0] == 1)) {
            // A viewer's subscription (1) or its end (0), on its way upstream.
            const std::string prefix(first.substr(1));
            if (prefix == std::string_view(kBrokerTopic)) return;
            auto it = subscriptions.find(prefix);
            if (first[0] == 1) {
                if (it == subscriptions.end()) {
                    // A viewer subscribing to thousands of names costs the counters no more
                    // than kMaxSubscriptions entries: the rest go uncounted (counted so).
                    if (subscriptions.size() >= kMaxSubscriptions) {
                        ++untracked_subscriptions;
                        return;
                    }
                    it = subscriptions.emplace(prefix, 0).first;
                }
                ++it->second;
            } else if (it != subscriptions.end()) {
                if (--it->second == 0) subscriptions.erase(it);
            } else {
                return; // the end of one that was not counted
            }
            // Only the streams under this prefix change.
            for (auto& [name, s] : streams)
                if (name.starts_with(prefix)) {
                    if (first[0] == 1)
                        ++s.subscribers;
                    else if (s.subscribers > 0)
                        --s.subscribers;
                }
            return;
        }
        const std::uint32_t out = matching(first);
        ++messages_in;
        bytes_in += bytes;
        messages_out += out;
        bytes_out += out * bytes;
        if (first == rtv::wire::kCatalogueTopic) { // which streams a publisher sends: no stream
            ++catalogue_messages;
            catalogue_bytes += bytes;
            return;
        }
        std::string_view name = first;
        if (name.ends_with(":image") || name.ends_with(":lines")) name.remove_suffix(6);
        auto it = streams.find(name);
        if (it == streams.end() && parts.size() >= 2 && !name.empty() && name.size() <= 64 &&
            streams.size() < kMaxStreams)
            it = streams.emplace(std::string(name), StreamCount{}).first;
        if (it == streams.end()) {
            ++other_messages;
            other_bytes += bytes;
            return;
        }
        StreamCount& s = it->second;
        ++s.messages_in;
        s.bytes_in += bytes;
        s.messages_out += out;
        s.bytes_out += out * bytes;
        s.subscribers = out;
    }
};

// Reads a socket monitor's events: peers connected to one side.
void count_peers(zmq::socket_t& monitor, std::uint32_t& peers, std::uint32_t* peak) {
    zmq::message_t event, address;
    while (monitor.recv(event, zmq::recv_flags::dontwait)) {
        if (event.more()) (void)monitor.recv(address);
        if (event.size() < 6) continue;
        std::uint16_t id = 0;
        std::memcpy(&id, event.data(), 2);
        if (id == ZMQ_EVENT_ACCEPTED) {
            ++peers;
            if (peak) *peak = std::max(*peak, peers);
        } else if (id == ZMQ_EVENT_DISCONNECTED && peers > 0) {
            --peers;
        }
    }
}

void print_progress(const Counters& c, double t) {
    std::printf("rtviewer-broker: t=%.1f s in %llu messages %.1f MB, out %llu messages %.1f MB, "
                "%u publishers, %u viewers, %zu streams\n",
                t, static_cast<unsigned long long>(c.messages_in), double(c.bytes_in) / 1e6,
                static_cast<unsigned long long>(c.messages_out), double(c.bytes_out) / 1e6,
                c.publishers, c.viewers, c.streams.size());
    std::fflush(stdout);
}

// Says each refusal not said yet (once per peer, reason and detail: a peer with a wrong server
// key retries several times a second). Thread: the statistics thread.
void say_refusals(const rtv::curve::CurveServer& server, std::uint64_t& seen,
                  std::vector<std::string>& said) {
    if (server.refused() == seen) return;
    const rtv::curve::RefusalSnapshot snap = server.snapshot();
    const std::size_t fresh =
        static_cast<std::size_t>(std::min<std::uint64_t>(snap.refused - seen, snap.recent.size()));
    for (std::size_t i = snap.recent.size() - fresh; i < snap.recent.size(); ++i) {
        const rtv::curve::RefusedPeer& r = snap.recent[i];
        const std::string line = "refused " + (r.address.empty() ? r.via : r.address) + ": " +
                                 std::string(rtv::curve::refusal_name(r.kind)) + " (" + r.detail +
                                 ")";
        if (said.size() < 64 && std::find(said.begin(), said.end(), line) == said.end()) {
            said.push_back(line);
            std::printf("rtviewer-broker: %s\n", line.c_str());
            std::fflush(stdout);
        }
    }
    seen = snap.refused;
}

nlohmann::json curve_json(const rtv::curve::RefusalSnapshot& snap, std::size_t allowed_keys) {
    nlohmann::json recent = nlohmann::json::array();
    for (const rtv::curve::RefusedPeer& r : snap.recent)
        recent.push_back({{"address", r.address.empty() ? r.via : r.address},
                          {"reason", std::string(rtv::curve::refusal_name(r.kind))},
                          {"detail", r.detail}});
    return {{"allowed_keys", allowed_keys}, {"accepted", snap.accepted},
            {"refused", snap.refused},      {"unknown_key", snap.by_kind[0]},
            {"not_curve", snap.by_kind[1]}, {"bad_handshake", snap.by_kind[2]},
            {"recent", std::move(recent)}};
}

std::string stats_json(const Counters& c, const std::string& frontend, const std::string& backend,
                       double duration_s, int hwm, const nlohmann::json& curve) {
    nlohmann::json j;
    if (!curve.is_null()) j["curve"] = curve;
    j["frontend"] = frontend;
    j["backend"] = backend;
    j["duration_s"] = duration_s;
    j["hwm"] = hwm;
    j["publishers"] = c.publishers;
    j["viewers"] = c.viewers;
    j["peak_viewers"] = c.peak_viewers;
    nlohmann::json subs = nlohmann::json::object();
    for (const auto& [prefix, n] : c.subscriptions)
        subs[prefix] = n;
    j["subscriptions"] = std::move(subs);
    j["untracked_subscriptions"] = c.untracked_subscriptions;
    j["in"] = {{"messages", c.messages_in}, {"bytes", c.bytes_in}};
    j["out"] = {{"messages", c.messages_out}, {"bytes", c.bytes_out}};
    j["other"] = {{"messages", c.other_messages}, {"bytes", c.other_bytes}};
    j["catalogues"] = {{"messages", c.catalogue_messages}, {"bytes", c.catalogue_bytes}};
    nlohmann::json streams = nlohmann::json::array();
    for (const auto& [name, s] : c.streams)
        streams.push_back({{"name", name},
                           {"messages_in", s.messages_in},
                           {"bytes_in", s.bytes_in},
                           {"messages_out", s.messages_out},
                           {"bytes_out", s.bytes_out},
                           {"subscribers", s.subscribers}});
    j["streams"] = std::move(streams);
    return j.dump(2) + "\n";
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        const auto value = [&](std::string& out) {
            if (i + 1 >= argc) return false;
            out = argv[++i];
            return true;
        };
        std::string v;
        if (a == "--help" || a == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (a == "--version") {
            std::printf("rtviewer-broker " RTV_VERSION "\n");
            return 0;
        }
        if (a == "--insecure") {
            o.insecure = true;
        } else if (a == "--curve") {
            if (!value(o.curve)) return usage_error("--curve needs the broker's SECRET_FILE");
        } else if (a == "--allow") {
            if (!value(o.allow)) return usage_error("--allow needs a DIR_OR_FILE of public keys");
        } else if (a == "--frontend") {
            if (!value(o.frontend)) return usage_error("--frontend needs an ENDPOINT");
        } else if (a == "--backend") {
            if (!value(o.backend)) return usage_error("--backend needs an ENDPOINT");
        } else if (a == "--stats-json") {
            if (!value(o.stats_json)) return usage_error("--stats-json needs a FILE");
        } else if (a == "--hwm") {
            char* end = nullptr;
            if (!value(v) || (o.hwm = int(std::strtol(v.c_str(), &end, 10)), *end) || o.hwm < 1 ||
                o.hwm > 1000000)
                return usage_error("--hwm: must be a whole number 1..1000000, got '" + v + "'");
        } else if (a == "--progress") {
            char* end = nullptr;
            if (!value(v) || (o.progress_s = std::strtod(v.c_str(), &end), *end) ||
                !(o.progress_s > 0))
                return usage_error("--progress: must be a number of seconds > 0, got '" + v + "'");
        } else {
            return usage_error("unknown argument '" + std::string(a) + "'\n" + kUsage);
        }
    }
    for (const auto& [what, endpoint] :
         {std::pair{"--frontend", &o.frontend}, std::pair{"--backend", &o.backend}})
        if (rtv::Status s = rtv::wire::check_endpoint(*endpoint, true, what); !s)
            return usage_error(s.message());
    {
        // The viewer's rule, in the broker's words (--curve, --allow, --insecure).
        const std::string ends[] = {o.frontend, o.backend};
        const rtv::Status s =
            rtv::curve::check_server_security("broker", {o.curve, o.allow, o.insecure}, ends);
        if (!s) {
            std::string m = s.message();
            for (const auto& [from, to] :
                 {std::pair<std::string, std::string>{"curve=SECRET_FILE,allow=DIR_OR_FILE",
                                                      "--curve SECRET_FILE --allow DIR_OR_FILE"},
                  {"insecure=1", "--insecure"},
                  {"curve=", "--curve"},
                  {"allow=", "--allow"}})
                for (std::size_t at = m.find(from); at != std::string::npos;
                     at = m.find(from, at + to.size()))
                    m.replace(at, from.size(), to);
            std::fprintf(stderr, "rtviewer-%s\n", m.c_str());
            return 2;
        }
    }
    std::string secret;
    rtv::curve::AllowList allowed;
    if (!o.curve.empty()) {
        if (rtv::Status s = rtv::curve::load_secret_key(o.curve, secret); !s)
            return usage_error(s.message());
        if (rtv::Status s = rtv::curve::load_allow_list(o.allow, allowed); !s)
            return usage_error(s.message());
    }
    const std::size_t allowed_keys = allowed.keys.size();
    // SIGINT/SIGTERM go to one thread that waits for them (sigwait): it steers the proxy to stop.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr); // every thread started below inherits it

    zmq::context_t context(1);
    zmq::socket_t frontend(context, zmq::socket_type::xsub);
    zmq::socket_t backend(context, zmq::socket_type::xpub);
    zmq::socket_t capture(context, zmq::socket_type::pub);
    zmq::socket_t control(context, zmq::socket_type::pair);
    std::string frontend_at, backend_at;
    try {
        for (zmq::socket_t* s : {&frontend, &backend, &capture, &control})
            s->set(zmq::sockopt::linger, 0);
        backend.set(zmq::sockopt::sndhwm, o.hwm); // each viewer's queue: full drops, for it alone
        // Upstream go only subscriptions: ZeroMQ drops those that find the queue to a publisher
        // full (1000 by default), which a viewer subscribing to thousands of names would reach.
        // A few bytes each: 100000 of them are a few MB.
        frontend.set(zmq::sockopt::sndhwm, kMaxQueuedSubscriptions);
        // Every subscription and its end come through, so that the counters know each viewer's.
        backend.set(zmq::sockopt::xpub_verboser, 1);
        // Viewers send only subscriptions (a stream name or prefix, at most 64 bytes) and, with
        // CURVE, handshake commands: a peer that sends a larger message is disconnected.
        backend.set(zmq::sockopt::maxmsgsize, std::int64_t{kMaxSubscriptionBytes});
        // The statistics never slow the proxy: a capture queue that is full drops copies.
        capture.set(zmq::sockopt::sndhwm, 1024);
        capture.bind("inproc://rtviewer-broker-capture");
        control.bind("inproc://rtviewer-broker-control");
    } catch (const zmq::error_t& e) {
        std::fprintf(stderr, "rtviewer-broker: %s\n", e.what());
        return 1;
    }
    // With CURVE, both sides are CURVE servers; the CURVE server monitors them (a socket has one
    // monitor) and passes their events on to where the counters read them.
    rtv::curve::CurveServer curve; // after the context: stopped before it closes
    if (!secret.empty()) {
        rtv::Status s = curve.start(context, secret, std::move(allowed));
        if (s) s = curve.apply(frontend, "inproc://rtviewer-broker-front");
        if (s) s = curve.apply(backend, "inproc://rtviewer-broker-back");
        if (!s) {
            std::fprintf(stderr, "rtviewer-broker: %s\n", s.message().c_str());
            return 1;
        }
    } else if (zmq_socket_monitor(frontend.handle(), "inproc://rtviewer-broker-front",
                                  ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0 ||
               zmq_socket_monitor(backend.handle(), "inproc://rtviewer-broker-back",
                                  ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0) {
        std::fprintf(stderr, "rtviewer-broker: cannot monitor its sockets: %s\n",
                     zmq_strerror(zmq_errno()));
        return 1;
    }
    for (const auto& [what, socket, endpoint, at] :
         {std::tuple{"--frontend", &frontend, &o.frontend, &frontend_at},
          std::tuple{"--backend", &backend, &o.backend, &backend_at}}) {
        try {
            socket->bind(*endpoint);
            *at = socket->get(zmq::sockopt::last_endpoint);
        } catch (const zmq::error_t& e) {
            return usage_error(std::string(what) + ": cannot bind " + *endpoint + ": " + e.what() +
                               (e.num() == EADDRINUSE ? " (another program listens there)" : ""));
        }
    }
    // The broker's own subscription, before the proxy starts: see kBrokerTopic.
    {
        std::string subscribe(1, '\x01');
        subscribe += kBrokerTopic;
        frontend.send(zmq::buffer(subscribe));
    }

    const auto started = std::chrono::steady_clock::now();
    const auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    };
    // The statistics thread: reads the capture copies and the sockets' events until the proxy
    // has returned (`done`), then hands its counters back.
    Counters counters;
    std::atomic<bool> done{false};
    zmq::socket_t stats_in(context, zmq::socket_type::sub);
    stats_in.set(zmq::sockopt::linger, 0);
    stats_in.set(zmq::sockopt::rcvhwm, 1024);
    stats_in.set(zmq::sockopt::subscribe, "");
    stats_in.connect("inproc://rtviewer-broker-capture");
    zmq::socket_t front_events(context, zmq::socket_type::pair);
    zmq::socket_t back_events(context, zmq::socket_type::pair);
    front_events.connect("inproc://rtviewer-broker-front");
    back_events.connect("inproc://rtviewer-broker-back");
    std::thread stats([&] {
        std::vector<zmq::message_t> parts;
        double next_progress = o.progress_s;
        std::uint64_t refusals_seen = 0;
        std::vector<std::string> refusals_said;
        while (!done.load()) {
            std::array<zmq::pollitem_t, 3> items{{{stats_in.handle(), 0, ZMQ_POLLIN, 0},
                                                  {front_events.handle(), 0, ZMQ_POLLIN, 0},
                                                  {back_events.handle(), 0, ZMQ_POLLIN, 0}}};
            double wait_s = 0.1; // looks at `done` this often
            if (o.progress_s > 0)
                wait_s = std::min(wait_s, std::max(0.0, next_progress - elapsed()));
            try {
                zmq::poll(items.data(), items.size(), std::chrono::milliseconds(int(wait_s * 1e3)));
            } catch (const zmq::error_t&) {
                break;
            }
            if (!secret.empty()) say_refusals(curve, refusals_seen, refusals_said);
            if (items[1].revents & ZMQ_POLLIN)
                count_peers(front_events, counters.publishers, nullptr);
            if (items[2].revents & ZMQ_POLLIN)
                count_peers(back_events, counters.viewers, &counters.peak_viewers);
            // One captured message (all its parts) counted; false when none was waiting.
            const auto count_one = [&] {
                parts.clear();
                zmq::message_t part;
                if (!stats_in.recv(part, zmq::recv_flags::dontwait)) return false;
                bool more = part.more();
                parts.push_back(std::move(part));
                while (more) {
                    zmq::message_t next;
                    (void)stats_in.recv(next);
                    more = next.more();
                    parts.push_back(std::move(next));
                }
                counters.message(parts);
                return true;
            };
            for (int n = 0; n < 256 && (items[0].revents & ZMQ_POLLIN); ++n)
                if (!count_one()) break;
            if (done.load()) // the proxy has stopped: what the capture still holds counts
                while (count_one()) {
                }
            if (o.progress_s > 0 && elapsed() >= next_progress) {
                print_progress(counters, elapsed());
                next_progress += o.progress_s;
            }
        }
    });
    // The signal thread: the first SIGINT or SIGTERM tells the proxy to stop.
    std::thread waiter([&] {
        zmq::socket_t steer(context, zmq::socket_type::pair);
        steer.set(zmq::sockopt::linger, 0);
        steer.connect("inproc://rtviewer-broker-control");
        int signal = 0;
        sigwait(&signals, &signal);
        if (signal != 0) steer.send(zmq::str_buffer("TERMINATE"));
    });

    const std::string security = !secret.empty()
                                     ? " (CURVE, " + std::to_string(allowed_keys) + " allowed keys)"
                                 : o.insecure ? std::string(" (insecure: no authentication)")
                                              : std::string();
    std::printf("rtviewer-broker: forwarding %s -> %s%s\n", frontend_at.c_str(), backend_at.c_str(),
                security.c_str());
    std::fflush(stdout);
    const int rc = zmq_proxy_steerable(frontend.handle(), backend.handle(), capture.handle(),
                                       control.handle());
    const bool stopped = rc == 0;
    if (!stopped) {
        std::fprintf(stderr, "rtviewer-broker: the proxy stopped: %s\n", zmq_strerror(zmq_errno()));
        pthread_kill(waiter.native_handle(), SIGTERM); // ends its sigwait
    }
    waiter.join();
    // An ipc:// endpoint's socket file would stay behind (ZeroMQ leaves it): removed.
    for (const std::string& at : {frontend_at, backend_at})
        if (at.starts_with("ipc://") && at.size() > 6 && at[6] != '@') // '@': abstract, no file
            ::unlink(at.c_str() + 6);
    // What is still in the capture queue is counted before the counters are read.
    done.store(true);
    stats.join();
    nlohmann::json curve_counts;
    if (!secret.empty()) {
        curve.stop(); // its last refusals counted
        curve_counts = curve_json(curve.snapshot(), allowed_keys);
    } else {
        zmq_socket_monitor(frontend.handle(), nullptr, 0);
        zmq_socket_monitor(backend.handle(), nullptr, 0);
    }
    const double duration = elapsed();
    if (o.progress_s > 0) print_progress(counters, duration);
    if (!o.stats_json.empty()) {
        std::ofstream out(o.stats_json, std::ios::binary | std::ios::trunc);
        out << stats_json(counters, frontend_at, backend_at, duration, o.hwm, curve_counts);
        if (!out) {
            std::fprintf(stderr, "rtviewer-broker: --stats-json: cannot write %s\n",
                         o.stats_json.c_str());
            return 1;
        }
    }
    std::printf("rtviewer-broker: stopped after %.1f s: in %llu messages, out %llu\n", duration,
                static_cast<unsigned long long>(counters.messages_in),
                static_cast<unsigned long long>(counters.messages_out));
    return stopped ? 0 : 1;
}
