#include "producers/camera.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/frame_sink.hpp"

namespace rtv::producers {

namespace {
constexpr std::array kCameraSettings{
    SettingInfo{"width", "640", "image width in pixels, 1..16384"},
    SettingInfo{"height", "480", "image height in pixels, 1..16384"},
    SettingInfo{"bits", "12", "significant bits per sample, 8..16: values 0..2^bits-1"},
    SettingInfo{"dark", "100", "dark offset in raw units (DN), below 2^bits"},
    SettingInfo{"hot", "8", "hot pixels (stuck at 2^bits-1), 0..1024"},
};
constexpr double kReadNoise = 3.0; // DN
} // namespace

std::span<const SettingInfo> Camera::settings() {
    return kCameraSettings;
}

Status Camera::configure(const ProducerConfig& config) {
    if (Status s = check_keys(kName, config, kCameraSettings); !s) return s;
    if (Status s = read_uint(kName, config, "width", 1, 16384, m_image.width); !s) return s;
    if (Status s = read_uint(kName, config, "height", 1, 16384, m_image.height); !s) return s;
    if (Status s = read_uint(kName, config, "bits", 8, 16, m_bits); !s) return s;
    if (Status s = read_uint(kName, config, "dark", 0, top_value(m_bits), m_dark); !s) return s;
    if (Status s = read_uint(kName, config, "hot", 0, 1024, m_hot); !s) return s;
    m_gx.assign(m_image.width, 0.0f);
    m_gy.assign(m_image.height, 0.0f);
    m_noise.assign(std::size_t{m_image.width} * 2, 0.0f);
    m_hot_at.assign(std::min<std::size_t>(m_hot, m_image.pixel_count()), 0);
    return Status::ok();
}

std::vector<StreamRequest> Camera::streams() const {
    StreamRequest r;
    r.name = "camera/image";
    r.kind = FrameKind::Image;
    r.image = m_image;
    return {r};
}

void Camera::spot_centre(std::uint64_t n, double& cx, double& cy) {
    const double t = static_cast<double>(n) / 60.0;
    cx = 0.5 + 0.35 * std::sin(0.7 * t);
    cy = 0.5 + 0.35 * std::sin(1.1 * t + 1.0);
}

void Camera::tick(FrameSink& sink, std::uint64_t n) {
    if (!m_started) { // seeded from the schedule, which the producer only sees on its thread
        m_rng = FastUniform(sink.schedule().seed);
        SplitMix64 place(sink.schedule().seed ^ 0x686f74ull);
        for (std::uint32_t& at : m_hot_at)
            at = static_cast<std::uint32_t>(place.uniform() * double(m_image.pixel_count()));
        m_started = true;
    }
    FrameLease frame = sink.acquire(0);
    if (!frame) return;
    const std::uint32_t w = m_image.width, h = m_image.height;
    const float top = top_value(m_bits);
    const double peak = 0.8 * (double(top) - double(m_dark));
    const double sigma = std::max(1.0, 0.04 * std::min(w, h));
    const double inv = 1.0 / (2.0 * sigma * sigma);
    double cx = 0, cy = 0;
    spot_centre(n, cx, cy);
    cx *= w;
    cy *= h;
    for (std::uint32_t x = 0; x < w; ++x)
        m_gx[x] = static_cast<float>(peak * std::exp(-(x + 0.5 - cx) * (x + 0.5 - cx) * inv));
    for (std::uint32_t y = 0; y < h; ++y)
        m_gy[y] = static_cast<float>(std::exp(-(y + 0.5 - cy) * (y + 0.5 - cy) * inv));
    const std::span<std::uint16_t> px = frame.samples<std::uint16_t>();
    const float dark = float(m_dark), read2 = float(kReadNoise * kReadNoise);
    for (std::uint32_t y = 0; y < h; ++y) {
        // Noise: the sum of two uniforms less 1 (mean 0, variance 1/6), scaled to variance 1.
        m_rng.fill(m_noise);
        const float gy = m_gy[y];
        std::uint16_t* row = px.data() + std::size_t{y} * w;
        for (std::uint32_t x = 0; x < w; ++x) {
            const float signal = gy * m_gx[x];
            const float z = (m_noise[x] + m_noise[w + x] - 1.0f) * 2.4494897f; // sqrt(6)
            const float v = dark + signal + std::sqrt(signal + read2) * z;
            row[x] = static_cast<std::uint16_t>(std::clamp(v + 0.5f, 0.0f, top));
        }
    }
    for (const std::uint32_t at : m_hot_at)
        px[at] = static_cast<std::uint16_t>(top);
    sink.submit(std::move(frame));
}

} // namespace rtv::producers
