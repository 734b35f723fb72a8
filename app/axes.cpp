#include "app/axes.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <imgui.h>

#include "app/fnv.hpp"

namespace rtv::app {

namespace {

constexpr ImU32 kAxis = IM_COL32(150, 150, 160, 255);
constexpr ImU32 kLabel = IM_COL32(210, 210, 215, 255);
constexpr ImU32 kGrid = IM_COL32(128, 128, 128, 70);
constexpr float kTick = 4.0f; // tick mark length, window pixels

struct Box { // window pixels, origin top-left
    float left, top, right, bottom;
};

Box box_of(const render::Viewport& vp, int fb_height, float scale) {
    const float top = float(fb_height - vp.y - vp.height) * scale;
    return {float(vp.x) * scale, top, float(vp.x + vp.width) * scale,
            top + float(vp.height) * scale};
}

// The widest label of these ticks, in window pixels.
float widest(const render::Ticks& t) {
    std::array<char, 32> buf{};
    float w = 0.0f;
    for (int i = 0; i < t.count; ++i) {
        const std::string_view s = render::tick_label(t, t.value(i), buf);
        w = std::max(w, ImGui::CalcTextSize(s.data(), s.data() + s.size()).x);
    }
    return w;
}

// Ticks for `lo..hi` over `pixels`, as many as fit without their labels touching: `extent(t)` is
// the room one label takes along the axis.
template <class Extent>
render::Ticks fitting_ticks(double lo, double hi, float pixels, float per_tick, Extent extent) {
    int wanted = std::clamp(int(pixels / per_tick), render::Ticks::kMin, render::Ticks::kMax);
    render::Ticks t = render::nice_ticks(lo, hi, wanted);
    for (int guard = 0; guard < 12 && wanted > render::Ticks::kMin; ++guard) {
        if (float(t.count) * extent(t) <= pixels) break;
        t = render::nice_ticks(lo, hi, --wanted);
    }
    return t;
}

void label(ImDrawList* draw, ImVec2 at, std::string_view text) {
    draw->AddText(at, kLabel, text.data(), text.data() + text.size());
}

// Ticks and labels along the left edge of `b` for values lo (at the bottom) .. hi (at the top).
// Labels right-aligned left of `b.left` (or left-aligned right of `b.right` when `right`).
void vertical_axis(ImDrawList* draw, const Box& b, const Box& cell, double lo_bottom, double hi_top,
                   render::Ticks& t, bool right) {
    const float height = b.bottom - b.top, text_h = ImGui::GetTextLineHeight();
    t = fitting_ticks(lo_bottom, hi_top, height, text_h * 2.5f,
                      [&](const render::Ticks&) { return text_h + 4.0f; });
    std::array<char, 32> buf{};
    const double span = hi_top - lo_bottom;
    for (int i = 0; i < t.count; ++i) {
        const double v = t.value(i);
        // Whole pixels (as ImGui places text): limits that move by less than a pixel leave
        // the same list, and nothing is drawn again.
        const float y = std::round(b.bottom - float((v - lo_bottom) / span) * height);
        const float x = right ? b.right : b.left;
        draw->AddLine({x, y}, {right ? x + kTick : x - kTick, y}, kAxis);
        const std::string_view s = render::tick_label(t, v, buf);
        const ImVec2 size = ImGui::CalcTextSize(s.data(), s.data() + s.size());
        const float top = std::clamp(y - size.y / 2, cell.top, cell.bottom - size.y);
        label(draw, {right ? x + kTick + 2 : x - kTick - 2 - size.x, top}, s);
    }
}

} // namespace

Margins axis_margins(float fb_per_window) {
    const float text_h = ImGui::GetTextLineHeight();
    const float digits = ImGui::CalcTextSize("-0.00000").x; // room for most labels
    Margins m;
    m.left = int(std::ceil((digits + kTick + 6) * fb_per_window));
    m.bottom = int(std::ceil((text_h + kTick + 4) * fb_per_window));
    m.bar_width = int(std::ceil(14 * fb_per_window));
    m.title = int(std::ceil((text_h + 4) * fb_per_window));
    m.colorbar = int(std::ceil((digits + kTick + 20) * fb_per_window)) + m.bar_width;
    // A label centred on the data area's right edge ("0.0000" at most) stays in the window.
    m.right = int(std::ceil((ImGui::CalcTextSize("0.0000").x / 2 + 2) * fb_per_window));
    return m;
}

// Everything a view's margin list shows depends on: the same key, the same list.
std::uint64_t margin_key(const View& v, int fb_height, float scale) {
    Fnv f;
    const render::Rect& r = v.camera.visible();
    f.add(fb_height).add(scale).add(v.viewport).add(v.cell).add(v.colorbar);
    f.add(r.x0).add(r.y0).add(r.x1).add(r.y1).add(v.camera.y_down());
    f.add(v.has_colorbar).add(v.bar_colormap).add(v.bar_limits.lo).add(v.bar_limits.hi);
    f.text(v.x_label).text(v.y_label);
    return f.h | 1; // never 0 (ViewDecor's "never built")
}

bool draw_axes(Canvas& canvas, int fb_height, float scale, ViewDecor& decor) {
    std::array<char, 32> buf{};
    auto& views = canvas.views();
    decor.resize(views.size());
    bool built = false;
    for (std::size_t i = 0; i < views.size(); ++i) {
        View& v = views[i];
        if (!v.visible) continue;
        const std::uint64_t key = margin_key(v, fb_height, scale);
        if (key == decor.margin_key(i)) continue; // laid out already: ticks kept on the view
        built = true;
        const Box b = box_of(v.viewport, fb_height, scale);
        const Box cell = box_of(v.cell, fb_height, scale);
        ImDrawList* draw =
            &decor.begin_margin(i, {cell.left, cell.top, cell.right, cell.bottom}, key);
        const render::Rect& r = v.camera.visible();
        // The axis lines on the margin's pixels next to the data area (ImGui centres a line on
        // the pixel right of and below its coordinates), never on the data area's own.
        draw->AddLine({b.left - 1, b.top}, {b.left - 1, b.bottom}, kAxis);
        draw->AddLine({b.left - 1, b.bottom}, {b.right, b.bottom}, kAxis);

        // x: labels centred under their ticks, as many as fit side by side.
        const float width = b.right - b.left;
        v.x_ticks = fitting_ticks(r.x0, r.x1, width, 90.0f,
                                  [](const render::Ticks& t) { return widest(t) + 12.0f; });
        for (int t = 0; t < v.x_ticks.count; ++t) {
            const double x = v.x_ticks.value(t);
            const float px = std::round(b.left + float((x - r.x0) / r.width()) * width);
            draw->AddLine({px, b.bottom}, {px, b.bottom + kTick}, kAxis);
            const std::string_view s = render::tick_label(v.x_ticks, x, buf);
            const ImVec2 size = ImGui::CalcTextSize(s.data(), s.data() + s.size());
            // Kept inside the view's cell: never over a neighbour.
            const float left = std::clamp(px - size.x / 2, cell.left, cell.right - size.x);
            label(draw, {left, b.bottom + kTick + 1}, s);
        }
        // y: the camera's y grows upwards, or downwards in image views (row 0 on top).
        const double bottom = v.camera.y_down() ? r.y1 : r.y0;
        const double top = v.camera.y_down() ? r.y0 : r.y1;
        vertical_axis(draw, b, cell, bottom, top, v.y_ticks, false);
        // Axis titles: x centred under the tick labels, y above the axis.
        const float text_h = ImGui::GetTextLineHeight();
        if (!v.x_label.empty()) {
            const float w = ImGui::CalcTextSize(v.x_label.c_str()).x;
            const float left = std::clamp((b.left + b.right - w) / 2, cell.left, cell.right - w);
            draw->AddText({left, b.bottom + kTick + text_h + 3}, kLabel, v.x_label.c_str());
        }
        if (!v.y_label.empty())
            draw->AddText({std::max(b.left - 8.0f, cell.left), b.top - text_h - 2}, kLabel,
                          v.y_label.c_str());

        if (v.has_colorbar) {
            const Box bar = box_of(v.colorbar, fb_height, scale);
            draw->AddRect({bar.left, bar.top}, {bar.right, bar.bottom}, kAxis);
            double lo = v.bar_limits.lo, hi = v.bar_limits.hi;
            if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0.0, hi = 1.0; // all NaN
            if (!(hi > lo)) hi = lo + std::max(std::abs(lo) * 1e-6, 1e-6);    // all equal
            vertical_axis(draw, bar, cell, lo, hi, v.bar_ticks, true);
        } else {
            v.bar_ticks = {};
        }
    }
    return built;
}

void draw_grid(ImDrawList& draw, const View& v, int fb_height, float scale) {
    const Box b = box_of(v.viewport, fb_height, scale);
    const render::Rect& r = v.camera.visible();
    const float width = b.right - b.left, height = b.bottom - b.top;
    for (int t = 0; t < v.x_ticks.count; ++t) {
        const float px = b.left + float((v.x_ticks.value(t) - r.x0) / r.width()) * width;
        draw.AddLine({px, b.top}, {px, b.bottom}, kGrid);
    }
    const double lo = v.camera.y_down() ? r.y1 : r.y0,
                 span = (v.camera.y_down() ? r.y0 : r.y1) - lo;
    for (int t = 0; t < v.y_ticks.count; ++t) {
        const float y = b.bottom - float((v.y_ticks.value(t) - lo) / span) * height;
        draw.AddLine({b.left, y}, {b.right, y}, kGrid);
    }
}

} // namespace rtv::app
