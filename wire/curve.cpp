#include "wire/curve.hpp"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rtv::curve {

namespace {

// ZMQ_ZAP_ENFORCE_DOMAIN is a draft option in libzmq 4.3's header, but the library takes it.
#ifdef ZMQ_ZAP_ENFORCE_DOMAIN
constexpr int kZapEnforceDomain = ZMQ_ZAP_ENFORCE_DOMAIN;
#else
constexpr int kZapEnforceDomain = 93;
#endif

constexpr std::string_view kZ85Chars =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

std::string in_quotes(std::string_view s) {
    return "'" + std::string(s) + "'";
}

std::string errno_text(int e) {
    return std::strerror(e);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() &&
           (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    return s;
}

// Why `text` is not a Z85 key, or empty when it is one.
std::string z85_problem(std::string_view text) {
    if (text.size() != kKeyChars)
        return "wrong length, got " + std::to_string(text.size()) +
               " characters, expected a 40-character Z85 key";
    for (std::size_t group = 0; group < kKeyChars; group += 5) {
        std::uint64_t value = 0;
        for (std::size_t i = group; i < group + 5; ++i) {
            const std::size_t digit = kZ85Chars.find(text[i]);
            if (digit == std::string_view::npos) {
                char c[64];
                std::snprintf(c, sizeof c, "character %zu (0x%02x)", i + 1,
                              static_cast<unsigned>(static_cast<unsigned char>(text[i])));
                return std::string("not Z85 text, got ") + c + ", expected a 40-character Z85 key";
            }
            value = value * 85 + digit;
        }
        if (value > 0xffffffffu)
            return "not Z85 text, got characters " + std::to_string(group + 1) + ".." +
                   std::to_string(group + 5) + " out of range, expected a 40-character Z85 key";
    }
    return {};
}

// Reads a small text file through an already checked descriptor.
bool read_small(int fd, std::string& out) {
    out.clear();
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        if (n == 0) return true;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > (1u << 20)) return true; // a key file is 41 bytes; enough to say so
    }
}

Status load_key(std::string_view arg, bool secret, std::string& z85) {
    const char* what = secret ? "secret key" : "public key";
    const std::string path(arg);
    if (arg.empty())
        return Status::error(std::string("curve: ") + what +
                             " is empty, expected a key file or the 40-character Z85 key");
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        const int e = errno;
        if (e == ENOENT && z85_problem(arg).empty()) {
            z85 = path;
            return Status::ok();
        }
        return Status::error(
            std::string("curve: ") + what + " file " + in_quotes(path) + ": " + errno_text(e) +
            (e == ENOENT ? ", expected a key file or the 40-character Z85 key" : ""));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return Status::error(std::string("curve: ") + what + " file " + in_quotes(path) + ": " +
                             errno_text(errno));
    if (S_ISDIR(st.st_mode))
        return Status::error(std::string("curve: ") + what + " file " + in_quotes(path) +
                             " is a directory, expected a key file");
    if (!S_ISREG(st.st_mode))
        return Status::error(std::string("curve: ") + what + " file " + in_quotes(path) +
                             " is not a regular file, expected a key file");
    if (secret && (st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return Status::error("curve: secret key file " + in_quotes(path) +
                             " is open to group or others, got mode " + mode +
                             ", expected 0600 (chmod 600 " + path + ")");
    }
    std::string text;
    if (!read_small(fd, text))
        return Status::error(std::string("curve: ") + what + " file " + in_quotes(path) + ": " +
                             errno_text(errno));
    const std::string_view key = trim(text);
    if (std::string why = z85_problem(key); !why.empty())
        return Status::error(std::string("curve: ") + what + " file " + in_quotes(path) + ": " +
                             why);
    z85 = std::string(key);
    return Status::ok();
}

// Creates `path` with O_EXCL and `mode`, writes `text`, and sets the mode exactly (umask may
// only have taken bits away). Errors name the file.
Status write_new(const std::string& path, std::string_view text, mode_t mode) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        const int e = errno;
        return Status::error("curve: cannot create " + in_quotes(path) + ": " + errno_text(e) +
                             (e == EEXIST ? " (a key file is never overwritten)" : ""));
    }
    bool ok = ::fchmod(fd, mode) == 0;
    for (std::size_t done = 0; ok && done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<std::size_t>(n);
    }
    ok = ::fsync(fd) == 0 && ok;
    const int e = errno;
    ok = ::close(fd) == 0 && ok;
    if (!ok) {
        ::unlink(path.c_str());
        return Status::error("curve: cannot write " + in_quotes(path) + ": " + errno_text(e));
    }
    return Status::ok();
}

