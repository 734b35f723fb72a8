#include "convert.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace rtv::gst {

namespace {

std::int32_t fixed(double v) {
    return static_cast<std::int32_t>(std::lround(v * 65536.0));
}

std::uint8_t clamp_shift(std::int32_t v) {
    return static_cast<std::uint8_t>(std::clamp((v + 32768) >> 16, 0, 255));
}

const std::uint8_t* row_of(const Component& c, std::uint32_t y) {
    return c.plane.data + static_cast<std::ptrdiff_t>(y >> c.y_shift) * c.plane.stride + c.offset;
}

} // namespace

void copy_rows(const Plane& in, std::size_t row_bytes, std::uint32_t height, std::uint8_t* out) {
    if (in.stride == static_cast<std::ptrdiff_t>(row_bytes)) { // no padding: one copy
        std::memcpy(out, in.data, row_bytes * height);
        return;
    }
    for (std::uint32_t y = 0; y < height; ++y)
        std::memcpy(out + row_bytes * y, in.data + in.stride * static_cast<std::ptrdiff_t>(y),
                    row_bytes);
}

void reorder(const Plane& in, std::uint32_t width, std::uint32_t height, std::uint32_t in_bytes,
             const std::uint8_t (&order)[4], std::uint32_t out_channels, std::uint8_t* out) {
    for (std::uint32_t y = 0; y < height; ++y) {
        const std::uint8_t* src = in.data + in.stride * static_cast<std::ptrdiff_t>(y);
        for (std::uint32_t x = 0; x < width; ++x, src += in_bytes, out += out_channels)
            for (std::uint32_t c = 0; c < out_channels; ++c)
                out[c] = src[order[c]];
    }
}

YuvMatrix yuv_matrix(double kr, double kb, bool full_range) {
    const double kg = 1.0 - kr - kb;
    const double s = full_range ? 1.0 : 255.0 / 219.0;
    const double c = full_range ? 1.0 : 255.0 / 224.0;
    YuvMatrix m;
    m.y_offset = full_range ? 0 : 16;
    m.y_gain = fixed(s);
    m.v_to_r = fixed(c * 2.0 * (1.0 - kr));
    m.u_to_b = fixed(c * 2.0 * (1.0 - kb));
    m.u_to_g = fixed(c * 2.0 * (1.0 - kb) * kb / kg);
    m.v_to_g = fixed(c * 2.0 * (1.0 - kr) * kr / kg);
    return m;
}

void yuv_to_rgb(const Component& y, const Component& u, const Component& v, std::uint32_t width,
                std::uint32_t height, const YuvMatrix& m, std::uint8_t* out) {
    // Chroma shared by two pixels of a row (4:2:0, 4:2:2: every format the plugin takes) is
    // weighed once for both; the arithmetic is the same as for one pixel at a time.
    const bool pairs = y.x_shift == 0 && u.x_shift == 1 && v.x_shift == 1;
    for (std::uint32_t row = 0; row < height; ++row) {
        const std::uint8_t* yr = row_of(y, row);
        const std::uint8_t* ur = row_of(u, row);
        const std::uint8_t* vr = row_of(v, row);
        std::uint32_t x = 0;
        if (pairs) {
            for (; x + 1 < width; x += 2, out += 6) {
                const std::int32_t uu = ur[(x >> 1) * u.step] - 128;
                const std::int32_t vv = vr[(x >> 1) * v.step] - 128;
                const std::int32_t r = m.v_to_r * vv, g = -m.u_to_g * uu - m.v_to_g * vv,
                                   b = m.u_to_b * uu;
                const std::int32_t y0 = m.y_gain * (yr[x * y.step] - m.y_offset);
                const std::int32_t y1 = m.y_gain * (yr[(x + 1) * y.step] - m.y_offset);
                out[0] = clamp_shift(y0 + r);
                out[1] = clamp_shift(y0 + g);
                out[2] = clamp_shift(y0 + b);
                out[3] = clamp_shift(y1 + r);
                out[4] = clamp_shift(y1 + g);
                out[5] = clamp_shift(y1 + b);
            }
        }
        for (; x < width; ++x, out += 3) {
            const std::int32_t yy = m.y_gain * (yr[(x >> y.x_shift) * y.step] - m.y_offset);
            const std::int32_t uu = ur[(x >> u.x_shift) * u.step] - 128;
            const std::int32_t vv = vr[(x >> v.x_shift) * v.step] - 128;
            out[0] = clamp_shift(yy + m.v_to_r * vv);
            out[1] = clamp_shift(yy - m.u_to_g * uu - m.v_to_g * vv);
            out[2] = clamp_shift(yy + m.u_to_b * uu);
        }
    }
}

} // namespace rtv::gst
