#pragma once
// rtviewer's C++ client: feeds a running viewer's zmq producer from another program.
//
//     rtv::client::Publisher pub;
//     if (rtv::Status s = pub.open("tcp://127.0.0.1:5555"); !s) { /* no viewer: s.message() */ }
//     pub.send("cam", pixels, {height, width});   // std::span<const std::uint16_t> etc.
//     pub.close();                                 // what was sent leaves before this returns
//
// The message is rtviewer's wire format ([stream name, array as .npy]), written by the same
// codec the viewer reads it with; an array the viewer would refuse is refused here, before
// sending, with the viewer's own reason. open() waits for the viewer's subscription (an XPUB
// socket), so no frame is lost to ZeroMQ's slow joiner. Link: rtv::client (CMake).
// Thread: one thread per Publisher.

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "wire/npy.hpp"

namespace rtv::client {

class Publisher {
public:
    Publisher();
    ~Publisher(); // close()
    Publisher(const Publisher&) = delete;
    Publisher& operator=(const Publisher&) = delete;

    // Connects to the viewer at `endpoint` and waits up to `wait_s` seconds for its
    // subscription: an error naming the endpoint when no viewer is there.
    Status open(const std::string& endpoint = "tcp://127.0.0.1:5555", double wait_s = 10.0);

    // Sends `data` (C order) of `shape` as stream `name` (a "name:image" or "name:lines" suffix
    // chooses for 2-D arrays, as the viewer documents). Returns without waiting for the viewer.
    // Shapes: (N,) a line, (N, 2) x-y points, (H, W) an image, (H, W, 3|4) RGB/RGBA.
    template <class T>
    Status send(std::string_view name, std::span<const T> data,
                std::initializer_list<std::uint64_t> shape) {
        return send_raw(name, wire::npy_type<T>(), std::as_bytes(data),
                        {shape.begin(), shape.size()});
    }
    Status send_raw(std::string_view name, wire::NpyType type, std::span<const std::byte> data,
                    std::span<const std::uint64_t> shape);

    // Lets what was sent leave (up to `linger_s` seconds) and disconnects. Idempotent.
    void close(double linger_s = 10.0);
    bool is_open() const;
    std::uint64_t sent() const { return m_sent; }

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    std::vector<std::byte> m_message; // reused: no allocation per frame once grown
    std::uint64_t m_sent = 0;
};

} // namespace rtv::client
