#include "app/layers.hpp"

#include <array>
#include <cmath>

#include "app/profile.hpp"

namespace rtv::app {

namespace {
constexpr render::Rgb kBadValueColor{1.0f, 0.0f, 1.0f};  // magenta: NaN and +-Inf pixels
constexpr render::Rgb kProfileColor{0.85f, 0.35f, 0.0f}; // the segment and its profile

// The pixel under a data point, or -1s when the point is off the image.
void pixel_of(render::Vec2 data, const ImageDesc& desc, const std::optional<render::Rect>& extent,
              std::int64_t& x, std::int64_t& y) {
    const render::Vec2 d = image_pixel(data, desc, extent);
    x = static_cast<std::int64_t>(std::floor(d.x));
    y = static_cast<std::int64_t>(std::floor(d.y));
    if (!(d.x >= 0.0 && d.y >= 0.0) || x >= desc.width || y >= desc.height) x = y = -1;
}
} // namespace

Layers::Layers()
    : m_layers(kMaxStreams)
    , m_extents(kMaxStreams)
    , m_limits(kMaxStreams) {
}

// While the frame is in its slot: the profile of its view, if it is the view's top image layer.
void Layers::sample_profile_of(const FrameView& f, Canvas& canvas) {
    const std::size_t index = canvas.view_of(f.stream->id());
    if (index == Canvas::npos) return;
    const View& view = canvas.views()[index];
    if (!view.profile || view.profile_slot < 0) return;
    for (auto it = view.layers.rbegin(); it != view.layers.rend(); ++it) {
        if (*it != f.stream->id() && !m_layers[*it].image.empty()) return; // another is on top
        if (*it == f.stream->id()) break;
    }
    const auto slot = std::size_t(view.profile_slot);
    if (m_profiles.size() <= slot) m_profiles.resize(slot + 1); // allocates: a profile opens
    if (!m_profiles[slot]) {
        m_profiles[slot] = std::make_unique<ProfileLine>();
        m_profiles[slot]->samples.resize(kMaxProfileSamples);
    }
    ProfileLine& p = *m_profiles[slot];
    p.count =
        sample_profile(f.pixels, f.image, view.extent, view.profile->a, view.profile->b, p.samples);
    if (p.count >= 2) (void)p.line.upload(1, std::uint32_t(p.count), {p.samples.data(), p.count});
}

void Layers::draw_profile(const View& view, render::Renderer& renderer) {
    if (view.profile_slot < 0 || view.profile_source == Canvas::npos) return;
    const auto slot = std::size_t(view.profile_slot);
    if (slot >= m_profiles.size() || !m_profiles[slot] || m_profiles[slot]->count < 2) return;
    (void)renderer.draw(m_profiles[slot]->line, view.camera, {kProfileColor, 1.0f});
}

std::size_t Layers::ingest(FrameRouter& router, ProducerHost& host, Canvas& canvas, bool paused,
                           const Hover& hover, std::int64_t now_ns) {
    std::size_t changed = 0;
    router.drain();
    m_count = host.stream_count();
    for (std::size_t id = 0; id < m_count; ++id) {
        Stream& stream = host.stream(static_cast<std::uint16_t>(id));
        if (m_layers[id].rates.due(now_ns))
            m_layers[id].rates.update(stream.stats().read_counts(), now_ns);
        // The quantile sketch costs the producer a sort of 4096 samples: only when it is used.
        const bool percentile = canvas.settings(static_cast<std::uint16_t>(id)).contrast.mode ==
                                render::ContrastMode::Percentile;
        if (stream.kind() == FrameKind::Image && stream.want_quantiles() != percentile)
            stream.set_want_quantiles(percentile);
        // The histogram costs the producer a pass over the pixels: only while a panel shows it.
        Layer& layer = m_layers[id];
        if (stream.kind() == FrameKind::Image && stream.want_histogram() != layer.histogram_shown)
            stream.set_want_histogram(layer.histogram_shown);
        layer.histogram_shown = false;
    }
    const auto first_frame = [&](Layer& layer, const Stream& s) {
        if (layer.has_frame) return;
        layer.has_frame = true;
        canvas.assign(s.id(), {s.request().name, s.kind(), host.producer_name(s.producer())});
    };
    if (!paused) {
        router.deliver([&](const FrameView& f) -> Status {
            ++changed;
            Layer& layer = m_layers[f.stream->id()];
            first_frame(layer, *f.stream);
            if (f.kind != FrameKind::Image)
                return layer.lines.upload(f.lines, f.points, f.line_points);
            layer.last_stats = f.image_stats;
            if (f.image_stats.has_histogram) layer.histogram = f.image_stats; // <= 4 times a second
            ++layer.generation;
            // The value under the cursor comes free while the frame is in its slot.
            if (hover.view != Canvas::npos && canvas.view_of(f.stream->id()) == hover.view) {
                std::int64_t x = 0, y = 0;
                pixel_of(hover.data, f.image, canvas.views()[hover.view].extent, x, y);
                if (x >= 0) {
                    layer.sample_x = x;
                    layer.sample_y = y;
                    layer.sample_generation = layer.generation;
                    layer.sample =
                        read_pixel(f.image, f.pixels, std::uint32_t(x), std::uint32_t(y));
                }
            }
            sample_profile_of(f, canvas);
            layer.image.set_screen(m_screen_images);
            return layer.image.upload(f.image, f.pixels);
        });
    }
    for (std::size_t id = 0; id < m_count; ++id) {
        const auto sid = static_cast<std::uint16_t>(id);
        const LineHistory* h = router.history(sid);
        if (!h || paused) continue;
        Layer& layer = m_layers[id];
        if (h->written() != layer.history_written) {
            layer.history_written = h->written();
            ++changed;
        }
        if (Status s = layer.lines.upload_history(*h); !s)
            host.stream(sid).stats().add_error(s.message());
        first_frame(layer, host.stream(sid));
    }
    return changed;
}

std::span<const LayerExtent> Layers::extents(const FrameRouter& router, Canvas& canvas) {
    for (View& v : canvas.views()) {
        v.profile_extent = {};
        if (v.profile_source == Canvas::npos || v.profile_slot < 0) continue;
        const auto slot = std::size_t(v.profile_slot);
        if (slot < m_profiles.size() && m_profiles[slot] && m_profiles[slot]->count >= 2) {
            v.profile_extent.present = true;
            v.profile_extent.rect = m_profiles[slot]->line.bounds();
        }
    }
    for (std::size_t id = 0; id < m_count; ++id) {
        const Layer& layer = m_layers[id];
        LayerExtent& e = m_extents[id];
        e = {};
        if (!layer.has_frame) continue;
        if (!layer.image.empty()) {
            e.present = e.image = true;
            e.colormapped = layer.image.desc().format.mono();
            e.rect = {0.0, 0.0, double(layer.image.desc().width),
                      double(layer.image.desc().height)};
        } else if (!layer.lines.empty()) {
            e.present = true;
            e.rect = layer.lines.bounds();
            // An append stream scrolls with its newest samples: those shown (live, or as they
            // were at the timeline's moment).
            const LineHistory* h = layer.history_t_ns != -1 && layer.history_lines
                                       ? layer.history_lines.get()
                                       : router.history(static_cast<std::uint16_t>(id));
            if (h && h->size() > 0) {
                const auto [older, newer] = h->runs(0);
                const LinePoint first = older.front();
                const LinePoint last = newer.empty() ? older.back() : newer.back();
                e.scrolling = true;
                e.newest_x = last.x;
                e.history_x = double(last.x) - double(first.x);
            }
        }
    }
    return {m_extents.data(), m_count};
}

render::Viewport Layers::covered(const View& view, const Canvas& canvas) const {
    render::Viewport best{0, 0, 0, 0};
    const render::Viewport& vp = view.viewport;
    const render::Vec2 size{double(vp.width), double(vp.height)};
    for (const std::uint16_t id : view.layers) {
        const Layer& layer = m_layers[id];
        if (layer.image.empty() || layer.hidden || canvas.settings(id).opacity < 1.0f ||
            layer.image.desc().format.channels == 4)
            continue;
        const render::Rect place = image_place(layer.image.desc(), view.extent);
        // Screen corners (origin top-left, y down) to framebuffer pixels, rounded inwards and
        // one pixel in, so that no edge pixel the image only partly covers is left unfilled.
        const render::Vec2 a = view.camera.data_to_screen({place.x0, place.y0}, size);
        const render::Vec2 b = view.camera.data_to_screen({place.x1, place.y1}, size);
        const double left = std::ceil(std::min(a.x, b.x)) + 1,
                     right = std::floor(std::max(a.x, b.x)) - 1;
        const double top = std::ceil(std::min(a.y, b.y)) + 1,
                     bottom = std::floor(std::max(a.y, b.y)) - 1;
        if (!(right > left && bottom > top)) continue;
        const render::Viewport r{vp.x + int(left), vp.y + vp.height - int(bottom),
                                 int(right - left), int(bottom - top)};
        if (long(r.width) * r.height > long(best.width) * best.height) best = r;
    }
    return best;
}

void Layers::draw(View& view, const Canvas& canvas, render::Renderer& renderer,
                  ProducerHost& host) {
    // Draw order (the panel edits it): an insertion sort, stable and in place (std::stable_sort
    // may allocate), over a few ids that are almost always sorted already.
    auto& ids = view.layers;
    for (std::size_t i = 1; i < ids.size(); ++i) {
        const std::uint16_t id = ids[i];
        std::size_t j = i;
        for (; j > 0 && canvas.settings(ids[j - 1]).order > canvas.settings(id).order; --j)
            ids[j] = ids[j - 1];
        ids[j] = id;
    }
    for (const std::uint16_t id : ids) {
        Layer& layer = m_layers[id];
        const LayerSettings& s = canvas.settings(id);
        if (layer.hidden) continue; // no frame yet at the moment the timeline shows
        if (!layer.image.empty()) {
            layer.limits = render::contrast_limits(s.contrast, layer.last_stats, layer.limits);
            renderer.draw(layer.image, view.camera,
                          {s.colormap, layer.limits.lo, layer.limits.hi, s.opacity, kBadValueColor,
                           image_place(layer.image.desc(), view.extent)});
        } else if (!layer.lines.empty()) {
            if (Status st = renderer.draw(layer.lines, view.camera, {s.line_color, s.opacity}); !st)
                host.stream(id).stats().add_error(st.message());
        }
    }
}

void Layers::note_colorbar(View& view, const Canvas& canvas) const {
    view.has_colorbar = false;
    for (auto it = view.layers.rbegin(); it != view.layers.rend(); ++it) { // the top image layer
        const Layer& layer = m_layers[*it];
        // RGB and RGBA layers are drawn as they are: the bar shows the top colormapped one.
        if (layer.image.empty() || !layer.image.desc().format.mono()) continue;
        view.has_colorbar = true;
        view.bar_colormap = canvas.settings(*it).colormap;
        view.bar_limits = layer.limits;
        break;
    }
}

void Layers::draw_colorbar(const View& view, render::Renderer& renderer) {
    if (!view.has_colorbar) return;
    if (m_ramp.empty()) {
        std::array<float, 256> ramp{};
        for (std::size_t i = 0; i < ramp.size(); ++i)
            ramp[i] = float(i);
        if (!m_ramp.upload(ImageDesc{1, 256}, std::span<const float>(ramp))) return;
    }
    render::Camera camera; // row 0 (value 0) at the bottom
    camera.set_range({0.0, 0.0, 1.0, 256.0});
    renderer.begin_view(view.colorbar, {0.0f, 0.0f, 0.0f});
    renderer.draw(m_ramp, camera, {view.bar_colormap, 0.0f, 255.0f, 1.0f, kBadValueColor});
    renderer.end_view();
}

std::optional<PixelValue> Layers::value_at(std::uint16_t stream, render::Vec2 data,
                                           const std::optional<render::Rect>& extent) {
    Layer& layer = m_layers[stream];
    if (layer.image.empty()) return std::nullopt;
    std::int64_t x = 0, y = 0;
    pixel_of(data, layer.image.desc(), extent, x, y);
    if (x < 0) return std::nullopt;
    if (layer.sample_x != x || layer.sample_y != y || layer.sample_generation != layer.generation) {
        const auto v = layer.image.read_texel(std::uint32_t(x), std::uint32_t(y));
        if (!v) return std::nullopt;
        layer.sample_x = x;
        layer.sample_y = y;
        layer.sample_generation = layer.generation;
        layer.sample = *v;
    }
    return layer.sample;
}

namespace {
// Uploads history entry `e` of `ring` to `layer`.
Status upload_entry(Layer& layer, const HistoryRing& ring, const HistoryRing::Entry& e) {
    const std::span<const std::byte> b = ring.data(e);
    if (e.kind == FrameKind::Lines)
        return layer.lines.upload(
            e.lines, e.points,
            {reinterpret_cast<const LinePoint*>(b.data()), b.size() / sizeof(LinePoint)});
    layer.last_stats.min = e.min;
    layer.last_stats.max = e.max;
    layer.last_stats.nonfinite = e.nonfinite;
    layer.last_stats.has_quantiles = false;
    ++layer.generation;
    return layer.image.upload(e.image, b);
}
// A failed upload of a frame from the history is counted on its stream, as ingest's are.
void report(ProducerHost& host, std::size_t id, const Status& s) {
    if (!s) host.stream(std::uint16_t(id)).stats().add_error(s.message());
}
} // namespace

std::size_t Layers::show_history(const History& history, std::int64_t t, ProducerHost& host) {
    std::size_t changed = 0;
    for (std::size_t id = 0; id < m_count; ++id) {
        Layer& layer = m_layers[id];
        const History::Stream& hs = history.stream(id);
        if (!hs.ring || !layer.has_frame) continue;
        const HistoryRing& ring = *hs.ring;
        const std::size_t i = ring.at_or_before(t);
        const bool hidden = i == HistoryRing::npos;
        const std::int64_t shown = hidden ? -2 : ring.entry(i).t_ns;
        if (shown == layer.history_t_ns && hidden == layer.hidden) continue;
        layer.history_t_ns = shown;
        layer.hidden = hidden;
        ++changed;
        if (hidden) continue;
        if (hs.append_capacity > 0) {
            if (history.rebuild_append(id, t, layer.history_lines))
                report(host, id, layer.lines.upload_history(*layer.history_lines));
        } else {
            report(host, id, upload_entry(layer, ring, ring.entry(i)));
        }
    }
    return changed;
}

std::size_t Layers::show_live(const History& history, const FrameRouter& router,
                              ProducerHost& host) {
    std::size_t changed = 0;
    for (std::size_t id = 0; id < m_count; ++id) {
        Layer& layer = m_layers[id];
        if (layer.history_t_ns == -1) continue;
        layer.history_t_ns = -1;
        layer.hidden = false;
        ++changed;
        const History::Stream& hs = history.stream(id);
        if (const LineHistory* h = router.history(std::uint16_t(id))) {
            report(host, id, layer.lines.upload_history(*h));
        } else if (hs.ring && hs.ring->size() > 0) {
            report(host, id, upload_entry(layer, *hs.ring, hs.ring->entry(hs.ring->size() - 1)));
        }
    }
    return changed;
}

void Layers::take_readings() {
    for (std::size_t id = 0; id < m_count; ++id) {
        Layer& layer = m_layers[id];
        layer.shown_limits = layer.limits;
        layer.shown_nonfinite = layer.last_stats.nonfinite;
    }
}

std::span<const render::Limits> Layers::limits() {
    for (std::size_t id = 0; id < m_count; ++id)
        m_limits[id] = m_layers[id].limits;
    return {m_limits.data(), m_count};
}

} // namespace rtv::app