bool parse_port(std::string_view p) {
    if (p == "*") return true;
    if (p.empty() || p.size() > 5) return false;
    unsigned v = 0;
    for (char c : p) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    return v <= 65535;
}

bool is_loopback_host(std::string_view host) {
    if (host.size() == 9) {
        std::string lower(host);
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; });
        if (lower == "localhost") return true;
    }
    if (host.empty() || host.size() > 64) return false;
    const std::string h(host);
    in_addr v4{};
    if (::inet_pton(AF_INET, h.c_str(), &v4) == 1)
        return (reinterpret_cast<const unsigned char*>(&v4.s_addr))[0] == 127;
    in6_addr v6{};
    if (::inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
        return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
    }
    return false;
}

std::string peer_address(int fd) {
    sockaddr_storage sa{};
    socklen_t len = sizeof sa;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return {};
    char text[INET6_ADDRSTRLEN] = {};
    if (sa.ss_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&sa);
        if (::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text)) return text;
    } else if (sa.ss_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&sa);
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
            if (::inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], text, sizeof text)) return text;
        } else if (::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text)) {
            return text;
        }
    } else if (sa.ss_family == AF_UNIX) {
        return "local (ipc)";
    }
    return {};
}

std::string protocol_error_text(std::uint32_t code) {
    switch (code) {
    case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC:
        return "the client's handshake does not decrypt (a wrong server key?)";
    case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
        return "the peer does not speak CURVE (plain text?)";
    default: {
        char text[64];
        std::snprintf(text, sizeof text, "ZeroMQ protocol error 0x%08x", code);
        return text;
    }
    }
}

} // namespace

std::string public_key_path(const std::string& name) {
    return name + ".key";
}

std::string secret_key_path(const std::string& name) {
    return name + ".key_secret";
}

bool is_z85_key(std::string_view text) {
    return z85_problem(text).empty();
}

Status generate_keys(const std::string& name) {
    if (name.empty())
        return Status::error("curve: the key pair's NAME is empty, expected e.g. viewer (writes "
                             "viewer.key and viewer.key_secret)");
    const std::string pub = public_key_path(name), sec = secret_key_path(name);
    for (const std::string& p : {pub, sec}) {
        struct stat st {};
        if (::lstat(p.c_str(), &st) == 0)
            return Status::error("curve: " + in_quotes(p) +
                                 " already exists; a key file is never overwritten (choose "
                                 "another NAME or remove it)");
    }
    char pub_z85[kKeyChars + 1] = {}, sec_z85[kKeyChars + 1] = {};
    if (zmq_curve_keypair(pub_z85, sec_z85) != 0)
        return Status::error("curve: this libzmq has no CURVE support (zmq_curve_keypair: " +
                             errno_text(zmq_errno()) + ")");
    // The secret first: if it cannot be written, no public key suggests a pair exists.
    if (Status s = write_new(sec, std::string(sec_z85) + "\n", 0600); !s) return s;
    if (Status s = write_new(pub, std::string(pub_z85) + "\n", 0644); !s) {
        ::unlink(sec.c_str());
        return s;
    }
    return Status::ok();
}

Status load_public_key(std::string_view path_or_z85, std::string& z85) {
    return load_key(path_or_z85, false, z85);
}

Status load_secret_key(std::string_view path_or_z85, std::string& z85) {
    return load_key(path_or_z85, true, z85);
}

