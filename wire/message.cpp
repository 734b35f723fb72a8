#include "wire/message.hpp"

#include <algorithm>
#include <string>

namespace rtv::wire {

namespace {
constexpr std::uint64_t kMaxSide = 16384; // the pipeline's image limit
constexpr std::uint64_t kMaxLines = 4096; // as the pipeline allows

std::string shape_of(const NpyArray& a) {
    if (a.dims == 1) return "(" + std::to_string(a.shape[0]) + ",)";
    std::string s = "(" + std::to_string(a.shape[0]);
    for (unsigned i = 1; i < a.dims; ++i)
        s += ", " + std::to_string(a.shape[i]);
    return s + ")";
}
} // namespace

Status decode_frame(std::string_view topic, std::span<const std::byte> payload, DecodedFrame& out,
                    const NpyLimits& limits) {
    enum class Hint { None, Image, Lines } hint = Hint::None;
    std::string_view name = topic;
    if (name.ends_with(":image")) {
        hint = Hint::Image;
        name.remove_suffix(6);
    } else if (name.ends_with(":lines")) {
        hint = Hint::Lines;
        name.remove_suffix(6);
    }
    if (name.empty()) return Status::error("zmq: message has an empty stream name");
    if (name.size() > kMaxStreamName)
        return Status::error("zmq: stream name is " + std::to_string(name.size()) +
                             " bytes, expected at most " + std::to_string(kMaxStreamName));
    for (const char c : name)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F)
            return Status::error("zmq: stream name has a non-printable byte, expected ASCII text");
    out = DecodedFrame{};
    out.name = name;
    if (Status s = parse_npy(payload, out.array, limits); !s)
        return Status::error(std::string(name) + ": " + s.message());
    const NpyArray& a = out.array;
    // The stream's name opens each message: made only on the error path (a good message
    // allocates nothing).
    const auto fail = [&](const std::string& what) {
        return Status::error(std::string(name) + ": " + what);
    };
    if (a.count() == 0) return fail("array " + shape_of(a) + " is empty");
    if (a.dims == 1) {
        if (hint == Hint::Image)
            return fail("'name:image' needs a 2-D array, got shape " + shape_of(a));
        if (a.shape[0] > limits.max_elements / 2)
            return fail("line of " + std::to_string(a.shape[0]) + " points is too long");
        out.kind = FrameKind::Lines;
        out.lines = 1;
        out.points = static_cast<std::uint32_t>(a.shape[0]);
        return Status::ok();
    }
    if (a.dims == 2 && (hint == Hint::Lines || (hint == Hint::None && a.shape[1] == 2))) {
        out.kind = FrameKind::Lines;
        out.xy = hint != Hint::Lines;
        out.lines =
            out.xy ? 1 : static_cast<std::uint32_t>(std::min<std::uint64_t>(a.shape[0], ~0u));
        out.points = static_cast<std::uint32_t>(
            std::min<std::uint64_t>(out.xy ? a.shape[0] : a.shape[1], ~0u));
        if (out.lines > kMaxLines)
            return fail(std::to_string(a.shape[0]) + " lines in one frame, expected at most " +
                        std::to_string(kMaxLines));
        return Status::ok();
    }
    if (a.shape[0] > kMaxSide || a.shape[1] > kMaxSide)
        return fail("image " + shape_of(a) + " is larger than " + std::to_string(kMaxSide) +
                    " on a side");
    if (hint == Hint::Lines)
        return fail("'name:lines' needs a 1-D or 2-D array, got " + shape_of(a));
    if (Status s = npy_image_format(a, out.format); !s) return fail(s.message());
    out.kind = FrameKind::Image;
    out.height = static_cast<std::uint32_t>(a.shape[0]);
    out.width = static_cast<std::uint32_t>(a.shape[1]);
    return Status::ok();
}

void decoded_points(const DecodedFrame& f, std::span<LinePoint> out) {
    const std::size_t n = std::size_t{f.lines} * f.points;
    float* raw = reinterpret_cast<float*>(out.data()); // room for 2n floats
    npy_to_float(f.array, std::span<float>(raw, f.xy ? 2 * n : n));
    if (f.xy) return;
    // Values y_i sit in raw[0..n); spread them to (x, y) pairs from the back, so that no value
    // is overwritten before it is read (pair i covers raw[2i], raw[2i + 1], and 2i >= i).
    for (std::size_t k = n; k-- > 0;) {
        const float y = raw[k];
        raw[2 * k] = static_cast<float>(k % f.points);
        raw[2 * k + 1] = y;
    }
}

} // namespace rtv::wire
