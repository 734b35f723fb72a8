// Layouts through the real rtviewer binary, headless: pixels of a 2x2 layout read back from its
// screenshot (each view shows its own streams in its own colours and nothing else), --layout
// auto, --save-layout read back by --layout, and bad layouts refused before any window opens.

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "app/e2e_files.hpp"
#include "render/snapshot.hpp"

namespace fs = std::filesystem;
using rtv::test::Json;
using rtv::test::read_json;
using rtv::test::rect_of;
using rtv::test::Run;
using rtv::test::view_named;
using rtv::test::viewer;
using rtv::test::work_dir;

namespace {

fs::path write_file(const std::string& name, const std::string& text) {
    const fs::path p = work_dir() / name;
    std::ofstream(p) << text;
    return p;
}

// Counts the pixels of `r` (less a top band where the view's name is drawn, and the border a
// selected view gets) that `pred(r, g, b)` accepts, and those it refuses.
template <class Pred>
void count_pixels(const rtv::render::RgbaImage& img, rtv::test::Rect r, Pred pred, int& yes,
                  int& no) {
    yes = no = 0;
    for (int y = r.y + 26; y < r.y + r.h - 4; ++y)
        for (int x = r.x + 4; x < r.x + r.w - 4; ++x) {
            const unsigned char* p = img.at(x, y);
            (pred(int(p[0]), int(p[1]), int(p[2])) ? yes : no)++;
        }
}

bool close(int a, int b) {
    return std::abs(a - b) <= 2;
}

} // namespace

