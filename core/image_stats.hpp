#pragma once
// Image statistics computed on the producer's thread at submit: min, max and the count of
// non-finite pixels in one vectorisable pass, plus (on request) a quantile sketch from a regular
// sample of the pixels, for percentile contrast that one hot pixel cannot skew.

#include <span>

#include "core/frame.hpp"

namespace rtv {

// Fills `out` from `pixels`. With a non-empty `scratch` (at least ImageStats::kQuantileSample
// floats) it also fills the quantile sketch; with `histogram`, the histogram (one more pass over
// the pixels). Thread: any. Allocates: never.
void compute_image_stats(std::span<const float> pixels, std::span<float> scratch, ImageStats& out,
                         bool histogram = false);
// The same for a frame of any pixel format (`pixels`: desc.byte_size() bytes, aligned for its
// sample type), in its raw units: over the colour channels (RGBA: not alpha); the quantile
// sketch only for mono images (percentile contrast is for colormapped images).
void compute_image_stats(const ImageDesc& desc, std::span<const std::byte> pixels,
                         std::span<float> scratch, ImageStats& out, bool histogram = false);

} // namespace rtv
