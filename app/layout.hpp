#pragma once
// Layouts as the command line and layout files describe them: an ordered list of views placed
// row by row in a grid, each naming the streams it shows and its display settings. Pure data:
// reading and writing JSON (nlohmann-json), matching stream names. The canvas (app/canvas.hpp)
// turns a LayoutSpec into live views. Thread: main.
//
// File format (every key but `name` optional):
//   { "columns": 2,
//     "views": [ { "name": "camera", "streams": ["cam/*"], "colormap": "grays",
//                  "contrast": "percentile:1:99", "background": "#202020",
//                  "span": 2, "height": 2, "extent": [0, 8.0, 0, 6.0], "x_label": "x (mm)",
//                  "y_label": "y (mm)", "grid": true },
//                { "name": "trace", "streams": ["sensor/samples"], "line_color": "red",
//                  "layers": { "sensor/samples": { "opacity": 0.5 } } } ],
//     "panel_width": 470, "panel_collapsed": false }

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "render/camera.hpp"
#include "render/colormap.hpp"
#include "render/contrast.hpp"

namespace rtv::app {

// Display settings a view or a layer may set; unset ones fall back (layer -> view -> command line).
struct DisplaySettings {
    std::optional<render::Colormap> colormap; // image layers
    std::optional<render::Contrast> contrast; // image layers
    std::optional<render::Rgb> line_color;    // line layers
    std::optional<float> opacity;             // any layer, 0..1
};

struct ViewSpec {
    std::string name;                 // unique in the layout, shown on the view
    std::vector<std::string> streams; // stream names; '*' matches any run of characters
    DisplaySettings settings;         // for the view's layers
    std::optional<render::Rgb> background;
    std::optional<render::Rect> extent; // images in data units: [x0, x1, y0, y1] as imshow's
    std::string x_label, y_label;       // axis titles
    bool grid = false;                  // grid lines at the ticks
    std::optional<std::array<double, 4>> profile; // a line profile: [x0, y0, x1, y1], data units
    int span = 1;                                 // columns the view covers, 1..columns
    double height = 1.; // relative height of its row (the tallest view of a row sets it)
    std::map<std::string, DisplaySettings, std::less<>> layers; // per stream name
};

enum class LayoutMode : std::uint8_t {
    Default, // no --layout: VisPy's image view over line view
    Auto,    // --layout auto: a view per image stream, one per producer's line streams
    File,    // --layout FILE.json
};

struct LayoutSpec {
    LayoutMode mode = LayoutMode::Default;
    int columns = 1;
    std::vector<ViewSpec> views;
    std::optional<float> panel_width;    // the panel's width as the user left it (window px)
    std::optional<bool> panel_collapsed; // the panel hidden (Tab)
};

// The VisPy example's layout: "image" (cyan, two thirds of the height) over "lines" (#c0c0c0).
LayoutSpec default_layout();

// `text` is JSON in the format above; `source` names it in messages ("layout.json").
// Errors are one line: "<source>: views[1]: unknown key 'colour', expected one of: ...".
Status parse_layout(std::string_view text, const std::string& source, LayoutSpec& out);
// Reads and parses a file; a missing or unreadable file is an error naming it.
Status load_layout(const std::string& path, LayoutSpec& out);
// The layout as JSON text that parse_layout reads back to the same LayoutSpec (mode File).
std::string layout_json(const LayoutSpec& layout);
Status save_layout(const std::string& path, const LayoutSpec& layout);

// Whether `name` matches `pattern`, where '*' matches any run of characters (also none).
bool matches(std::string_view pattern, std::string_view name);

} // namespace rtv::app
