#include "core/pixel_format.hpp"

#include <cstdio>
#include <cstring>

#include "core/assert.hpp"
#include "core/producer.hpp"

namespace rtv {

namespace {

struct Named {
    std::string_view name;
    PixelFormat format;
};

constexpr std::array<Named, 10> kFormats{{
    {"u8", {1, SampleType::U8}},
    {"u16", {1, SampleType::U16}},
    {"i16", {1, SampleType::I16}},
    {"f32", {1, SampleType::F32}},
    {"rgb8", {3, SampleType::U8}},
    {"rgb16", {3, SampleType::U16}},
    {"rgb32f", {3, SampleType::F32}},
    {"rgba8", {4, SampleType::U8}},
    {"rgba16", {4, SampleType::U16}},
    {"rgba32f", {4, SampleType::F32}},
}};

template <class T> float sample_at(const std::byte* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return static_cast<float>(v);
}

} // namespace

std::string_view format_name(PixelFormat format) {
    for (const Named& n : kFormats)
        if (n.format == format) return n.name;
    return "?";
}

std::string_view stream_format(const StreamRequest& request) {
    return request.kind == FrameKind::Image ? format_name(request.image.format) : "xy32f";
}

std::optional<PixelFormat> find_format(std::string_view name) {
    for (const Named& n : kFormats)
        if (n.name == name) return n.format;
    return std::nullopt;
}

bool format_supported(PixelFormat format) {
    return format_name(format) != "?";
}

std::string format_list() {
    std::string out;
    for (const Named& n : kFormats)
        out += (out.empty() ? "" : ", ") + std::string(n.name);
    return out;
}

std::string_view sample_name(SampleType type) {
    switch (type) {
    case SampleType::U8:
        return "uint8";
    case SampleType::U16:
        return "uint16";
    case SampleType::I16:
        return "int16";
    case SampleType::F32:
        return "float32";
    }
    return "?";
}

PixelValue read_pixel(const ImageDesc& desc, std::span<const std::byte> bytes, std::uint32_t x,
                      std::uint32_t y) {
    RTV_ASSERT(x < desc.width && y < desc.height, "read_pixel outside the image");
    RTV_ASSERT(bytes.size() >= desc.byte_size(), "read_pixel of a short frame");
    const std::size_t size = sample_bytes(desc.format.sample);
    const std::byte* p =
        bytes.data() + (std::size_t{y} * desc.width + x) * desc.format.pixel_bytes();
    PixelValue v;
    v.channels = desc.format.channels;
    for (std::size_t c = 0; c < v.channels; ++c, p += size) {
        switch (desc.format.sample) {
        case SampleType::U8:
            v.c[c] = sample_at<std::uint8_t>(p);
            break;
        case SampleType::U16:
            v.c[c] = sample_at<std::uint16_t>(p);
            break;
        case SampleType::I16:
            v.c[c] = sample_at<std::int16_t>(p);
            break;
        case SampleType::F32:
            v.c[c] = sample_at<float>(p);
            break;
        }
    }
    return v;
}

int format_pixel(char* buf, std::size_t size, const PixelValue& v) {
    const auto d = [&](std::size_t i) { return static_cast<double>(v.c[i]); };
    if (v.channels == 1) return std::snprintf(buf, size, "%.4g", d(0));
    if (v.channels == 3) return std::snprintf(buf, size, "(%.4g, %.4g, %.4g)", d(0), d(1), d(2));
    return std::snprintf(buf, size, "(%.4g, %.4g, %.4g, %.4g)", d(0), d(1), d(2), d(3));
}

float pixel_intensity(const PixelValue& value) {
    if (value.channels == 1) return value.c[0];
    return (value.c[0] + value.c[1] + value.c[2]) / 3.0f;
}

} // namespace rtv
