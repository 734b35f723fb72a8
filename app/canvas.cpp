#include "app/canvas.hpp"

#include <algorithm>
#include <cmath>

namespace rtv::app {

namespace {

constexpr int kGap = 2; // framebuffer pixels between neighbouring views

void apply(const DisplaySettings& d, LayerSettings& s) {
    if (d.colormap) s.colormap = *d.colormap;
    if (d.contrast) s.contrast = *d.contrast;
    if (d.line_color) s.line_color = *d.line_color;
    if (d.opacity) s.opacity = *d.opacity;
}

// A little room above and below lines (VisPy's set_range margin), and a defined range for a
// flat line (all samples at one y).
render::Rect padded_lines(render::Rect r) {
    const double m = r.height() > 0.0 ? r.height() * 0.05 : std::max(std::abs(r.y0) * 0.05, 0.5);
    r.y0 -= m;
    r.y1 += m;
    return r;
}

bool same(const render::Rect& a, const render::Rect& b) {
    return a.x0 == b.x0 && a.y0 == b.y0 && a.x1 == b.x1 && a.y1 == b.y1;
}

} // namespace

render::Vec2 image_pixel(render::Vec2 d, const ImageDesc& desc,
                         const std::optional<render::Rect>& extent) {
    if (!extent) return d;
    const render::Rect& e = *extent;
    return {(d.x - e.x0) / e.width() * desc.width, (e.y1 - d.y) / e.height() * desc.height};
}

render::Rect image_place(const ImageDesc& desc, const std::optional<render::Rect>& extent) {
    if (!extent) return {0.0, 0.0, double(desc.width), double(desc.height)};
    return {extent->x0, extent->y1, extent->x1, extent->y0}; // row 0 at the top (y1)
}

Canvas::Canvas(const LayoutSpec& layout, const LayerSettings& defaults)
    : m_mode(layout.mode)
    , m_columns(std::max(layout.columns, 1))
    , m_defaults(defaults) {
    m_view_of.fill(npos);
    for (const ViewSpec& spec : layout.views) {
        View v;
        v.name = spec.name;
        v.patterns = spec.streams;
        v.settings = spec.settings;
        v.layer_settings = spec.layers;
        if (spec.background) v.background = *spec.background;
        v.extent = spec.extent;
        v.x_label = spec.x_label;
        v.y_label = spec.y_label;
        v.grid = spec.grid;
        v.span = std::clamp(spec.span, 1, m_columns);
        v.height = spec.height;
        m_views.push_back(std::move(v));
    }
    if (m_mode == LayoutMode::Default && m_views.size() == 2) { // images over lines, as VisPy's
        m_views[0].kind = FrameKind::Image;
        m_views[1].kind = FrameKind::Lines;
        for (View& v : m_views)
            v.hide_when_empty = true;
    }
    // Profiles from the file, last first, so that inserting a profile view moves no later one.
    for (std::size_t i = layout.views.size(); i-- > 0;)
        if (const auto& p = layout.views[i].profile)
            set_profile(i, {{(*p)[0], (*p)[1]}, {(*p)[2], (*p)[3]}});
}

void Canvas::views_changed() {
    if (m_mode == LayoutMode::Auto) // a near-square grid
        m_columns = std::max(1, int(std::ceil(std::sqrt(double(m_views.size())))));
}

std::size_t Canvas::add_view(std::string name, FrameKind kind) {
    // Unique names: "cam/image", then "cam/image (2)", ...
    std::string unique = name;
    for (int n = 2;; ++n) {
        const bool taken = std::any_of(m_views.begin(), m_views.end(),
                                       [&](const View& v) { return v.name == unique; });
        if (!taken) break;
        unique = name + " (" + std::to_string(n) + ")";
    }
    View v;
    v.name = std::move(unique);
    v.kind = kind;
    v.background =
        kind == FrameKind::Image ? render::Rgb{0.0f, 0.0f, 0.0f} : render::Rgb{1.0f, 1.0f, 1.0f};
    m_views.push_back(std::move(v));
    views_changed();
    return m_views.size() - 1;
}

std::size_t Canvas::assign(std::uint16_t stream, const StreamInfo& info) {
    if (m_view_of[stream] != npos) return m_view_of[stream];
    m_names[stream] = info.name;
    m_producer_of[stream] = info.producer;
    std::size_t index = npos;
    int order = 0;
    for (std::size_t i = 0; i < m_views.size() && index == npos; ++i) {
        const View& v = m_views[i];
        for (std::size_t p = 0; p < v.patterns.size(); ++p)
            if (matches(v.patterns[p], info.name)) {
                index = i;
                order = int(p); // as the layout lists them, then as they appeared
                break;
            }
    }
    if (index == npos && m_mode == LayoutMode::Default) index = default_view(info);
    if (index == npos && m_mode == LayoutMode::File) {
        for (std::size_t i = 0; i < m_views.size() && index == npos; ++i)
            if (m_views[i].kind == info.kind) index = i;
        for (std::size_t i = 0; i < m_views.size() && index == npos; ++i)
            if (!m_views[i].kind && m_views[i].patterns.empty()) index = i;
    }
    if (index == npos) {
        if (info.kind == FrameKind::Lines) { // one view per producer's line streams
            const std::string name = info.producer + " lines";
            for (std::size_t i = 0; i < m_views.size() && index == npos; ++i)
                if (m_views[i].name == name) index = i;
            if (index == npos) index = add_view(name, FrameKind::Lines);
        } else {
            index = add_view(info.name, FrameKind::Image);
        }
    }
    View& v = m_views[index];
    if (!v.kind) v.kind = info.kind;
    if (order == 0 && !v.patterns.empty() &&
        std::none_of(v.patterns.begin(), v.patterns.end(),
                     [&](const std::string& p) { return matches(p, info.name); }))
        order = int(v.patterns.size()); // unnamed streams after the named ones
    LayerSettings s = m_defaults;
    apply(v.settings, s);
    if (const auto it = v.layer_settings.find(info.name); it != v.layer_settings.end())
        apply(it->second, s);
    m_settings[stream] = s;
    place_layer(stream, index, order);
    return index;
}

// The default layout: images over lines, as VisPy's, and each producer's streams in views of
// their own (a second producer's still image never covers the first's): a producer's image
// view joins the row of images, its line view the row of lines, one column per producer.
std::size_t Canvas::default_view(const StreamInfo& info) {
    std::size_t last_of_kind = npos;
    for (std::size_t i = 0; i < m_views.size(); ++i) {
        View& v = m_views[i];
        if (v.kind != info.kind || v.profile_source != npos) continue;
        last_of_kind = i;
        const bool fits = v.layers.empty() ? !v.made_for_producer || v.owner == info.producer
                                           : m_producer_of[v.layers.front()] == info.producer;
        if (fits) return i;
    }
    if (last_of_kind == npos) return npos; // (a default view of each kind is always there)
    const View& like = m_views[last_of_kind];
    View v;
    v.name = info.producer + (info.kind == FrameKind::Image ? " image" : " lines");
    v.kind = info.kind;
    v.background = like.background;
    v.height = like.height;
    v.made_for_producer = true;
    v.owner = info.producer;
    std::size_t at = last_of_kind + 1;
    while (at < m_views.size() && m_views[at].profile_source != npos)
        ++at; // after its profile view
    shift_views(at, 1);
    m_views.insert(m_views.begin() + std::ptrdiff_t(at), std::move(v));
    std::size_t images = 0, lines = 0;
    for (const View& w : m_views) {
        images += w.kind == FrameKind::Image && w.profile_source == npos;
        lines += w.kind == FrameKind::Lines && w.profile_source == npos;
    }
    m_columns = int(std::max({images, lines, std::size_t{1}}));
    return at;
}

void Canvas::place_layer(std::uint16_t stream, std::size_t view, int order) {
    m_view_of[stream] = view;
    m_settings[stream].order = order;
    View& v = m_views[view];
    v.layers.push_back(stream);
    v.seen_any = false; // a new layer refits (unless the user has moved this view)
}

void Canvas::move(std::uint16_t stream, std::size_t to) {
    const std::size_t from = m_view_of[stream];
    if (from == npos || from == to) return;
    auto& old = m_views[from].layers;
    old.erase(std::remove(old.begin(), old.end(), stream), old.end());
    m_views[from].seen_any = false;
    if (to == npos || to >= m_views.size()) {
        const FrameKind kind = m_views[from].kind.value_or(FrameKind::Image);
        to = add_view(m_names[stream], kind);
        m_views[to].made_by_gui = true;
    }
    const int top = m_views[to].layers.empty() ? 0 : m_settings[m_views[to].layers.back()].order;
    place_layer(stream, to, top + 1); // drawn over what the view shows
    if (m_views[from].made_by_gui && m_views[from].layers.empty()) remove_view(from);
}

void Canvas::remove_view(std::size_t index) {
    if (m_views[index].profile_view != npos) clear_profile(index);
    const bool selected = m_selected == index;
    m_views.erase(m_views.begin() + std::ptrdiff_t(index));
    shift_views(index + 1, -1);
    if (selected || m_selected >= m_views.size()) m_selected = 0;
    views_changed();
}

bool Canvas::close_view(std::size_t index) {
    if (index >= m_views.size()) return false;
    if (m_views[index].profile_source != npos) {
        clear_profile(m_views[index].profile_source);
        return true;
    }
    std::size_t others = 0;
    for (const View& v : m_views)
        others += v.profile_source == npos;
    if (others <= 1) return false;
    // Where its streams go: the first other view of their kind, else the first other view.
    const std::optional<FrameKind> kind = m_views[index].kind;
    std::size_t to = npos;
    for (std::size_t i = 0; i < m_views.size() && to == npos; ++i)
        if (i != index && m_views[i].profile_source == npos && m_views[i].kind == kind) to = i;
    for (std::size_t i = 0; i < m_views.size() && to == npos; ++i)
        if (i != index && m_views[i].profile_source == npos) to = i;
    m_views[index].made_by_gui = false; // moving its last stream must not remove it under us
    const std::vector<std::uint16_t> streams = m_views[index].layers;
    for (const std::uint16_t id : streams)
        move(id, to);
    remove_view(index);
    return true;
}

void Canvas::shift_views(std::size_t from, int by) {
    const auto moved = [&](std::size_t& index) {
        if (index != npos && index >= from) index = std::size_t(std::ptrdiff_t(index) + by);
    };
    for (std::size_t& v : m_view_of)
        moved(v);
    for (View& v : m_views) {
        moved(v.profile_view);
        moved(v.profile_source);
    }
    moved(m_selected);
}

std::size_t Canvas::set_profile(std::size_t index, const Segment& segment) {
    View* source = &m_views[index];
    source->profile = segment;
    if (source->profile_view != npos) {
        m_views[source->profile_view].seen_any = false; // a new segment: fit its values afresh
        return source->profile_view;
    }
    View p;
    p.name = source->name + " profile";
    p.kind = FrameKind::Lines;
    p.background = {1.0f, 1.0f, 1.0f};
    p.x_label = "distance along the segment";
    p.profile_source = index;
    p.profile_slot = source->profile_slot = m_next_profile_slot++;
    const std::size_t at = index + 1; // right after its image view
    shift_views(at, 1);
    m_views.insert(m_views.begin() + std::ptrdiff_t(at), std::move(p));
    m_views[index].profile_view = at;
    views_changed();
    return at;
}

void Canvas::clear_profile(std::size_t index) {
    View& source = m_views[index];
    source.profile.reset();
    const std::size_t at = source.profile_view;
    if (at == npos) return;
    source.profile_view = npos;
    source.profile_slot = -1;
    if (m_selected == at) m_selected = index;
    m_views.erase(m_views.begin() + std::ptrdiff_t(at));
    shift_views(at, -1);
}

std::size_t Canvas::view_of(std::uint16_t stream) const {
    return m_view_of[stream];
}

void Canvas::place(const render::Viewport& area, const Margins& m) {
    bool any_layers = false;
    for (const View& v : m_views)
        any_layers = any_layers || !v.layers.empty();
    for (View& v : m_views)
        v.visible = !(v.hide_when_empty && v.layers.empty() && any_layers);
    // Rows: views in order, row by row; a view that does not fit the row starts the next.
    // (m_cells and m_rows keep their capacity: no allocation per frame.)
    m_cells.clear();
    m_rows.clear();
    int row = 0, col = 0;
    for (std::size_t i = 0; i < m_views.size(); ++i) {
        if (!m_views[i].visible) continue;
        const int span = std::min(m_views[i].span, m_columns);
        if (col + span > m_columns || m_rows.empty()) {
            if (!m_rows.empty()) ++row;
            col = 0;
            m_rows.push_back(0.0);
        }
        m_cells.push_back({i, row, col, span});
        m_rows.back() = std::max(m_rows.back(), m_views[i].height);
        col += span;
    }
    const int rows = int(m_rows.size());
    double total = 0.0;
    for (const double h : m_rows)
        total += h;
    // Row r covers [top(r), top(r + 1)) from the top of the area, rounded to whole pixels.
    const auto top = [&](int r) {
        double sum = 0.0;
        for (int k = 0; k < r; ++k)
            sum += m_rows[std::size_t(k)];
        return int(std::lround(area.height * sum / std::max(total, 1e-9)));
    };
    const auto left = [&](int c) {
        return area.x + int(std::lround(double(area.width) * c / m_columns));
    };
    for (const Cell& c : m_cells) {
        const int x0 = left(c.col), x1 = left(c.col + c.span);
        const int t0 = top(c.row), t1 = top(c.row + 1);
        const int gap_right = c.col + c.span < m_columns ? kGap : 0;
        const int gap_below = c.row + 1 < rows ? kGap : 0;
        View& v = m_views[c.view];
        render::Viewport& cell = v.cell;
        cell.x = x0;
        cell.width = std::max(x1 - x0 - gap_right, 1);
        cell.height = std::max(t1 - t0 - gap_below, 1);
        cell.y = area.y + area.height - t0 - cell.height;
        // The data area: the cell less the axes' margins (and the colorbar's, for mono images).
        const int right = v.colormapped ? std::max(m.colorbar, m.right) : m.right;
        const int below = m.bottom + (v.x_label.empty() ? 0 : m.title);
        const int above = v.y_label.empty() ? 0 : m.title;
        v.viewport.x = cell.x + m.left;
        v.viewport.y = cell.y + below;
        v.viewport.width = std::max(cell.width - m.left - right, 1);
        v.viewport.height = std::max(cell.height - below - above, 1);
        v.colorbar = {v.viewport.x + v.viewport.width + (m.colorbar - m.bar_width) / 6,
                      v.viewport.y, std::max(m.bar_width, 1), v.viewport.height};
    }
}

void Canvas::fit(View& v, std::span<const LayerExtent> extents) {
    bool any = false, scrolling = false;
    double newest = 0.0, history = 0.0;
    render::Rect data;
    const auto include = [&](const LayerExtent& e) {
        const render::Rect r = !e.image ? padded_lines(e.rect) : v.extent ? *v.extent : e.rect;
        data = any ? data.united(r) : r;
        any = true;
        if (e.scrolling) {
            newest = scrolling ? std::max(newest, e.newest_x) : e.newest_x;
            history = std::max(history, e.history_x);
            scrolling = true;
        }
    };
    for (const std::uint16_t id : v.layers)
        if (id < extents.size() && extents[id].present) include(extents[id]);
    if (v.profile_extent.present) include(v.profile_extent);
    v.camera.set_y_down(v.images && !v.extent); // pixels: row 0 on top; an extent: y up
    const render::Vec2 size{double(v.viewport.width), double(v.viewport.height)};
    if (!v.touched) {
        v.seen = v.seen_any ? v.seen.united(data) : data;
        v.seen_any = v.seen_any || any;
        render::Rect target = v.seen_any ? v.seen : render::Rect{0.0, 0.0, 1.0, 1.0};
        if (scrolling) { // the newest samples at the right edge, over the span held
            target.x1 = newest;
            target.x0 = newest - std::max(history, 1e-9);
        }
        if (!same(target, v.camera.wanted())) v.camera.set_range(target, 0.0);
    }
    if (v.images) v.camera.fit_aspect(size); // square pixels
}

void Canvas::update(const render::Viewport& area, std::span<const LayerExtent> extents,
                    const Margins& margins) {
    for (View& v : m_views) {
        v.images = v.colormapped = false;
        for (const std::uint16_t id : v.layers) {
            if (id >= extents.size() || !extents[id].present) continue;
            v.images = v.images || extents[id].image;
            v.colormapped = v.colormapped || extents[id].colormapped;
        }
    }
    place(area, margins);
    for (View& v : m_views)
        if (v.visible) fit(v, extents);
    // The panel edits the selected view: never one that is not shown.
    if (m_selected < m_views.size() && !m_views[m_selected].visible)
        for (std::size_t i = 0; i < m_views.size(); ++i)
            if (m_views[i].visible) {
                m_selected = i;
                break;
            }
}

void Canvas::reset(std::size_t index) {
    for (std::size_t i = 0; i < m_views.size(); ++i)
        if (index == npos || index == i) {
            m_views[i].touched = false;
            m_views[i].seen_any = false;
        }
}

std::size_t Canvas::view_at(double fx, double fy) const {
    for (std::size_t i = 0; i < m_views.size(); ++i) {
        const View& v = m_views[i];
        const auto& vp = v.viewport;
        if (v.visible && fx >= vp.x && fx < vp.x + vp.width && fy >= vp.y && fy < vp.y + vp.height)
            return i;
    }
    return npos;
}

namespace {
render::Vec2 size_of(const View& v) {
    return {double(v.viewport.width), double(v.viewport.height)};
}
// A framebuffer point (origin bottom-left) in a view's screen coordinates (origin top-left).
render::Vec2 in_view(const View& v, double fx, double fy) {
    return {fx - v.viewport.x, v.viewport.y + v.viewport.height - fy};
}
} // namespace

void Canvas::pan(std::size_t index, render::Vec2 delta) {
    if (index >= m_views.size()) return;
    View& v = m_views[index];
    v.camera.pan(delta, size_of(v));
    v.touched = true;
}

void Canvas::zoom(std::size_t index, double factor, double fx, double fy) {
    if (index >= m_views.size()) return;
    View& v = m_views[index];
    v.camera.zoom(factor, in_view(v, fx, fy), size_of(v));
    v.touched = true;
}

render::Vec2 Canvas::data_at(std::size_t index, double fx, double fy) const {
    const View& v = m_views[index];
    return data_at(v.camera, v.viewport, fx, fy);
}

render::Vec2 Canvas::data_at(const render::Camera& camera, const render::Viewport& vp, double fx,
                             double fy) {
    return camera.screen_to_data({fx - vp.x, vp.y + vp.height - fy},
                                 {double(vp.width), double(vp.height)});
}

LayoutSpec Canvas::layout_in_use(std::span<const render::Limits> held) const {
    LayoutSpec out;
    out.mode = LayoutMode::File;
    out.columns = m_columns;
    for (const View& v : m_views) {
        if (v.profile_source != npos) continue; // made again from its image view's "profile"
        ViewSpec s;
        s.name = v.name;
        s.streams = v.patterns;
        s.settings = v.settings;
        s.background = v.background;
        s.span = v.span;
        s.height = v.height;
        s.extent = v.extent;
        s.x_label = v.x_label;
        s.y_label = v.y_label;
        s.grid = v.grid;
        if (v.profile) s.profile = {v.profile->a.x, v.profile->a.y, v.profile->b.x, v.profile->b.y};
        // The view's effective settings, against which each layer's are compared.
        LayerSettings base = m_defaults;
        apply(v.settings, base);
        for (const std::uint16_t id : v.layers) {
            const std::string& name = m_names[id];
            const bool named = std::any_of(v.patterns.begin(), v.patterns.end(),
                                           [&](const std::string& p) { return matches(p, name); });
            if (!named) s.streams.push_back(name);
            const LayerSettings& l = m_settings[id];
            DisplaySettings d;
            if (l.colormap != base.colormap) d.colormap = l.colormap;
            render::Contrast c = l.contrast;
            if (c.mode == render::ContrastMode::Hold) { // saved as the limits it holds
                const render::Limits h = id < held.size() ? held[id] : render::Limits{};
                c = *render::parse_contrast(render::format_contrast(c, h));
            }
            if (render::format_contrast(c, {}) != render::format_contrast(base.contrast, {}))
                d.contrast = c;
            if (render::color_name(l.line_color) != render::color_name(base.line_color))
                d.line_color = l.line_color;
            if (l.opacity != base.opacity) d.opacity = l.opacity;
            if (d.colormap || d.contrast || d.line_color || d.opacity) s.layers[name] = d;
        }
        out.views.push_back(std::move(s));
    }
    return out;
}

} // namespace rtv::app
