#include "producers/waves.hpp"

#include <array>
#include <cmath>
#include <numbers>

#include "core/frame_sink.hpp"

namespace rtv::producers {

namespace {
constexpr std::array kWavesSettings{
    SettingInfo{"lines", "10", "lines per frame, 1..4096"},
    SettingInfo{"points", "1000", "points per line, 1..1000000 (lines x points at most 16M)"},
    SettingInfo{"cycles", "3", "sine periods across a line, 0..1000"},
    SettingInfo{"speed", "0.5", "periods the waves travel per 60 frames, -100..100"},
};
}

std::span<const SettingInfo> Waves::settings() {
    return kWavesSettings;
}

Status Waves::configure(const ProducerConfig& config) {
    if (Status s = check_keys(kName, config, kWavesSettings); !s) return s;
    if (Status s = read_uint(kName, config, "lines", 1, 4096, m_lines); !s) return s;
    if (Status s = read_uint(kName, config, "points", 1, 1'000'000, m_points); !s) return s;
    if (Status s = read_double(kName, config, "cycles", 0, 1000, m_cycles); !s) return s;
    if (Status s = read_double(kName, config, "speed", -100, 100, m_speed); !s) return s;
    if (std::size_t{m_lines} * m_points > 16'000'000)
        return Status::error("waves: lines x points is out of range, got " +
                             std::to_string(std::size_t{m_lines} * m_points) +
                             ", expected 1..16000000");
    return Status::ok();
}

std::vector<StreamRequest> Waves::streams() const {
    StreamRequest r;
    r.name = "waves/lines";
    r.kind = FrameKind::Lines;
    r.lines = {m_lines, m_points};
    return {r};
}

float Waves::value(std::uint32_t line, std::uint32_t i, std::uint64_t n) const {
    const double tau = 2.0 * std::numbers::pi;
    const double phase = tau * (m_cycles * i / m_points + m_speed * static_cast<double>(n) / 60.0) +
                         tau * line / m_lines;
    return static_cast<float>((line + 0.5 + 0.45 * std::sin(phase)) / m_lines);
}

void Waves::tick(FrameSink& sink, std::uint64_t n) {
    FrameLease frame = sink.acquire(0);
    if (!frame) return;
    std::span<LinePoint> pts = frame.points();
    for (std::uint32_t l = 0; l < m_lines; ++l)
        for (std::uint32_t i = 0; i < m_points; ++i)
            pts[std::size_t{l} * m_points + i] = {static_cast<float>(i), value(l, i, n)};
    frame.set_shape(m_lines, m_points);
    sink.submit(std::move(frame));
}

} // namespace rtv::producers
