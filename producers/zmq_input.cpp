#include "producers/zmq_input.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <netdb.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.hpp>

#include "core/clock.hpp"
#include "core/frame_sink.hpp"
#include "core/glob.hpp"
#include "core/pixel_format.hpp"
#include "wire/catalogue.hpp"
#include "wire/curve.hpp"
#include "wire/endpoint.hpp"
#include "wire/message.hpp"
#include "wire/rows.hpp"

namespace rtv::producers {

namespace {
constexpr std::array kZmqSettings{
    SettingInfo{
        "bind", "tcp://127.0.0.1:5555",
        "ZeroMQ endpoint to bind (tcp://0.0.0.0:5555 takes other machines, with insecure=1; "
        "port * picks a free one, printed at start)"},
    SettingInfo{"connect", "",
                "connect to these endpoints instead of binding (publishers that bind, or "
                "rtviewer-broker's backend), separated by ';'; reconnects by itself"},
    SettingInfo{"streams", "",
                "take only these streams: names or patterns with '*', separated by ',' (quote "
                "the value) or ';' (empty: every stream)"},
    SettingInfo{"insecure", "0",
                "1 allows a bind or connect beyond this machine (not loopback, ipc:// or "
                "inproc://) without authentication"},
    SettingInfo{"curve", "",
                "CURVE server: this viewer's secret key (a file, mode 0600, or the Z85 text); "
                "needs allow= (docs/security.md)"},
    SettingInfo{"allow", "",
                "CURVE server: the publishers' public keys accepted, a directory of *.key "
                "files or a file of keys"},
    SettingInfo{"server_key", "",
                "connect= only, CURVE client (to an rtviewer-broker with CURVE): the "
                "server's public key (a file or the Z85 text); needs key="},
    SettingInfo{"key", "", "CURVE client: this viewer's secret key (a file or the Z85 text)"},
    SettingInfo{"maxmsg", "64", "largest message in MB (ZMQ_MAXMSGSIZE), 1..4096"},
    SettingInfo{"hwm", "16", "messages ZeroMQ may queue for the viewer (ZMQ_RCVHWM), 1..10000"},
    SettingInfo{"max_streams", "32", "most streams this producer opens, 1..256"},
};

// Splits `text` at any of `separators`, dropping empty pieces and surrounding spaces.
std::vector<std::string> split_list(std::string_view text, std::string_view separators) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find_first_of(separators, start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view piece = text.substr(start, end - start);
        while (!piece.empty() && piece.front() == ' ')
            piece.remove_prefix(1);
        while (!piece.empty() && piece.back() == ' ')
            piece.remove_suffix(1);
        if (!piece.empty()) out.emplace_back(piece);
        start = end + 1;
    }
    return out;
}

// Tries `endpoint` with a socket of our own (bound, then closed): a port in use or an address
// that is not this machine's is a configure error (exit 2), not a failure after start.
Status try_bind(const std::string& endpoint) {
    if (!endpoint.starts_with("tcp://")) return Status::ok(); // ipc:// takes over its path
    try {
        zmq::context_t context(1);
        zmq::socket_t socket(context, zmq::socket_type::sub);
        socket.set(zmq::sockopt::linger, 0);
        socket.bind(endpoint);
    } catch (const zmq::error_t& e) {
        return Status::error("zmq: cannot bind " + endpoint + ": " + e.what() +
                             (e.num() == EADDRINUSE ? " (another program listens there; choose "
                                                      "another port, or port * for a free one)"
                                                    : ""));
    }
    return Status::ok();
}

// Whether a connect endpoint's host resolves (DNS): the reason a retrying endpoint gives.
bool host_resolves(std::string_view endpoint) {
    std::string_view host, port;
    if (!wire::split_tcp_endpoint(endpoint, host, port)) return true;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int rc = ::getaddrinfo(std::string(host).c_str(), nullptr, &hints, &found);
    if (found) ::freeaddrinfo(found);
    return rc == 0;
}
} // namespace

std::span<const SettingInfo> ZmqInput::settings() {
    return kZmqSettings;
}

bool ZmqInput::matches(std::string_view pattern, std::string_view name) {
    return glob_match(pattern, name);
}

