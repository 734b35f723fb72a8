#pragma once
// Published colormap tables (data). See scripts/make_colormap_tables.py.

#include <array>

namespace rtv::render {

struct Rgb {
    float r = 0.0f;
    float g = 0.0f;
    float b = 0.0f;
};

namespace tables {
extern const std::array<Rgb, 256> viridis;
extern const std::array<Rgb, 256> magma;
extern const std::array<Rgb, 256> inferno;
extern const std::array<Rgb, 256> plasma;
extern const std::array<Rgb, 256> turbo;
} // namespace tables

} // namespace rtv::render