Status public_key_of(std::string_view secret_z85, std::string& public_z85) {
    if (!is_z85_key(secret_z85))
        return Status::error("curve: secret key is not a 40-character Z85 key");
    const std::string secret(secret_z85);
    char out[kKeyChars + 1] = {};
    if (zmq_curve_public(out, secret.c_str()) != 0)
        return Status::error("curve: zmq_curve_public: " + errno_text(zmq_errno()));
    public_z85 = out;
    return Status::ok();
}

bool AllowList::contains(std::string_view z85) const {
    return std::binary_search(keys.begin(), keys.end(), z85);
}

Status load_allow_list(std::string_view path, AllowList& out) {
    out.keys.clear();
    const std::string p(path);
    if (p.empty())
        return Status::error("curve: allow= is empty, expected a file of public keys or a "
                             "directory of *.key files");
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0)
        return Status::error("curve: allow-list " + in_quotes(p) + ": " + errno_text(errno) +
                             ", expected a file of public keys or a directory of *.key files");
    if (S_ISDIR(st.st_mode)) {
        std::error_code ec;
        std::vector<std::string> files;
        for (const auto& entry : std::filesystem::directory_iterator(p, ec)) {
            if (entry.path().extension() != ".key") continue;
            if (!entry.is_regular_file(ec)) continue;
            files.push_back(entry.path().string());
        }
        if (ec)
            return Status::error("curve: allow-list directory " + in_quotes(p) + ": " +
                                 ec.message());
        std::sort(files.begin(), files.end());
        for (const std::string& f : files) {
            std::string key;
            if (Status s = load_public_key(f, key); !s)
                return Status::error(s.message() + " (in the allow-list directory " + in_quotes(p) +
                                     ")");
            out.keys.push_back(std::move(key));
        }
    } else {
        const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
            return Status::error("curve: allow-list " + in_quotes(p) + ": " + errno_text(errno));
        std::string text;
        const bool read_ok = read_small(fd, text);
        const int e = errno;
        ::close(fd);
        if (!read_ok)
            return Status::error("curve: allow-list " + in_quotes(p) + ": " + errno_text(e));
        std::size_t line_no = 0;
        for (std::size_t at = 0; at < text.size();) {
            const std::size_t end = std::min(text.find('\n', at), text.size());
            const std::string_view line = trim(std::string_view(text).substr(at, end - at));
            at = end + 1;
            ++line_no;
            if (line.empty() || line.front() == '#') continue;
            if (std::string why = z85_problem(line); !why.empty())
                return Status::error("curve: allow-list " + in_quotes(p) + " line " +
                                     std::to_string(line_no) + ": " + why);
            out.keys.emplace_back(line);
        }
    }
    std::sort(out.keys.begin(), out.keys.end());
    out.keys.erase(std::unique(out.keys.begin(), out.keys.end()), out.keys.end());
    if (out.keys.empty())
        return Status::error("curve: allow-list " + in_quotes(p) +
                             " has no public keys, expected at least one (an empty list "
                             "would refuse everyone)");
    return Status::ok();
}

std::string_view refusal_name(Refusal r) {
    switch (r) {
    case Refusal::UnknownKey:
        return "unknown key";
    case Refusal::NotCurve:
        return "not CURVE";
    case Refusal::Handshake:
        return "bad handshake";
    }
    return "?";
}

// What the handler thread and snapshot() share.
struct detail::CurveShared {
    mutable std::mutex mutex;
    mutable std::condition_variable changed;  // a refusal was counted
    RefusalSnapshot counts;                   // guarded by mutex
    std::deque<RefusedPeer> recent;           // guarded by mutex
    std::vector<zmq::socket_t> adopt;         // monitor sockets apply() made, for the thread
    std::vector<zmq::socket_t> adopt_forward; // each one's forward socket (or a closed one)
    std::vector<std::string> adopt_where;     // the endpoint each monitors (filled by the thread)
    bool thread_done = false;                 // the thread has closed its sockets

    void refuse(Refusal kind, std::string address, std::string via, std::string detail) {
        std::lock_guard lock(mutex);
        ++counts.refused;
        ++counts.by_kind[static_cast<std::size_t>(kind)];
        recent.push_back({std::move(address), std::move(via), kind, std::move(detail)});
        while (recent.size() > CurveServer::kRecent)
            recent.pop_front();
        changed.notify_all();
    }
    void accept() {
        std::lock_guard lock(mutex);
        ++counts.accepted;
    }
};