Status ZmqInput::configure(const ProducerConfig& config) {
    if (Status s = check_keys(kName, config, kZmqSettings); !s) return s;
    const auto bind_it = config.find("bind");
    const auto connect_it = config.find("connect");
    if (bind_it != config.end() && connect_it != config.end())
        return Status::error("zmq: bind and connect were both given, expected one: bind=ENDPOINT "
                             "listens for publishers, connect=ENDPOINT[;ENDPOINT...] reaches "
                             "publishers that bind (or rtviewer-broker)");
    if (bind_it != config.end()) {
        if (Status s = wire::check_endpoint(bind_it->second, true, "zmq: bind"); !s) return s;
        m_bind = bind_it->second;
    }
    m_connect.clear();
    if (connect_it != config.end()) {
        m_connect = split_list(connect_it->second, ";");
        if (m_connect.empty())
            return Status::error("zmq: connect is empty, expected ENDPOINT[;ENDPOINT...] such as "
                                 "tcp://127.0.0.1:5556");
        for (const std::string& e : m_connect)
            if (Status s = wire::check_endpoint(e, false, "zmq: connect"); !s) return s;
    }
    std::uint32_t insecure = 0;
    if (Status s = read_uint(kName, config, "insecure", 0, 1, insecure); !s) return s;
    m_insecure = insecure != 0;
    const std::vector<std::string> ends = m_connect.empty() ? std::vector{m_bind} : m_connect;
    if (Status s = configure_security(config, ends); !s) return s;
    m_patterns.clear();
    if (auto it = config.find("streams"); it != config.end()) {
        m_patterns = split_list(it->second, ",;");
        if (m_patterns.size() > kMaxPatterns)
            return Status::error("zmq: streams: " + std::to_string(m_patterns.size()) +
                                 " names or patterns, expected at most " +
                                 std::to_string(kMaxPatterns) +
                                 " (a pattern such as cam* takes many streams)");
        for (const std::string& pattern : m_patterns) {
            if (pattern.size() > wire::kMaxStreamName ||
                pattern.find_first_not_of("*") == std::string::npos)
                return Status::error("zmq: streams: '" + pattern +
                                     "' is not a stream name or pattern, expected names such as "
                                     "cam1 or cam* (at most 64 characters, not '*' alone: leave "
                                     "streams out to take every stream)");
            if (pattern.find_first_not_of("0123456789") == std::string::npos)
                return Status::error("zmq: streams: '" + pattern +
                                     "' is a number: streams= names the streams to take; the "
                                     "most streams opened is max_streams=");
        }
    }
    {
        std::scoped_lock lock(m_offers_mutex);
        m_patterns_empty = m_patterns.empty();
        m_subscriptions = m_patterns.size();
        m_offers.clear();
        m_requests.clear();
    }
    if (Status s = read_uint(kName, config, "maxmsg", 1, 4096, m_max_mb); !s) return s;
    if (Status s = read_uint(kName, config, "hwm", 1, 10000, m_hwm); !s) return s;
    if (Status s = read_uint(kName, config, "max_streams", 1, 256, m_max_streams); !s) return s;
    if (m_connect.empty())
        if (Status s = try_bind(m_bind); !s) return s;
    m_limits.max_elements = std::uint64_t{m_max_mb} << 20; // at least 1 byte per element
    m_streams.reserve(m_max_streams);
    std::scoped_lock lock(m_endpoints_mutex);
    m_endpoints.clear();
    for (const std::string& e : ends)
        m_endpoints.push_back({e, m_connect.empty() ? "binding" : "connecting", "", 0});
    return Status::ok();
}

Status ZmqInput::configure_security(const ProducerConfig& config,
                                    const std::vector<std::string>& ends) {
    const auto value = [&](const char* key) {
        const auto it = config.find(key);
        return it == config.end() ? std::string() : it->second;
    };
    curve::ServerSecurity server{value("curve"), value("allow"), m_insecure};
    curve::ClientSecurity client{value("server_key"), value("key"), m_insecure};
    m_curve_secret.clear();
    m_server_public.clear();
    m_client_secret.clear();
    m_allowed = {};
    const bool as_client = !client.server_key.empty() || !client.key.empty();
    if (as_client) {
        // Towards a CURVE server (rtviewer-broker with --curve): this viewer is its client.
        if (m_connect.empty())
            return Status::error("zmq: server_key= and key= are for connect= (this viewer as a "
                                 "CURVE client of a broker); a bound viewer is the CURVE server: "
                                 "curve=SECRET_FILE,allow=DIR_OR_FILE");
        if (!server.curve.empty() || !server.allow.empty())
            return Status::error("zmq: server_key=/key= (this viewer a CURVE client) and "
                                 "curve=/allow= (this viewer the CURVE server) were both given, "
                                 "expected one pair");
        if (Status s = curve::check_client_security("zmq", client, ends); !s) return s;
        if (Status s = curve::load_public_key(client.server_key, m_server_public); !s) return s;
        if (Status s = curve::load_secret_key(client.key, m_client_secret); !s) return s;
        return Status::ok();
    }
    if (Status s = curve::check_server_security("zmq", server, ends); !s) return s;
    if (server.curve.empty()) return Status::ok();
    if (Status s = curve::load_secret_key(server.curve, m_curve_secret); !s) return s;
    if (Status s = curve::load_allow_list(server.allow, m_allowed); !s) return s;
    return Status::ok();
}

bool ZmqInput::security(SecurityState& out) const {
    std::scoped_lock lock(m_endpoints_mutex);
    if (m_curve_secret.empty() && m_server_public.empty()) return false;
    out.mechanism = m_curve_secret.empty() ? "CURVE client" : "CURVE server";
    out.allowed_keys = static_cast<std::uint32_t>(m_allowed.keys.size());
    // A client's are its own handshakes with the server: admitted, or refused and why.
    const curve::RefusalSnapshot snap = m_server                 ? m_server->snapshot()
                                        : m_curve_secret.empty() ? m_client_handshakes
                                                                 : m_last_refusals;
    out.accepted = snap.accepted;
    out.refused = snap.refused;
    out.recent.resize(snap.recent.size());
    for (std::size_t i = 0; i < snap.recent.size(); ++i) {
        const curve::RefusedPeer& r = snap.recent[i];
        out.recent[i].address.assign(r.address.empty() ? r.via : r.address);
        out.recent[i].reason.assign(curve::refusal_name(r.kind));
        out.recent[i].detail.assign(r.detail);
    }
    return true;
}

void ZmqInput::count_client_handshake(const std::string& endpoint, const curve::Refusal* refused,
                                      std::string why) {
    std::scoped_lock lock(m_endpoints_mutex);
    curve::RefusalSnapshot& c = m_client_handshakes;
    if (!refused) {
        ++c.accepted;
        return;
    }
    ++c.refused;
    ++c.by_kind[static_cast<std::size_t>(*refused)];
    if (c.recent.size() == curve::CurveServer::kRecent) c.recent.erase(c.recent.begin());
    c.recent.push_back({{}, endpoint, *refused, std::move(why)});
}

