#pragma once
// Value types shared by every module: stream kinds and shapes, and the message that travels
// through the frame queue. No threads, no allocation.

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace rtv {

enum class FrameKind : std::uint8_t { Image, Lines };

// Replace: the newest frame supersedes older ones (images, rolling lines).
// Append: each frame's samples extend a fixed-capacity history on the consumer side, in order;
// append frames are never superseded.
enum class StreamMode : std::uint8_t { Replace, Append };

// What acquiring a frame does when the stream's pool is empty.
// Drop: skip this frame and count it (default). Wait: wait for a slot, stop-aware.
enum class PoolPolicy : std::uint8_t { Drop, Wait };

// The type of one sample (one channel of one pixel), little-endian as the host stores it.
enum class SampleType : std::uint8_t { U8, U16, I16, F32 };

constexpr std::size_t sample_bytes(SampleType type) {
    return type == SampleType::U8 ? 1 : type == SampleType::F32 ? 4 : 2;
}

// How an image stream's pixels are stored: 1 channel (mono: colormapped, contrast limits in raw
// units), 3 (RGB) or 4 (RGBA: alpha multiplies the layer's opacity), each a sample of `sample`.
// Frames travel and upload in their own format: nothing converts on the way to the GPU.
// The formats the pipeline takes (pixel_format.hpp names them): mono u8, u16, i16, f32; RGB and
// RGBA of u8, u16 (normalised: 0..max is 0..1) and f32 (clamped to 0..1).
struct PixelFormat {
    std::uint8_t channels = 1;
    SampleType sample = SampleType::F32;
    std::size_t pixel_bytes() const { return channels * sample_bytes(sample); }
    bool mono() const { return channels == 1; }
    friend bool operator==(const PixelFormat&, const PixelFormat&) = default;
};

// An image, row-major, tightly packed: width * height pixels of format.channels samples each
// (RGBRGB...: interleaved), no row padding.
struct ImageDesc {
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    PixelFormat format{};
    std::size_t pixel_count() const { return std::size_t{width} * height; }
    std::size_t sample_count() const { return pixel_count() * format.channels; }
    std::size_t byte_size() const { return pixel_count() * format.pixel_bytes(); }
    friend bool operator==(const ImageDesc&, const ImageDesc&) = default;
};

struct LinePoint {
    float x = 0.0f;
    float y = 0.0f;
};
static_assert(sizeof(LinePoint) == 2 * sizeof(float));

// Capacity of one line frame: up to max_lines lines of up to max_points points each. A frame
// uses `lines` x `points` of it, stored line after line (line l starts at point l * points).
struct LinesDesc {
    std::uint32_t max_lines = 1;
    std::uint32_t max_points = 0;
    std::size_t point_capacity() const { return std::size_t{max_lines} * max_points; }
};

// Statistics of one image frame, computed on the producer's thread when it submits, so that the
// main thread can set contrast limits without touching the pixels.
struct ImageStats {
    // Quantiles at 0, 0.1, 0.2, ..., 100 % of a sample of the finite pixels: a sketch of their
    // distribution, computed only when the stream asks for it (a view in percentile mode).
    static constexpr std::size_t kQuantiles = 1001;
    // The sketch sorts a regular sample of at most this many finite pixels (every pixel of an
    // image up to 64x64).
    static constexpr std::size_t kQuantileSample = 4096;

    // In the samples' raw units (a 12-bit camera's 0..4095), over the finite samples of the
    // colour channels (RGBA: not alpha); 0 when there are none.
    float min = 0.0f;
    float max = 0.0f;
    std::uint32_t nonfinite = 0; // NaN and +-Inf pixels (drawn in the bad-value colour)
    bool has_quantiles = false;  // false: not asked for, or no finite pixel
    std::array<float, kQuantiles> quantiles{};
    // Counts of the finite pixels over min..max in equal bins (bin i holds values from
    // min + i * w up to the next, the last one max too), computed only when the stream asks
    // for it (a panel shows the histogram). One bin when every finite pixel is equal, none
    // when there is no finite pixel.
    static constexpr std::size_t kHistogramBins = 128;
    bool has_histogram = false;
    std::uint32_t histogram_bins = 0;
    std::array<std::uint32_t, kHistogramBins> histogram{};

    // The value below which `percent` % of the finite pixels lie, interpolated in the sketch
    // (0 % and 100 % are the exact min and max); without a sketch, min..max linearly.
    float percentile(double percent) const;
};

// What travels through the frame queue. Pixels and points stay in the stream's pool slot.
struct FrameMsg {
    std::uint16_t stream = 0;          // the host's stream id
    std::uint8_t slot = 0;             // slot inside that stream's pool
    FrameKind kind = FrameKind::Image; //
    std::uint32_t sequence = 0;        // per stream, from 0; a gap means frames were dropped
    std::uint32_t lines = 0;           // Lines: lines in this frame
    std::uint32_t points = 0;          // Lines: points per line
    std::int64_t submit_ns = 0;        // steady clock at submit: latency = upload time - this
};
static_assert(std::is_trivially_copyable_v<FrameMsg>);
static_assert(sizeof(FrameMsg) <= 32, "FrameMsg is copied through the queue: keep it small");

} // namespace rtv
