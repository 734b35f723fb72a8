#include "render/camera.hpp"

#include <algorithm>

namespace rtv::render {

Rect Rect::united(const Rect& o) const {
    return {std::min(x0, o.x0), std::min(y0, o.y0), std::max(x1, o.x1), std::max(y1, o.y1)};
}

void Camera::set_range(const Rect& range, double margin) {
    const double mx = range.width() * margin, my = range.height() * margin;
    m_visible = {range.x0 - mx, range.y0 - my, range.x1 + mx, range.y1 + my};
    if (m_visible.width() == 0.0) m_visible.x1 = m_visible.x0 + 1.0;
    if (m_visible.height() == 0.0) m_visible.y1 = m_visible.y0 + 1.0;
    m_wanted = m_visible;
}

void Camera::fit_aspect(Vec2 size) {
    if (size.x <= 0.0 || size.y <= 0.0) return;
    const Rect& w = m_wanted;
    const double per_px = std::max(w.width() / size.x, w.height() / size.y);
    const double cx = (w.x0 + w.x1) / 2, cy = (w.y0 + w.y1) / 2;
    const double hw = per_px * size.x / 2, hh = per_px * size.y / 2;
    m_visible = {cx - hw, cy - hh, cx + hw, cy + hh};
}

Vec2 Camera::screen_to_data(Vec2 s, Vec2 size) const {
    const double fx = s.x / size.x;
    const double fy = s.y / size.y; // 0 at the top
    const double y =
        m_y_down ? m_visible.y0 + fy * m_visible.height() : m_visible.y1 - fy * m_visible.height();
    return {m_visible.x0 + fx * m_visible.width(), y};
}

Vec2 Camera::data_to_screen(Vec2 d, Vec2 size) const {
    const double fx = (d.x - m_visible.x0) / m_visible.width();
    const double fy = m_y_down ? (d.y - m_visible.y0) / m_visible.height()
                               : (m_visible.y1 - d.y) / m_visible.height();
    return {fx * size.x, fy * size.y};
}

void Camera::pan(Vec2 delta, Vec2 size) {
    const double dx = -delta.x / size.x * m_visible.width();
    const double dy = (m_y_down ? -delta.y : delta.y) / size.y * m_visible.height();
    m_visible = {m_visible.x0 + dx, m_visible.y0 + dy, m_visible.x1 + dx, m_visible.y1 + dy};
    m_wanted = {m_wanted.x0 + dx, m_wanted.y0 + dy, m_wanted.x1 + dx, m_wanted.y1 + dy};
}

void Camera::zoom(double factor, Vec2 screen, Vec2 size) {
    if (!(factor > 0.0)) return;
    const Vec2 p = screen_to_data(screen, size);
    const double s = 1.0 / factor;
    auto about_p = [&](const Rect& r) {
        return Rect{p.x + (r.x0 - p.x) * s, p.y + (r.y0 - p.y) * s, p.x + (r.x1 - p.x) * s,
                    p.y + (r.y1 - p.y) * s};
    };
    m_visible = about_p(m_visible);
    m_wanted = about_p(m_wanted);
}

void Camera::ndc_transform(float& sx, float& sy, float& ox, float& oy) const {
    const double scale_x = 2.0 / m_visible.width();
    const double scale_y = 2.0 / m_visible.height();
    sx = static_cast<float>(scale_x);
    ox = static_cast<float>(-1.0 - m_visible.x0 * scale_x);
    if (m_y_down) { // y0 at the top (ndc +1)
        sy = static_cast<float>(-scale_y);
        oy = static_cast<float>(1.0 + m_visible.y0 * scale_y);
    } else {
        sy = static_cast<float>(scale_y);
        oy = static_cast<float>(-1.0 - m_visible.y0 * scale_y);
    }
}

} // namespace rtv::render
