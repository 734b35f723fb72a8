#include "app/profile.hpp"

#include <algorithm>
#include <cmath>

#include "app/canvas.hpp"

namespace rtv::app {

std::size_t sample_profile(std::span<const float> pixels, const ImageDesc& desc,
                           const std::optional<render::Rect>& extent, render::Vec2 a,
                           render::Vec2 b, std::span<LinePoint> out) {
    if (!(desc.format == PixelFormat{})) return 0;
    return sample_profile(std::as_bytes(pixels), desc, extent, a, b, out);
}

std::size_t sample_profile(std::span<const std::byte> pixels, const ImageDesc& desc,
                           const std::optional<render::Rect>& extent, render::Vec2 a,
                           render::Vec2 b, std::span<LinePoint> out) {
    if (out.size() < 2 || desc.width == 0 || pixels.size() < desc.byte_size()) return 0;
    const render::Vec2 pa = image_pixel(a, desc, extent), pb = image_pixel(b, desc, extent);
    const double pixel_length = std::hypot(pb.x - pa.x, pb.y - pa.y);
    const double length = std::hypot(b.x - a.x, b.y - a.y); // data units
    if (!std::isfinite(pixel_length) || !std::isfinite(length)) return 0;
    const std::size_t n =
        std::clamp<std::size_t>(std::size_t(std::ceil(pixel_length)) + 1, 2, out.size());
    std::size_t written = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double f = double(i) / double(n - 1);
        const double px = pa.x + f * (pb.x - pa.x), py = pa.y + f * (pb.y - pa.y);
        if (!(px >= 0.0 && py >= 0.0 && px < desc.width && py < desc.height)) continue;
        const float v =
            pixel_intensity(read_pixel(desc, pixels, std::uint32_t(px), std::uint32_t(py)));
        if (!std::isfinite(v)) continue;
        out[written++] = {float(f * length), v};
    }
    return written;
}

} // namespace rtv::app
