#include "producers/blobs.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "core/frame_sink.hpp"
#include "core/random.hpp"

namespace rtv::producers {

namespace {
constexpr std::array kBlobsSettings{
    SettingInfo{"width", "512", "image width in pixels, 1..16384"},
    SettingInfo{"height", "512", "image height in pixels, 1..16384"},
    SettingInfo{"blobs", "5", "number of blobs, 1..64"},
    SettingInfo{"sigma", "0.08", "blob radius as a fraction of the shorter side, 0.001..1"},
};
}

std::span<const SettingInfo> Blobs::settings() {
    return kBlobsSettings;
}

Status Blobs::configure(const ProducerConfig& config) {
    if (Status s = check_keys(kName, config, kBlobsSettings); !s) return s;
    if (Status s = read_uint(kName, config, "width", 1, 16384, m_image.width); !s) return s;
    if (Status s = read_uint(kName, config, "height", 1, 16384, m_image.height); !s) return s;
    if (Status s = read_uint(kName, config, "blobs", 1, 64, m_blobs); !s) return s;
    if (Status s = read_double(kName, config, "sigma", 0.001, 1.0, m_sigma); !s) return s;
    m_gx.assign(std::size_t{m_blobs} * m_image.width, 0.0f);
    m_gy.assign(std::size_t{m_blobs} * m_image.height, 0.0f);
    m_params.assign(std::size_t{m_blobs} * 4, 0.0);
    return Status::ok();
}

std::vector<StreamRequest> Blobs::streams() const {
    StreamRequest r;
    r.name = "blobs/image";
    r.kind = FrameKind::Image;
    r.image = m_image;
    return {r};
}

void Blobs::centre(std::uint32_t k, std::uint64_t n, double& cx, double& cy) const {
    const double t = static_cast<double>(n) / 60.0;
    const double* p = &m_params[std::size_t{k} * 4];
    cx = 0.5 + 0.38 * std::sin(p[0] * t + p[2]);
    cy = 0.5 + 0.38 * std::sin(p[1] * t + p[3]);
}

void Blobs::tick(FrameSink& sink, std::uint64_t n) {
    if (!m_started) {
        SplitMix64 rng(sink.schedule().seed);
        for (std::size_t k = 0; k < m_blobs; ++k) {
            m_params[k * 4 + 0] = 0.3 + 0.9 * rng.uniform();
            m_params[k * 4 + 1] = 0.3 + 0.9 * rng.uniform();
            m_params[k * 4 + 2] = 2.0 * std::numbers::pi * rng.uniform();
            m_params[k * 4 + 3] = 2.0 * std::numbers::pi * rng.uniform();
        }
        m_started = true;
    }
    FrameLease frame = sink.acquire(0);
    if (!frame) return;
    const std::uint32_t w = m_image.width, h = m_image.height;
    const double sigma = m_sigma * std::min(w, h);
    const double inv = 1.0 / (2.0 * sigma * sigma);
    for (std::uint32_t k = 0; k < m_blobs; ++k) {
        double cx = 0, cy = 0;
        centre(k, n, cx, cy);
        cx *= w;
        cy *= h;
        for (std::uint32_t x = 0; x < w; ++x)
            m_gx[std::size_t{k} * w + x] =
                static_cast<float>(std::exp(-(x + 0.5 - cx) * (x + 0.5 - cx) * inv));
        for (std::uint32_t y = 0; y < h; ++y)
            m_gy[std::size_t{k} * h + y] =
                static_cast<float>(std::exp(-(y + 0.5 - cy) * (y + 0.5 - cy) * inv));
    }
    std::span<float> px = frame.pixels();
    for (std::uint32_t y = 0; y < h; ++y) {
        float* row = px.data() + std::size_t{y} * w;
        std::fill_n(row, w, 0.0f);
        for (std::uint32_t k = 0; k < m_blobs; ++k) {
            const float gy = m_gy[std::size_t{k} * h + y];
            if (gy < 1e-6f) continue;
            const float* gx = m_gx.data() + std::size_t{k} * w;
            for (std::uint32_t x = 0; x < w; ++x)
                row[x] += gy * gx[x];
        }
    }
    sink.submit(std::move(frame));
}

} // namespace rtv::producers
