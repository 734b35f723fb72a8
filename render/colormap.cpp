#include "render/colormap.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace rtv::render {

namespace {

constexpr std::array<std::string_view, kColormapCount> kColormapNames{
    "viridis", "reds", "blues", "grays", "magma", "inferno", "plasma", "turbo"};

struct NamedColor {
    std::string_view name;
    Rgb rgb;
};
constexpr std::array kColors{
    NamedColor{"black", {0, 0, 0}},     NamedColor{"red", {1, 0, 0}},
    NamedColor{"blue", {0, 0, 1}},      NamedColor{"green", {0, 0.6f, 0}},
    NamedColor{"white", {1, 1, 1}},     NamedColor{"gray", {0.5f, 0.5f, 0.5f}},
    NamedColor{"orange", {1, 0.5f, 0}}, NamedColor{"magenta", {1, 0, 1}},
    NamedColor{"cyan", {0, 1, 1}},
};
constexpr std::array<std::string_view, kColors.size()> kColorNames{
    "black", "red", "blue", "green", "white", "gray", "orange", "magenta", "cyan"};

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

std::span<const std::string_view> colormap_names() {
    return kColormapNames;
}
std::string_view name_of(Colormap map) {
    return kColormapNames[static_cast<std::size_t>(map)];
}

std::optional<Colormap> find_colormap(std::string_view name) {
    for (std::size_t i = 0; i < kColormapNames.size(); ++i)
        if (kColormapNames[i] == name) return static_cast<Colormap>(i);
    return std::nullopt;
}

std::string colormap_list() {
    std::string out;
    for (std::string_view n : kColormapNames)
        out += (out.empty() ? "" : ", ") + std::string(n);
    return out;
}

Rgb colormap_entry(Colormap map, std::size_t index) {
    index = std::min(index, kColormapSize - 1);
    const float t = static_cast<float>(index) / static_cast<float>(kColormapSize - 1);
    switch (map) {
    case Colormap::Reds:
        return {1.0f, 1.0f - t, 1.0f - t};
    case Colormap::Blues:
        return {1.0f - t, 1.0f - t, 1.0f};
    case Colormap::Grays:
        return {t, t, t};
    case Colormap::Viridis:
        return tables::viridis[index];
    case Colormap::Magma:
        return tables::magma[index];
    case Colormap::Inferno:
        return tables::inferno[index];
    case Colormap::Plasma:
        return tables::plasma[index];
    case Colormap::Turbo:
        return tables::turbo[index];
    }
    return {};
}

Rgb colormap_lookup(Colormap map, float t) {
    if (!(t >= 0.0f)) t = 0.0f; // also NaN
    t = std::min(t, 1.0f);
    return colormap_entry(map, static_cast<std::size_t>(t * 255.0f + 0.5f));
}

std::optional<Rgb> find_color(std::string_view name) {
    for (const NamedColor& c : kColors)
        if (c.name == name) return c.rgb;
    if (name.size() == 7 && name[0] == '#') {
        int v[6];
        for (int i = 0; i < 6; ++i)
            if ((v[i] = hex_digit(name[static_cast<std::size_t>(i) + 1])) < 0) return std::nullopt;
        return Rgb{static_cast<float>(v[0] * 16 + v[1]) / 255.0f,
                   static_cast<float>(v[2] * 16 + v[3]) / 255.0f,
                   static_cast<float>(v[4] * 16 + v[5]) / 255.0f};
    }
    return std::nullopt;
}

std::string color_name(Rgb rgb) {
    const auto byte = [](float v) {
        return static_cast<int>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
    };
    for (const NamedColor& c : kColors)
        if (byte(c.rgb.r) == byte(rgb.r) && byte(c.rgb.g) == byte(rgb.g) &&
            byte(c.rgb.b) == byte(rgb.b))
            return std::string(c.name);
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", byte(rgb.r), byte(rgb.g), byte(rgb.b));
    return buf;
}

std::span<const std::string_view> color_names() {
    return kColorNames;
}

std::string color_list() {
    std::string out;
    for (std::string_view n : kColorNames)
        out += std::string(n) + ", ";
    return out + "or #rrggbb";
}

} // namespace rtv::render
