#pragma once
// The canvas: the live views of a layout, where they sit in the window, which streams each one
// shows (its layers, with their display settings) and what each camera looks at. Pure model: no
// GL, SDL or ImGui, so placement, hit-testing, stream assignment and fitting are tested headless.
// The GL side of the layers lives in app/layers.hpp. Thread: main.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "app/layout.hpp"
#include "core/frame.hpp"
#include "core/frame_queue.hpp"
#include "core/producer.hpp"
#include "render/camera.hpp"
#include "render/contrast.hpp"
#include "render/renderer.hpp"
#include "render/ticks.hpp"

namespace rtv::app {

// One layer's display settings, resolved (layer -> view -> command line). The GUI edits them.
struct LayerSettings {
    render::Colormap colormap = render::Colormap::Viridis;
    render::Contrast contrast;
    render::Rgb line_color{0.0f, 0.0f, 0.0f};
    float opacity = 1.0f; // blended over the layers drawn before it
    int order = 0;        // draw order in its view: lower first (underneath)
};

// What a layer covers in data units, for fitting its view.
// Where an image's pixel (column x, row y) lies under a data point: pixel units, or a view's
// extent (x0..x1 left to right, y1 at row 0 down to y0). The results are fractional pixels.
render::Vec2 image_pixel(render::Vec2 data, const ImageDesc& desc,
                         const std::optional<render::Rect>& extent);
// The data rect an image covers: its pixels, or the extent (for drawing: row 0 at y1).
render::Rect image_place(const ImageDesc& desc, const std::optional<render::Rect>& extent);

struct LayerExtent {
    bool present = false;     // false: nothing drawn yet
    bool image = false;       // an image (the view keeps square pixels, row 0 on top)
    bool colormapped = false; // a mono image: colormapped, with a colorbar (RGB/RGBA: none)
    render::Rect rect;        // data bounds
    bool scrolling = false;   // an append history: x follows its newest samples
    double newest_x = 0.0;    // scrolling: the newest sample's x
    double history_x = 0.0;   // scrolling: the x span the history holds
};
// A segment in a view's data units (a line profile's).
struct Segment {
    render::Vec2 a, b;
};

struct View {
    std::string name;
    std::vector<std::string> patterns; // stream names or '*' patterns from the layout
    DisplaySettings settings;          // the view's own settings for its layers (layout file)
    std::map<std::string, DisplaySettings, std::less<>> layer_settings; // per stream (file)
    render::Rgb background{0.1f, 0.1f, 0.12f};
    int span = 1;
    double height = 1.0;
    std::optional<render::Rect> extent; // images in data units (y up) rather than pixels
    std::string x_label, y_label;       // axis titles (empty: none)
    bool grid = false;                  // grid lines at the ticks
    // Line profiles: an image view's segment and the view that shows the values along it; that
    // view's source, and the extent of its line (set each frame by the layers).
    std::optional<Segment> profile;
    std::size_t profile_view = static_cast<std::size_t>(-1);   // on the image view
    std::size_t profile_source = static_cast<std::size_t>(-1); // on the profile view
    int profile_slot = -1;                                     // on both: the layers' line
    LayerExtent profile_extent;                                // on the profile view
    std::optional<FrameKind> kind;  // of its first layer (or declared by the default layout)
    bool hide_when_empty = false;   // default layout: an unused view gives its room away
    bool made_by_gui = false;       // "new view": it goes away with its last stream
    bool made_for_producer = false; // default layout: a producer's own view (of `owner`)
    std::string owner;
    std::vector<std::uint16_t> layers; // stream ids, sorted by draw order before each draw

    render::Camera camera;
    bool touched = false;     // panned or zoomed by the user: no more fitting until reset
    bool seen_any = false;    // `seen` holds data
    render::Rect seen;        // union of the data since the last reset (fits never shrink)
    bool images = false;      // holds an image layer: square pixels, y down
    bool colormapped = false; // holds a mono image layer: room for a colorbar

    bool visible = false;
    render::Viewport cell;     // its grid cell: framebuffer pixels, origin bottom-left
    render::Viewport viewport; // the data area inside the cell (less the axes' margins)
    render::Viewport colorbar; // beside the data area, when the view holds images

    // What the axes drew last frame (the stats JSON reports them): the ticks of each axis and,
    // for image views, the colorbar's ticks, colormap and limits (its top image layer's).
    render::Ticks x_ticks, y_ticks, bar_ticks;
    bool has_colorbar = false;
    render::Colormap bar_colormap = render::Colormap::Viridis;
    render::Limits bar_limits;
};

// Room around each view's data area for its axes, in framebuffer pixels.
struct Margins {
    int title = 0;    // a line of text: x_label below the tick labels, y_label above the view
    int left = 0;     // y tick labels
    int bottom = 0;   // x tick labels
    int colorbar = 0; // the colorbar and its labels, right of an image view's data area
    int right = 0;    // room for half the last x tick label, centred on the right edge
    int bar_width = 0;
};

// What the canvas knows of a stream when it places it.
struct StreamInfo {
    std::string name; // "sweep/image"
    FrameKind kind = FrameKind::Image;
    std::string producer; // instance name of its producer: "sweep", "zmq#2"
};

class Canvas {
public:
    // `defaults`: the command line's colormap, contrast and line colour, for layers whose view
    // and layout set none. Allocates: yes.
    Canvas(const LayoutSpec& layout, const LayerSettings& defaults);

