#pragma once
// Reads back the framebuffer (or a rectangle of it) and writes PNG files (stb_image_write).
// The same call serves the screenshot button and headless runs. Thread: main (GL context).

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace rtv::render {

// Tightly packed RGBA8, rows top to bottom (as image files store them).
struct RgbaImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;
    const std::uint8_t* at(int x, int y) const { return &pixels[(std::size_t(y) * width + x) * 4]; }
};

// Reads the rectangle (x, y, w, h) of the current read framebuffer; (x, y) is its bottom-left
// corner in GL's convention; the result is flipped to top-to-bottom rows.
Status read_pixels(int x, int y, int width, int height, RgbaImage& out);
Status write_png(const std::string& path, const RgbaImage& image);
Status read_png(const std::string& path, RgbaImage& out);

} // namespace rtv::render
