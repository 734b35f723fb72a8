#pragma once
// Line profiles: the values of an image along a segment drawn on it, sampled while the frame is
// still in its pool slot. Pure math over the pixels (no GL), tested against known images.
// Thread: main.

#include <cstddef>
#include <optional>
#include <span>

#include "core/frame.hpp"
#include "core/pixel_format.hpp"
#include "render/camera.hpp"

namespace rtv::app {

// Samples kept per profile at most: a few thousand, whatever the segment's length.
constexpr std::size_t kMaxProfileSamples = 4096;

// Samples `pixels` (row-major, desc.width x desc.height) along the segment a..b given in the
// data units of a view (pixels, or the view's `extent`): one sample per pixel of the segment's
// length (at least 2, at most out.size()), nearest pixel. Each sample is (distance from a along
// the segment in data units, value). Samples off the image and non-finite values are left out,
// so the line bridges them. Any pixel format: a mono image's raw values, an RGB or RGBA image's
// mean of R, G and B. Returns the samples written. Allocates: never.
std::size_t sample_profile(std::span<const std::byte> pixels, const ImageDesc& desc,
                           const std::optional<render::Rect>& extent, render::Vec2 a,
                           render::Vec2 b, std::span<LinePoint> out);
// A float32 mono image's (0 samples for a desc of another format).
std::size_t sample_profile(std::span<const float> pixels, const ImageDesc& desc,
                           const std::optional<render::Rect>& extent, render::Vec2 a,
                           render::Vec2 b, std::span<LinePoint> out);

} // namespace rtv::app