    // Places a stream that has shown its first frame: the first view whose patterns match its
    // name; else the first view of its kind (or one without streams yet); else a new view of its
    // own (always in --layout auto). Returns the view's index. Allocates: yes (a stream's start).
    std::size_t assign(std::uint16_t stream, const StreamInfo& info);
    // Moves a placed stream to view `to`, or to a new view named after it when `to` is npos.
    void move(std::uint16_t stream, std::size_t to);
    // The view of a placed stream, or npos.
    std::size_t view_of(std::uint16_t stream) const;
    LayerSettings& settings(std::uint16_t stream) { return m_settings[stream]; }
    const LayerSettings& settings(std::uint16_t stream) const { return m_settings[stream]; }
    const std::string& stream_name(std::uint16_t stream) const { return m_names[stream]; }

    // Places the visible views in `area` (framebuffer pixels) row by row, each data area inside
    // its cell less `margins`, then fits every view the user has not touched to `extents`
    // (indexed by stream id). Call once per display frame.
    void update(const render::Viewport& area, std::span<const LayerExtent> extents,
                const Margins& margins = {});
    // Forget pans and zooms: view `index`, or all of them (npos). The next update() refits.
    void reset(std::size_t index = npos);
    // The visible view under a framebuffer point (origin bottom-left), or npos.
    std::size_t view_at(double fx, double fy) const;
    // Opens or moves the line profile of image view `index` along `segment`: its profile view
    // (a line view with its own axes) is placed right after it. Returns the profile view.
    std::size_t set_profile(std::size_t index, const Segment& segment);
    // Closes an image view's profile and removes its profile view.
    void clear_profile(std::size_t index);
    // Closes view `index`: its streams move to the first other view of their kind (else the
    // first other view), a profile view closes its profile, an image view's profile view goes
    // with it. False (nothing changes) for the last view, which cannot be closed.
    bool close_view(std::size_t index);
    // Drag by framebuffer pixels (x right, y down) / zoom about a framebuffer point.
    void pan(std::size_t index, render::Vec2 delta);
    void zoom(std::size_t index, double factor, double fx, double fy);
    // The data point under a framebuffer point of a view.
    render::Vec2 data_at(std::size_t index, double fx, double fy) const;
    // The same for a view's camera and data area as they were (a drag maps every point in the
    // geometry it started in, even if the view has moved since).
    static render::Vec2 data_at(const render::Camera& camera, const render::Viewport& viewport,
                                double fx, double fy);

    std::vector<View>& views() { return m_views; }
    const std::vector<View>& views() const { return m_views; }
    std::size_t selected() const { return m_selected; }
    void select(std::size_t index) { m_selected = index < m_views.size() ? index : m_selected; }

    // The layout in use, in the layout file's format: the views, their patterns and the streams
    // they hold now, and each layer's settings where they differ from its view's. `held` gives
    // the limits a hold-contrast layer holds (saved as manual). Allocates: yes.
    LayoutSpec layout_in_use(std::span<const render::Limits> held) const;

    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

private:
    std::size_t add_view(std::string name, FrameKind kind);
    std::size_t default_view(const StreamInfo& info);
    // Removes an empty view (and its profile view); indices after it move down.
    void remove_view(std::size_t index);
    // After a view is added: --layout auto keeps its grid near-square.
    void views_changed();
    // Every stored view index at or after `from` moves by `by` (a view inserted or removed).
    void shift_views(std::size_t from, int by);
    void place_layer(std::uint16_t stream, std::size_t view, int order);
    void place(const render::Viewport& area, const Margins& margins);
    void fit(View& view, std::span<const LayerExtent> extents);

    struct Cell {
        std::size_t view;
        int row, col, span;
    };

    LayoutMode m_mode;
    int m_columns;
    LayerSettings m_defaults;
    std::vector<View> m_views;
    std::size_t m_selected = 0;
    int m_next_profile_slot = 0;
    std::array<std::size_t, kMaxStreams> m_view_of;
    std::array<LayerSettings, kMaxStreams> m_settings{};
    std::array<std::string, kMaxStreams> m_names{};
    std::array<std::string, kMaxStreams> m_producer_of{};
    std::vector<Cell> m_cells;  // place(): the grid cells of the visible views
    std::vector<double> m_rows; // place(): each row's height weight
};

} // namespace rtv::app