void ZmqInput::report_refusals(FrameSink& sink, const curve::CurveServer& server) {
    const std::uint64_t now = server.refused();
    if (now == m_reported) return;
    const curve::RefusalSnapshot snap = server.snapshot();
    // The last few carry their address and reason; older ones (more than kRecent since the
    // last look) are counted all the same.
    const std::uint64_t fresh = snap.refused - m_reported;
    const std::size_t described =
        static_cast<std::size_t>(std::min<std::uint64_t>(fresh, snap.recent.size()));
    for (std::uint64_t i = 0; i + described < fresh; ++i)
        sink.reject(0, "zmq: refused a peer (CURVE): more refusals than recorded");
    for (std::size_t i = snap.recent.size() - described; i < snap.recent.size(); ++i) {
        const curve::RefusedPeer& r = snap.recent[i];
        const std::string& from = r.address.empty() ? r.via : r.address;
        const std::string why = "zmq: refused " + from + ": " +
                                std::string(curve::refusal_name(r.kind)) + " (" + r.detail + ")";
        sink.reject(0, why);
        // Said once per peer, reason and detail (a wrong server key retries several times a
        // second: said once).
        const std::string said = from + "|" + why;
        if (m_said.size() < 64 && std::find(m_said.begin(), m_said.end(), said) == m_said.end()) {
            m_said.push_back(said);
            std::printf("rtviewer: %s\n", why.c_str());
            std::fflush(stdout);
        }
    }
    m_reported = snap.refused;
}

std::vector<StreamRequest> ZmqInput::streams() const {
    // Counts messages that have no stream to be counted on (bad multipart, too many streams).
    StreamRequest r;
    r.name = "zmq/messages";
    r.kind = FrameKind::Lines;
    r.lines = {1, 1};
    r.slots = 1;
    return {r};
}

bool ZmqInput::endpoints(std::vector<EndpointState>& out) const {
    std::scoped_lock lock(m_endpoints_mutex);
    out.resize(m_endpoints.size());
    for (std::size_t i = 0; i < m_endpoints.size(); ++i) {
        out[i].endpoint.assign(m_endpoints[i].endpoint);
        out[i].state.assign(m_endpoints[i].state);
        out[i].reason.assign(m_endpoints[i].reason);
        out[i].peers = m_endpoints[i].peers;
    }
    return true;
}

void ZmqInput::set_endpoint(std::size_t i, std::string_view state, std::string_view reason,
                            std::uint32_t peers) {
    bool changed = false;
    std::string name;
    {
        std::scoped_lock lock(m_endpoints_mutex);
        if (i >= m_endpoints.size()) return;
        EndpointState& e = m_endpoints[i];
        changed = e.state != state || e.reason != reason;
        e.state.assign(state);
        e.reason.assign(reason);
        e.peers = peers;
        name = e.endpoint;
    }
    // A change of state is said once (a publisher that stays away is not a line per retry).
    if (changed) {
        std::printf("rtviewer: zmq: %s %.*s%s%.*s\n", name.c_str(), int(state.size()), state.data(),
                    reason.empty() ? "" : ": ", int(reason.size()), reason.data());
        std::fflush(stdout);
    }
}

// One endpoint as the monitor reports it: what it is called in events, and what is known.
struct ZmqInput::Watched {
    std::string endpoint; // as given (connect) or as bound (last_endpoint)
    bool ever_connected = false;
    std::uint32_t peers = 0; // bound: peers connected now
    // Connect: how the last handshake ended when it failed ("refused" or "failed", and why;
    // null: none failed, or one succeeded since). It stays the endpoint's state while ZeroMQ
    // retries (after a hang-up: a wrong server key, plain text against CURVE), so that the
    // state does not flap through "connected" and "retrying" on every retry.
    const char* held = nullptr;
    std::string held_reason = {};
    bool up_since_retry = false; // a connection came up since the last retry was scheduled
};

