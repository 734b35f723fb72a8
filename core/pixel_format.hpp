#pragma once
// Names of the pixel formats (what --stats-json, the panel, recordings and error messages say),
// which formats the pipeline takes, and reading one pixel of a frame in any of them.
// Thread: any. Allocates: never (format_list builds its text once per call).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/frame.hpp"

namespace rtv {

struct StreamRequest;

// "u8", "u16", "i16", "f32"; "rgb8", "rgb16", "rgb32f"; "rgba8", "rgba16", "rgba32f".
// "?" for a format the pipeline does not take.
std::string_view format_name(PixelFormat format);
// What a stream carries, as the panel, --stats-json and recordings name it: its image format,
// or "xy32f" for lines (x, y float32 pairs).
std::string_view stream_format(const StreamRequest& request);
// The format of a name above, or nothing.
std::optional<PixelFormat> find_format(std::string_view name);
// Whether the pipeline takes `format` (channels 1, 3 or 4; RGB and RGBA not of int16).
bool format_supported(PixelFormat format);
// Every name, comma separated: for error messages.
std::string format_list();
// The name of a sample type: "uint8", "uint16", "int16", "float32".
std::string_view sample_name(SampleType type);

// One pixel's samples as float (exact for every integer type taken), channels 1, 3 or 4.
struct PixelValue {
    std::array<float, 4> c{};
    std::uint8_t channels = 1;
};

// Pixel (x, y) (row y) of a frame of `desc` stored in `bytes`. Inside the image only (asserted).
PixelValue read_pixel(const ImageDesc& desc, std::span<const std::byte> bytes, std::uint32_t x,
                      std::uint32_t y);
// "0.42" for a mono value, "(255, 128, 0)" for RGB, "(255, 128, 0, 128)" for RGBA (%.4g each),
// into `buf`; returns the length as snprintf does. Allocates: never.
int format_pixel(char* buf, std::size_t size, const PixelValue& value);
// A mono value of a pixel: the sample itself, or the mean of R, G and B (for profiles).
float pixel_intensity(const PixelValue& value);

} // namespace rtv
