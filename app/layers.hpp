#pragma once
// The GL side of every stream's layer: its texture or line buffer fed by the router, the contrast
// limits in use, its rates for the panel, and the value under the cursor. A stream is placed on
// the canvas when it shows its first frame. Thread: main (GL context).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "app/canvas.hpp"
#include "app/history.hpp"
#include "core/frame_router.hpp"
#include "core/producer_host.hpp"
#include "core/stream_stats.hpp"
#include "render/contrast.hpp"
#include "render/image_layer.hpp"
#include "render/line_layer.hpp"
#include "render/renderer.hpp"

namespace rtv::app {

struct Layer {
    render::ImageLayer image;
    render::LineLayer lines;
    RateMeter rates;
    ImageStats last_stats{};
    ImageStats histogram{}; // the statistics of the last frame that carried a histogram
    render::Limits limits;  // the contrast limits in use
    // What the panel shows of them (PanelReadings: refreshed a few times a second).
    render::Limits shown_limits;
    std::uint32_t shown_nonfinite = 0;
    bool has_frame = false;
    bool histogram_shown = false;      // a panel drew its histogram since the last ingest
    bool histogram_log = false;        // the panel's log-scale choice
    std::uint64_t generation = 0;      // frames uploaded so far
    std::uint64_t history_written = 0; // samples of its append history seen so far
    // The value under the cursor, as last sampled: pixel, frame generation, value.
    std::int64_t sample_x = -1, sample_y = -1;
    std::uint64_t sample_generation = 0;
    PixelValue sample;
    // Shown from the history (the timeline is away from live): the submit time of the frame
    // shown, and hidden when the stream had no frame yet at the moment shown.
    std::int64_t history_t_ns = -1;
    bool hidden = false;
    std::unique_ptr<LineHistory> history_lines; // an append stream's history as it was
};

// Where the cursor is, in the data units of the view under it (or no view).
struct Hover {
    std::size_t view = Canvas::npos;
    render::Vec2 data;
};

// The line of one profile view: its samples (sampled from the top image layer of its image view
// while each frame is in its slot) and their vertex buffer.
struct ProfileLine {
    std::vector<LinePoint> samples; // kMaxProfileSamples, sized once
    std::size_t count = 0;
    render::LineLayer line;
};

class Layers {
public:
    // Allocates: yes (room for every stream id, so layers never move).
    Layers();

    // Whether images are drawn at screen resolution (--image-draw): each layer then keeps its
    // frame on the CPU (render::ImageLayer::set_screen). Applies from the next upload.
    void set_screen_images(bool on) { m_screen_images = on; }
    bool screen_images() const { return m_screen_images; }

    // Drains the router and brings every layer up to date: the newest frame of each stream is
    // uploaded unless `paused` (ingest and statistics go on; superseding keeps memory bounded),
    // append histories catch up, and streams showing their first frame are placed on `canvas`.
    // Returns how many layers changed what they show (0: the views would draw as before).
    // Allocates: only when a stream starts.
    std::size_t ingest(FrameRouter& router, ProducerHost& host, Canvas& canvas, bool paused,
                       const Hover& hover, std::int64_t now_ns);
    // What each layer covers, indexed by stream id, for fitting; and each profile view's line,
    // on the view. Allocates: never.
    std::span<const LayerExtent> extents(const FrameRouter& router, Canvas& canvas);
    // Draws a profile view's line (nothing for other views). Allocates: never.
    void draw_profile(const View& view, render::Renderer& renderer);
    // The framebuffer pixels that an opaque image layer of `view` covers whole (the largest such
    // layer; a pixel in from its edges), or an empty rectangle: the view's background need not
    // be drawn there. Allocates: never.
    render::Viewport covered(const View& view, const Canvas& canvas) const;
    // Draws the layers of `view` in their draw order. Allocates: never.
    void draw(View& view, const Canvas& canvas, render::Renderer& renderer, ProducerHost& host);
    // Notes on an image view what its colorbar shows (for its labels, the stats, and whether it
    // must be drawn again): the colormap and limits of its top image layer. RGB and RGBA layers
    // (drawn as they are) are passed over: an overlay on a camera image leaves the camera's
    // colorbar. No colorbar for a view without a mono image. Allocates: never.
    void note_colorbar(View& view, const Canvas& canvas) const;
    // Draws the colorbar note_colorbar noted: the colormap, low at the bottom. Allocates: never
    // (a 256-texel ramp, once).
    void draw_colorbar(const View& view, render::Renderer& renderer);
    // The value of image layer `stream` at a data point (the pixel under it, through the view's
    // `extent` if it has one) of the frame it
    // shows now, or empty off the image. Sampled at upload when the cursor is still; read back
    // from the texture when the cursor has moved since. Allocates: never.
    std::optional<PixelValue> value_at(std::uint16_t stream, render::Vec2 data,
                                       const std::optional<render::Rect>& extent);

    // Shows every layer as it was at `t_ns` from `history`: each stream's frame submitted at or
    // before it (hidden if none), an append stream's samples as they were; uploads only what
    // differs from what a layer shows (a failed upload is counted on its stream). Returns how
    // many layers changed. Allocates: an append
    // stream's rebuilt history, once.
    std::size_t show_history(const History& history, std::int64_t t_ns, ProducerHost& host);
    // Back to live: each layer shows its newest frame again (from the history; an append stream
    // its consumer history). Returns how many layers changed.
    std::size_t show_live(const History& history, const FrameRouter& router, ProducerHost& host);

    std::size_t size() const { return m_count; }
    Layer& operator[](std::size_t stream) { return m_layers[stream]; }
    const Layer& operator[](std::size_t stream) const { return m_layers[stream]; }
    // Takes the panel's readings of the layers' limits (PanelReadings). Allocates: never.
    void take_readings();
    // The limits each layer uses now, by stream id (hold contrast saves them).
    std::span<const render::Limits> limits();

private:
    void sample_profile_of(const FrameView& frame, Canvas& canvas);

    std::vector<Layer> m_layers;        // kMaxStreams, address-stable
    std::vector<LayerExtent> m_extents; // kMaxStreams
    std::vector<render::Limits> m_limits;
    render::ImageLayer m_ramp; // 1 x 256: the values 0..255, drawn as every colorbar
    std::vector<std::unique_ptr<ProfileLine>> m_profiles; // by View::profile_slot
    std::size_t m_count = 0;                              // layers in use (streams the host has)
    bool m_screen_images = false;
};

} // namespace rtv::app