namespace {

// Why a server refused this viewer's handshake (the endpoint's reason; its state says
// "refused"), from the monitor's event and its value (libzmq 4.3: the ZAP status code, a
// ZMQ_PROTOCOL_ERROR_*, errno). `curve`: this viewer is a CURVE client (server_key=, key=).
std::string refusal_reason(std::uint16_t event, std::uint32_t value, bool curve) {
    char text[200];
    switch (event) {
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: // the server's ZAP handler said no (an ERROR command)
        if (value == 400)
            return "key not allowed: this viewer's public key (of key=) is not on the server's "
                   "allow-list";
        std::snprintf(text, sizeof text, "the server's authentication failed (ZAP status %u)",
                      value);
        return text;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        if (value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
            return curve ? "the server does not use CURVE (plain text): drop server_key= and key="
                         : "the server requires CURVE: give server_key= (its public key) and "
                           "key= (this viewer's secret key)";
        if (value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
            return "the CURVE handshake does not decrypt: is server_key= the server's public key?";
        std::snprintf(text, sizeof text, "the ZeroMQ handshake failed (protocol error 0x%08x)",
                      value);
        return text;
    default: // ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: the connection ended during the handshake
        // A CURVE server that cannot decrypt our HELLO (it was sealed for another server key)
        // hangs up without a word: that is what a wrong server key looks like from here.
        // A plain-text viewer's READY crosses a CURVE server's hang-up (it saw our mechanism
        // in the greeting): the reset may reach us before the server's greeting can be read.
        if (curve)
            return "the server hung up during the CURVE handshake: wrong server_key? (it must be "
                   "the server's public key)";
        std::snprintf(text, sizeof text,
                      "the server hung up during the ZeroMQ handshake (%s): does it require "
                      "CURVE (server_key=, key=)? Or it is not ZeroMQ",
                      std::strerror(static_cast<int>(value)));
        return text;
    }
}

} // namespace

void ZmqInput::watch_events(zmq::socket_t& monitor, std::vector<Watched>& watched) {
    zmq::message_t event, address;
    while (monitor.recv(event, zmq::recv_flags::dontwait)) {
        if (!event.more() || !monitor.recv(address) || event.size() < 6) continue;
        std::uint16_t id = 0;
        std::memcpy(&id, event.data(), 2);
        const std::string_view where = address.to_string_view();
        // Which of ours: the same text, else (a connect endpoint resolved to an address) the one
        // with the same port, else the only one.
        std::size_t i = watched.size();
        for (std::size_t k = 0; k < watched.size() && i == watched.size(); ++k)
            if (watched[k].endpoint == where) i = k;
        const std::string_view port = where.substr(where.rfind(':') + 1);
        for (std::size_t k = 0; k < watched.size() && i == watched.size(); ++k)
            if (watched[k].endpoint.ends_with(std::string(":") + std::string(port))) i = k;
        if (i == watched.size() && watched.size() == 1) i = 0;
        if (i == watched.size()) continue;
        Watched& w = watched[i];
        const bool bound = m_connect.empty();
        std::uint32_t value = 0;
        std::memcpy(&value, static_cast<const char*>(event.data()) + 2, 4);
        switch (id) {
        case ZMQ_EVENT_LISTENING:
            set_endpoint(i, "listening", "", w.peers);
            break;
        case ZMQ_EVENT_ACCEPTED:
            set_endpoint(i, "listening", "", ++w.peers);
            break;
        case ZMQ_EVENT_CONNECTED:
            w.ever_connected = true;
            w.up_since_retry = true;
            if (!w.held) set_endpoint(i, "connected", "", 1);
            break;
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
            if (!bound) {
                w.held = nullptr;
                set_endpoint(i, "connected", "", 1);
                if (!m_server_public.empty()) count_client_handshake(w.endpoint, nullptr, {});
            }
            break;
        case ZMQ_EVENT_CONNECT_RETRIED:
            // After a hang-up during the handshake ZeroMQ retries; the endpoint keeps that
            // state until a handshake succeeds, or until a retry finds nothing there.
            if (w.held && w.up_since_retry) {
                w.up_since_retry = false;
                set_endpoint(i, w.held, w.held_reason, 0);
                break;
            }
            w.held = nullptr;
            w.up_since_retry = false;
            if (!host_resolves(w.endpoint))
                set_endpoint(i, "retrying", "the host does not resolve (DNS)", 0);
            else
                set_endpoint(i, "retrying",
                             w.ever_connected ? "the publisher went away; nothing answers now"
                                              : "nothing answers there (refused or unreachable)",
                             0);
            break;
        case ZMQ_EVENT_DISCONNECTED:
            if (bound) {
                if (w.peers > 0) --w.peers;
                set_endpoint(i, "listening", "", w.peers);
            } else if (w.held) {
                set_endpoint(i, w.held, w.held_reason, 0); // the failed handshake's hang-up
            } else {
                set_endpoint(i, "retrying", "the publisher went away", 0);
            }
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
            if (bound) { // a peer of ours failed (with CURVE, the CURVE server counts it)
                set_endpoint(i, "listening", "a peer failed the ZeroMQ handshake", w.peers);
                break;
            }
            {
                const bool curve = !m_server_public.empty();
                if (curve) {
                    const curve::Refusal kind =
                        id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? curve::Refusal::UnknownKey
                        : value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
                            ? curve::Refusal::NotCurve
                            : curve::Refusal::Handshake;
                    count_client_handshake(w.endpoint, &kind, refusal_reason(id, value, curve));
                }
                // Refused: the server's key check, a mechanism mismatch, a hang-up during a
                // CURVE handshake. A plain-text hang-up may be a peer that is not ZeroMQ.
                w.held = curve || id != ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ? "refused" : "failed";
                w.held_reason = refusal_reason(id, value, curve);
                set_endpoint(i, w.held, w.held_reason, 0);
            }
            break;
        default:
            break;
        }
    }
}

bool ZmqInput::subscribed(std::string_view topic) const {
    if (m_patterns.empty()) return true;
    std::string_view name = topic;
    if (name.ends_with(":image") || name.ends_with(":lines")) name.remove_suffix(6);
    for (const std::string& pattern : m_patterns)
        if (matches(pattern, name)) return true;
    return false;
}

void ZmqInput::run(std::stop_token stop, FrameSink& sink) {
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::sub);
    socket.set(zmq::sockopt::linger, 0);
    // What ZeroMQ may queue for the viewer (hwm messages of up to maxmsg) comes out of the
    // memory budget: hwm is lowered to what fits rather than letting the queue hold gigabytes.
    // Reserved once: a run again (a restarted child's) uses the same queue's worth.
    const std::uint64_t per_message = std::uint64_t{m_max_mb} << 20;
    const std::uint64_t hwm =
        m_reserved_hwm != 0
            ? m_reserved_hwm
            : std::max<std::uint64_t>(
                  1, std::min<std::uint64_t>(m_hwm, sink.memory_available() / per_message));
    if (m_reserved_hwm == 0) {
        if (Status s = sink.reserve_memory(hwm * per_message, "its receive queue (hwm x maxmsg)");
            !s)
            throw std::runtime_error(s.message());
        m_reserved_hwm = hwm;
    }
    if (hwm < m_hwm)
        std::printf("rtviewer: zmq: hwm lowered from %u to %llu messages of up to %u MB to fit "
                    "the memory limit\n",
                    m_hwm, static_cast<unsigned long long>(hwm), m_max_mb);
    socket.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(per_message));
    socket.set(zmq::sockopt::rcvhwm, static_cast<int>(hwm));
    // ZeroMQ filters by prefix: the part of each pattern before its first '*'.
    if (m_patterns.empty()) socket.set(zmq::sockopt::subscribe, "");
    for (const std::string& pattern : m_patterns)
        socket.set(zmq::sockopt::subscribe, pattern.substr(0, pattern.find('*')));
    // The publishers' catalogues: the streams offered that streams= leaves out (offered()).
    if (!m_patterns.empty()) socket.set(zmq::sockopt::subscribe, wire::kCatalogueTopic);
    // Its publisher's rows (take_rows).
    if (!m_patterns.empty() && m_rows_board) socket.set(zmq::sockopt::subscribe, wire::kRowsTopic);
    // Each endpoint's state, from the socket's events (read beside the messages). With CURVE
    // the CURVE server monitors the socket (a socket has one monitor) and passes every event on.
    char monitor_name[64];
    std::snprintf(monitor_name, sizeof monitor_name, "inproc://rtv-zmq-monitor-%p",
                  static_cast<void*>(this));
    // Declared after the context: stopped (its thread joined) before the context closes.
    curve::CurveServer server;
    struct Forget { // security() reads the server while it runs, the last counts after
        ZmqInput& self;
        curve::CurveServer& server;
        ~Forget() {
            std::scoped_lock lock(self.m_endpoints_mutex);
            if (self.m_server) self.m_last_refusals = server.snapshot();
            self.m_server = nullptr;
        }
    } forget{*this, server};
    if (!m_curve_secret.empty()) {
        if (Status s = server.start(context, m_curve_secret, m_allowed); !s)
            throw std::runtime_error(s.message());
        if (Status s = server.apply(socket, monitor_name); !s)
            throw std::runtime_error(s.message());
        m_reported = 0;
        std::scoped_lock lock(m_endpoints_mutex);
        m_server = &server;
    } else {
        if (!m_server_public.empty()) {
            if (Status s = curve::apply_curve_client(socket, m_server_public, m_client_secret); !s)
                throw std::runtime_error(s.message());
            std::scoped_lock lock(m_endpoints_mutex);
            m_client_handshakes = {}; // this run's
        }
        if (zmq_socket_monitor(socket.handle(), monitor_name, ZMQ_EVENT_ALL) != 0)
            throw std::runtime_error(std::string("zmq: cannot monitor the socket: ") +
                                     zmq_strerror(zmq_errno()));
    }
    zmq::socket_t monitor(context, zmq::socket_type::pair);
    monitor.set(zmq::sockopt::linger, 0);
    monitor.connect(monitor_name);
    std::vector<Watched> watched;
    std::string security_text;
    if (!m_curve_secret.empty())
        security_text = " (CURVE, " + std::to_string(m_allowed.keys.size()) + " allowed keys)";
    else if (!m_server_public.empty())
        security_text = " (CURVE client)";
    else if (m_insecure)
        security_text = " (insecure: no authentication, anyone who reaches it can send frames)";
    const char* insecure = security_text.c_str();
    if (m_connect.empty()) {
        try {
            socket.bind(m_bind);
        } catch (const zmq::error_t& e) {
            throw std::runtime_error("cannot bind " + m_bind + ": " + e.what());
        }
        // Where we listen (with port * ZeroMQ picked one): scripts and tests read this line.
        const std::string bound = socket.get(zmq::sockopt::last_endpoint);
        {
            std::scoped_lock lock(m_endpoints_mutex);
            if (!m_endpoints.empty()) m_endpoints[0] = {bound, "listening", "", 0};
        }
        watched.push_back({bound});
        std::printf("rtviewer: zmq: listening on %s%s\n", bound.c_str(), insecure);
    } else {
        for (const std::string& e : m_connect) {
            watched.push_back({e});
            try {
                socket.connect(e);
            } catch (const zmq::error_t& err) {
                set_endpoint(watched.size() - 1, "failed", err.what(), 0);
                continue;
            }
            std::printf("rtviewer: zmq: connecting to %s%s\n", e.c_str(), insecure);
        }
    }
    std::fflush(stdout);
    // Stop interrupts the blocking poll: zmq_ctx_shutdown makes it fail with ETERM.
    std::stop_callback on_stop(stop, [&context] { context.shutdown(); });