namespace {

struct MonitorEvent {
    std::uint16_t event = 0;
    std::uint32_t value = 0;
    std::string endpoint;
};

// One monitored socket, read on the handler thread.
struct Monitor {
    Monitor(zmq::socket_t s, zmq::socket_t f)
        : socket(std::move(s))
        , forward(std::move(f)) {}
    zmq::socket_t socket;
    zmq::socket_t forward;              // apply()'s `forward`: every event is passed on, as read
    std::deque<MonitorEvent> queued;    // read ahead, not yet handled
    std::map<int, std::string> peer_of; // open connection's descriptor -> the peer's address
    // A failed handshake waits for the DISCONNECTED event that follows it (same I/O thread
    // call), which names the connection's descriptor and so its peer.
    bool failure_pending = false;
    Refusal pending_kind = Refusal::Handshake;
    std::string pending_detail, pending_endpoint;

    // Reads what is there now without waiting. False once the context is shut down.
    bool read_available() {
        for (;;) {
            zmq::message_t head, where;
            try {
                if (!socket.recv(head, zmq::recv_flags::dontwait)) return true;
                if (head.more()) (void)socket.recv(where, zmq::recv_flags::dontwait);
            } catch (const zmq::error_t&) {
                return false;
            }
            if (forward) {
                // The socket's owner reads its own copy (its monitor's place, which we took).
                try {
                    zmq::message_t head_copy, where_copy;
                    head_copy.copy(head);
                    where_copy.copy(where);
                    if (forward.send(head_copy,
                                     zmq::send_flags::sndmore | zmq::send_flags::dontwait))
                        (void)forward.send(where_copy, zmq::send_flags::dontwait);
                } catch (const zmq::error_t&) {
                }
            }
            if (head.size() < 6) continue;
            MonitorEvent e;
            std::memcpy(&e.event, head.data(), 2);
            std::memcpy(&e.value, static_cast<const char*>(head.data()) + 2, 4);
            e.endpoint = where.to_string();
            queued.push_back(std::move(e));
        }
    }

    void flush_pending(detail::CurveShared& shared, std::string address) {
        if (!failure_pending) return;
        failure_pending = false;
        shared.refuse(pending_kind, std::move(address), pending_endpoint, pending_detail);
    }

