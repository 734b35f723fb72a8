#include "client/publisher.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

#include <zmq.hpp>

#include "client/shm_ring.hpp"
#include "core/clock.hpp"
#include "wire/catalogue.hpp"
#include "wire/curve.hpp"
#include "wire/message.hpp"
#include "wire/rows.hpp"

namespace rtv::client {

struct Publisher::Impl {
    using Clock = std::chrono::steady_clock;
    zmq::context_t context{1};
    zmq::socket_t socket{context, zmq::socket_type::xpub};
    wire::WireHeader header;
    std::unique_ptr<ShmRingWriter> ring; // with shm
    // A ZeroMQ socket is not thread-safe: send() and the idle thread take turns on it (and on the
    // numbering, and on the message buffers) under this.
    std::mutex mutex;
    std::condition_variable_any dropped; // a frame was dropped: the idle thread has work
    Clock::time_point last_send{};       // the last send() call
    Clock::time_point last_mark{};       // the idle thread's last try
    Clock::time_point last_catalogue{};  // the last catalogue sent (wire/catalogue.hpp)
    std::string endpoint;                // where it is connected or bound
    bool bound = false;                  // bind(): serves viewers that connect
    std::uint64_t sends = 0;             // bound: the subscription messages are read every 64
    std::jthread idle;                   // started at the first drop; last: joined first
};

Publisher::Publisher() = default;

Publisher::~Publisher() {
    close();
}

bool Publisher::is_open() const {
    return m_impl != nullptr;
}

std::uint64_t Publisher::shm_reused_unread() const {
    return m_impl && m_impl->ring ? m_impl->ring->reused_unread() : 0;
}

Status Publisher::open(const std::string& endpoint_given, double wait_s,
                       const PublisherOptions& options) {
    close();
    const char* from_env = std::getenv("RTV_ENDPOINT");
    const std::string endpoint = !endpoint_given.empty() ? endpoint_given
                                 : from_env && *from_env ? std::string(from_env)
                                                         : std::string("tcp://127.0.0.1:5555");
    if (options.hwm < 1) return Status::error("rtviewer client: hwm must be at least 1");
    std::string server_public, secret;
    if (options.server_key.empty() != options.key.empty())
        return Status::error(options.key.empty()
                                 ? "publisher: server_key= needs key= (this client's secret key "
                                   "file)"
                                 : "publisher: key= needs server_key= (the server's public key "
                                   "file)");
    if (!options.server_key.empty()) {
        if (Status s = curve::load_public_key(options.server_key, server_public); !s) return s;
        if (Status s = curve::load_secret_key(options.key, secret); !s) return s;
    }
    auto impl = std::make_unique<Impl>();
    if (!server_public.empty())
        if (Status s = curve::apply_curve_client(impl->socket, server_public, secret); !s) return s;
    try {
        impl->socket.set(zmq::sockopt::rcvtimeo, int(wait_s * 1000.0));
        impl->socket.set(zmq::sockopt::sndtimeo, int(wait_s * 1000.0)); // send(block) waits this
        impl->socket.set(zmq::sockopt::linger, 0);
        impl->socket.set(zmq::sockopt::sndhwm, options.hwm);
        // A full queue refuses the frame (EAGAIN) instead of dropping it silently: counted here,
        // and its sequence number is still used, so that the viewer counts it as a gap.
        impl->socket.set(zmq::sockopt::xpub_nodrop, 1);
        impl->socket.connect(endpoint);
        // XPUB hands over the subscriber's subscription: the viewer is there and listening.
        zmq::message_t subscription;
        if (!impl->socket.recv(subscription))
            return Status::error("rtviewer client: no viewer subscribed at " + endpoint +
                                 " within " + std::to_string(wait_s) +
                                 " s (is `rtviewer --producer zmq:bind=" + endpoint + "` running?" +
                                 (server_public.empty()
                                      ? std::string(")")
                                      : std::string(" With CURVE: is server_key= its public "
                                                    "key, and this key on its allow-list?)")));
    } catch (const zmq::error_t& e) {
        return Status::error("rtviewer client: cannot connect to " + endpoint + ": " + e.what());
    }
    impl->endpoint = endpoint;
    std::random_device entropy;
    impl->header.publisher = (std::uint64_t{entropy()} << 32) | entropy();
    impl->header.boot_id = wire::boot_id();
    if (options.shm) impl->ring = std::make_unique<ShmRingWriter>(options.shm_slots);
    m_impl = std::move(impl);
    m_wait_s = wait_s;
    return Status::ok();
}

Status Publisher::bind(const std::string& endpoint, const PublisherOptions& options) {
    close();
    if (options.hwm < 1) return Status::error("rtviewer client: hwm must be at least 1");
    if (options.shm)
        return Status::error("rtviewer client: shm is for a publisher that connects to a viewer "
                             "on this machine (open); a bound publisher sends frames inline");
    if (!options.server_key.empty() || !options.key.empty())
        return Status::error("rtviewer client: server_key= and key= are for a publisher that "
                             "connects (open); a bound publisher serves loopback or ipc:// "
                             "viewers, or plain text beyond this machine (docs/security.md)");
    auto impl = std::make_unique<Impl>();
    try {
        impl->socket.set(zmq::sockopt::linger, 0);
        impl->socket.set(zmq::sockopt::sndhwm, options.hwm); // each viewer's queue
        // Lossy (no xpub_nodrop): a viewer whose queue is full loses the frame alone.
        impl->socket.bind(endpoint);
        impl->endpoint = impl->socket.get(zmq::sockopt::last_endpoint);
    } catch (const zmq::error_t& e) {
        return Status::error("rtviewer client: cannot bind " + endpoint + ": " + e.what());
    }
    impl->bound = true;
    std::random_device entropy;
    impl->header.publisher = (std::uint64_t{entropy()} << 32) | entropy();
    impl->header.boot_id = wire::boot_id();
    m_impl = std::move(impl);
    m_wait_s = 0.0;
    return Status::ok();
}

std::string Publisher::endpoint() const {
    return m_impl ? m_impl->endpoint : std::string();
}

Status Publisher::send_raw(std::string_view name, wire::NpyType type,
                           std::span<const std::byte> data, std::span<const std::uint64_t> shape,
                           bool block) {
    return send_any(name, type, data, shape, block, nullptr);
}

Status Publisher::send_placed(std::string_view name, wire::NpyType type,
                              std::span<const std::byte> data, std::span<const std::uint64_t> shape,
                              const wire::ShmDescriptor& placed, bool block) {
    if (placed.bytes != data.size())
        return Status::error("rtviewer client: " + std::string(name) + ": the descriptor says " +
                             std::to_string(placed.bytes) + " bytes, the data are " +
                             std::to_string(data.size()));
    return send_any(name, type, data, shape, block, &placed);
}

Status Publisher::send_any(std::string_view name, wire::NpyType type,
                           std::span<const std::byte> data, std::span<const std::uint64_t> shape,
                           bool block, const wire::ShmDescriptor* placed) {
    if (!m_impl) return Status::error("rtviewer client: send() before open()");
    std::scoped_lock lock(m_impl->mutex);
    Numbering* numbering = nullptr;
    Status status = send_frame(name, type, data, shape, block, placed, numbering);
    m_impl->last_send = Impl::Clock::now();
    if (numbering && m_impl->last_send - m_impl->last_catalogue >=
                         std::chrono::duration<double>(wire::kCatalogueEveryS))
        send_catalogue(false);
    if (numbering) watch_untold(*numbering);
    return status;
}

void Publisher::watch_untold(const Numbering& n) {
    if (n.told >= n.next) return;
    // A number that did not leave: if nothing follows it, the idle thread tells the viewer.
    if (!m_impl->idle.joinable())
        m_impl->idle = std::jthread([this](std::stop_token stop) { tell_when_idle(stop); });
    m_impl->dropped.notify_one();
}

bool Publisher::skip(std::string_view name, std::uint64_t count) {
    if (!m_impl || count == 0) return count == 0;
    std::scoped_lock lock(m_impl->mutex);
    const auto it = m_streams.find(name);
    if (it == m_streams.end()) return false;
    it->second.next += count;
    m_dropped += count;
    watch_untold(it->second);
    return true;
}

bool Publisher::send_rows(std::string_view json) {
    if (!m_impl) return false;
    std::scoped_lock lock(m_impl->mutex);
    try {
        if (!m_impl->socket.send(zmq::buffer(wire::kRowsTopic),
                                 zmq::send_flags::dontwait | zmq::send_flags::sndmore))
            return false;
        m_impl->socket.send(zmq::buffer(json), zmq::send_flags::none);
    } catch (const zmq::error_t&) {
        return false;
    }
    return true;
}

Status Publisher::send_frame(std::string_view name, wire::NpyType type,
                             std::span<const std::byte> data, std::span<const std::uint64_t> shape,
                             bool block, const wire::ShmDescriptor* placed, Numbering*& numbering) {
    if (shape.empty() || shape.size() > 3)
        return Status::error("rtviewer client: " + std::string(name) + ": shape has " +
                             std::to_string(shape.size()) + " dimensions, expected 1 to 3");
    std::uint64_t count = 1;
    for (const std::uint64_t d : shape)
        count *= d;
    if (count * wire::npy_item_size(type) != data.size())
        return Status::error("rtviewer client: " + std::string(name) + ": data is " +
                             std::to_string(data.size()) + " bytes, expected " +
                             std::to_string(count * wire::npy_item_size(type)) + " for its shape");
    wire::write_npy_header(m_message, type, unsigned(shape.size()), shape.data());
    // The viewer's own decoder: what it would refuse is refused here, with its reason.
    wire::DecodedFrame decoded;
    if (Status s = wire::decode_frame(name, m_message, decoded, {}, true); !s)
        return Status::error("rtviewer client: " + s.message());
    wire::WireHeader& h = m_impl->header;
    // Images in a sample type the viewer keeps go through the ring (or where they were placed);
    // the rest inline.
    const bool shm_type =
        decoded.kind == FrameKind::Image && type == wire::npy_type_of(decoded.format.sample);
    if (placed && m_impl->bound)
        return Status::error("rtviewer client: " + std::string(name) +
                             ": a bound publisher sends frames inline, not in shared memory");
    if (placed && !shm_type)
        return Status::error("rtviewer client: " + std::string(name) +
                             ": only images in the viewer's own sample types travel in shared "
                             "memory");
    h.shm = shm_type && (placed || m_impl->ring);
    // The sequence number is used whether or not the frame leaves: a dropped one is a gap.
    auto it = m_streams.find(decoded.name);
    const bool fresh = it == m_streams.end();
    if (fresh) it = m_streams.emplace(std::string(decoded.name), Numbering{}).first;
    Numbering& n = it->second;
    numbering = &n;
    h.sequence = n.next++;
    n.topic.assign(name); // no allocation once it has held the name
    n.type = type;
    n.dims = unsigned(shape.size());
    std::copy(shape.begin(), shape.end(), n.shape);
    if (fresh) send_catalogue(block); // a new stream: listed before its first frame arrives
    if (h.shm && !placed && !m_impl->ring->ready()) {
        // The viewer has not copied the oldest slot's frame yet: this frame is dropped rather
        // than overwriting one in flight.
        ++m_dropped;
        return Status::ok();
    }
    if (placed) {
        h.descriptor = *placed;
    } else if (h.shm) {
        if (Status s = m_impl->ring->write(data, h.descriptor); !s) return s;
    } else {
        m_message.insert(m_message.end(), data.begin(), data.end());
    }
    h.send_ns = now_ns();
    wire::encode_header(h, m_header);
    const zmq::send_flags last = block ? zmq::send_flags::none : zmq::send_flags::dontwait;
    try {
        // The first part decides: once it is queued, ZeroMQ takes the rest of the message.
        if (!m_impl->socket.send(zmq::buffer(name.data(), name.size()),
                                 last | zmq::send_flags::sndmore)) {
            ++m_dropped;
            if (block)
                return Status::error("rtviewer client: " + std::string(name) +
                                     ": the viewer took no frame for " + std::to_string(m_wait_s) +
                                     " s; frame dropped");
            return Status::ok();
        }
        m_impl->socket.send(zmq::buffer(m_header.data(), m_header.size()),
                            zmq::send_flags::sndmore);
        m_impl->socket.send(zmq::buffer(m_message.data(), m_message.size()), zmq::send_flags::none);
    } catch (const zmq::error_t& e) {
        return Status::error("rtviewer client: send failed: " + std::string(e.what()));
    }
    if (h.shm && !placed) m_impl->ring->mark_sent(h.descriptor);
    if (m_impl->bound && ++m_impl->sends % 64 == 0) {
        // Viewers' subscriptions (and their ends) queue up on a bound socket: read them away.
        zmq::message_t subscription;
        while (m_impl->socket.recv(subscription, zmq::recv_flags::dontwait)) {
        }
    }
    n.told = n.next;
    ++m_sent;
    return Status::ok();
}

void Publisher::send_catalogue(bool block) {
    Impl& impl = *m_impl;
    const Impl::Clock::time_point now = Impl::Clock::now();
    const double elapsed = impl.last_catalogue == Impl::Clock::time_point{}
                               ? 0.0
                               : std::chrono::duration<double>(now - impl.last_catalogue).count();
    wire::Catalogue c;
    c.publisher = impl.header.publisher;
    for (auto& [name, n] : m_streams) {
        if (c.streams.size() == wire::kMaxCatalogueStreams) break;
        wire::CatalogueEntry& e = c.streams.emplace_back();
        e.name = name;
        e.shape.assign(n.shape, n.shape + n.dims);
        e.dtype = wire::npy_descr(n.type);
        if (elapsed > 0.0) e.per_s = double(n.next - n.counted) / elapsed;
        n.counted = n.next;
    }
    const std::string json = wire::encode_catalogue(c);
    try {
        // Without `block` it never waits: a full queue skips it, the next one says the same.
        if (impl.socket.send(zmq::buffer(wire::kCatalogueTopic),
                             (block ? zmq::send_flags::none : zmq::send_flags::dontwait) |
                                 zmq::send_flags::sndmore))
            impl.socket.send(zmq::buffer(json), zmq::send_flags::none);
    } catch (const zmq::error_t&) {
    }
    impl.last_catalogue = now;
}

bool Publisher::send_mark(Numbering& n, bool block) {
    wire::WireHeader h = m_impl->header; // this publisher's id and boot id
    h.shm = false;
    h.mark = true;
    h.sequence = n.next - 1;
    h.send_ns = now_ns();
    wire::encode_header(h, m_header);
    wire::write_npy_header(m_message, n.type, n.dims, n.shape);
    try {
        if (!m_impl->socket.send(zmq::buffer(n.topic),
                                 (block ? zmq::send_flags::none : zmq::send_flags::dontwait) |
                                     zmq::send_flags::sndmore))
            return false; // the queue is full: tried again later
        m_impl->socket.send(zmq::buffer(m_header.data(), m_header.size()),
                            zmq::send_flags::sndmore);
        m_impl->socket.send(zmq::buffer(m_message.data(), m_message.size()), zmq::send_flags::none);
    } catch (const zmq::error_t&) {
        return false;
    }
    n.told = n.next;
    return true;
}

void Publisher::tell_when_idle(std::stop_token stop) {
    Impl& impl = *m_impl;
    const auto idle = std::chrono::duration_cast<Impl::Clock::duration>(
        std::chrono::duration<double>(kIdleMarkSeconds));
    const auto untold = [this] {
        for (const auto& entry : m_streams)
            if (entry.second.told < entry.second.next) return true;
        return false;
    };
    std::unique_lock lock(impl.mutex);
    while (!stop.stop_requested()) {
        if (!impl.dropped.wait(lock, stop, untold)) break; // stopped
        // Idle: nothing sent for a second (and at most one try a second, if the queue is full).
        const auto due = std::max(impl.last_send, impl.last_mark) + idle;
        if (Impl::Clock::now() < due) {
            impl.dropped.wait_until(lock, stop, due, [] { return false; });
            continue;
        }
        impl.last_mark = Impl::Clock::now();
        for (auto& entry : m_streams)
            if (entry.second.told < entry.second.next) (void)send_mark(entry.second, false);
    }
}

bool Publisher::close(double linger_s) {
    if (!m_impl) return true;
    bool told = true;
    {
        std::scoped_lock lock(m_impl->mutex);
        // Each stream's last number, after its last frame (one socket keeps them in order): the
        // viewer counts the frames that never reached it, the last ones too. A full queue is
        // waited for up to linger_s.
        m_impl->socket.set(zmq::sockopt::sndtimeo, int(linger_s * 1000.0));
        for (auto& entry : m_streams)
            told = send_mark(entry.second, true) && told;
        m_streams.clear(); // opened again: a new publisher id, numbered from 0
    }
    if (m_impl->idle.joinable()) {
        m_impl->idle.request_stop();
        m_impl->idle.join();
    }
    m_impl->socket.set(zmq::sockopt::linger, int(linger_s * 1000.0));
    m_impl->socket.close();
    m_impl->context.close(); // returns once what was sent has left, or linger_s passed
    // The ring goes once the viewer has copied out what was sent (or linger_s passed).
    const bool copied = !m_impl->ring || m_impl->ring->wait_released(linger_s);
    m_impl.reset();
    return told && copied;
}

} // namespace rtv::client