    const std::uint64_t limit = sink.schedule().iterations;
    std::uint64_t received = 0;
    m_boot_id = wire::boot_id();
    const auto bytes_of = [](const zmq::message_t& m) {
        return std::span<const std::byte>(static_cast<const std::byte*>(m.data()), m.size());
    };
    // Draining (drain_when): polls time out, so that an idle socket ends the run.
    constexpr int kDrainPollMs = 100;
    const bool draining = m_drain.stop_possible();
    int idle_polls = 0;
    // Messages read between two looks at the monitor (and two polls) when they keep coming.
    constexpr int kBatch = 64;
    zmq::message_t topic, second, third, extra;
    while (!stop.stop_requested() && (limit == 0 || received < limit)) {
        std::array<zmq::pollitem_t, 3> items{{{socket.handle(), 0, ZMQ_POLLIN, 0},
                                              {monitor.handle(), 0, ZMQ_POLLIN, 0},
                                              {nullptr, m_wake, ZMQ_POLLIN, 0}}};
        try {
            // With CURVE, polls time out too, so that refusals (counted on the CURVE server's
            // thread) reach zmq/messages while nothing else arrives.
            const int ready =
                zmq::poll(items.data(), items.size(),
                          std::chrono::milliseconds(draining              ? kDrainPollMs
                                                    : m_server != nullptr ? kRefusalPollMs
                                                                          : -1));
            if (items[1].revents & ZMQ_POLLIN) watch_events(monitor, watched);
            if (items[2].revents & ZMQ_POLLIN) take_requests(socket);
            if (m_server) report_refusals(sink, server);
            if (ready == 0) { // timed out: draining only
                if (m_drain.stop_requested() && ++idle_polls * kDrainPollMs >= kDrainIdleS * 1000)
                    break; // the sender has gone and nothing more came
                continue;
            }
        } catch (const zmq::error_t& e) {
            if (e.num() == ETERM) break; // stopped
            throw;
        }
        if (!(items[0].revents & ZMQ_POLLIN)) continue;
        idle_polls = 0;
        for (int n = 0; n < kBatch && !stop.stop_requested() && (limit == 0 || received < limit);
             ++n) {
            std::size_t parts = 1;
            try {
                if (!socket.recv(topic, zmq::recv_flags::dontwait)) break; // nothing more now
                if (topic.more()) {
                    (void)socket.recv(second);
                    ++parts;
                    if (second.more()) {
                        (void)socket.recv(third);
                        ++parts;
                        for (bool more = third.more(); more; more = extra.more()) {
                            (void)socket.recv(extra); // drain the rest of the message
                            ++parts;
                        }
                    }
                }
            } catch (const zmq::error_t& e) {
                if (e.num() == ETERM) break; // stopped
                throw;
            }
            if (topic.to_string_view() == wire::kCatalogueTopic) {
                // Not a frame: no part of `iterations`.
                take_catalogue(sink, parts == 2 ? bytes_of(second) : std::span<const std::byte>{},
                               parts);
                continue;
            }
            if (m_rows_board && topic.to_string_view() == wire::kRowsTopic) {
                // Not a frame either.
                take_rows_message(
                    sink, parts == 2 ? bytes_of(second) : std::span<const std::byte>{}, parts);
                continue;
            }
            ++received;
            if (!subscribed(topic.to_string_view())) {
                // The prefix subscription let it through; the whole pattern does not match.
                reject_named(sink, {},
                             "zmq: " + std::string(topic.to_string_view().substr(0, 64)) +
                                 ": not subscribed (streams=)");
                continue;
            }
            if (parts < 2 || parts > 3) {
                char why[160];
                std::snprintf(why, sizeof why,
                              "zmq: message has %zu parts, expected 2 (stream name, .npy "
                              "payload) or 3 (stream name, header, payload)",
                              parts);
                sink.reject(0, why);
                continue;
            }
            if (parts == 2) {
                handle(sink, topic.to_string_view(), nullptr, bytes_of(second));
                continue;
            }
            wire::WireHeader header;
            if (Status s = wire::decode_header(bytes_of(second), header); !s) {
                const std::string_view name = topic.to_string_view();
                reject_named(sink, name,
                             std::string(name.substr(0, name.find(':'))) + ": " + s.message());
                continue;
            }
            if (header.mark)
                handle_mark(sink, topic.to_string_view(), header, bytes_of(third));
            else
                handle(sink, topic.to_string_view(), &header, bytes_of(third));
        }
    }
    if (m_curve_secret.empty()) zmq_socket_monitor(socket.handle(), nullptr, 0);
    monitor.close();
    socket.close();
    if (m_server) {
        server.stop(); // its last refusals counted
        report_refusals(sink, server);
    }
}