    void handle(detail::CurveShared& shared) {
        while (!queued.empty()) {
            MonitorEvent e = std::move(queued.front());
            queued.pop_front();
            const int fd = static_cast<int>(e.value);
            switch (e.event) {
            case ZMQ_EVENT_ACCEPTED:
            case ZMQ_EVENT_CONNECTED: {
                flush_pending(shared, {});
                std::string address = peer_address(fd);
                // The address is the connection's only if it was still open when read: its
                // DISCONNECTED event comes before the descriptor is closed (and may be reused),
                // so one already queued after this event makes the address doubtful.
                (void)read_available();
                const bool closed = std::any_of(queued.begin(), queued.end(), [&](auto& q) {
                    return q.event == ZMQ_EVENT_DISCONNECTED && static_cast<int>(q.value) == fd;
                });
                if (!closed && !address.empty()) peer_of[fd] = std::move(address);
                break;
            }
            case ZMQ_EVENT_DISCONNECTED: {
                std::string address;
                if (auto it = peer_of.find(fd); it != peer_of.end()) {
                    address = std::move(it->second);
                    peer_of.erase(it);
                }
                flush_pending(shared, std::move(address));
                break;
            }
            case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
                flush_pending(shared, {});
                shared.accept();
                break;
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
                flush_pending(shared, {});
                failure_pending = true;
                pending_kind = e.value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
                                   ? Refusal::NotCurve
                                   : Refusal::Handshake;
                pending_detail = protocol_error_text(e.value);
                pending_endpoint = e.endpoint;
                break;
            case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
                flush_pending(shared, {});
                failure_pending = true;
                pending_kind = Refusal::Handshake;
                pending_detail = "the handshake failed: " + errno_text(static_cast<int>(e.value));
                // A plain-text peer that sees our CURVE greeting first hangs up before we see
                // its own: it shows as a broken pipe or a reset.
                if (e.value == EPIPE || e.value == ECONNRESET)
                    pending_detail += " (the peer hung up: plain text, or another mechanism?)";
                pending_endpoint = e.endpoint;
                break;
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
                // The ZAP handler refused it and has counted it, with the peer's address.
                break;
            default:
                break;
            }
        }
    }
};

// ZAP (RFC 27) requests: version, request id, domain, address, identity, mechanism, then the
// mechanism's credentials (CURVE: the client's 32-byte public key).
void handle_zap(zmq::socket_t& zap, const AllowList& allowed, detail::CurveShared& shared) {
    std::vector<zmq::message_t> parts;
    for (bool more = true; more;) {
        zmq::message_t m;
        if (!zap.recv(m, zmq::recv_flags::dontwait)) return;
        more = m.more();
        if (parts.size() < 16) parts.push_back(std::move(m));
    }
    auto text = [&](std::size_t i) {
        return i < parts.size() ? parts[i].to_string() : std::string();
    };
    std::string status = "400", reason, user;
    const std::string domain = text(2), address = text(3), mechanism = text(5);
    if (parts.size() < 6 || text(0) != "1.0") {
        reason = "malformed ZAP request";
        shared.refuse(Refusal::Handshake, address, "zap", reason);
    } else if (mechanism == "CURVE") {
        char z85[kKeyChars + 1] = {};
        if (parts.size() >= 7 && parts[6].size() == 32 &&
            zmq_z85_encode(z85, static_cast<const std::uint8_t*>(parts[6].data()), 32)) {
            if (allowed.contains(z85)) {
                status = "200";
                reason = "OK";
                user = z85;
            } else {
                reason = "unknown key";
                shared.refuse(Refusal::UnknownKey, address, "zap",
                              std::string("key ") + z85 + " is not on the allow-list");
            }
        } else {
            reason = "malformed CURVE credentials";
            shared.refuse(Refusal::Handshake, address, "zap", reason);
        }
    } else if (domain == CurveServer::kZapDomain) {
        reason = "CURVE required";
        shared.refuse(Refusal::NotCurve, address, "zap", "mechanism " + mechanism);
    } else {
        // Another plain socket of this context that set a ZAP domain of its own: not ours.
        status = "200";
        reason = "OK";
    }
    const std::string version = "1.0", request_id = text(1);
    try {
        zap.send(zmq::buffer(version), zmq::send_flags::sndmore);
        zap.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
        zap.send(zmq::buffer(status), zmq::send_flags::sndmore);
        zap.send(zmq::buffer(reason), zmq::send_flags::sndmore);
        zap.send(zmq::buffer(user), zmq::send_flags::sndmore);
        zap.send(zmq::const_buffer(nullptr, 0), zmq::send_flags::none);
    } catch (const zmq::error_t&) {
    }
}

} // namespace

CurveServer::~CurveServer() {
    stop();
}

