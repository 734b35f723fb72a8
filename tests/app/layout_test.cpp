// Layout files: parsing, every error message word for word, the save/load round trip, and the
// '*' patterns that name streams.

#include <filesystem>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "app/layout.hpp"

using namespace rtv;
using app::LayoutSpec;

namespace {

// How nlohmann-json writes the JSON value `text` back (as the messages quote it).
std::string nlohmann_dump(const char* text) {
    return nlohmann::json::parse(text).dump();
}

// The error message parse_layout gives for `text` (empty when it parses).
std::string error_of(const std::string& text) {
    LayoutSpec spec;
    const Status s = app::parse_layout(text, "l.json", spec);
    return s ? std::string() : s.message();
}

} // namespace

TEST_SUITE("app") {

    TEST_CASE("layout: a file with every key parses into its views in order") {
        LayoutSpec spec;
        const Status s = app::parse_layout(R"({
            "columns": 2,
            "views": [
                {"name": "camera", "streams": ["cam/*", "overlay"], "colormap": "grays",
                 "contrast": "percentile:2:98", "background": "#102030", "span": 2,
                 "height": 2.5, "opacity": 0.5,
                 "layers": {"overlay": {"colormap": "reds", "opacity": 0.25}}},
                {"name": "trace", "streams": ["sensor/samples"], "line_color": "red",
                 "contrast": "manual:0:4095"}
            ]})",
                                           "l.json", spec);
        REQUIRE_MESSAGE(s.is_ok(), s.message());
        CHECK(spec.mode == app::LayoutMode::File);
        CHECK(spec.columns == 2);
        REQUIRE(spec.views.size() == 2);
        const app::ViewSpec& cam = spec.views[0];
        CHECK(cam.name == "camera");
        CHECK(cam.streams == std::vector<std::string>{"cam/*", "overlay"});
        CHECK(cam.settings.colormap == render::Colormap::Grays);
        REQUIRE(cam.settings.contrast);
        CHECK(cam.settings.contrast->mode == render::ContrastMode::Percentile);
        CHECK(cam.settings.contrast->pct_lo == 2.0f);
        CHECK(cam.settings.contrast->pct_hi == 98.0f);
        REQUIRE(cam.background);
        CHECK(render::color_name(*cam.background) == "#102030");
        CHECK(cam.span == 2);
        CHECK(cam.height == 2.5);
        CHECK(cam.settings.opacity == 0.5f);
        REQUIRE(cam.layers.count("overlay") == 1);
        CHECK(cam.layers.at("overlay").colormap == render::Colormap::Reds);
        CHECK(cam.layers.at("overlay").opacity == 0.25f);
        const app::ViewSpec& trace = spec.views[1];
        CHECK(render::color_name(*trace.settings.line_color) == "red");
        CHECK(trace.settings.contrast->manual_hi == 4095.0f);
        CHECK(trace.span == 1);
        CHECK_FALSE(trace.background);
    }

    TEST_CASE("layout: each bad file gets its one-line message") {
        CHECK(error_of("{\"views\": [ {\"name\": \"a\",} ]}") ==
              "l.json: not valid JSON: parse error at line 1, column 26: syntax error while "
              "parsing object key - unexpected '}'; expected string literal");
        CHECK(error_of("{\n  \"views\": [\n    {\"name\" \"a\"}\n  ]\n}") ==
              "l.json: not valid JSON: parse error at line 3, column 15: syntax error while "
              "parsing object separator - unexpected string literal; expected ':'");
        CHECK(error_of(R"({"views": [{"name": "a"}], "colums": 2})") ==
              "l.json: unknown key 'colums', expected one of: columns, views, panel_width, "
              "panel_collapsed");
        CHECK(error_of(R"({"views": [{"name": "a"}], "panel_width": 5})") ==
              "l.json: panel_width must be window pixels in 100..4000, got 5");
        CHECK(error_of(R"({"views": [{"name": "a"}], "panel_collapsed": 1})") ==
              "l.json: panel_collapsed must be true or false, got 1");
        CHECK(error_of(R"({"views": [{"name": "a", "colour": "red"}]})") ==
              "l.json: views[0]: unknown key 'colour', expected one of: name, streams, "
              "colormap, contrast, line_color, opacity, background, span, height, extent, "
              "x_label, y_label, grid, profile, layers");
        CHECK(error_of(R"({"views": [{"name": "a", "colormap": "jet"}]})") ==
              "l.json: view 'a': unknown colormap 'jet', expected one of: viridis, reds, blues, "
              "grays, magma, inferno, plasma, turbo");
        CHECK(error_of(R"({"views": [{"name": "a", "line_color": "pink"}]})") ==
              "l.json: view 'a': line_color: unknown colour 'pink', expected one of: black, red, "
              "blue, green, white, gray, orange, magenta, cyan, or #rrggbb");
        CHECK(error_of(R"({"views": [{"name": "a", "background": "#12345"}]})") ==
              "l.json: view 'a': background: unknown colour '#12345', expected one of: black, "
              "red, blue, green, white, gray, orange, magenta, cyan, or #rrggbb");
        CHECK(error_of(R"({"views": [{"name": "a"}, {"name": "b"}, {"name": "a"}]})") ==
              "l.json: views[2]: duplicate view name 'a'");
        CHECK(error_of(R"({"views": [{"streams": ["x"]}]})") ==
              "l.json: views[0]: missing 'name' (a non-empty string)");
        CHECK(error_of(R"({"columns": 0, "views": [{"name": "a"}]})") ==
              "l.json: columns must be a whole number in 1..64, got 0");
        CHECK(error_of(R"({"columns": 1.5, "views": [{"name": "a"}]})") ==
              "l.json: columns must be a whole number in 1..64, got 1.5");
        CHECK(error_of(R"({"views": []})") == "l.json: 'views' must be a non-empty array of views");
        CHECK(error_of(R"([1, 2])") == "l.json: must be a JSON object with 'views'");
        CHECK(error_of(R"({"views": [{"name": "a", "streams": "cam"}]})") ==
              "l.json: view 'a': 'streams' must be an array of strings");
        CHECK(error_of(R"({"views": [{"name": "a", "contrast": "manual:5:1"}]})") ==
              "l.json: view 'a': contrast: expected auto, percentile[:LO:HI] (percent, 0 <= LO < "
              "HI <= 100) or manual:LO:HI (LO < HI), got 'manual:5:1'");
        CHECK(error_of(R"({"columns": 2, "views": [{"name": "a", "span": 3}]})") ==
              "l.json: view 'a': span must be a whole number in 1..2, got 3");
        CHECK(error_of(R"({"views": [{"name": "a", "height": -1}]})") ==
              "l.json: view 'a': height must be in (0, 100], got -1");
        CHECK(error_of(R"({"views": [{"name": "a", "layers": {"x": {"color": "red"}}}]})") ==
              "l.json: view 'a': layer 'x': unknown key 'color', expected one of: colormap, "
              "contrast, line_color, opacity");
        for (const char* extent : {"[1, 1, 0, 1]", "[2, 1, 0, 1]", "[0, 1, 5, 5]", "[0, 1, 0]",
                                   "[0, \"nan\", 0, 1]", "null", "[0, 1e308, -1e308, 1e308]"}) {
            CAPTURE(extent);
            CHECK(error_of(std::string(R"({"views": [{"name": "cam", "extent": )") + extent +
                           "}]}") ==
                  std::string("l.json: view 'cam': extent must be [x0, x1, y0, y1] with x0 < x1 "
                              "and y0 < y1, finite, got ") +
                      nlohmann_dump(extent));
        }
        CHECK(error_of(R"({"views": [{"name": "a", "profile": [1, 2, 3]}]})") ==
              "l.json: view 'a': profile must be [x0, y0, x1, y1], got [1,2,3]");
        CHECK(error_of(R"({"views": [{"name": "a", "grid": "yes"}]})") ==
              "l.json: view 'a': 'grid' must be true or false");
        CHECK(error_of(R"({"views": [{"name": "a", "x_label": 3}]})") ==
              "l.json: view 'a': 'x_label' must be a string");
        CHECK(error_of(R"({"views": [{"name": "a", "opacity": 2}]})") ==
              "l.json: view 'a': opacity must be in 0..1, got 2");
    }

    TEST_CASE("layout: a missing file is an error naming it") {
        LayoutSpec spec;
        const Status s = app::load_layout("/nonexistent/rtv-layout.json", spec);
        CHECK(s.message() ==
              "cannot read '/nonexistent/rtv-layout.json': No such file or directory");
    }

    TEST_CASE("layout: saving and loading gives back the same layout") {
        LayoutSpec spec;
        REQUIRE(app::parse_layout(R"j({"columns": 3, "views": [
                {"name": "a", "streams": ["x/*"], "colormap": "magma", "contrast": "manual:-1:2.5",
                 "background": "black", "span": 2, "height": 3, "extent": [-4, 4, 0.5, 6],
                 "x_label": "x (mm)", "y_label": "y (mm)", "grid": true,
                 "layers": {"x/1": {"opacity": 0.5, "line_color": "#123456"}}},
                {"name": "b", "line_color": "blue"}], "panel_width": 380,
                "panel_collapsed": true})j",
                                  "in.json", spec)
                    .is_ok());
        CHECK(spec.panel_width == 380.0f);
        CHECK(spec.panel_collapsed == true);
        const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                           ("rtv_layout_" + std::to_string(::getpid()) + ".json");
        REQUIRE(app::save_layout(path.string(), spec).is_ok());
        LayoutSpec back;
        const Status s = app::load_layout(path.string(), back);
        std::filesystem::remove(path);
        REQUIRE_MESSAGE(s.is_ok(), s.message());
        CHECK(app::layout_json(back) == app::layout_json(spec));
        CHECK(back.columns == 3);
        CHECK(back.panel_width == 380.0f); // the panel as the user left it
        CHECK(back.panel_collapsed == true);
        REQUIRE(back.views.size() == 2);
        CHECK(back.views[0].settings.colormap == render::Colormap::Magma);
        CHECK(back.views[0].settings.contrast->manual_lo == -1.0f);
        CHECK(back.views[0].span == 2);
        CHECK(back.views[0].height == 3.0);
        REQUIRE(back.views[0].extent);
        CHECK(back.views[0].extent->x0 == -4.0);
        CHECK(back.views[0].extent->x1 == 4.0);
        CHECK(back.views[0].extent->y0 == 0.5);
        CHECK(back.views[0].extent->y1 == 6.0);
        CHECK(back.views[0].x_label == "x (mm)");
        CHECK(back.views[0].y_label == "y (mm)");
        CHECK(back.views[0].grid);
        CHECK_FALSE(back.views[1].grid);
        CHECK(render::color_name(*back.views[0].layers.at("x/1").line_color) == "#123456");
        CHECK(render::color_name(*back.views[1].settings.line_color) == "blue");
    }

    TEST_CASE("layout: a star matches any run of characters and nothing else does") {
        CHECK(app::matches("waves/*", "waves/lines"));
        CHECK(app::matches("waves/*", "waves/"));
        CHECK_FALSE(app::matches("waves/*", "wave/lines"));
        CHECK(app::matches("*", "anything at all"));
        CHECK(app::matches("*/image", "sweep/image"));
        CHECK_FALSE(app::matches("*/image", "sweep/image2"));
        CHECK(app::matches("a*b*c", "a-b-b-c"));
        CHECK_FALSE(app::matches("a*b*c", "a-c-b"));
        CHECK(app::matches("cam", "cam"));
        CHECK_FALSE(app::matches("cam", "cam2"));
        CHECK_FALSE(app::matches("", "x"));
    }

} // TEST_SUITE
