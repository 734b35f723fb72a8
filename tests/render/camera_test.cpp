#include <initializer_list>

#include <doctest/doctest.h>

#include "render/camera.hpp"

using rtv::render::Camera;
using rtv::render::Rect;
using rtv::render::Vec2;

TEST_SUITE("render") {

    TEST_CASE("Camera: set_range adds the margin as a fraction of the range like VisPy") {
        Camera c;
        c.set_range({0, 0, 800, 600}, 0.0);
        CHECK(c.visible().x0 == 0);
        CHECK(c.visible().x1 == 800);
        c.set_range({0, 0, 200, 1}, 0.1);
        CHECK(c.visible().x0 == doctest::Approx(-20));
        CHECK(c.visible().x1 == doctest::Approx(220));
        CHECK(c.visible().y0 == doctest::Approx(-0.1));
        CHECK(c.visible().y1 == doctest::Approx(1.1));
    }

    TEST_CASE("Camera: screen and data coordinates round-trip for both y directions") {
        for (bool y_down : {false, true}) {
            CAPTURE(y_down);
            Camera c;
            c.set_y_down(y_down);
            c.set_range({10, 20, 110, 70}, 0.0);
            const Vec2 size{400, 200};
            const Vec2 d = c.screen_to_data({100, 50}, size);
            CHECK(d.x == doctest::Approx(35));
            CHECK(d.y == doctest::Approx(y_down ? 32.5 : 57.5));
            const Vec2 s = c.data_to_screen(d, size);
            CHECK(s.x == doctest::Approx(100));
            CHECK(s.y == doctest::Approx(50));
        }
    }

    TEST_CASE("Camera: a drag pans so the data under the cursor follows it") {
        Camera c;
        c.set_range({0, 0, 100, 100}, 0.0);
        const Vec2 size{200, 200};
        const Vec2 before = c.screen_to_data({50, 50}, size);
        c.pan({20, -10}, size);
        const Vec2 after = c.screen_to_data({70, 40}, size);
        CHECK(after.x == doctest::Approx(before.x));
        CHECK(after.y == doctest::Approx(before.y));
    }

    TEST_CASE("Camera: zoom keeps the point under the cursor fixed") {
        Camera c;
        c.set_range({0, 0, 100, 50}, 0.0);
        const Vec2 size{300, 150};
        const Vec2 cursor{75, 100};
        const Vec2 before = c.screen_to_data(cursor, size);
        c.zoom(2.0, cursor, size);
        CHECK(c.visible().width() == doctest::Approx(50));
        const Vec2 after = c.screen_to_data(cursor, size);
        CHECK(after.x == doctest::Approx(before.x));
        CHECK(after.y == doctest::Approx(before.y));
        c.zoom(0.0, cursor, size); // ignored
        CHECK(c.visible().width() == doctest::Approx(50));
    }

    TEST_CASE("Camera: fit_aspect makes data units square about the centre") {
        Camera c;
        c.set_range({0, 0, 800, 600}, 0.0);
        c.fit_aspect({1000, 500}); // wider viewport: x grows
        CHECK(c.visible().height() == doctest::Approx(600));
        CHECK(c.visible().width() == doctest::Approx(1200));
        CHECK(c.visible().x0 == doctest::Approx(-200));
    }

    TEST_CASE("Camera: resizing back and forth returns to the same view without drifting") {
        Camera c;
        c.set_range({0, 0, 800, 600}, 0.0);
        c.zoom(2.0, {250, 250}, {1000, 500}); // a zoomed-in view, then many resizes
        c.fit_aspect({1000, 500});
        const Rect before = c.visible();
        for (int i = 0; i < 20; ++i) {
            c.fit_aspect({400.0 + 37 * i, 900.0 - 23 * i});
            c.fit_aspect({1000, 500});
        }
        CHECK(c.visible().x0 == doctest::Approx(before.x0));
        CHECK(c.visible().x1 == doctest::Approx(before.x1));
        CHECK(c.visible().y0 == doctest::Approx(before.y0));
        CHECK(c.visible().y1 == doctest::Approx(before.y1));
    }

    TEST_CASE("Camera: the NDC transform maps the visible corners to -1 and 1") {
        Camera c;
        c.set_range({10, 20, 30, 60}, 0.0);
        float sx, sy, ox, oy;
        c.ndc_transform(sx, sy, ox, oy);
        CHECK(10 * sx + ox == doctest::Approx(-1));
        CHECK(30 * sx + ox == doctest::Approx(1));
        CHECK(20 * sy + oy == doctest::Approx(-1));
        c.set_y_down(true);
        c.ndc_transform(sx, sy, ox, oy);
        CHECK(20 * sy + oy == doctest::Approx(1)); // y0 on top
    }

} // TEST_SUITE

TEST_SUITE("render") {

    TEST_CASE("Rect: united is the smallest rectangle holding both") {
        const Rect r = Rect{0, 0, 2, 1}.united({-1, 0.5, 1, 3});
        CHECK(r.x0 == -1);
        CHECK(r.y0 == 0);
        CHECK(r.x1 == 2);
        CHECK(r.y1 == 3);
    }

} // TEST_SUITE
