#include "producers/zmq_input.hpp"

#include <array>
#include <cstdio>
#include <stdexcept>

#include <zmq.hpp>

#include "core/frame_sink.hpp"
#include "core/pixel_format.hpp"
#include "wire/message.hpp"

namespace rtv::producers {

namespace {
constexpr std::array kSettings{
    SettingInfo{"bind", "tcp://127.0.0.1:5555",
                "ZeroMQ endpoint to bind (tcp://0.0.0.0:5555 takes other machines; port * picks "
                "a free one, printed at start)"},
    SettingInfo{"maxmsg", "64", "largest message in MB (ZMQ_MAXMSGSIZE), 1..4096"},
    SettingInfo{"hwm", "16", "messages ZeroMQ may queue for the viewer (ZMQ_RCVHWM), 1..10000"},
    SettingInfo{"streams", "32", "most streams this producer opens, 1..256"},
};
} // namespace

std::span<const SettingInfo> ZmqInput::settings() {
    return kSettings;
}

Status ZmqInput::configure(const ProducerConfig& config) {
    if (Status s = check_keys(kName, config, kSettings); !s) return s;
    if (auto it = config.find("bind"); it != config.end()) {
        const std::string& b = it->second;
        if (b.find("://") == std::string::npos || b.size() < 7)
            return Status::error("zmq: bind must be a ZeroMQ endpoint such as "
                                 "tcp://127.0.0.1:5555 or ipc:///tmp/rtv.sock, got '" +
                                 b + "'");
        m_bind = b;
    }
    if (Status s = read_uint(kName, config, "maxmsg", 1, 4096, m_max_mb); !s) return s;
    if (Status s = read_uint(kName, config, "hwm", 1, 10000, m_hwm); !s) return s;
    if (Status s = read_uint(kName, config, "streams", 1, 256, m_max_streams); !s) return s;
    m_limits.max_elements = std::uint64_t{m_max_mb} << 20; // at least 1 byte per element
    m_streams.reserve(m_max_streams);
    return Status::ok();
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

void ZmqInput::run(std::stop_token stop, FrameSink& sink) {
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::sub);
    socket.set(zmq::sockopt::linger, 0);
    // What ZeroMQ may queue for the viewer (hwm messages of up to maxmsg) comes out of the
    // memory budget: hwm is lowered to what fits rather than letting the queue hold gigabytes.
    const std::uint64_t per_message = std::uint64_t{m_max_mb} << 20;
    const std::uint64_t hwm = std::max<std::uint64_t>(
        1, std::min<std::uint64_t>(m_hwm, sink.memory_available() / per_message));
    if (Status s = sink.reserve_memory(hwm * per_message, "its receive queue (hwm x maxmsg)"); !s)
        throw std::runtime_error(s.message());
    if (hwm < m_hwm)
        std::printf("rtviewer: zmq: hwm lowered from %u to %llu messages of up to %u MB to fit "
                    "the memory limit\n",
                    m_hwm, static_cast<unsigned long long>(hwm), m_max_mb);
    socket.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(per_message));
    socket.set(zmq::sockopt::rcvhwm, static_cast<int>(hwm));
    socket.set(zmq::sockopt::subscribe, "");
    try {
        socket.bind(m_bind);
    } catch (const zmq::error_t& e) {
        throw std::runtime_error("cannot bind " + m_bind + ": " + e.what());
    }
    // Where we listen (with port * ZeroMQ picked one): scripts and tests read this line.
    std::printf("rtviewer: zmq: listening on %s\n",
                socket.get(zmq::sockopt::last_endpoint).c_str());
    std::fflush(stdout);
    // Stop interrupts the blocking receive: zmq_ctx_shutdown makes it fail with ETERM.
    std::stop_callback on_stop(stop, [&context] { context.shutdown(); });

    const std::uint64_t limit = sink.schedule().iterations;
    std::uint64_t received = 0;
    zmq::message_t topic, payload, extra;
    while (!stop.stop_requested() && (limit == 0 || received < limit)) {
        try {
            if (!socket.recv(topic)) continue;
            if (!topic.more()) {
                sink.reject(0, "zmq: message has 1 part, expected 2 (stream name, .npy payload)");
                ++received;
                continue;
            }
            (void)socket.recv(payload);
            std::size_t parts = 2;
            for (bool more = payload.more(); more; more = extra.more()) {
                (void)socket.recv(extra); // drain the rest of the message
                ++parts;
            }
            ++received;
            if (parts != 2) {
                char why[128];
                std::snprintf(why, sizeof why,
                              "zmq: message has %zu parts, expected 2 (stream name, .npy payload)",
                              parts);
                sink.reject(0, why);
                continue;
            }
        } catch (const zmq::error_t& e) {
            if (e.num() == ETERM) break; // stopped
            throw;
        }
        handle(sink, topic.to_string_view(),
               {static_cast<const std::byte*>(payload.data()), payload.size()});
    }
    socket.close();
}

void ZmqInput::handle(FrameSink& sink, std::string_view topic, std::span<const std::byte> payload) {
    wire::DecodedFrame f;
    const Status decoded = wire::decode_frame(topic, payload, f, m_limits);
    // Find the stream by name; a bad payload is counted on its stream when the name is good.
    std::size_t index = 0;
    bool found = false;
    const std::string_view name = decoded ? f.name : topic.substr(0, topic.find(':'));
    for (const auto& [n, i] : m_streams)
        if (n == name) {
            index = i;
            found = true;
        }
    if (!decoded) {
        sink.reject(found ? index : 0, decoded.message());
        return;
    }
    if (!found) {
        if (m_streams.size() >= m_max_streams) {
            sink.reject(0, "zmq: " + std::string(name) + ": too many streams, expected at most " +
                               std::to_string(m_max_streams) + " (setting streams)");
            return;
        }
        StreamRequest r;
        r.name = std::string(name);
        r.kind = f.kind;
        if (f.kind == FrameKind::Image) {
            r.image = {f.width, f.height, f.format};
        } else {
            // Room for lines of up to 4x the first frame's length (at least 1024 points).
            r.lines = {f.lines, std::max<std::uint32_t>(f.points, 256) * 4};
        }
        if (Status s = sink.open_stream(std::move(r), index); !s) {
            sink.reject(0, "zmq: " + s.message());
            return;
        }
        m_streams.emplace_back(std::string(name), index); // allocates: on a new stream only
    }
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
    FrameLease lease = sink.acquire(index);
    if (!lease) return; // pool full: counted as dropped by acquire
    if (f.kind == FrameKind::Image) {
        wire::npy_copy_image(f.array, f.format, lease.bytes());
    } else {
        wire::decoded_points(f, lease.points());
        lease.set_shape(f.lines, f.points);
    }
    sink.submit(std::move(lease));
}

} // namespace rtv::producers