Status CurveServer::start(zmq::context_t& context, std::string secret_z85, AllowList allowed) {
    if (m_shared) return Status::error("curve: the CURVE server is already started");
    if (allowed.keys.empty())
        return Status::error("curve: the allow-list is empty; CURVE without an allow-list "
                             "authenticates nobody");
    std::sort(allowed.keys.begin(), allowed.keys.end());
    if (Status s = public_key_of(secret_z85, m_public); !s) return s;
    zmq::socket_t zap(context, zmq::socket_type::rep);
    try {
        zap.set(zmq::sockopt::linger, 0);
        zap.bind("inproc://zeromq.zap.01");
    } catch (const zmq::error_t& e) {
        return Status::error(std::string("curve: cannot start the ZAP handler: ") + e.what() +
                             (e.num() == EADDRINUSE ? " (this context already has one)" : ""));
    }
    m_context = &context;
    m_secret = std::move(secret_z85);
    m_shared = std::make_shared<detail::CurveShared>();
    m_thread = std::jthread([shared = m_shared, zap = std::move(zap),
                             allowed = std::move(allowed)](std::stop_token stop) mutable {
        std::vector<Monitor> monitors;
        bool terminated = false;
        while (!stop.stop_requested() && !terminated) {
            {
                std::lock_guard lock(shared->mutex);
                for (std::size_t i = 0; i < shared->adopt.size(); ++i)
                    monitors.emplace_back(std::move(shared->adopt[i]),
                                          std::move(shared->adopt_forward[i]));
                shared->adopt.clear();
                shared->adopt_forward.clear();
            }
            std::vector<zmq::pollitem_t> items;
            items.push_back({zap.handle(), 0, ZMQ_POLLIN, 0});
            for (Monitor& m : monitors)
                items.push_back({m.socket.handle(), 0, ZMQ_POLLIN, 0});
            try {
                // The timeout bounds how long a stop request or a new monitor waits.
                zmq::poll(items, std::chrono::milliseconds(50));
            } catch (const zmq::error_t&) {
                break; // the context is shutting down
            }
            try {
                if (items[0].revents & ZMQ_POLLIN) handle_zap(zap, allowed, *shared);
            } catch (const zmq::error_t&) {
                terminated = true;
            }
            for (Monitor& m : monitors) {
                terminated = !m.read_available() || terminated;
                m.handle(*shared);
            }
        }
        for (Monitor& m : monitors)
            m.flush_pending(*shared, {});
        std::lock_guard lock(shared->mutex);
        monitors.clear();
        zap.close();
        shared->adopt.clear(); // apply()'s sockets never adopted
        shared->adopt_forward.clear();
        shared->thread_done = true;
    });
    return Status::ok();
}

Status CurveServer::apply(zmq::socket_t& socket, std::string_view forward) {
    if (!m_shared) return Status::error("curve: apply() before start()");
    void* s = socket.handle();
    const int one = 1;
    const std::string_view domain = kZapDomain;
    if (zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, m_secret.data(), m_secret.size()) != 0 ||
        zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, domain.data(), domain.size()) != 0)
        return Status::error("curve: cannot make the socket a CURVE server: " +
                             errno_text(zmq_errno()));
    // Refuse, rather than admit, a peer when no ZAP handler answers. Older builds lack it.
    (void)zmq_setsockopt(s, kZapEnforceDomain, &one, sizeof one);
    char endpoint[96];
    std::snprintf(endpoint, sizeof endpoint, "inproc://rtv-curve-monitor-%p-%d",
                  static_cast<const void*>(this), m_monitors++);
    constexpr int kOurs = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED |
                          ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                          ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
    // A socket has one monitor: with `forward`, ours takes every event and passes them on.
    const int events = forward.empty() ? kOurs : ZMQ_EVENT_ALL;
    if (zmq_socket_monitor(s, endpoint, events) != 0)
        return Status::error("curve: cannot monitor the socket: " + errno_text(zmq_errno()));
    try {
        // Connected here, on the socket owner's thread, so no event is lost before the handler
        // thread takes it over (the queue holds them until then).
        zmq::socket_t pair(*m_context, zmq::socket_type::pair);
        pair.set(zmq::sockopt::linger, 0);
        pair.connect(endpoint);
        zmq::socket_t passed;
        if (!forward.empty()) {
            passed = zmq::socket_t(*m_context, zmq::socket_type::pair);
            passed.set(zmq::sockopt::linger, 0);
            passed.bind(std::string(forward));
        }
        std::lock_guard lock(m_shared->mutex);
        if (m_shared->thread_done)
            return Status::error("curve: the CURVE server has stopped (its context shut down)");
        m_shared->adopt.push_back(std::move(pair));
        m_shared->adopt_forward.push_back(std::move(passed));
    } catch (const zmq::error_t& e) {
        return Status::error(std::string("curve: cannot monitor the socket: ") + e.what());
    }
    return Status::ok();
}

void CurveServer::stop() {
    if (m_thread.joinable()) {
        m_thread.request_stop();
        m_thread.join();
    }
}

