#include "render/contrast.hpp"

namespace rtv::render {

namespace {
constexpr std::array<std::string_view, 4> kNames{"auto", "manual", "percentile", "hold"};
}

Limits contrast_limits(const Contrast& c, const ImageStats& stats, Limits current) {
    switch (c.mode) {
    case ContrastMode::Auto:
        return {stats.min, stats.max};
    case ContrastMode::Manual:
        return {c.manual_lo, c.manual_hi};
    case ContrastMode::Percentile:
        return {stats.percentile(double(c.pct_lo)), stats.percentile(double(c.pct_hi))};
    case ContrastMode::Hold:
        break;
    }
    return current;
}

std::array<std::string_view, 4> contrast_mode_names() {
    return kNames;
}

std::optional<ContrastMode> find_contrast_mode(std::string_view name) {
    for (std::size_t i = 0; i < kNames.size(); ++i)
        if (kNames[i] == name) return static_cast<ContrastMode>(i);
    return std::nullopt;
}

std::string_view name_of(ContrastMode mode) {
    return kNames[static_cast<std::size_t>(mode)];
}

} // namespace rtv::render
