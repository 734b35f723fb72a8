#pragma once
// An image drawn at the screen's resolution on the CPU (`--image-draw screen`): which framebuffer
// pixels the image covers, which of its pixels each one shows (the pixel under the framebuffer
// pixel's centre, as the image shader's nearest lookup picks it), and those pixels colormapped as
// the shader colormaps them. On a software rasteriser (llvmpipe) this costs less than uploading
// the whole image each frame for the rasteriser to sample a fraction of it: the seed image is
// 800x600 and shows as 328x246 (bench/RESULTS.md).
// Thread: any. Allocates: only by growing the caller's vectors.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/frame.hpp"

namespace rtv::render {

// Framebuffer columns (or rows) [first, first + count).
struct PixelSpan {
    int first = 0;
    int count = 0;
};

// Along one axis: the image's pixel 0 starts at window coordinate `a` and its last one ends at
// `b` (b < a when the image is flipped on screen). Returns the framebuffer pixels whose centres
// lie inside, clipped to [lo, hi), and sets `index` to the image pixel (0..size-1) that each of
// them shows. Empty when nothing is inside.
PixelSpan pick_pixels(double a, double b, int lo, int hi, std::uint32_t size,
                      std::vector<std::uint32_t>& index);

// The colours of a mono image's pixels at (cols[i], rows[j]) into `out` (RGBA8 as bytes in
// memory, rows[0]'s first): each value v of `pixels` (`desc`, tightly packed) maps to table entry
// round(t * 255) with t = clamp((v - lo) / (hi - lo), 0, 1) (with hi <= lo: 1 above lo, else 0),
// computed in float as the shader does; NaN and Inf give `bad`.
void colormap_pixels(const ImageDesc& desc, std::span<const std::byte> pixels,
                     std::span<const std::uint32_t> cols, std::span<const std::uint32_t> rows,
                     std::span<const std::uint32_t> table, float lo, float hi, std::uint32_t bad,
                     std::vector<std::uint32_t>& out);

// A colour as the RGBA8 word colormap_pixels writes (r in the lowest byte), alpha 255.
std::uint32_t rgba8(float r, float g, float b);

} // namespace rtv::render