RefusalSnapshot CurveServer::snapshot() const {
    if (!m_shared) return {};
    std::lock_guard lock(m_shared->mutex);
    RefusalSnapshot out = m_shared->counts;
    out.recent.assign(m_shared->recent.begin(), m_shared->recent.end());
    return out;
}

std::uint64_t CurveServer::refused() const {
    if (!m_shared) return 0;
    std::lock_guard lock(m_shared->mutex);
    return m_shared->counts.refused;
}

bool CurveServer::wait_refused(std::uint64_t count, std::chrono::milliseconds timeout) const {
    if (!m_shared) return false;
    std::unique_lock lock(m_shared->mutex);
    return m_shared->changed.wait_for(lock, timeout,
                                      [&] { return m_shared->counts.refused >= count; });
}

Status apply_curve_client(zmq::socket_t& socket, std::string_view server_public,
                          std::string_view client_secret) {
    if (!is_z85_key(server_public))
        return Status::error("curve: the server's public key is not a 40-character Z85 key");
    std::string client_public;
    if (Status s = public_key_of(client_secret, client_public); !s) return s;
    void* s = socket.handle();
    if (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server_public.data(), server_public.size()) != 0 ||
        zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, client_public.data(), client_public.size()) != 0 ||
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, client_secret.data(), client_secret.size()) != 0)
        return Status::error("curve: cannot make the socket a CURVE client: " +
                             errno_text(zmq_errno()));
    return Status::ok();
}

bool is_local_endpoint(std::string_view e) {
    if (e.starts_with("ipc://")) return e.size() > 6;
    if (e.starts_with("inproc://")) return e.size() > 9;
    if (!e.starts_with("tcp://")) return false;
    std::string_view rest = e.substr(6);
    // Connect's source form, tcp://SOURCE;HOST:PORT: what matters is where it goes.
    if (const std::size_t semi = rest.find(';'); semi != std::string_view::npos)
        rest = rest.substr(semi + 1);
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return false;
    std::string_view host = rest.substr(0, colon);
    if (!parse_port(rest.substr(colon + 1))) return false;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return is_loopback_host(host);
}

namespace {

Status check_endpoints(std::string_view who, bool secure, bool insecure,
                       std::span<const std::string> endpoints, std::string_view fix) {
    if (secure || insecure) return Status::ok();
    for (const std::string& e : endpoints)
        if (!is_local_endpoint(e))
            return Status::error(std::string(who) + ": " + e +
                                 " is reachable from other machines and would carry plain text, "
                                 "expected a loopback or ipc:// endpoint, " +
                                 std::string(fix) +
                                 ", or insecure=1 to accept that (docs/security.md)");
    return Status::ok();
}

} // namespace

Status check_server_security(std::string_view who, const ServerSecurity& s,
                             std::span<const std::string> endpoints) {
    const std::string w(who);
    if (!s.curve.empty() && s.allow.empty())
        return Status::error(w + ": curve= needs allow= (a file or directory of the client "
                                 "public keys to accept): CURVE without an allow-list "
                                 "authenticates nobody");
    if (s.curve.empty() && !s.allow.empty())
        return Status::error(w + ": allow= needs curve= (this side's secret key file)");
    if (!s.curve.empty() && s.insecure)
        return Status::error(w + ": insecure=1 is for plain text; with curve= leave it out");
    return check_endpoints(who, !s.curve.empty(), s.insecure, endpoints,
                           "curve=SECRET_FILE,allow=DIR_OR_FILE");
}

Status check_client_security(std::string_view who, const ClientSecurity& s,
                             std::span<const std::string> endpoints) {
    const std::string w(who);
    if (!s.server_key.empty() && s.key.empty())
        return Status::error(w + ": server_key= needs key= (this client's secret key file)");
    if (s.server_key.empty() && !s.key.empty())
        return Status::error(w + ": key= needs server_key= (the server's public key file)");
    if (!s.server_key.empty() && s.insecure)
        return Status::error(w + ": insecure=1 is for plain text; with server_key= leave it out");
    return check_endpoints(who, !s.server_key.empty(), s.insecure, endpoints,
                           "server_key=PUBLIC_FILE,key=SECRET_FILE");
}

} // namespace rtv::curve
