#pragma once
// The wire format of the zmq producer, decoded without ZeroMQ (so that it is tested and fuzzed
// on its own): a multipart message [stream name, .npy payload].
//   (N,)           one line of N points, x = 0..N-1
//   (N, 2)         one line of N (x, y) points
//   (H, W)         a mono image (any other 2-D shape): uint8, uint16, int16, float32 kept as
//                  they are, float64 and int32 converted to float32
//   (H, W, 3|4)    an RGB or RGBA image of uint8, uint16 or float32 (float64 converted)
// A suffix on the name chooses for 2-D arrays: "name:image" (an image even if it is (N, 2)),
// "name:lines" ((L, N): L lines of N points, x = 0..N-1). The suffix is not part of the name.
// Thread: any. Allocates: never for a good message; a rejected one builds its reason.

#include <cstdint>
#include <span>
#include <string_view>

#include "core/frame.hpp"
#include "core/status.hpp"
#include "wire/npy.hpp"

namespace rtv::wire {

struct DecodedFrame {
    std::string_view name; // the stream, without a kind suffix
    FrameKind kind = FrameKind::Image;
    NpyArray array;
    std::uint32_t width = 0, height = 0; // Image
    PixelFormat format{};                // Image
    std::uint32_t lines = 0, points = 0; // Lines
    bool xy = false;                     // Lines: the array holds (x, y) pairs
};

constexpr std::size_t kMaxStreamName = 64;

Status decode_frame(std::string_view topic, std::span<const std::byte> payload, DecodedFrame& out,
                    const NpyLimits& limits = {});

// Writes the frame's points (Lines) into `out` (at least lines * points): x = index for value
// arrays, the pairs for (N, 2). Values are converted in place in `out`: no other buffer.
void decoded_points(const DecodedFrame& frame, std::span<LinePoint> out);

} // namespace rtv::wire
