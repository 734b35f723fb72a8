#pragma once
// zmq: frames from other processes and machines. A ZeroMQ SUB socket bound to `bind` (loopback
// by default; any ZeroMQ endpoint) receives multipart messages [stream name, .npy payload] (see
// zmq_message.hpp); each new name opens a stream, shaped by its first frame. Bad messages are
// rejected with their reason and counted: on their stream, or on "<name>/messages" when they
// have none. ZMQ_MAXMSGSIZE bounds a message (ZeroMQ drops the connection of a peer that sends
// more); ZMQ_RCVHWM bounds the messages ZeroMQ queues for us.
// The schedule's interval, latency and jitter do not apply (frames come when they are sent);
// `iterations` stops after that many messages. Thread: configure on main, run on its own.

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/producer.hpp"
#include "producers/settings.hpp"
#include "wire/npy.hpp"

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

private:
    void handle(FrameSink& sink, std::string_view topic, std::span<const std::byte> payload);

    std::string m_bind = "tcp://127.0.0.1:5555";
    std::uint32_t m_max_mb = 64;
    std::uint32_t m_hwm = 16;
    std::uint32_t m_max_streams = 32;
    wire::NpyLimits m_limits;
    std::vector<std::pair<std::string, std::size_t>> m_streams; // name -> sink index
};

} // namespace rtv::producers
