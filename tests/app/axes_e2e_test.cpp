// Axes and colorbars through the real rtviewer binary, headless: tick labels drawn beside each
// view, ticks inside the ranges shown, and a colorbar whose pixels run through the colormap from
// low (bottom) to high (top) with the limits in use.

#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "app/e2e_files.hpp"
#include "render/colormap.hpp"
#include "render/snapshot.hpp"
#include "wire/npy.hpp"

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
        // Until the producer has made its frames and they are shown (not a count of display
        // frames: blobs' first frame can come after the tenth display frame under TSan).
        const auto r = viewer("--headless --exit-when-done --duration 120 --producer "
                              "blobs:iterations=3 --colormap magma --contrast manual:-2:6 "
                              "--screenshot " +
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

    TEST_CASE("rtviewer: images all equal or all NaN still get finite axes and colorbars") {
        // A recording of two 6x4 streams made by hand: every pixel 5, every pixel NaN.
        const fs::path dir = rtv::test::fresh_path("flat_recording");
        fs::create_directories(dir / "frames");
        std::ofstream index(dir / "index.tsv");
        index << "frame\tstream\tkind\trows\tcols\tt_ns\tfile\n";
        for (const auto& [name, value] :
             {std::pair{"flat", 5.0f}, std::pair{"nan", std::numeric_limits<float>::quiet_NaN()}}) {
            std::vector<std::byte> npy;
            rtv::wire::write_npy(npy, std::vector<float>(24, value), 4, 6);
            std::ofstream(dir / "frames" / (std::string(name) + ".npy"), std::ios::binary)
                .write(reinterpret_cast<const char*>(npy.data()), std::streamsize(npy.size()));
            index << (name[0] == 'f' ? 0 : 1) << '\t' << name << "\timage\t4\t6\t0\tframes/" << name
                  << ".npy\n";
        }
        index.close();
        const fs::path json = work_dir() / "flat.json";
        const auto r =
            viewer("--headless --frames 8 --layout auto --producer replay:path=" + dir.string() +
                   ",loop=1 --stats-json " + json.string());
        REQUIRE_MESSAGE(r.status == 0, r.err);
        const std::string text = rtv::test::slurp(json);
        CHECK(text.find("null") == std::string::npos); // no NaN written anywhere (JSON has none)
        const Json stats = Json::parse(text);
        for (const char* name : {"flat", "nan"}) {
            CAPTURE(name);
            const Json& v = view_named(stats, name);
            REQUIRE(v.contains("colorbar"));
            const Json& bar = v.at("colorbar");
            CHECK(bar.at("ticks").size() >= 3);
            for (const Json& t : bar.at("ticks"))
                CHECK(std::isfinite(t.get<double>()));
            CHECK(v.at("ticks").at("x").size() >= 3);
            CHECK(v.at("ticks").at("y").size() >= 3);
        }
        CHECK(view_named(stats, "flat").at("colorbar").at("limits") == Json{5.0, 5.0});
        CHECK(view_named(stats, "nan").at("colorbar").at("limits") == Json{0.0, 0.0});
    }

} // TEST_SUITE
