// The canvas without GL: where views sit, which view a stream joins, fitting, pan and zoom,
// hit-testing, and the layout in use.

#include <doctest/doctest.h>

#include "app/canvas.hpp"

using namespace rtv;
using app::Canvas;
using app::LayerExtent;

namespace {

constexpr render::Viewport kArea{470, 0, 810, 800}; // a 1280x800 window right of the panel

LayerExtent image(double w, double h) {
    LayerExtent e;
    e.present = e.image = e.colormapped = true;
    e.rect = {0, 0, w, h};
    return e;
}

LayerExtent lines(render::Rect r) {
    LayerExtent e;
    e.present = true;
    e.rect = r;
    return e;
}

app::LayoutSpec file_layout(const std::string& json) {
    app::LayoutSpec spec;
    const Status s = app::parse_layout(json, "test.json", spec);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    return spec;
}

bool same(const render::Rect& a, const render::Rect& b) {
    return a.x0 == doctest::Approx(b.x0) && a.x1 == doctest::Approx(b.x1) &&
           a.y0 == doctest::Approx(b.y0) && a.y1 == doctest::Approx(b.y1);
}

} // namespace

TEST_SUITE("app") {

    TEST_CASE("canvas: the default layout puts images over lines and hides an unused view") {
        Canvas canvas(app::default_layout(), {});
        std::vector<LayerExtent> extents(2);
        CHECK(canvas.assign(0, {"sweep/image", FrameKind::Image, "sweep"}) == 0);
        CHECK(canvas.assign(1, {"sweep/line", FrameKind::Lines, "sweep"}) == 1);
        canvas.update(kArea, extents);
        const auto& v = canvas.views();
        // Two thirds over one third, with a 2-pixel gap between them.
        CHECK(v[0].viewport.x == 470);
        CHECK(v[0].viewport.width == 810);
        CHECK(v[0].viewport.height == 531);
        CHECK(v[0].viewport.y == 269);
        CHECK(v[1].viewport.y == 0);
        CHECK(v[1].viewport.height == 267);

        Canvas sensor_only(app::default_layout(), {});
        sensor_only.assign(0, {"sensor/samples", FrameKind::Lines, "sensor"});
        sensor_only.update(kArea, extents);
        CHECK_FALSE(sensor_only.views()[0].visible);
        CHECK(sensor_only.views()[1].visible);
        CHECK(sensor_only.views()[1].viewport.height == 800); // the whole height
    }

    TEST_CASE("canvas: a 2x2 layout places views row by row and streams by their patterns") {
        Canvas canvas(file_layout(R"({"columns": 2, "views": [
            {"name": "a", "streams": ["cam1/*"]}, {"name": "b", "streams": ["cam2/image"]},
            {"name": "c", "streams": ["waves/*"]}, {"name": "d", "streams": ["sensor/samples"]}]})"),
                      {});
        CHECK(canvas.assign(0, {"cam2/image", FrameKind::Image, "cam2"}) == 1);
        CHECK(canvas.assign(1, {"sensor/samples", FrameKind::Lines, "sensor"}) == 3);
        CHECK(canvas.assign(2, {"cam1/image", FrameKind::Image, "cam1"}) == 0);
        CHECK(canvas.assign(3, {"waves/lines", FrameKind::Lines, "waves"}) == 2);
        // Unnamed streams join the first view of their kind.
        CHECK(canvas.assign(4, {"other/image", FrameKind::Image, "other"}) == 0);
        CHECK(canvas.assign(5, {"other/lines", FrameKind::Lines, "other"}) == 2);
        std::vector<LayerExtent> extents(6);
        canvas.update(kArea, extents);
        const auto& v = canvas.views();
        // Columns 470..875 and 875..1280 (less the gap), rows 0..400 and 400..800 from the top.
        CHECK(v[0].viewport.x == 470);
        CHECK(v[0].viewport.width == 403);
        CHECK(v[1].viewport.x == 875);
        CHECK(v[1].viewport.width == 405);
        CHECK(v[0].viewport.y == 402);
        CHECK(v[0].viewport.height == 398);
        CHECK(v[2].viewport.y == 0);
        CHECK(v[2].viewport.height == 400);
        CHECK(v[3].viewport.x == 875);
        // Hit-testing: each view's own pixels, nothing in the gaps or the panel.
        CHECK(canvas.view_at(500, 700) == 0);
        CHECK(canvas.view_at(1000, 700) == 1);
        CHECK(canvas.view_at(500, 100) == 2);
        CHECK(canvas.view_at(1000, 100) == 3);
        CHECK(canvas.view_at(874, 700) == Canvas::npos); // the gap between columns
        CHECK(canvas.view_at(500, 401) == Canvas::npos); // the gap between rows
        CHECK(canvas.view_at(100, 400) == Canvas::npos); // the panel
    }

    TEST_CASE("canvas: a stream no view of its kind can take gets a view of its own") {
        Canvas canvas(file_layout(R"({"views": [{"name": "cams", "streams": ["cam*"]}]})"), {});
        CHECK(canvas.assign(0, {"cam/image", FrameKind::Image, "cam"}) == 0);
        CHECK(canvas.assign(1, {"sensor/samples", FrameKind::Lines, "sensor"}) == 1);
        CHECK(canvas.views()[1].name == "sensor lines");
        CHECK(canvas.assign(2, {"sensor/other", FrameKind::Lines, "sensor"}) == 1);
    }

    TEST_CASE("canvas: --layout auto gives each image and each producer's lines a view") {
        app::LayoutSpec spec;
        spec.mode = app::LayoutMode::Auto;
        Canvas canvas(spec, {});
        CHECK(canvas.assign(0, {"sweep/image", FrameKind::Image, "sweep"}) == 0);
        CHECK(canvas.assign(1, {"sweep/line", FrameKind::Lines, "sweep"}) == 1);
        CHECK(canvas.assign(2, {"blobs/image", FrameKind::Image, "blobs"}) == 2);
        CHECK(canvas.assign(3, {"zmq/a", FrameKind::Lines, "zmq"}) == 3);
        CHECK(canvas.assign(4, {"zmq/b", FrameKind::Lines, "zmq"}) == 3);
        REQUIRE(canvas.views().size() == 4);
        CHECK(canvas.views()[0].name == "sweep/image");
        CHECK(canvas.views()[1].name == "sweep lines");
        CHECK(canvas.views()[3].name == "zmq lines");
        std::vector<LayerExtent> extents(5);
        canvas.update(kArea, extents);
        // Four views: a 2x2 grid.
        CHECK(canvas.views()[1].viewport.x > canvas.views()[0].viewport.x);
        CHECK(canvas.views()[2].viewport.x == canvas.views()[0].viewport.x);
        CHECK(canvas.views()[2].viewport.y < canvas.views()[0].viewport.y);
    }

    TEST_CASE("canvas: a line stream that arrives later refits a view the user has not moved") {
        Canvas canvas(app::default_layout(), {});
        std::vector<LayerExtent> extents(2);
        canvas.assign(0, {"a", FrameKind::Lines, "p"});
        extents[0] = lines({0, 0, 10, 1});
        canvas.update(kArea, extents);
        const app::View& view = canvas.views()[1];
        CHECK(same(view.camera.visible(), {0, -0.05, 10, 1.05}));
        // Thirty streams at y = 1 (a flat line): fitted with room around them, not on the edge.
        canvas.assign(1, {"b", FrameKind::Lines, "p"});
        extents[1] = lines({0, 1, 200, 1});
        canvas.update(kArea, extents);
        CHECK(same(view.camera.visible(), {0, -0.05, 200, 1.5}));
        CHECK(view.camera.visible().y1 > 1.0);
    }

    TEST_CASE("canvas: a sensor-only view scrolls until panned then keeps the user's view") {
        Canvas canvas(app::default_layout(), {});
        std::vector<LayerExtent> extents(1);
        canvas.assign(0, {"sensor/samples", FrameKind::Lines, "sensor"});
        LayerExtent e = lines({0, -1, 10, 1});
        e.scrolling = true;
        e.newest_x = 10;
        e.history_x = 10;
        extents[0] = e;
        canvas.update(kArea, extents);
        const app::View& view = canvas.views()[1];
        CHECK(view.camera.visible().x1 == doctest::Approx(10));
        extents[0].newest_x = 25; // newer samples: the view follows them
        extents[0].rect.x1 = 25;
        canvas.update(kArea, extents);
        CHECK(view.camera.visible().x0 == doctest::Approx(15));
        CHECK(view.camera.visible().x1 == doctest::Approx(25));
        // A drag of 81 pixels to the right (a tenth of the view) moves the data with it...
        canvas.pan(1, {81, 0});
        canvas.update(kArea, extents);
        CHECK(view.camera.visible().x0 == doctest::Approx(14));
        // ...and newer samples no longer move it; nor do they after a zoom.
        extents[0].newest_x = 40;
        canvas.update(kArea, extents);
        CHECK(view.camera.visible().x0 == doctest::Approx(14));
        canvas.zoom(1, 2.0, 470 + 405, 400);
        canvas.update(kArea, extents);
        CHECK(view.camera.visible().width() == doctest::Approx(5));
        // Reset (R, or a double-click on the view) follows the newest samples again.
        canvas.reset(1);
        canvas.update(kArea, extents);
        CHECK(view.camera.visible().x1 == doctest::Approx(40));
    }

    TEST_CASE("canvas: image views keep square pixels with row 0 on top") {
        Canvas canvas(app::default_layout(), {});
        std::vector<LayerExtent> extents(1);
        canvas.assign(0, {"cam", FrameKind::Image, "p"});
        extents[0] = image(800, 600);
        canvas.update(kArea, extents); // the image view is 810x800
        const app::View& view = canvas.views()[0];
        const render::Rect& r = view.camera.visible();
        CHECK(r.width() / 810 == doctest::Approx(r.height() / 800));
        CHECK(view.camera.y_down());
        // The data point under the view's top-left corner is the image's row 0.
        const render::Vec2 d = canvas.data_at(0, 470 + 405, 799.999);
        CHECK(d.x == doctest::Approx(400).epsilon(0.01));
        CHECK(d.y < r.y0 + 1.0);
    }

    TEST_CASE("canvas: an extent places images in physical units with y up") {
        Canvas canvas(file_layout(R"({"views": [{"name": "cam", "extent": [-4, 4, 0, 6]}]})"), {});
        std::vector<LayerExtent> extents(1);
        canvas.assign(0, {"cam", FrameKind::Image, "p"});
        extents[0] = image(640, 480);
        canvas.update({0, 0, 800, 600}, extents);
        const app::View& view = canvas.views()[0];
        CHECK_FALSE(view.camera.y_down());
        const render::Rect& r = view.camera.visible();
        CHECK(r.x0 == doctest::Approx(-4));
        CHECK(r.x1 == doctest::Approx(4));
        CHECK((r.y0 + r.y1) / 2 == doctest::Approx(3)); // square data units: y widened about 3
        // Row 0 lies at y = 6, the last row at y = 0; the left column at x = -4.
        const ImageDesc desc{640, 480};
        const render::Vec2 top_left = app::image_pixel({-4, 6}, desc, view.extent);
        CHECK(top_left.x == doctest::Approx(0));
        CHECK(top_left.y == doctest::Approx(0));
        const render::Vec2 mid = app::image_pixel({0, 1.5}, desc, view.extent);
        CHECK(mid.x == doctest::Approx(320));
        CHECK(mid.y == doctest::Approx(360));
        const render::Rect place = app::image_place(desc, view.extent);
        CHECK(place.y0 == 6.0); // row 0's edge
        CHECK(place.y1 == 0.0);
        // Without an extent: pixel units.
        CHECK(app::image_pixel({10.5, 3.5}, desc, std::nullopt).x == 10.5);
        CHECK(app::image_place(desc, std::nullopt).x1 == 640.0);
    }

    TEST_CASE("canvas: a profile view opens right after its image view and closes with it") {
        Canvas canvas(file_layout(R"({"views": [{"name": "a"}, {"name": "b"}]})"), {});
        canvas.assign(0, {"cam", FrameKind::Image, "p"});   // into a
        canvas.assign(1, {"trace", FrameKind::Lines, "p"}); // into b
        canvas.select(1);
        const std::size_t p = canvas.set_profile(0, {{1, 2}, {3, 4}});
        CHECK(p == 1);
        REQUIRE(canvas.views().size() == 3);
        CHECK(canvas.views()[1].name == "a profile");
        CHECK(canvas.views()[1].profile_source == 0);
        CHECK(canvas.views()[0].profile_view == 1);
        // What came after moved one place on: the stream, the selection.
        CHECK(canvas.view_of(1) == 2);
        CHECK(canvas.selected() == 2);
        CHECK(canvas.set_profile(0, {{5, 5}, {6, 6}}) == 1); // moving it reuses the view
        CHECK(canvas.views().size() == 3);
        // Saved as the image view's "profile", not as a view of its own.
        const app::LayoutSpec saved = canvas.layout_in_use({});
        REQUIRE(saved.views.size() == 2);
        CHECK(saved.views[0].profile == std::array<double, 4>{5, 5, 6, 6});
        canvas.clear_profile(0);
        CHECK(canvas.views().size() == 2);
        CHECK(canvas.view_of(1) == 1);
        CHECK(canvas.selected() == 1);
        CHECK_FALSE(canvas.views()[0].profile);
    }

    TEST_CASE("canvas: moved streams and their settings survive the layout in use") {
        app::LayerSettings defaults;
        defaults.colormap = render::Colormap::Grays;
        Canvas canvas(app::default_layout(), defaults);
        canvas.assign(0, {"sweep/image", FrameKind::Image, "sweep"});
        canvas.assign(1, {"blobs/image", FrameKind::Image, "sweep"}); // one producer's two
        canvas.assign(2, {"sweep/line", FrameKind::Lines, "sweep"});
        CHECK(canvas.view_of(1) == 0);
        canvas.move(1, Canvas::npos); // to a new view
        REQUIRE(canvas.views().size() == 3);
        CHECK(canvas.view_of(1) == 2);
        CHECK(canvas.views()[2].name == "blobs/image");
        CHECK(canvas.views()[0].layers == std::vector<std::uint16_t>{0});
        canvas.settings(1).colormap = render::Colormap::Magma;
        canvas.settings(2).opacity = 0.5f;

        const app::LayoutSpec saved = canvas.layout_in_use({});
        Canvas again(saved, defaults);
        CHECK(again.assign(1, {"blobs/image", FrameKind::Image, "blobs"}) == 2);
        CHECK(again.assign(0, {"sweep/image", FrameKind::Image, "sweep"}) == 0);
        CHECK(again.assign(2, {"sweep/line", FrameKind::Lines, "sweep"}) == 1);
        CHECK(again.settings(1).colormap == render::Colormap::Magma);
        CHECK(again.settings(0).colormap == render::Colormap::Grays);
        CHECK(again.settings(2).opacity == 0.5f);
        CHECK(app::layout_json(again.layout_in_use({})) == app::layout_json(saved));
    }

    TEST_CASE("canvas: two producers of one kind get views of their own in the default layout") {
        Canvas canvas(app::default_layout(), {});
        CHECK(canvas.assign(0, {"sweep/image", FrameKind::Image, "sweep"}) == 0);
        CHECK(canvas.assign(1, {"sweep/line", FrameKind::Lines, "sweep"}) == 1);
        // The second producer's image joins the row of images, its line the row of lines.
        CHECK(canvas.assign(2, {"sweep#2/image", FrameKind::Image, "sweep#2"}) == 1);
        CHECK(canvas.assign(3, {"sweep#2/line", FrameKind::Lines, "sweep#2"}) == 3);
        REQUIRE(canvas.views().size() == 4);
        CHECK(canvas.views()[1].name == "sweep#2 image");
        CHECK(canvas.views()[3].name == "sweep#2 lines");
        CHECK(canvas.view_of(1) == 2); // the first producer's line view moved along
        for (std::uint16_t id = 0; id < 4; ++id)
            CHECK(canvas.views()[canvas.view_of(id)].layers == std::vector<std::uint16_t>{id});
        // Two columns: images side by side over the lines, no view covering another.
        canvas.update({0, 0, 800, 600}, {});
        const auto& v = canvas.views();
        CHECK(v[0].cell.y == v[1].cell.y);
        CHECK(v[2].cell.y == v[3].cell.y);
        CHECK(v[0].cell.y > v[2].cell.y);
        CHECK(v[0].cell.x + v[0].cell.width <= v[1].cell.x);
        CHECK(v[2].cell.x + v[2].cell.width <= v[3].cell.x);
        // A later stream of the first producer still goes to its own view.
        CHECK(canvas.assign(4, {"sweep/other", FrameKind::Image, "sweep"}) == 0);
    }

    TEST_CASE("canvas: a view made by moving a stream goes away with its last stream") {
        Canvas canvas(app::default_layout(), {});
        canvas.assign(0, {"sweep/image", FrameKind::Image, "sweep"});
        canvas.assign(1, {"sweep/line", FrameKind::Lines, "sweep"});
        canvas.move(0, Canvas::npos); // "new view"
        REQUIRE(canvas.views().size() == 3);
        canvas.select(2);
        canvas.move(0, 0); // and back
        CHECK(canvas.views().size() == 2);
        CHECK(canvas.view_of(0) == 0);
        CHECK(canvas.view_of(1) == 1);
        CHECK(canvas.selected() < canvas.views().size());
        const app::LayoutSpec saved = canvas.layout_in_use({});
        REQUIRE(saved.views.size() == 2);
        CHECK(saved.views[0].name == "image");
        CHECK(saved.views[1].name == "lines");
    }

    TEST_CASE("canvas: closing a view moves its streams to one of their kind and the saved "
              "layout leaves it out") {
        Canvas canvas(app::default_layout(), {});
        canvas.assign(0, {"sweep/image", FrameKind::Image, "sweep"});
        canvas.assign(1, {"sweep/line", FrameKind::Lines, "sweep"});
        canvas.assign(2, {"blobs/image", FrameKind::Image, "sweep"});
        canvas.move(2, Canvas::npos);
        REQUIRE(canvas.views().size() == 3);
        canvas.set_profile(2, {{1, 1}, {5, 5}}); // its profile view goes with it
        REQUIRE(canvas.views().size() == 4);
        canvas.select(2);
        CHECK(canvas.close_view(2));
        CHECK(canvas.views().size() == 2);
        CHECK(canvas.view_of(2) == 0);
        CHECK(canvas.views()[0].layers == std::vector<std::uint16_t>{0, 2});
        const app::LayoutSpec saved = canvas.layout_in_use({});
        REQUIRE(saved.views.size() == 2);
        CHECK(saved.views[0].streams == std::vector<std::string>{"sweep/image", "blobs/image"});
        // A profile view closes its profile; the last view cannot be closed.
        canvas.set_profile(0, {{1, 1}, {5, 5}});
        CHECK(canvas.close_view(1));
        CHECK_FALSE(canvas.views()[0].profile);
        CHECK(canvas.close_view(1)); // the lines view: its stream joins the image view
        CHECK(canvas.views().size() == 1);
        CHECK_FALSE(canvas.close_view(0));
        CHECK(canvas.view_of(1) == 0);
    }

    TEST_CASE("canvas: the selected view is always one that is shown") {
        Canvas canvas(app::default_layout(), {});
        canvas.assign(0, {"sensor/samples", FrameKind::Lines, "sensor"});
        canvas.select(0); // the image view, hidden while it has no stream
        std::vector<app::LayerExtent> extents(1);
        extents[0].present = true;
        extents[0].rect = {0, 0, 1, 1};
        canvas.update({0, 0, 400, 300}, extents);
        CHECK_FALSE(canvas.views()[0].visible);
        CHECK(canvas.selected() == 1);
    }

} // TEST_SUITE
