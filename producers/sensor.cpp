#include "producers/sensor.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "core/clock.hpp"
#include "core/frame_sink.hpp"

namespace rtv::producers {

namespace {
constexpr std::array kSensorSettings{
    SettingInfo{"rate", "1000", "samples per second, 1..1000000"},
    SettingInfo{"history", "10000", "samples the viewer keeps, 1..10000000"},
    SettingInfo{"frequency", "1", "frequency of the sine in Hz, 0..100000"},
    SettingInfo{"noise", "0.05", "amplitude of the uniform noise, 0..10"},
};
}

std::span<const SettingInfo> Sensor::settings() {
    return kSensorSettings;
}

Status Sensor::configure(const ProducerConfig& config) {
    if (Status s = check_keys(kName, config, kSensorSettings); !s) return s;
    if (Status s = read_double(kName, config, "rate", 1, 1e6, m_rate); !s) return s;
    if (Status s = read_uint(kName, config, "history", 1, 10'000'000, m_history); !s) return s;
    if (Status s = read_double(kName, config, "frequency", 0, 1e5, m_frequency); !s) return s;
    if (Status s = read_double(kName, config, "noise", 0, 10, m_noise); !s) return s;
    // A quarter of a second of samples per frame: a tick may be that late before catching up
    // takes more than one frame.
    m_capacity = std::max<std::uint32_t>(64, static_cast<std::uint32_t>(std::ceil(m_rate / 4)));
    m_noise_buf.assign(m_capacity, 0.0f);
    return Status::ok();
}

std::vector<StreamRequest> Sensor::streams() const {
    StreamRequest r;
    r.name = "sensor/samples";
    r.kind = FrameKind::Lines;
    r.mode = StreamMode::Append;
    r.lines = {1, m_capacity};
    r.history = m_history;
    r.slots = 8;
    return {r};
}

void Sensor::tick(FrameSink& sink, std::uint64_t n) {
    if (n == 0 || m_start_ns == 0) {
        m_start_ns = now_ns();
        m_rng = FastUniform(sink.schedule().seed);
    }
    const double elapsed = static_cast<double>(now_ns() - m_start_ns) * 1e-9;
    const auto due_total = static_cast<std::uint64_t>(elapsed * m_rate) + 1; // sample 0 at t = 0
    if (due_total <= m_sent) return;
    const auto count =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(due_total - m_sent, m_capacity));
    FrameLease frame = sink.acquire(0);
    if (!frame) return; // these samples stay due and go out with the next frame
    std::span<LinePoint> pts = frame.points();
    m_rng.fill(std::span(m_noise_buf).first(count));
    const double omega = 2.0 * std::numbers::pi * m_frequency;
    for (std::uint32_t i = 0; i < count; ++i) {
        const double t = static_cast<double>(m_sent + i) / m_rate;
        const double y = 0.5 + 0.35 * std::sin(omega * t) + m_noise * (2.0 * m_noise_buf[i] - 1.0);
        pts[i] = {static_cast<float>(t), static_cast<float>(y)};
    }
    frame.set_shape(1, count);
    sink.submit(std::move(frame));
    m_sent += count;
}

} // namespace rtv::producers
