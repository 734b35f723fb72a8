#include "producers/zmq_input.hpp"

#include <algorithm>
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
    socket.set(zmq::sockopt::subscribe, "");
    // Draining (drain_when): receives time out, so that an idle socket ends the run.
    constexpr int kDrainPollMs = 100;
    if (m_drain.stop_possible()) socket.set(zmq::sockopt::rcvtimeo, kDrainPollMs);
    int idle_polls = 0;
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
    m_boot_id = wire::boot_id();
    const auto bytes_of = [](const zmq::message_t& m) {
        return std::span<const std::byte>(static_cast<const std::byte*>(m.data()), m.size());
    };
    zmq::message_t topic, second, third, extra;
    while (!stop.stop_requested() && (limit == 0 || received < limit)) {
        std::size_t parts = 1;
        try {
            if (!socket.recv(topic)) { // timed out: draining only
                if (m_drain.stop_requested() && ++idle_polls * kDrainPollMs >= kDrainIdleS * 1000)
                    break; // the sender has gone and nothing more came
                continue;
            }
            idle_polls = 0;
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
        ++received;
        if (parts < 2 || parts > 3) {
            char why[160];
            std::snprintf(why, sizeof why,
                          "zmq: message has %zu parts, expected 2 (stream name, .npy payload) or "
                          "3 (stream name, header, payload)",
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
    socket.close();
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