ZmqInput::ZmqInput()
    : m_wake(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (m_wake < 0) throw std::runtime_error("zmq: eventfd failed");
}

ZmqInput::~ZmqInput() {
    close(m_wake);
}

void ZmqInput::take_catalogue(FrameSink& sink, std::span<const std::byte> json, std::size_t parts) {
    if (m_patterns.empty()) return; // every stream is taken: nothing is left to offer
    wire::Catalogue c;
    Status s = parts == 2 ? wire::decode_catalogue(json, c)
                          : Status::error("has " + std::to_string(parts) + " parts, expected 2");
    if (!s) {
        reject_named(sink, {}, "zmq: a publisher's catalogue " + s.message());
        return;
    }
    const std::int64_t now = now_ns();
    const auto expired = std::int64_t(kOfferExpiryS * 1e9);
    std::scoped_lock lock(m_offers_mutex);
    // This publisher's catalogue replaces what it said before; others' fade once they are silent.
    std::erase_if(m_offers, [&](const Offer& o) {
        return o.publisher == c.publisher || now - o.heard_ns > expired;
    });
    for (wire::CatalogueEntry& e : c.streams) {
        if (subscribed(e.name)) continue;
        const auto same = std::find_if(m_offers.begin(), m_offers.end(),
                                       [&](const Offer& o) { return o.name == e.name; });
        if (same != m_offers.end()) { // another publisher's too: the newest word on it
            same->detail = wire::describe(e);
            same->publisher = c.publisher;
            same->heard_ns = now;
        } else if (m_offers.size() < kMaxOffers) {
            m_offers.push_back({std::move(e.name), wire::describe(e), c.publisher, now});
        } else {
            ++m_offers_over;
        }
    }
    ++m_offers_version;
}

void ZmqInput::take_rows_message(FrameSink& sink, std::span<const std::byte> json,
                                 std::size_t parts) {
    std::size_t count = 0;
    Status s = parts == 2 ? wire::decode_rows(json, m_rows, count)
                          : Status::error("has " + std::to_string(parts) + " parts, expected 2");
    if (!s) {
        reject_named(sink, {}, "zmq: a rows message " + s.message());
        return;
    }
    m_rows_board->assign(std::span<const ProducerBoard::Row>(m_rows).first(count));
}

