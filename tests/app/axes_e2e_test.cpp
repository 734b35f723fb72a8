// Axes and colorbars through the real rtviewer binary, headless: tick labels drawn beside each
// view, ticks inside the ranges shown, and a colorbar whose pixels run through the colormap from
// low (bottom) to high (top) with the limits in use.

#include <cmath>
#include <string>

#include <doctest/doctest.h>

#include "app/e2e_files.hpp"
#include "render/colormap.hpp"
#include "render/snapshot.hpp"

namespace fs = std::filesystem;
using rtv::test::Json;
using rtv::test::Rect;
using rtv::test::rect_of;
using rtv::test::view_named;
using rtv::test::viewer;
using rtv::test::work_dir;

namespace {

// Light pixels (the labels' text) in a strip of the screenshot.
int light_pixels(const rtv::render::RgbaImage& img, int x0, int y0, int x1, int y1) {
    int n = 0;
    for (int y = std::max(y0, 0); y < std::min(y1, img.height); ++y)
        for (int x = std::max(x0, 0); x < std::min(x1, img.width); ++x) {
            const unsigned char* p = img.at(x, y);
            n += p[0] > 170 && p[1] > 170 && p[2] > 170;
        }
    return n;
}

// The index of the colormap entry nearest to a pixel, and how far it is (8-bit units).
int nearest_entry(const unsigned char* p, rtv::render::Colormap map, int& distance) {
    int best = 0;
    distance = 1 << 20;
    for (int i = 0; i < 256; ++i) {
        const auto c = rtv::render::colormap_entry(map, std::size_t(i));
        const int d = std::abs(p[0] - int(std::lround(c.r * 255))) +
                      std::abs(p[1] - int(std::lround(c.g * 255))) +
                      std::abs(p[2] - int(std::lround(c.b * 255)));
        if (d < distance) distance = d, best = i;
    }
    return best;
}

} // namespace

TEST_SUITE("app") {

    TEST_CASE("rtviewer: every view has tick labels beside it and ticks inside its ranges") {
        const fs::path png = work_dir() / "axes.png", json = work_dir() / "axes.json";
        const auto r = viewer("--headless --frames 10 --producer sweep --screenshot " +
                              png.string() + " --stats-json " + json.string());
        REQUIRE_MESSAGE(r.status == 0, r.err);
        const Json stats = rtv::test::read_json(json);
        rtv::render::RgbaImage img;
        REQUIRE(rtv::render::read_png(png.string(), img).is_ok());
        for (const char* name : {"image", "lines"}) {
            CAPTURE(name);
            const Json& v = view_named(stats, name);
            const Rect rc = rect_of(v);
            // Labels in the margin left of the data area and below it.
            CHECK(light_pixels(img, rc.x - 48, rc.y, rc.x - 6, rc.y + rc.h) > 40);
            CHECK(light_pixels(img, rc.x, rc.y + rc.h + 5, rc.x + rc.w, rc.y + rc.h + 18) > 40);
            for (const char* axis : {"x", "y"}) {
                CAPTURE(axis);
                const Json& ticks = v.at("ticks").at(axis);
                const Json& range = v.at(std::string(axis) + "_range");
                const double lo = std::min(range.at(0).get<double>(), range.at(1).get<double>());
                const double hi = std::max(range.at(0).get<double>(), range.at(1).get<double>());
                CHECK(ticks.size() >= 3);
                CHECK(ticks.size() <= 12);
                for (const Json& t : ticks) {
                    CHECK(t.get<double>() >= lo - 1e-9 * (hi - lo));
                    CHECK(t.get<double>() <= hi + 1e-9 * (hi - lo));
                }
            }
        }
        CHECK_FALSE(view_named(stats, "lines").contains("colorbar")); // images only

        // --no-axes: the data areas fill their views, with no ticks and no colorbar.
        const auto bare = viewer("--headless --frames 5 --producer sweep --no-axes --stats-json " +
                                 json.string());
        REQUIRE_MESSAGE(bare.status == 0, bare.err);
        const Json plain = rtv::test::read_json(json);
        const Rect with = rect_of(view_named(stats, "image"));
        const Rect without = rect_of(view_named(plain, "image"));
        CHECK(without.x < with.x);
        CHECK(without.w > with.w);
        CHECK(view_named(plain, "image").at("ticks").at("x").empty());
        CHECK_FALSE(view_named(plain, "image").contains("colorbar"));
    }

    TEST_CASE("rtviewer: the colorbar runs through the colormap from low to high with manual "
              "limits") {
        const fs::path png = work_dir() / "bar.png", json = work_dir() / "bar.json";
        const auto r = viewer("--headless --frames 10 --producer blobs --colormap magma "
                              "--contrast manual:-2:6 --screenshot " +
                              png.string() + " --stats-json " + json.string());
        REQUIRE_MESSAGE(r.status == 0, r.err);
        const Json stats = rtv::test::read_json(json);
        rtv::render::RgbaImage img;
        REQUIRE(rtv::render::read_png(png.string(), img).is_ok());
        const Json& bar = view_named(stats, "image").at("colorbar");
        CHECK(bar.at("limits") == Json{-2.0, 6.0});
        CHECK(bar.at("colormap") == "magma");
        const Json& ticks = bar.at("ticks");
        CHECK(ticks.front().get<double>() >= -2.0);
        CHECK(ticks.front().get<double>() <= -1.0);
        CHECK(ticks.back().get<double>() <= 6.0);
        CHECK(ticks.back().get<double>() >= 5.0);
        const Rect b = rect_of(bar);
        REQUIRE(b.h > 100);
        // Up the bar's middle column: always a magma colour, its entry never falling, from the
        // first entries at the bottom to the last at the top.
        const int x = b.x + b.w / 2;
        int previous = -1, bottom = -1, top = -1, far = 0;
        for (int y = b.y + b.h - 2; y > b.y + 1; --y) {
            int distance = 0;
            const int entry = nearest_entry(img.at(x, y), rtv::render::Colormap::Magma, distance);
            far += distance > 6;
            CHECK(entry >= previous - 2);
            previous = std::max(previous, entry);
            if (bottom < 0) bottom = entry;
            top = entry;
        }
        CHECK(far == 0);
        CHECK(bottom < 8);
        CHECK(top > 247);
        // Its labels, right of it.
        CHECK(light_pixels(img, b.x + b.w + 2, b.y, b.x + b.w + 50, b.y + b.h) > 40);
    }

} // TEST_SUITE
