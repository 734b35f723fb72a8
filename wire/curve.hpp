#pragma once
// ZeroMQ CURVE for rtviewer's sockets: key files, allow-lists, a ZAP handler that admits only
// listed client keys (and counts who it refused), the client side, and the rule for which
// endpoints may go without CURVE. Used by the viewer's zmq producer, the broker and the C++
// client; docs/security.md is the user's side of it. Link: rtv::curve (CMake).
//
// Keys are Z85 text, 40 characters (zmq_curve_keypair's form). A key file holds the key and a
// newline: NAME.key (public, mode 0644) and NAME.key_secret (secret, mode 0600).
//
//     rtv::curve::CurveServer server;
//     if (Status s = server.start(context, secret, allowed); !s) ...  // before any socket
//     server.apply(socket);                                          // before bind/connect
//     socket.bind("tcp://*:5555");
//     auto refused = server.snapshot();                               // any thread

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "core/status.hpp"

namespace rtv::curve {

namespace detail {
struct CurveShared; // what the handler thread and snapshot() share
} // namespace detail

constexpr std::size_t kKeyChars = 40; // a Z85 key: 32 bytes as 40 characters

// Writes NAME.key (the public key, mode 0644) and NAME.key_secret (the secret key, mode 0600,
// created with O_EXCL so that it is never readable by others, not even for a moment). Refuses
// to overwrite either file; on failure nothing is left behind. Thread: any. Allocates: yes.
Status generate_keys(const std::string& name);

// The paths generate_keys(name) writes.
std::string public_key_path(const std::string& name);
std::string secret_key_path(const std::string& name);

// A key from a file, or the 40-character Z85 text itself (taken as text only when no file of
// that name exists). Errors name the file: missing, unreadable, a directory, wrong length, not
// Z85; for a secret key also a file that group or others may read or write (mode & 077).
// `z85` receives the 40 characters. Thread: any. Allocates: yes.
Status load_public_key(std::string_view path_or_z85, std::string& z85);
Status load_secret_key(std::string_view path_or_z85, std::string& z85);

// True when `text` is 40 characters of Z85 that decode to 32 bytes.
bool is_z85_key(std::string_view text);

// The public key that belongs to a secret key (zmq_curve_public). Both Z85.
Status public_key_of(std::string_view secret_z85, std::string& public_z85);

// The client keys a server accepts: Z85 public keys, sorted, without duplicates.
struct AllowList {
    std::vector<std::string> keys;
    bool contains(std::string_view z85) const;
};

// A file of public keys (one per line; blank lines and lines starting with # are skipped; each
// other line must be a key), or a directory whose *.key files each hold one (other files are
// skipped; NAME.key_secret is not *.key). An empty list is an error: it would refuse everyone.
// Thread: any. Allocates: yes.
Status load_allow_list(std::string_view path, AllowList& out);

// Why a peer was refused.
enum class Refusal : std::uint8_t {
    UnknownKey, // CURVE, with a client key not on the allow-list (seen by the ZAP handler)
    NotCurve,   // plain text (NULL) or another mechanism where CURVE is required
    Handshake,  // a CURVE handshake that failed: a wrong server key, garbage, a dropped peer
};
constexpr std::size_t kRefusalKinds = 3;
std::string_view refusal_name(Refusal r); // "unknown key", "not CURVE", "bad handshake"

struct RefusedPeer {
    std::string address; // the peer's IP address when known, else empty
    std::string via;     // the endpoint the refusal happened on (the monitor's), or "zap"
    Refusal kind = Refusal::Handshake;
    std::string detail; // e.g. the unknown key, the protocol error
};

struct RefusalSnapshot {
    std::uint64_t refused = 0;                          // every refusal since start()
    std::array<std::uint64_t, kRefusalKinds> by_kind{}; // indexed by Refusal
    std::uint64_t accepted = 0;                         // handshakes that succeeded
    std::vector<RefusedPeer> recent;                    // the last few, oldest first
};

// A CURVE server's side: a ZAP handler (a REP socket on inproc://zeromq.zap.01 in the given
// context, on a thread of its own) that accepts only the listed client keys, and a socket
// monitor on every socket apply() set up, which sees the refusals that never reach ZAP (plain
// text, a wrong server key). Every refusal is counted with the peer's address where ZeroMQ
// tells it: the ZAP request carries it; for the monitor's refusals it comes from the accepted
// connection when that is still open when the monitor reads the event (libzmq 4.3's monitor
// names only the listening endpoint for those), else `address` is empty and `via` names the
// endpoint.
// An admitted peer's messages carry its public key as the ZeroMQ metadata "User-Id"
// (zmq::message_t::gets("User-Id")).
// One per context (ZeroMQ allows one ZAP handler). Stop it (or destroy it) before closing the
// context, or shut the context down first (zmq_ctx_shutdown, as a producer's stop does): either
// way its thread closes its sockets, so the context's close does not wait for them.
// Thread: start, apply and stop on the sockets' owner; snapshot() from any thread.
class CurveServer {
public:
    CurveServer() = default;
    ~CurveServer();
    CurveServer(const CurveServer&) = delete;
    CurveServer& operator=(const CurveServer&) = delete;