bool ZmqInput::offered(std::vector<OfferedStream>& out) const {
    std::scoped_lock lock(m_offers_mutex);
    if (m_patterns_empty) return false; // every stream is taken: none is offered
    // A publisher silent for kOfferExpiryS has gone, even when no other catalogue came since.
    const std::int64_t oldest = now_ns() - std::int64_t(kOfferExpiryS * 1e9);
    std::size_t n = 0;
    for (const Offer& o : m_offers)
        n += o.heard_ns >= oldest;
    out.resize(n);
    n = 0;
    for (const Offer& o : m_offers)
        if (o.heard_ns >= oldest) {
            out[n].name.assign(o.name);
            out[n++].detail.assign(o.detail);
        }
    return true;
}

std::uint64_t ZmqInput::offered_left_out() const {
    std::scoped_lock lock(m_offers_mutex);
    return m_offers_over;
}

std::uint64_t ZmqInput::offered_version() const {
    std::scoped_lock lock(m_offers_mutex);
    // Changes too when an offer expires (the panel then draws the shorter list).
    const std::int64_t oldest = now_ns() - std::int64_t(kOfferExpiryS * 1e9);
    std::uint64_t expired = 0;
    for (const Offer& o : m_offers)
        expired += o.heard_ns < oldest;
    return m_offers_version * (kMaxOffers + 1) + expired;
}

Status ZmqInput::subscribe(std::string_view name) {
    if (!wire::valid_stream_name(name))
        return Status::error("zmq: '" + std::string(name) + "' is not a stream name");
    {
        std::scoped_lock lock(m_offers_mutex);
        if (m_patterns_empty) return Status::ok(); // every stream is taken already
        if (m_subscriptions + m_requests.size() >= kMaxPatterns)
            return Status::error("zmq: already " + std::to_string(kMaxPatterns) +
                                 " subscriptions, expected at most that many");
        if (m_requests.size() >= kMaxRequests)
            return Status::error("zmq: " + std::to_string(kMaxRequests) +
                                 " subscriptions are waiting to be made");
        m_requests.emplace_back(name);
    }
    const std::uint64_t one = 1;
    if (::write(m_wake, &one, sizeof one) != sizeof one) {
        // The counter is full (2^64 - 2 wakes waiting): the thread wakes anyway.
    }
    return Status::ok();
}

void ZmqInput::take_requests(zmq::socket_t& socket) {
    std::uint64_t wakes = 0;
    if (::read(m_wake, &wakes, sizeof wakes) < 0) {
        // EAGAIN: another pass took them
    }
    std::vector<std::string> requests;
    {
        std::scoped_lock lock(m_offers_mutex);
        requests.swap(m_requests);
    }
    for (std::string& name : requests) {
        if (subscribed(name)) continue;
        socket.set(zmq::sockopt::subscribe, name);
        m_patterns.push_back(name);
        std::printf("rtviewer: zmq: subscribed to %s\n", name.c_str());
        std::scoped_lock lock(m_offers_mutex);
        ++m_subscriptions;
        std::erase_if(m_offers, [&](const Offer& o) { return o.name == name; });
        ++m_offers_version;
    }
    std::fflush(stdout);
}

ZmqInput::Known* ZmqInput::find(std::string_view name) {
    for (Known& k : m_streams)
        if (k.name == name) return &k;
    return nullptr;
}

ZmqInput::Known* ZmqInput::find_or_open(FrameSink& sink, const wire::DecodedFrame& f) {
    if (Known* known = find(f.name)) return known;
    if (m_streams.size() >= m_max_streams) {
        sink.reject(0, "zmq: " + std::string(f.name) + ": too many streams, expected at most " +
                           std::to_string(m_max_streams) + " (setting streams)");
        return nullptr;
    }
    StreamRequest r;
    r.name = std::string(f.name);
    r.kind = f.kind;
    if (f.kind == FrameKind::Image) {
        r.image = {f.width, f.height, f.format};
    } else {
        // Room for lines of up to 4x the first frame's length (at least 1024 points).
        r.lines = {f.lines, std::max<std::uint32_t>(f.points, 256) * 4};
    }
    std::size_t index = 0;
    if (Status s = sink.open_stream(std::move(r), index); !s) {
        sink.reject(0, "zmq: " + s.message());
        return nullptr;
    }
    m_streams.push_back({std::string(f.name), index}); // allocates: on a new stream only
    // Streams come as publishers send them: each new one is said once (scripts wait for it).
    std::printf("rtviewer: zmq: new stream %.*s\n", int(f.name.size()), f.name.data());
    std::fflush(stdout);
    return &m_streams.back();
}

void ZmqInput::reject_named(FrameSink& sink, std::string_view topic, std::string_view why) {
    const Known* k = find(topic.substr(0, topic.find(':')));
    sink.reject(k ? k->index : 0, why);
}

