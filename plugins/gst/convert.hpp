#pragma once
// Pixel conversion for the gst plugin: video frames as GStreamer maps them (planes with padded
// rows) into the tightly packed rows of an rtviewer pool slot. No GStreamer types here, so that
// the arithmetic is plain and its definition is in one place. Thread: the producer's (any; no
// state). Allocates: never.

#include <cstddef>
#include <cstdint>

namespace rtv::gst {

// One plane of a mapped frame: its first byte and the distance between its rows in bytes.
struct Plane {
    const std::uint8_t* data = nullptr;
    std::ptrdiff_t stride = 0;
};

// Copies `height` rows of `row_bytes` each out of a plane with padded rows (GRAY8, GRAY16_LE,
// RGB, RGBA: the stream's own layout).
void copy_rows(const Plane& in, std::size_t row_bytes, std::uint32_t height, std::uint8_t* out);

// Packed pixels of `in_bytes` bytes each (BGR, BGRx, BGRA, xRGB, ARGB, ...) into RGB
// (out_channels 3) or RGBA (4): `order` gives, for R, G, B and A, the byte of the input pixel
// that holds it (A only read for 4 channels).
void reorder(const Plane& in, std::uint32_t width, std::uint32_t height, std::uint32_t in_bytes,
             const std::uint8_t (&order)[4], std::uint32_t out_channels, std::uint8_t* out);

// Where one component (Y, U or V) of pixel (x, y) lives: the byte at
//   data + (y >> y_shift) * stride + offset + (x >> x_shift) * step
// (I420: U is plane 1, step 1, both shifts 1; NV12: U and V share plane 1, step 2, offsets 0 and 1;
// YUY2: Y0 U Y1 V in plane 0, Y step 2, U and V step 4 with x_shift 1 and y_shift 0).
struct Component {
    Plane plane;
    std::uint32_t offset = 0;
    std::uint32_t step = 1;
    std::uint32_t x_shift = 0;
    std::uint32_t y_shift = 0;
};

// The YUV -> RGB matrix in 16.16 fixed point, from the colour matrix's Kr and Kb (BT.601: 0.299,
// 0.114; BT.709: 0.2126, 0.0722) and the range (limited: Y 16..235, U and V 16..240; full:
// 0..255). With Kg = 1 - Kr - Kb, s = 255/219 (full: 1) and c = 255/224 (full: 1), each
// coefficient is round(65536 * value) of:
//   y_gain = s, v_to_r = c * 2 (1 - Kr), u_to_b = c * 2 (1 - Kb),
//   u_to_g = c * 2 (1 - Kb) Kb / Kg, v_to_g = c * 2 (1 - Kr) Kr / Kg
// and a pixel is, with Y' = Y - y_offset, U' = U - 128, V' = V - 128 and clamp to 0..255:
//   R = clamp((y_gain Y' + v_to_r V' + 32768) >> 16)
//   G = clamp((y_gain Y' - u_to_g U' - v_to_g V' + 32768) >> 16)
//   B = clamp((y_gain Y' + u_to_b U' + 32768) >> 16)
struct YuvMatrix {
    std::int32_t y_offset = 16;
    std::int32_t y_gain = 0;
    std::int32_t v_to_r = 0;
    std::int32_t u_to_g = 0;
    std::int32_t v_to_g = 0;
    std::int32_t u_to_b = 0;
};
YuvMatrix yuv_matrix(double kr, double kb, bool full_range);

// YUV (any chroma subsampling the components describe; chroma taken from the sample that covers
// the pixel, no interpolation) into RGB, 3 bytes a pixel, tightly packed.
void yuv_to_rgb(const Component& y, const Component& u, const Component& v, std::uint32_t width,
                std::uint32_t height, const YuvMatrix& m, std::uint8_t* out);

} // namespace rtv::gst
