#include "producers/transparency.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/frame_sink.hpp"

namespace rtv::producers {

namespace {
constexpr std::array kTransparencySettings{
    SettingInfo{"width", "400", "image width in pixels, 16..16384"},
    SettingInfo{"height", "300", "image height in pixels, 16..16384"},
};
} // namespace

std::span<const SettingInfo> Transparency::settings() {
    return kTransparencySettings;
}

Status Transparency::configure(const ProducerConfig& config) {
    if (Status s = check_keys(kName, config, kTransparencySettings); !s) return s;
    if (Status s = read_uint(kName, config, "width", 16, 16384, m_width); !s) return s;
    if (Status s = read_uint(kName, config, "height", 16, 16384, m_height); !s) return s;
    return Status::ok();
}

std::vector<StreamRequest> Transparency::streams() const {
    StreamRequest back; // declared first: drawn first (back to front)
    back.name = "transparency/back";
    back.kind = FrameKind::Image;
    back.image = {m_width, m_height, {4, SampleType::F32}};
    StreamRequest front;
    front.name = "transparency/front";
    front.kind = FrameKind::Image;
    front.image = {m_width, m_height, {4, SampleType::U8}};
    return {back, front};
}

Transparency::Shapes Transparency::shapes(std::uint64_t n) const {
    const double t = static_cast<double>(n) / 60.0, w = m_width, h = m_height;
    Shapes s;
    s.square_side = 0.5 * std::min(w, h);
    s.square_x = (w - s.square_side) * (0.5 + 0.5 * std::sin(0.8 * t));
    s.square_y = 0.5 * (h - s.square_side);
    s.disc_r = 0.3 * std::min(w, h);
    s.disc_x = 0.5 * w + 0.25 * w * std::cos(0.5 * t);
    s.disc_y = 0.5 * h + 0.25 * h * std::sin(0.5 * t);
    return s;
}

void Transparency::tick(FrameSink& sink, std::uint64_t n) {
    const Shapes s = shapes(n);
    const std::uint32_t w = m_width, h = m_height;
    if (FrameLease frame = sink.acquire(0)) {
        const std::span<float> px = frame.samples<float>();
        for (std::uint32_t y = 0; y < h; ++y)
            for (std::uint32_t x = 0; x < w; ++x) {
                const double cx = x + 0.5, cy = y + 0.5;
                const bool in = cx >= s.square_x && cx < s.square_x + s.square_side &&
                                cy >= s.square_y && cy < s.square_y + s.square_side;
                float* p = &px[(std::size_t{y} * w + x) * 4];
                for (int c = 0; c < 4; ++c)
                    p[c] = in ? kBack[c] : 0.0f;
            }
        sink.submit(std::move(frame));
    }
    if (FrameLease frame = sink.acquire(1)) {
        const std::span<std::uint8_t> px = frame.samples<std::uint8_t>();
        const double r2 = s.disc_r * s.disc_r;
        for (std::uint32_t y = 0; y < h; ++y)
            for (std::uint32_t x = 0; x < w; ++x) {
                const double dx = x + 0.5 - s.disc_x, dy = y + 0.5 - s.disc_y;
                const bool in = dx * dx + dy * dy <= r2;
                std::uint8_t* p = &px[(std::size_t{y} * w + x) * 4];
                for (int c = 0; c < 4; ++c)
                    p[c] = in ? kFront[c] : std::uint8_t{0};
            }
        sink.submit(std::move(frame));
    }
}

} // namespace rtv::producers
