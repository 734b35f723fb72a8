#pragma once
// A 2D pan/zoom camera: which rectangle of data coordinates a viewport shows. Pure math, no GL,
// so it is tested headless. Screen coordinates are pixels inside the viewport, origin top-left,
// y down (as mouse events give them). Data y points up unless y_down (images: row 0 on top).

namespace rtv::render {

struct Vec2 {
    double x = 0.0;
    double y = 0.0;
};

struct Rect {
    double x0 = 0.0, y0 = 0.0, x1 = 1.0, y1 = 1.0;
    double width() const { return x1 - x0; }
    double height() const { return y1 - y0; }
    // The smallest rectangle holding both.
    Rect united(const Rect& o) const;
};

class Camera {
public:
    // Shows `range` with `margin` (a fraction of its size) around it, as VisPy's set_range.
    void set_range(const Rect& range, double margin = 0.0);
    const Rect& visible() const { return m_visible; }
    // The range asked for (set_range, then pan and zoom), before fit_aspect widens it.
    const Rect& wanted() const { return m_wanted; }
    void set_y_down(bool y_down) { m_y_down = y_down; }
    // Square data units (image pixels stay square): the visible rectangle is the range asked for
    // (by set_range, then moved by pan and zoom) grown about its centre along one axis to match
    // the viewport's aspect ratio. Call after set_range and when the viewport changes size;
    // resizing back and forth returns to the same view.
    void fit_aspect(Vec2 viewport_size);
    bool y_down() const { return m_y_down; }

    // Drag by (dx, dy) screen pixels in a viewport of the given size: the data under the cursor
    // follows it.
    void pan(Vec2 screen_delta, Vec2 viewport_size);
    // Zoom by `factor` (> 1 zooms in) keeping the data point under `screen` fixed.
    void zoom(double factor, Vec2 screen, Vec2 viewport_size);

    Vec2 screen_to_data(Vec2 screen, Vec2 viewport_size) const;
    Vec2 data_to_screen(Vec2 data, Vec2 viewport_size) const;
    // The transform to normalized device coordinates: ndc = data * scale + offset.
    void ndc_transform(float& sx, float& sy, float& ox, float& oy) const;

private:
    Rect m_visible{};
    Rect m_wanted{}; // the range asked for, before fit_aspect
    bool m_y_down = false;
};

} // namespace rtv::render
