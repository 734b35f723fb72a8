#include "producers/sweep.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "core/frame_sink.hpp"
#include "producers/settings.hpp"

namespace rtv::producers {

namespace {
constexpr std::array kSweepSettings{
    SettingInfo{"width", "800", "image width in pixels, 1..16384"},
    SettingInfo{"height", "600", "image height in pixels, 1..16384"},
    SettingInfo{"points", "200", "points of the rolling line, 1..1000000"},
};
constexpr std::uint64_t kDefaultIterations = 1000; // the sine's period when iterations=0
} // namespace

std::span<const SettingInfo> Sweep::settings() {
    return kSweepSettings;
}

Status Sweep::configure(const ProducerConfig& config) {
    if (Status s = check_keys(kName, config, kSweepSettings); !s) return s;
    if (Status s = read_uint(kName, config, "width", 1, 16384, m_image.width); !s) return s;
    if (Status s = read_uint(kName, config, "height", 1, 16384, m_image.height); !s) return s;
    if (Status s = read_uint(kName, config, "points", 1, 1'000'000, m_points); !s) return s;
    m_ramp.resize(m_image.width);
    for (std::uint32_t j = 0; j < m_image.width; ++j)
        m_ramp[j] = static_cast<float>(j) / static_cast<float>(m_image.width);
    m_line.assign(m_points, 0.0f);
    return Status::ok();
}

std::vector<StreamRequest> Sweep::streams() const {
    StreamRequest image;
    image.name = "sweep/image";
    image.kind = FrameKind::Image;
    image.image = m_image;
    StreamRequest line;
    line.name = "sweep/line";
    line.kind = FrameKind::Lines;
    line.lines = {1, m_points};
    return {image, line};
}

float Sweep::line_value(std::uint64_t n, std::uint64_t iterations) {
    if (iterations == 0) iterations = kDefaultIterations;
    const double v = std::sin(static_cast<double>(n) / static_cast<double>(iterations) * 16.0 *
                              std::numbers::pi);
    return static_cast<float>(std::abs(v));
}

void Sweep::tick(FrameSink& sink, std::uint64_t n) {
    if (!m_started) { // seeded from the schedule, which the producer only sees on its thread
        m_rng = FastUniform(sink.schedule().seed);
        m_rng.fill(m_line);
        m_started = true;
    }
    // The line's state advances on every frame, shown or dropped, so that it stays a function of n.
    std::copy(m_line.begin() + 1, m_line.end(), m_line.begin());
    m_line.back() = line_value(n, sink.schedule().iterations);

    if (FrameLease frame = sink.acquire(0)) {
        const std::uint32_t w = m_image.width;
        const std::uint32_t column = static_cast<std::uint32_t>(n % w);
        std::span<float> px = frame.pixels();
        for (std::uint32_t row = 0; row < m_image.height; ++row) {
            std::span<float> r = px.subspan(std::size_t{row} * w, w);
            std::copy_n(m_ramp.begin(), column + 1, r.begin());
            m_rng.fill(r.subspan(column + 1));
        }
        sink.submit(std::move(frame));
    }
    if (FrameLease frame = sink.acquire(1)) {
        std::span<LinePoint> pts = frame.points();
        for (std::uint32_t i = 0; i < m_points; ++i)
            pts[i] = {static_cast<float>(i), m_line[i]};
        frame.set_shape(1, m_points);
        sink.submit(std::move(frame));
    }
}

} // namespace rtv::producers
