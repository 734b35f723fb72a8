#pragma once
// The aravis plugin's pixel work, free of Aravis: which GenICam pixel formats it takes, what each
// becomes in the viewer, and the unpacking of packed formats and Bayer mosaics into a pool slot.
// Pure functions, any thread, no allocation; shared by the plugin and its unit test.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rtv::aravis {

// How a camera's buffer is laid out.
enum class Layout : std::uint8_t {
    Mono8,        // one byte a pixel
    Mono16,       // Mono10, Mono12, Mono16: a little-endian uint16 a pixel, raw units
    Mono10p,      // PFNC Mono10p: 10-bit pixels in one bit stream, least significant bit first
    Mono12p,      // PFNC Mono12p: 12-bit pixels in one bit stream, least significant bit first
    Mono10Packed, // GigE Vision Mono10Packed: 2 pixels in 3 bytes, high bits in bytes 0 and 2
    Mono12Packed, // GigE Vision Mono12Packed: 2 pixels in 3 bytes, high bits in bytes 0 and 2
    Rgb8,         // R, G, B bytes a pixel
    Bayer8,       // one byte a pixel of a colour filter mosaic
};

// The colour of the mosaic's top-left 2x2 square, read row by row (BayerRG8: R G / G B).
enum class Bayer : std::uint8_t { RG, GR, GB, BG };

struct Format {
    std::string_view name; // the GenICam PixelFormat entry, e.g. "Mono12p"
    Layout layout = Layout::Mono8;
    Bayer bayer = Bayer::RG; // Bayer8 only
};

// The formats the plugin takes, in the order its messages list them.
const Format* formats();
std::size_t format_count();
// The format named `name` (exactly as GenICam spells it), or nullptr.
const Format* find_format(std::string_view name);
// "Mono8, Mono10, ...": every name, for messages.
const char* format_names();

// Bytes a camera sends for `pixels` pixels in `layout` (packed formats: rounded up to a byte).
std::size_t wire_bytes(Layout layout, std::size_t pixels);
// The viewer's sample size (1 or 2 bytes) and channels for a layout (debayer: Bayer8 as RGB).
std::uint32_t sample_bytes(Layout layout);
std::uint32_t channels(Layout layout, bool debayer);
// True when the camera's bytes are the viewer's as they are (no unpacking): Aravis may write
// straight into the pool's slot.
bool is_direct(Layout layout, bool debayer);

// Unpacks `pixels` pixels from `in` (wire_bytes(layout, pixels) bytes) into `out`. The image is
// one bit stream: a pixel pair or group may straddle two rows (odd widths).
void unpack_mono10p(const std::uint8_t* in, std::uint16_t* out, std::size_t pixels);
void unpack_mono12p(const std::uint8_t* in, std::uint16_t* out, std::size_t pixels);
void unpack_mono10_packed(const std::uint8_t* in, std::uint16_t* out, std::size_t pixels);
void unpack_mono12_packed(const std::uint8_t* in, std::uint16_t* out, std::size_t pixels);

// Bilinear demosaicing of a width x height Bayer8 image into RGB8 (3 bytes a pixel): each pixel
// keeps its own colour and takes the others as the mean of its nearest neighbours of that
// colour (edges: the neighbours that exist).
void debayer_bilinear(const std::uint8_t* in, std::uint32_t width, std::uint32_t height,
                      Bayer bayer, std::uint8_t* rgb);

} // namespace rtv::aravis