    // Binds the ZAP handler and starts its thread. An empty allow-list is refused. Fails if the
    // context already has a ZAP handler. Allocates: yes.
    Status start(zmq::context_t& context, std::string secret_z85, AllowList allowed);

    // Makes `socket` a CURVE server with this secret key (ZMQ_CURVE_SERVER, ZMQ_CURVE_SECRETKEY,
    // a ZAP domain and ZMQ_ZAP_ENFORCE_DOMAIN, so that a missing handler refuses rather than
    // admits) and monitors it for failed handshakes. Call before bind/connect, after start().
    // A socket has only one monitor (zmq_socket_monitor replaces the last): an owner that
    // watches the socket's events itself gives `forward`, an inproc:// endpoint this binds (a
    // PAIR socket) and passes every event of the socket to, as zmq_socket_monitor sends them;
    // the owner connects a PAIR socket of its own there instead of monitoring. Allocates: yes.
    Status apply(zmq::socket_t& socket, std::string_view forward = {});

    // Stops the handler and closes its sockets. Also done by the destructor. Returns promptly.
    void stop();

    // The counts so far. Thread: any. Allocates: yes (a copy).
    RefusalSnapshot snapshot() const;

    // RefusalSnapshot::refused without the copy. Thread: any. Allocates: never.
    std::uint64_t refused() const;

    // Waits until at least `count` refusals in all have been counted (RefusalSnapshot::refused),
    // or `timeout` passed; true if they have. For tests and tools that must see a refusal before
    // going on. Thread: any. Allocates: never.
    bool wait_refused(std::uint64_t count, std::chrono::milliseconds timeout) const;

    const std::string& public_key() const { return m_public; }
    static constexpr const char* kZapDomain = "rtviewer";
    static constexpr std::size_t kRecent = 8; // refusals kept in RefusalSnapshot::recent

private:
    std::shared_ptr<detail::CurveShared> m_shared;
    zmq::context_t* m_context = nullptr;
    std::string m_secret;
    std::string m_public;
    int m_monitors = 0;
    std::jthread m_thread;
};

// Makes `socket` a CURVE client of the server with public key `server_public`, using the
// client's secret key (its public key is derived with zmq_curve_public). Call before connect or
// bind. All keys Z85. Thread: the socket's owner. Allocates: no more than ZeroMQ does.
Status apply_curve_client(zmq::socket_t& socket, std::string_view server_public,
                          std::string_view client_secret);

// True for endpoints that cannot be reached from another machine: ipc://..., inproc://...,
// tcp:// to 127.x.x.x, [::1] (or another IPv6 loopback form) or localhost, with a port or *
// (bind) and optionally a source address before ';' (connect). False for tcp://*, 0.0.0.0,
// any other host or interface, other transports, and anything that does not parse.
bool is_local_endpoint(std::string_view endpoint);

// The security settings of a socket that peers reach (the zmq producer, the broker's sides).
struct ServerSecurity {
    std::string curve;     // curve=: the server's secret key, a file or Z85; empty: no CURVE
    std::string allow;     // allow=: a file or directory of accepted public keys
    bool insecure = false; // insecure=1: plain text accepted beyond this machine
};

// The combination's rule, before any file is read: curve= and allow= go together (CURVE
// without an allow-list authenticates nobody); insecure=1 is for plain text only; without
// CURVE, every endpoint must be local unless insecure=1. `who` starts each message
// ("zmq", "broker"). Thread: any. Allocates: on error only.
Status check_server_security(std::string_view who, const ServerSecurity& s,
                             std::span<const std::string> endpoints);

// The client's: server_key= and key= go together; insecure=1 only without them; without CURVE,
// every endpoint must be local unless insecure=1.
struct ClientSecurity {
    std::string server_key; // the server's public key, a file or Z85
    std::string key;        // this client's secret key, a file or Z85
    bool insecure = false;
};
Status check_client_security(std::string_view who, const ClientSecurity& s,
                             std::span<const std::string> endpoints);

} // namespace rtv::curve
