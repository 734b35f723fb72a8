#pragma once
// The wire format of the zmq producer, decoded without ZeroMQ (so that it is tested and fuzzed
// on its own). A message is multipart:
//   [stream name, .npy payload]                  2 parts: any publisher (no numbering)
//   [stream name, header, .npy payload]          3 parts: the header numbers and times the frame
//   [stream name, header with shm, .npy header]  3 parts: the data lie in a shared-memory ring
//   [stream name, header with mark, .npy header] 3 parts: a sequence mark, not a frame (below)
// The header (little-endian, 48 bytes, 77 + name bytes with shm):
//    0 "RTVH"  4 u8 version (1)  5 u8 flags (bit 0: shm, bit 1: mark; not both)  6 u16 size
//      of this part  8 u64 publisher id (random per publisher)  16 u64 sequence (per stream,
//      from 0)
//   24 i64 send time, ns of CLOCK_MONOTONIC  32 16 bytes boot id (/proc/sys/kernel/random/boot_id;
//      zeros: unknown): the viewer trusts the send time only when it equals its own
//   48 u64 data offset in the segment  56 u64 data bytes  64 u64 slot generation  72 u32 slot
//   76 u8 segment name length (1..63)  77 segment name: "rtv" then [A-Za-z0-9_.-] (shm_open's
//      name without the leading '/')
// The ring (a POSIX shared-memory segment the publisher creates):
//    0 "RTVRING1"  8 u32 slots  12 u32 0  16 u64 slot bytes  24..64 zero
//   64 + 16 i: slot i's u64 generation (odd while the publisher writes, even when done) and u64
//      released (the generation the viewer last copied out: the slot handed back)
// The viewer reads the generation, copies the data, reads the generation again: a slot reused
// while it was read (or before) is a rejected frame, never torn pixels.
// A sequence mark (48 bytes) says "this publisher numbered this stream's frames up to
// `sequence`": the viewer counts the numbers it has not received as gaps, so that frames dropped
// at the end of a burst, which no later frame reveals, are counted too. Publishers send one per
// numbered stream when they close (after their last frame) and, after frames they dropped, one
// when they have been idle for a second. Its .npy header describes the stream's last numbered
// frame, so that a viewer that received none of them can still open the stream. A mark is never
// a frame (no data, not counted as produced). A viewer older than the mark rejects it (unknown
// flag) and counts it on its stream; frames are unaffected.
//   (N,)           one line of N points, x = 0..N-1
//   (N, 2)         one line of N (x, y) points
//   (H, W)         a mono image (any other 2-D shape): uint8, uint16, int16, float32 kept as
//                  they are, float64 and int32 converted to float32
//   (H, W, 3|4)    an RGB or RGBA image of uint8, uint16 or float32 (float64 converted)
// A suffix on the name chooses for 2-D arrays: "name:image" (an image even if it is (N, 2)),
// "name:lines" ((L, N): L lines of N points, x = 0..N-1). The suffix is not part of the name.
// Thread: any. Allocates: never for a good message; a rejected one builds its reason.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

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
// A stream name as decode_frame takes it (without a kind suffix): 1..kMaxStreamName printable
// ASCII bytes.
bool valid_stream_name(std::string_view name);

struct ShmDescriptor {
    std::uint64_t offset = 0, bytes = 0, generation = 0;
    std::uint32_t slot = 0;
    std::string_view segment; // inside the header part
};

using BootId = std::array<std::uint8_t, 16>;

struct WireHeader {
    static constexpr std::size_t kSize = 48;
    static constexpr std::size_t kShmSize = 77; // plus the segment name
    static constexpr std::uint8_t kVersion = 1;
    std::uint64_t publisher = 0;
    std::uint64_t sequence = 0;
    std::int64_t send_ns = 0;
    BootId boot_id{};
    bool shm = false;
    bool mark = false;        // a sequence mark: `sequence` is the last number the stream used
    ShmDescriptor descriptor; // shm only
};

// The ring's layout, shared by the publishers and the viewer.
struct ShmRing {
    static constexpr std::size_t kControl = 64;     // then 16 bytes a slot
    static constexpr std::size_t kDataAlign = 4096; // slot data start on a page
    static constexpr std::uint32_t kMaxSlots = 256;
    static constexpr std::size_t kMaxSegmentName = 63;
    static std::uint64_t control_of(std::uint32_t slot) { return kControl + 16ull * slot; }
    static std::uint64_t data_offset(std::uint32_t slots) {
        return (kControl + 16ull * slots + kDataAlign - 1) / kDataAlign * kDataAlign;
    }
    // A mapped segment's header: "RTVRING1", the slot count, the bytes a slot (little-endian
    // machines only, as the wire format).
    static void write_header(std::byte* base, std::uint32_t slots, std::uint64_t slot_bytes) {
        std::memcpy(base, "RTVRING1", 8);
        std::memcpy(base + 8, &slots, 4);
        std::memcpy(base + 16, &slot_bytes, 8);
    }
    // A control word (a slot's generation, or its `released` word) of a mapped segment.
    static std::atomic_ref<std::uint64_t> word(std::byte* base, std::uint64_t offset) {
        return std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(base + offset));
    }
};

// Parses and checks the header part (magic, version, size, flags, the descriptor's name and
// ranges, without the segment: the viewer checks those against the segment itself). A mark is
// 48 bytes and never shm.
Status decode_header(std::span<const std::byte> part, WireHeader& out);
// Writes the header part (48 bytes, or 77 + the name's with shm) into `out` (resized).
void encode_header(const WireHeader& header, std::vector<std::byte>& out);
// A segment name publishers may use and the viewer opens: "rtv" then 1..60 of [A-Za-z0-9_.-].
bool valid_segment_name(std::string_view name);
// This machine's boot id (zeros when it cannot be read): equal boot ids share CLOCK_MONOTONIC.
BootId boot_id();

// `payload`: a whole .npy, or with `data_elsewhere` an .npy header alone (shm: array.data is
// empty and array.data_bytes is what to fetch).
Status decode_frame(std::string_view topic, std::span<const std::byte> payload, DecodedFrame& out,
                    const NpyLimits& limits = {}, bool data_elsewhere = false);

// Writes the frame's points (Lines) into `out` (at least lines * points): x = index for value
// arrays, the pairs for (N, 2). Values are converted in place in `out`: no other buffer.
void decoded_points(const DecodedFrame& frame, std::span<LinePoint> out);

} // namespace rtv::wire
