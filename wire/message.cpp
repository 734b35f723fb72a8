#include "wire/message.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

namespace rtv::wire {

bool valid_stream_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxStreamName) return false;
    for (const char c : name)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F)
            return false;
    return true;
}

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
                    const NpyLimits& limits, bool data_elsewhere) {
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
    if (Status s = data_elsewhere ? parse_npy_header(payload, out.array, limits)
                                  : parse_npy(payload, out.array, limits);
        !s)
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

namespace {
std::uint64_t get_le(const std::byte* p, unsigned n) {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i)
        v |= std::uint64_t(std::to_integer<std::uint8_t>(p[i])) << (8 * i);
    return v;
}
void put_le(std::byte* p, std::uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; ++i)
        p[i] = std::byte((v >> (8 * i)) & 0xFF);
}
constexpr char kHeaderMagic[4] = {'R', 'T', 'V', 'H'};
} // namespace

bool valid_segment_name(std::string_view name) {
    if (name.size() < 4 || name.size() > ShmRing::kMaxSegmentName || !name.starts_with("rtv"))
        return false;
    for (const char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    return true;
}

Status decode_header(std::span<const std::byte> part, WireHeader& out) {
    if (part.size() < WireHeader::kSize)
        return Status::error("zmq: header part is " + std::to_string(part.size()) +
                             " bytes, expected at least " + std::to_string(WireHeader::kSize));
    if (std::memcmp(part.data(), kHeaderMagic, 4) != 0)
        return Status::error("zmq: header part does not start with RTVH (3-part messages are "
                             "[name, header, .npy])");
    const unsigned version = std::to_integer<unsigned>(part[4]);
    if (version != WireHeader::kVersion)
        return Status::error("zmq: header version " + std::to_string(version) +
                             " is not supported, expected 1");
    const unsigned flags = std::to_integer<unsigned>(part[5]);
    if ((flags & ~3u) != 0)
        return Status::error("zmq: header flags " + std::to_string(flags) +
                             " has unknown bits, expected 0, 1 (shm) or 2 (mark)");
    if (flags == 3u)
        return Status::error("zmq: header flags 3 say shm and mark, expected one (a mark "
                             "carries no data)");
    const std::uint64_t size = get_le(part.data() + 6, 2);
    if (size != part.size())
        return Status::error("zmq: header says " + std::to_string(size) + " bytes, part is " +
                             std::to_string(part.size()));
    out = WireHeader{};
    out.publisher = get_le(part.data() + 8, 8);
    out.sequence = get_le(part.data() + 16, 8);
    out.send_ns = static_cast<std::int64_t>(get_le(part.data() + 24, 8));
    for (std::size_t i = 0; i < 16; ++i)
        out.boot_id[i] = std::to_integer<std::uint8_t>(part[32 + i]);
    out.shm = (flags & 1u) != 0;
    out.mark = (flags & 2u) != 0;
    if (!out.shm) {
        if (part.size() != WireHeader::kSize)
            return Status::error("zmq: header is " + std::to_string(part.size()) +
                                 " bytes without shm, expected 48");
        return Status::ok();
    }
    if (part.size() < WireHeader::kShmSize + 1)
        return Status::error("zmq: shm header is " + std::to_string(part.size()) +
                             " bytes, expected at least 78");
    ShmDescriptor& d = out.descriptor;
    d.offset = get_le(part.data() + 48, 8);
    d.bytes = get_le(part.data() + 56, 8);
    d.generation = get_le(part.data() + 64, 8);
    d.slot = static_cast<std::uint32_t>(get_le(part.data() + 72, 4));
    const std::size_t name_len = std::to_integer<std::size_t>(part[76]);
    if (WireHeader::kShmSize + name_len != part.size())
        return Status::error("zmq: shm header names a segment of " + std::to_string(name_len) +
                             " bytes, the part has " +
                             std::to_string(part.size() - WireHeader::kShmSize));
    d.segment = {reinterpret_cast<const char*>(part.data()) + WireHeader::kShmSize, name_len};
    if (!valid_segment_name(d.segment))
        return Status::error("zmq: shm segment name is not rtv[A-Za-z0-9_.-]{1,60}");
    if (d.slot >= ShmRing::kMaxSlots)
        return Status::error("zmq: shm slot " + std::to_string(d.slot) + " is over the limit of " +
                             std::to_string(ShmRing::kMaxSlots));
    if ((d.generation & 1u) != 0 || d.generation == 0)
        return Status::error("zmq: shm generation " + std::to_string(d.generation) +
                             " is not a finished write (even, not 0)");
    if (d.offset < ShmRing::data_offset(d.slot + 1) || d.bytes > (1ull << 40) ||
        d.offset > (1ull << 40))
        return Status::error("zmq: shm data range " + std::to_string(d.offset) + "+" +
                             std::to_string(d.bytes) + " is outside any ring");
    return Status::ok();
}

void encode_header(const WireHeader& h, std::vector<std::byte>& out) {
    const std::size_t name_len =
        h.shm ? std::min(h.descriptor.segment.size(), std::size_t{255}) : 0;
    const std::size_t size = h.shm ? WireHeader::kShmSize + name_len : WireHeader::kSize;
    out.assign(size, std::byte{0});
    std::memcpy(out.data(), kHeaderMagic, 4);
    out[4] = std::byte{WireHeader::kVersion};
    // A mark carries no data: never shm (decode_header refuses both).
    out[5] = std::byte{h.shm ? std::uint8_t{1} : h.mark ? std::uint8_t{2} : std::uint8_t{0}};
    put_le(out.data() + 6, size, 2);
    put_le(out.data() + 8, h.publisher, 8);
    put_le(out.data() + 16, h.sequence, 8);
    put_le(out.data() + 24, static_cast<std::uint64_t>(h.send_ns), 8);
    for (std::size_t i = 0; i < 16; ++i)
        out[32 + i] = std::byte{h.boot_id[i]};
    if (!h.shm) return;
    put_le(out.data() + 48, h.descriptor.offset, 8);
    put_le(out.data() + 56, h.descriptor.bytes, 8);
    put_le(out.data() + 64, h.descriptor.generation, 8);
    put_le(out.data() + 72, h.descriptor.slot, 4);
    out[76] = std::byte(name_len);
    std::memcpy(out.data() + WireHeader::kShmSize, h.descriptor.segment.data(), name_len);
}

BootId boot_id() {
    BootId id{};
    std::FILE* f = std::fopen("/proc/sys/kernel/random/boot_id", "r");
    if (!f) return id;
    char text[64] = {};
    const std::size_t n = std::fread(text, 1, sizeof text - 1, f);
    std::fclose(f);
    std::size_t k = 0;
    for (std::size_t i = 0; i < n && k < 32; ++i) {
        const char c = text[i];
        const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) continue; // the dashes
        id[k / 2] = static_cast<std::uint8_t>(id[k / 2] | (v << (k % 2 == 0 ? 4 : 0)));
        ++k;
    }
    if (k != 32) id = {};
    return id;
}

} // namespace rtv::wire
