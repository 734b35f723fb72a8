#include "render/contrast.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace rtv::render {

namespace {
constexpr std::array<std::string_view, 4> kContrastNames{"auto", "manual", "percentile", "hold"};

bool parse_float(std::string_view s, float& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc{} && end == s.data() + s.size() && std::isfinite(out);
}
} // namespace

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
    return kContrastNames;
}

std::optional<ContrastMode> find_contrast_mode(std::string_view name) {
    for (std::size_t i = 0; i < kContrastNames.size(); ++i)
        if (kContrastNames[i] == name) return static_cast<ContrastMode>(i);
    return std::nullopt;
}

std::string_view name_of(ContrastMode mode) {
    return kContrastNames[static_cast<std::size_t>(mode)];
}

std::optional<Contrast> parse_contrast(std::string_view t) {
    const std::size_t colon = t.find(':');
    const auto mode = find_contrast_mode(t.substr(0, colon));
    if (!mode || *mode == ContrastMode::Hold) return std::nullopt;
    Contrast c;
    c.mode = *mode;
    if (colon == std::string_view::npos) {
        if (c.mode == ContrastMode::Manual) return std::nullopt;
        return c;
    }
    if (c.mode == ContrastMode::Auto) return std::nullopt;
    const std::string_view rest = t.substr(colon + 1);
    const std::size_t second = rest.find(':');
    if (second == std::string_view::npos) return std::nullopt;
    float lo = 0, hi = 0;
    if (!parse_float(rest.substr(0, second), lo) || !parse_float(rest.substr(second + 1), hi) ||
        !(lo < hi))
        return std::nullopt;
    if (c.mode == ContrastMode::Percentile) {
        if (lo < 0.0f || hi > 100.0f) return std::nullopt;
        c.pct_lo = lo;
        c.pct_hi = hi;
    } else {
        c.manual_lo = lo;
        c.manual_hi = hi;
    }
    return c;
}

std::string format_contrast(const Contrast& c, Limits held) {
    char buf[96];
    switch (c.mode) {
    case ContrastMode::Auto:
        return "auto";
    case ContrastMode::Percentile:
        std::snprintf(buf, sizeof buf, "percentile:%.9g:%.9g", double(c.pct_lo), double(c.pct_hi));
        return buf;
    case ContrastMode::Manual:
        std::snprintf(buf, sizeof buf, "manual:%.9g:%.9g", double(c.manual_lo),
                      double(c.manual_hi));
        return buf;
    case ContrastMode::Hold:
        break;
    }
    if (!(held.lo < held.hi)) held.hi = held.lo + 1.0f; // a flat frame: still a valid range
    std::snprintf(buf, sizeof buf, "manual:%.9g:%.9g", double(held.lo), double(held.hi));
    return buf;
}

} // namespace rtv::render