void ZmqInput::handle(FrameSink& sink, std::string_view topic, const wire::WireHeader* header,
                      std::span<const std::byte> payload) {
    const bool shm = header && header->shm;
    // A shm frame that is not read (dropped, refused) still hands its slot back at once.
    struct Unread {
        ShmReader* reader = nullptr;
        const wire::ShmDescriptor* d = nullptr;
        ~Unread() {
            if (reader) reader->release(*d);
        }
    } unread{shm ? &m_shm : nullptr, shm ? &header->descriptor : nullptr};
    wire::DecodedFrame f;
    const Status decoded = wire::decode_frame(topic, payload, f, m_limits, shm);
    // Find the stream by name; a bad payload is counted on its stream when the name is good.
    if (!decoded) {
        // A numbered frame that arrived but is refused is a rejected frame, not a gap.
        if (Known* k = header ? find(topic.substr(0, topic.find(':'))) : nullptr)
            count_sender(sink, *k, *header);
        reject_named(sink, topic, decoded.message());
        return;
    }
    const std::string_view name = f.name;
    Known* known = find_or_open(sink, f);
    if (!known) return;
    const std::size_t index = known->index;
    if (header) count_sender(sink, *known, *header);
    const StreamRequest& want = sink.stream(index).request();
    if (want.kind != f.kind || (f.kind == FrameKind::Image &&
                                (want.image.width != f.width || want.image.height != f.height ||
                                 !(want.image.format == f.format)))) {
        char why[256];
        if (want.kind == FrameKind::Image)
            std::snprintf(why, sizeof why,
                          "%s: frame is %ux%u %s, the stream's images are %ux%u %s (height x "
                          "width, format); frame rejected",
                          want.name.c_str(), f.height, f.width,
                          f.kind == FrameKind::Image ? format_name(f.format).data() : "lines",
                          want.image.height, want.image.width,
                          format_name(want.image.format).data());
        else
            std::snprintf(why, sizeof why,
                          "%s: frame is an image, the stream carries lines; frame rejected",
                          want.name.c_str());
        sink.reject(index, why);
        return;
    }
    if (f.kind == FrameKind::Lines &&
        (f.lines != want.lines.max_lines || f.points > want.lines.max_points)) {
        char why[256];
        std::snprintf(why, sizeof why,
                      "%s: frame has %u lines of %u points, the stream takes %u lines of up to %u; "
                      "frame rejected",
                      want.name.c_str(), f.lines, f.points, want.lines.max_lines,
                      want.lines.max_points);
        sink.reject(index, why);
        return;
    }
    if (shm && (f.kind != FrameKind::Image || f.array.type != wire::npy_type_of(f.format.sample))) {
        sink.reject(index, std::string(name) +
                               ": shm carries images in the viewer's own sample types (uint8, "
                               "uint16, int16, float32); lines and other dtypes go inline");
        return;
    }
    FrameLease lease = sink.acquire(index);
    if (!lease) return; // pool full: counted as dropped by acquire
    if (header && !(header->boot_id == wire::BootId{}) && header->boot_id == m_boot_id)
        lease.set_origin_ns(header->send_ns);
    if (shm) {
        // One copy: from the publisher's ring into the pool slot.
        unread.reader = nullptr; // read() hands it back on success
        if (Status s = m_shm.read(header->descriptor, lease.bytes()); !s) {
            sink.reject(index, std::string(name) + ": " + s.message());
            return; // the lease gives the slot back
        }
    } else if (f.kind == FrameKind::Image) {
        wire::npy_copy_image(f.array, f.format, lease.bytes());
    } else {
        wire::decoded_points(f, lease.points());
        lease.set_shape(f.lines, f.points);
    }
    sink.submit(std::move(lease));
}

void ZmqInput::handle_mark(FrameSink& sink, std::string_view topic, const wire::WireHeader& h,
                           std::span<const std::byte> payload) {
    // The mark's .npy header describes the stream's last numbered frame: checked as a frame's
    // is, and what opens the stream when none of its frames arrived (all dropped), so that its
    // gaps are counted and shown there.
    wire::DecodedFrame f;
    if (Status s = wire::decode_frame(topic, payload, f, m_limits, true); !s) {
        reject_named(sink, topic, s.message() + " (in a sequence mark)");
        return;
    }
    Known* known = find_or_open(sink, f);
    if (!known) return;
    Stream& stream = sink.stream(known->index);
    // Numbers 0..sequence were used. A publisher not heard on this stream before had none of
    // its frames arrive: every one is a gap. A mark behind what arrived changes nothing.
    const std::uint64_t numbered = h.sequence + 1;
    Sender* sender = known->sender(h.publisher);
    if (!sender) sender = &known->add_sender(h.publisher);
    if (numbered > sender->next_sequence) {
        stream.stats().add_gaps(numbered - sender->next_sequence);
        sender->next_sequence = numbered;
    }
    sender->heard = ++m_heard;
    if (sender->next_sequence > 0)
        stream.stats().set_sender(h.publisher, sender->next_sequence - 1);
}

ZmqInput::Sender* ZmqInput::Known::sender(std::uint64_t publisher) {
    for (std::size_t i = 0; i < sender_count; ++i)
        if (senders[i].publisher == publisher) return &senders[i];
    return nullptr;
}

ZmqInput::Sender& ZmqInput::Known::add_sender(std::uint64_t publisher) {
    Sender* s = &senders[0];
    if (sender_count < senders.size())
        s = &senders[sender_count++];
    else
        for (Sender& other : senders)
            if (other.heard < s->heard) s = &other;
    *s = Sender{publisher, 0, 0};
    return *s;
}

void ZmqInput::count_sender(FrameSink& sink, Known& k, const wire::WireHeader& h) {
    Stream& stream = sink.stream(k.index);
    const bool same_clock = !(h.boot_id == wire::BootId{}) && h.boot_id == m_boot_id;
    stream.stats().set_latency_from_sender(same_clock);
    // Gaps are counted within each publisher's numbering: one not heard before (a new one, or
    // one restarted with a new id) starts its own; a number going back is a restart too, not a
    // loss.
    Sender* sender = k.sender(h.publisher);
    if (sender && h.sequence > sender->next_sequence)
        stream.stats().add_gaps(h.sequence - sender->next_sequence);
    if (!sender) sender = &k.add_sender(h.publisher);
    sender->next_sequence = h.sequence + 1;
    sender->heard = ++m_heard;
    stream.stats().set_sender(h.publisher, h.sequence);
}

} // namespace rtv::producers
