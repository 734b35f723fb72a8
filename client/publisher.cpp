#include "client/publisher.hpp"

#include <chrono>

#include <zmq.hpp>

#include "wire/message.hpp"

namespace rtv::client {

struct Publisher::Impl {
    zmq::context_t context{1};
    zmq::socket_t socket{context, zmq::socket_type::xpub};
};

Publisher::Publisher() = default;

Publisher::~Publisher() {
    close();
}

bool Publisher::is_open() const {
    return m_impl != nullptr;
}

Status Publisher::open(const std::string& endpoint, double wait_s) {
    close();
    auto impl = std::make_unique<Impl>();
    try {
        impl->socket.set(zmq::sockopt::rcvtimeo, int(wait_s * 1000.0));
        impl->socket.set(zmq::sockopt::linger, 0);
        impl->socket.connect(endpoint);
        // XPUB hands over the subscriber's subscription: the viewer is there and listening.
        zmq::message_t subscription;
        if (!impl->socket.recv(subscription))
            return Status::error("rtviewer client: no viewer subscribed at " + endpoint +
                                 " within " + std::to_string(wait_s) +
                                 " s (is `rtviewer --producer zmq:bind=" + endpoint +
                                 "` running?)");
    } catch (const zmq::error_t& e) {
        return Status::error("rtviewer client: cannot connect to " + endpoint + ": " + e.what());
    }
    m_impl = std::move(impl);
    return Status::ok();
}

Status Publisher::send_raw(std::string_view name, wire::NpyType type,
                           std::span<const std::byte> data, std::span<const std::uint64_t> shape) {
    if (!m_impl) return Status::error("rtviewer client: send() before open()");
    if (shape.empty() || shape.size() > 3)
        return Status::error("rtviewer client: " + std::string(name) + ": shape has " +
                             std::to_string(shape.size()) + " dimensions, expected 1 to 3");
    std::uint64_t count = 1;
    for (const std::uint64_t d : shape)
        count *= d;
    if (count * wire::npy_item_size(type) != data.size())
        return Status::error("rtviewer client: " + std::string(name) + ": data is " +
                             std::to_string(data.size()) + " bytes, expected " +
                             std::to_string(count * wire::npy_item_size(type)) +
                             " for its shape");
    wire::write_npy_header(m_message, type, unsigned(shape.size()), shape.data());
    m_message.insert(m_message.end(), data.begin(), data.end());
    // The viewer's own decoder: what it would refuse is refused here, with its reason.
    wire::DecodedFrame decoded;
    if (Status s = wire::decode_frame(name, m_message, decoded); !s)
        return Status::error("rtviewer client: " + s.message());
    try {
        m_impl->socket.send(zmq::buffer(name.data(), name.size()), zmq::send_flags::sndmore);
        m_impl->socket.send(zmq::buffer(m_message.data(), m_message.size()), zmq::send_flags::none);
    } catch (const zmq::error_t& e) {
        return Status::error("rtviewer client: send failed: " + std::string(e.what()));
    }
    ++m_sent;
    return Status::ok();
}

void Publisher::close(double linger_s) {
    if (!m_impl) return;
    m_impl->socket.set(zmq::sockopt::linger, int(linger_s * 1000.0));
    m_impl->socket.close();
    m_impl->context.close(); // returns once what was sent has left, or linger_s passed
    m_impl.reset();
}

} // namespace rtv::client
