#pragma once
// The colormaps and named colours, by name: the one table the CLI, the GUI and the tests use.
// Pure data and math (no GL). Thread: any.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "render/colormap_tables.hpp"

namespace rtv::render {

enum class Colormap : std::uint8_t { Viridis, Reds, Blues, Grays, Magma, Inferno, Plasma, Turbo };
constexpr std::size_t kColormapCount = 8;
constexpr std::size_t kColormapSize = 256; // entries per table

// "viridis", "reds", ... in Colormap order.
std::span<const std::string_view> colormap_names();
std::string_view name_of(Colormap map);
std::optional<Colormap> find_colormap(std::string_view name);
// "viridis, reds, blues, grays, magma, inferno, plasma, turbo"
std::string colormap_list();

// Entry i (0..255) of a table. reds: white (1,1,1) to red (1,0,0), linear; blues: white to blue
// (0,0,1); grays: black to white; the others are the published 256-entry tables.
Rgb colormap_entry(Colormap map, std::size_t index);
// t in 0..1 (clamped) to the nearest entry: index round(t * 255). The GPU shader does the same.
Rgb colormap_lookup(Colormap map, float t);

// Line colours: "black", "red", "blue", "green", "white", "gray", "orange", "magenta", "cyan" or
// "#rrggbb".
std::optional<Rgb> find_color(std::string_view name);
std::span<const std::string_view> color_names();
// The name of a colour ("red") when it is a named one (to 8 bits), else "#rrggbb": what
// find_color reads back.
std::string color_name(Rgb rgb);
std::string color_list(); // "black, red, blue, ... or #rrggbb"

} // namespace rtv::render
