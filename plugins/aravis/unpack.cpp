#include "unpack.hpp"

#include <array>

namespace rtv::aravis {

namespace {

constexpr std::array kFormats{
    Format{"Mono8", Layout::Mono8},
    Format{"Mono10", Layout::Mono16},
    Format{"Mono12", Layout::Mono16},
    Format{"Mono16", Layout::Mono16},
    Format{"Mono10p", Layout::Mono10p},
    Format{"Mono12p", Layout::Mono12p},
    Format{"Mono10Packed", Layout::Mono10Packed},
    Format{"Mono12Packed", Layout::Mono12Packed},
    Format{"RGB8", Layout::Rgb8},
    Format{"BayerRG8", Layout::Bayer8, Bayer::RG},
    Format{"BayerGR8", Layout::Bayer8, Bayer::GR},
    Format{"BayerGB8", Layout::Bayer8, Bayer::GB},
    Format{"BayerBG8", Layout::Bayer8, Bayer::BG},
};

// 0 = red, 1 = green, 2 = blue at (x, y) of a mosaic.
int colour_at(Bayer bayer, std::uint32_t x, std::uint32_t y) {
    // The top-left 2x2 square, row by row, for each pattern.
    static constexpr std::array<std::array<int, 4>, 4> kSquare{{
        {0, 1, 1, 2}, // RG
        {1, 0, 2, 1}, // GR
        {1, 2, 0, 1}, // GB
        {2, 1, 1, 0}, // BG
    }};
    return kSquare[static_cast<std::size_t>(bayer)][(y & 1u) * 2 + (x & 1u)];
}

} // namespace

const Format* formats() {
    return kFormats.data();
}
std::size_t format_count() {
    return kFormats.size();
}

const Format* find_format(std::string_view name) {
    for (const Format& f : kFormats)
        if (f.name == name) return &f;
    return nullptr;
}

const char* format_names() {
    return "Mono8, Mono10, Mono12, Mono16, Mono10p, Mono12p, Mono10Packed, Mono12Packed, RGB8, "
           "BayerRG8, BayerGR8, BayerGB8, BayerBG8";
}

std::size_t wire_bytes(Layout layout, std::size_t pixels) {
    switch (layout) {
    case Layout::Mono8:
    case Layout::Bayer8:
        return pixels;
    case Layout::Mono16:
        return pixels * 2;
    case Layout::Rgb8:
        return pixels * 3;
    case Layout::Mono10p:
        return (pixels * 10 + 7) / 8;
    case Layout::Mono12p:
        return (pixels * 12 + 7) / 8;
    case Layout::Mono10Packed:
    case Layout::Mono12Packed:
        return (pixels * 3 + 1) / 2; // a lone last pixel takes two bytes (its pair's byte 1)
    }
    return 0;
}

std::uint32_t sample_bytes(Layout layout) {
    return layout == Layout::Mono8 || layout == Layout::Rgb8 || layout == Layout::Bayer8 ? 1 : 2;
}

std::uint32_t channels(Layout layout, bool debayer) {
    return layout == Layout::Rgb8 || (layout == Layout::Bayer8 && debayer) ? 3 : 1;
}

bool is_direct(Layout layout, bool debayer) {
    switch (layout) {
    case Layout::Mono8:
    case Layout::Mono16:
    case Layout::Rgb8:
        return true;
    case Layout::Bayer8:
        return !debayer;
    default:
        return false;
    }
}

// PFNC "p" formats: pixel i occupies bits [i * bits, (i + 1) * bits) of the image, bit 0 being
// the least significant bit of byte 0.
template <unsigned Bits>
void unpack_lsb_stream(const std::uint8_t* in, std::uint16_t* out, std::size_t pixels) {
    constexpr std::uint32_t kMask = (1u << Bits) - 1;
    std::uint32_t acc = 0; // bits not yet used, lowest first
    unsigned have = 0;
    for (std::size_t i = 0; i < pixels; ++i) {
        while (have < Bits) {
            acc |= std::uint32_t{*in++} << have;
            have += 8;
        }
        out[i] = static_cast<std::uint16_t>(acc & kMask);
        acc >>= Bits;
        have -= Bits;
    }
}

void unpack_mono10p(const std::uint8_t* in, std::uint16_t* out, std::size_t pixels) {
    unpack_lsb_stream<10>(in, out, pixels);
}

void unpack_mono12p(const std::uint8_t* in, std::uint16_t* out, std::size_t pixels) {
    unpack_lsb_stream<12>(in, out, pixels);
}

// GigE Vision "Packed" formats: pixels a and b in bytes 0..2 as
//   byte 0 = a's high 8 bits, byte 2 = b's high 8 bits,
//   byte 1 = a's low bits in its low nibble, b's low bits in its high nibble
// (10-bit: the low 2 bits at bits 0-1 and 4-5; 12-bit: the low 4 bits at bits 0-3 and 4-7).
template <unsigned Bits>
void unpack_gev_packed(const std::uint8_t* in, std::uint16_t* out, std::size_t pixels) {
    constexpr unsigned kLow = Bits - 8;
    constexpr std::uint32_t kLowMask = (1u << kLow) - 1;
    std::size_t i = 0;
    for (; i + 1 < pixels; i += 2, in += 3) {
        out[i] = static_cast<std::uint16_t>((std::uint32_t{in[0]} << kLow) | (in[1] & kLowMask));
        out[i + 1] =
            static_cast<std::uint16_t>((std::uint32_t{in[2]} << kLow) | ((in[1] >> 4) & kLowMask));
    }
    if (i < pixels) // an odd pixel count: the last pixel's pair is cut after byte 1
        out[i] = static_cast<std::uint16_t>((std::uint32_t{in[0]} << kLow) | (in[1] & kLowMask));
}

void unpack_mono10_packed(const std::uint8_t* in, std::uint16_t* out, std::size_t pixels) {
    unpack_gev_packed<10>(in, out, pixels);
}

void unpack_mono12_packed(const std::uint8_t* in, std::uint16_t* out, std::size_t pixels) {
    unpack_gev_packed<12>(in, out, pixels);
}

void debayer_bilinear(const std::uint8_t* in, std::uint32_t width, std::uint32_t height,
                      Bayer bayer, std::uint8_t* rgb) {
    for (std::uint32_t y = 0; y < height; ++y) {
        for (std::uint32_t x = 0; x < width; ++x) {
            std::array<std::uint32_t, 3> sum{}, count{};
            const int own = colour_at(bayer, x, y);
            for (std::uint32_t ny = y ? y - 1 : 0; ny <= y + 1 && ny < height; ++ny) {
                for (std::uint32_t nx = x ? x - 1 : 0; nx <= x + 1 && nx < width; ++nx) {
                    const int c = colour_at(bayer, nx, ny);
                    if (c == own && (nx != x || ny != y)) continue; // its own colour: itself
                    sum[std::size_t(c)] += in[std::size_t{ny} * width + nx];
                    ++count[std::size_t(c)];
                }
            }
            std::uint8_t* px = rgb + (std::size_t{y} * width + x) * 3;
            for (std::size_t c = 0; c < 3; ++c)
                px[c] =
                    count[c] ? static_cast<std::uint8_t>((sum[c] + count[c] / 2) / count[c]) : 0;
        }
    }
}

} // namespace rtv::aravis