TEST_SUITE("app") {

    TEST_CASE("rtviewer: a 2x2 layout shows each view's streams in its own colours only") {
        const fs::path layout = write_file("grid.json", R"({"columns": 2, "views": [
            {"name": "gray", "streams": ["sweep/image"], "colormap": "grays",
             "background": "black"},
            {"name": "red", "streams": ["blobs/image"], "colormap": "reds", "background": "black"},
            {"name": "red line", "streams": ["sweep/line"], "line_color": "red",
             "background": "white"},
            {"name": "blue waves", "streams": ["waves/*"], "line_color": "blue",
             "background": "white"}]})");
        const fs::path png = work_dir() / "grid.png", json = work_dir() / "grid.json.out";
        const Run run = viewer("--headless --frames 15 --producer sweep --producer blobs "
                               "--producer waves --layout " +
                               layout.string() + " --screenshot " + png.string() +
                               " --stats-json " + json.string());
        REQUIRE_MESSAGE(run.status == 0, run.err);
        const Json stats = read_json(json);
        rtv::render::RgbaImage img;
        REQUIRE(rtv::render::read_png(png.string(), img).is_ok());
        REQUIRE(stats.at("views").size() == 4);
        CHECK(view_named(stats, "gray").at("streams") == Json{"sweep/image"});
        CHECK(view_named(stats, "blue waves").at("streams") == Json{"waves/lines"});
        int yes = 0, no = 0;
        // Grays: every pixel grey (the black background included); and the image is there.
        count_pixels(
            img, rect_of(view_named(stats, "gray")),
            [](int r, int g, int b) { return close(r, g) && close(g, b); }, yes, no);
        CHECK(no == 0);
        int lit = 0, dark = 0;
        count_pixels(
            img, rect_of(view_named(stats, "gray")), [](int r, int, int) { return r > 40; }, lit,
            dark);
        CHECK(lit > 10000);
        // Reds: white to red (r = 255, g = b) over black.
        count_pixels(
            img, rect_of(view_named(stats, "red")),
            [](int r, int g, int b) { return close(g, b) && (r >= 253 || (r < 3 && g < 3)); }, yes,
            no);
        CHECK(no == 0);
        CHECK(yes > 10000);
        // The red line over white: only white and red (and their blend), never blue or grey.
        int red = 0, other = 0;
        count_pixels(
            img, rect_of(view_named(stats, "red line")),
            [](int r, int g, int b) { return r >= 253 && close(g, b); }, yes, no);
        CHECK(no == 0);
        count_pixels(
            img, rect_of(view_named(stats, "red line")),
            [](int r, int g, int) { return r >= 253 && g < 60; }, red, other);
        CHECK(red > 100);
        // The blue waves over white: only white and blue.
        count_pixels(
            img, rect_of(view_named(stats, "blue waves")),
            [](int r, int g, int b) { return b >= 253 && close(r, g); }, yes, no);
        CHECK(no == 0);
        int blue = 0;
        count_pixels(
            img, rect_of(view_named(stats, "blue waves")),
            [](int r, int, int b) { return b >= 253 && r < 60; }, blue, other);
        CHECK(blue > 100);
    }

    TEST_CASE("rtviewer: --layout auto then --save-layout gives a file that --layout reproduces") {
        const fs::path saved = work_dir() / "auto-saved.json";
        const fs::path first = work_dir() / "auto1.json", second = work_dir() / "auto2.json";
        const std::string producers = " --producer sweep --producer blobs --producer waves ";
        const Run a = viewer("--headless --frames 10 --layout auto" + producers + "--save-layout " +
                             saved.string() + " --stats-json " + first.string());
        REQUIRE_MESSAGE(a.status == 0, a.err);
        const Json one = read_json(first);
        REQUIRE(one.at("views").size() == 4);
        for (const Json& v : one.at("views")) {
            CAPTURE(v.dump());
            CHECK(v.at("streams").size() == 1);
            CHECK(v.at("visible") == true);
            CHECK(rect_of(v).w > 200); // two columns of the 810-pixel canvas, less the axes
            CHECK(rect_of(v).h > 300); // two rows
        }
        CHECK(view_named(one, "sweep lines").at("streams") == Json{"sweep/line"});
        const Run b = viewer("--headless --frames 10 --layout " + saved.string() + producers +
                             "--stats-json " + second.string());
        REQUIRE_MESSAGE(b.status == 0, b.err);
        const Json two = read_json(second);
        REQUIRE(two.at("views").size() == one.at("views").size());
        for (std::size_t i = 0; i < one.at("views").size(); ++i) {
            CHECK(two.at("views").at(i).at("name") == one.at("views").at(i).at("name"));
            CHECK(two.at("views").at(i).at("streams") == one.at("views").at(i).at("streams"));
            CHECK(two.at("views").at(i).at("rect") == one.at("views").at(i).at("rect"));
        }
    }

    TEST_CASE("rtviewer: a view waits for streams that have not appeared and others fill in") {
        const fs::path layout = write_file("wait.json", R"({"views": [
            {"name": "later", "streams": ["camera/*"]}, {"name": "now"}]})");
        const fs::path json = work_dir() / "wait.out.json";
        // Until the producer's frames are shown (a count of display frames ended a loaded run
        // before the first one came).
        const Run r = viewer("--headless --exit-when-done --producer waves:iterations=3 --layout " +
                             layout.string() + " --stats-json " + json.string());
        REQUIRE_MESSAGE(r.status == 0, r.err);
        const Json stats = read_json(json);
        CHECK(view_named(stats, "later").at("streams").empty());
        CHECK(view_named(stats, "later").at("visible") == true);
        CHECK(view_named(stats, "now").at("streams") == Json{"waves/lines"});
        // Each stream names its view.
        CHECK(rtv::test::find_stream(stats, "waves/lines")->at("view") == "now");
    }

    TEST_CASE(
        "rtviewer: a profile in the layout opens its profile view which --save-layout keeps") {
        const fs::path layout = write_file("profile.json", R"({"views": [
            {"name": "blobs", "streams": ["blobs/*"], "profile": [50, 150, 500, 300]}]})");
        const fs::path json = work_dir() / "profile.out.json", saved = work_dir() / "p-saved.json";
        // Until blobs' frames are shown (not a count of display frames: its first frame can come
        // after the tenth display frame under TSan, and the profile is fitted to the first).
        const Run r = viewer("--headless --exit-when-done --duration 120 --producer "
                             "blobs:iterations=3 --layout " +
                             layout.string() + " --save-layout " + saved.string() +
                             " --stats-json " + json.string());
        REQUIRE_MESSAGE(r.status == 0, r.err);
        const Json stats = read_json(json);
        REQUIRE(stats.at("views").size() == 2);
        CHECK(stats.at("views").at(0).at("profile") == Json{50.0, 150.0, 500.0, 300.0});
        const Json& profile = stats.at("views").at(1); // placed right after its image view
        CHECK(profile.at("name") == "blobs profile");
        CHECK(profile.at("profile_of") == "blobs");
        // Fitted to the profile: distance 0 .. the segment's length (474.3).
        CHECK(profile.at("x_range").at(0).get<double>() == doctest::Approx(0.0));
        CHECK(profile.at("x_range").at(1).get<double>() ==
              doctest::Approx(std::hypot(450.0, 150.0)).epsilon(0.01));
        const Json back = Json::parse(rtv::test::slurp(saved));
        REQUIRE(back.at("views").size() == 1); // the profile view comes back from "profile"
        CHECK(back.at("views").at(0).at("profile") == Json{50.0, 150.0, 500.0, 300.0});
    }

    TEST_CASE("rtviewer: bad layouts exit 2 with their message before any window opens") {
        // No display and no --headless: were a window opened, the run would fail with status 1.
        const std::string no_display = "env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER";
        const Run missing = viewer("--layout /nonexistent/l.json", no_display);
        CHECK(missing.status == 2);
        CHECK(missing.err == "rtviewer: --layout: cannot read '/nonexistent/l.json': No such "
                             "file or directory");
        const fs::path bad = write_file("bad.json", "{\"views\": [{\"name\": \"a\"}, ]}");
        const Run invalid = viewer("--layout " + bad.string(), no_display);
        CHECK(invalid.status == 2);
        CHECK(invalid.err == "rtviewer: --layout: " + bad.string() +
                                 ": not valid JSON: parse error at line 1, column 27: syntax "
                                 "error while parsing value - unexpected ']'; expected '[', '{', "
                                 "or a literal");
        const fs::path dup = write_file("dup.json", R"({"views": [{"name": "a"}, {"name": "a"}]})");
        const Run duplicate = viewer("--layout " + dup.string(), no_display);
        CHECK(duplicate.status == 2);
        CHECK(duplicate.err ==
              "rtviewer: --layout: " + dup.string() + ": views[1]: duplicate view name 'a'");
    }

    TEST_CASE("rtviewer: an unwritable --save-layout or --screenshot still writes the stats") {
        const fs::path json = work_dir() / "unwritable.json";
        fs::remove(json);
        const Run r = viewer("--headless --frames 3 --save-layout /nonexistent/dir/l.json "
                             "--screenshot /nonexistent/dir/s.png --stats-json " +
                             json.string());
        CHECK(r.status == 1);
        CHECK(r.err.find("rtviewer: snapshot: cannot write /nonexistent/dir/s.png") == 0);
        CHECK(r.err.find("\nrtviewer: --save-layout: cannot write '/nonexistent/dir/l.json': No "
                         "such file or directory") != std::string::npos);
        const Json stats = read_json(json);
        CHECK(stats.at("frames_displayed") == 3);
    }

    TEST_CASE("rtviewer: the formats example shows the FAQ pair blended over white and the "
              "uint16 camera with a colorbar in raw units") {
        const fs::path png = work_dir() / "formats.png", json = work_dir() / "formats.json";
        const Run run = viewer("--headless --frames 20 --size 1600x640 --layout " RTV_SOURCE_DIR
                               "/examples/layout-formats.json --producer transparency "
                               "--producer camera --screenshot " +
                               png.string() + " --stats-json " + json.string());
        REQUIRE_MESSAGE(run.status == 0, run.err);
        const Json stats = read_json(json);
        const Json& faq = view_named(stats, "transparency: rgba32f square under rgba8 disc");
        const Json& cam = view_named(stats, "camera: u16, 12 bits");
        CHECK_FALSE(faq.contains("colorbar")); // RGBA is drawn as it is: no colormap
        REQUIRE(cam.contains("colorbar"));
        CHECK(cam.at("colorbar").at("limits") == Json{0.0, 4095.0});
        rtv::render::RgbaImage img;
        REQUIRE(rtv::render::read_png(png.string(), img).is_ok());
        // Over white: the square (0.2, 0.5, 1) at alpha 0.25, the disc (255, 128, 0) at 128/255,
        // and where they overlap the disc over the square; nothing else.
        const int square[3] = {204, 223, 255}, disc[3] = {255, 191, 127}, both[3] = {230, 175, 127};
        int n_square = 0, n_disc = 0;
        const auto is = [](const int* c, int r, int g, int b) {
            return std::abs(r - c[0]) <= 3 && std::abs(g - c[1]) <= 3 && std::abs(b - c[2]) <= 3;
        };
        int yes = 0, no = 0;
        count_pixels(
            img, rect_of(faq),
            [&](int r, int g, int b) {
                n_square += is(square, r, g, b);
                n_disc += is(disc, r, g, b);
                return (r == 255 && g == 255 && b == 255) || is(square, r, g, b) ||
                       is(disc, r, g, b) || is(both, r, g, b);
            },
            yes, no);
        CHECK(no == 0);
        CHECK(n_square > 1000);
        CHECK(n_disc > 1000);
    }

    TEST_CASE("rtviewer: two sweep producers give four stream names that a layout places apart") {
        // As the README's example: the second is slow (its frame stays), each in its own views.
        const fs::path json = work_dir() / "two.json";
        const std::string producers =
            " --producer sweep:width=64,height=48 --producer sweep:width=32,height=24,latency=0.2";
        Run r = viewer("--headless --frames 20 --stats-json " + json.string() + producers);
        REQUIRE_MESSAGE(r.status == 0, r.err);
        Json stats = read_json(json);
        for (const char* name : {"sweep/image", "sweep/line", "sweep#2/image", "sweep#2/line"})
            CHECK_MESSAGE(rtv::test::find_stream(stats, name) != nullptr, name);
        CHECK(stats.at("streams").size() == 4);
        CHECK(view_named(stats, "image").at("streams") == Json{"sweep/image"});
        CHECK(view_named(stats, "sweep#2 image").at("streams") == Json{"sweep#2/image"});
        CHECK(view_named(stats, "lines").at("streams") == Json{"sweep/line"});
        CHECK(view_named(stats, "sweep#2 lines").at("streams") == Json{"sweep#2/line"});
        // A layout file addresses each by name (and name= names a producer and its streams).
        const fs::path layout = write_file("two-layout.json", R"({"columns": 2, "views": [
            {"name": "fast", "streams": ["sweep/image"]},
            {"name": "slow", "streams": ["slow/image"]},
            {"name": "lines", "streams": ["sweep/line", "slow/line"]}]})");
        r = viewer("--headless --frames 20 --layout " + layout.string() + " --stats-json " +
                   json.string() +
                   " --producer sweep:width=64,height=48 --producer "
                   "sweep:name=slow,width=32,height=24,latency=0.2");
        REQUIRE_MESSAGE(r.status == 0, r.err);
        stats = read_json(json);
        CHECK(view_named(stats, "fast").at("streams") == Json{"sweep/image"});
        CHECK(view_named(stats, "slow").at("streams") == Json{"slow/image"});
        CHECK(view_named(stats, "lines").at("streams") == Json{"sweep/line", "slow/line"});
        CHECK(stats.at("producers").at(1).at("name") == "slow");
    }

    TEST_CASE("rtviewer: two producers given one name exit 2 naming it") {
        const Run r =
            viewer("--headless --frames 2 --producer sweep:name=x --producer blobs:name=x");
        CHECK(r.status == 2);
        CHECK(r.err.find("two producers are named 'x'") != std::string::npos);
    }

} // TEST_SUITE
