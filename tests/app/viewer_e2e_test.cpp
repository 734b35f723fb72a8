// End-to-end runs of the real rtviewer binary, headless (SDL offscreen, EGL, llvmpipe): the PNG it
// writes and the statistics it reports. The pixel positions follow the documented layout of a
// 1280x800 window: a 470-pixel control panel, then the image view over the top two thirds and
// the line view below.

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/child_process.hpp"
#include "app/e2e_files.hpp"
#include "render/colormap.hpp"
#include "render/snapshot.hpp"

namespace fs = std::filesystem;
using rtv::test::Json;
using rtv::test::Run;
using rtv::test::slurp;
using rtv::test::viewer;
using rtv::test::work_dir;

namespace {

struct Px {
    int r, g, b;
};
Px at(const rtv::render::RgbaImage& img, int x, int y) {
    const auto* p = img.at(x, y);
    return {p[0], p[1], p[2]};
}
bool near(Px a, Px b, int tol = 2) {
    return std::abs(a.r - b.r) <= tol && std::abs(a.g - b.g) <= tol && std::abs(a.b - b.b) <= tol;
}
// Distance to the nearest entry of a colormap, in 8-bit units.
int colormap_distance(Px p, rtv::render::Colormap map) {
    int best = 1 << 20;
    for (std::size_t i = 0; i < 256; ++i) {
        const auto c = rtv::render::colormap_entry(map, i);
        const int d = std::abs(p.r - int(std::lround(c.r * 255))) +
                      std::abs(p.g - int(std::lround(c.g * 255))) +
                      std::abs(p.b - int(std::lround(c.b * 255)));
        best = std::min(best, d);
    }
    return best;
}

constexpr int kWidth = 1280, kHeight = 800;

// Counts the pixels of the line view (less the top band where its name is drawn) that are the
// background #c0c0c0, near black, near `line` (when given) and anything else.
struct LineCounts {
    int grey = 0, black = 0, line = 0, other = 0;
};
LineCounts count_line_view(const rtv::render::RgbaImage& img, rtv::test::Rect r, Px line) {
    LineCounts c;
    for (int x = r.x + 2; x < r.x + r.w - 2; ++x)
        for (int y = r.y + 24; y < r.y + r.h - 2; ++y) {
            const Px p = at(img, x, y);
            if (near(p, {192, 192, 192}))
                ++c.grey;
            else if (near(p, line, 60))
                ++c.line;
            else if (near(p, {0, 0, 0}, 40))
                ++c.black;
            else
                ++c.other;
        }
    return c;
}

} // namespace

TEST_SUITE("app") {

    TEST_CASE(
        "rtviewer: the default headless run shows viridis in the image view and both backgrounds") {
        const fs::path png = work_dir() / "default.png", json = work_dir() / "default.json";
        // --history 0: no timeline strip, so the image view leaves bars of background beside
        // the image wide enough to sample (with the strip it fits the view almost exactly).
        // The producer's 20 frames, then the viewer exits (--exit-when-done): the picture holds
        // data however slowly a loaded machine delivers it (a count of display frames alone
        // could all be drawn before the first frame came, as a TSan run under load once did).
        const Run r = viewer("--headless --exit-when-done --producer sweep:iterations=20 "
                             "--history 0 --screenshot " +
                             png.string() + " --stats-json " + json.string());
        REQUIRE_MESSAGE(r.status == 0, r.err);
        rtv::render::RgbaImage img;
        REQUIRE(rtv::render::read_png(png.string(), img).is_ok());
        CHECK(img.width == kWidth);
        CHECK(img.height == kHeight);
        const Json j = rtv::test::read_json(json);
        const rtv::test::Rect image = rtv::test::rect_of(rtv::test::view_named(j, "image"));
        const rtv::test::Rect lines = rtv::test::rect_of(rtv::test::view_named(j, "lines"));
        CHECK(image.y + image.h < lines.y); // the image view over the line view
        CHECK(image.h > lines.h);
        // Square pixels: the 800x600 image fills the view's width or height, and cyan shows in
        // the bars beside it.
        const double scale = std::min(image.w / 800.0, image.h / 600.0);
        const int drawn_w = int(800 * scale), drawn_h = int(600 * scale);
        const int bar_x = (image.w - drawn_w) / 2, bar_y = (image.h - drawn_h) / 2;
        REQUIRE(std::max(bar_x, bar_y) >= 8);
        const int cx = image.x + image.w / 2, cy = image.y + image.h / 2;
        if (bar_y >= 8) {
            CHECK(near(at(img, cx, image.y + image.h - bar_y / 2), {0, 255, 255}));
        } else {
            CHECK(near(at(img, image.x + image.w - bar_x / 2, cy), {0, 255, 255}));
        }
        int off_viridis = 0;
        for (int x = cx - drawn_w / 2 + 60; x < cx + drawn_w / 2 - 10; x += 37)
            for (int y = cy - drawn_h / 2 + 30; y < cy + drawn_h / 2 - 10; y += 41)
                off_viridis += colormap_distance(at(img, x, y), rtv::render::Colormap::Viridis) > 6;
        CHECK(off_viridis == 0);
        // The line view: #c0c0c0 where there is no line, black where there is (the line starts
        // as noise and rolls in the sweep's curve one point a frame). So: both colours, and all
        // but a few pixels one of them.
        const LineCounts c = count_line_view(img, lines, {0, 0, 0});
        CHECK(c.grey > 1000);
        CHECK(c.line > 100);
        CHECK(c.other * 20 < c.grey + c.line);
    }

    TEST_CASE("rtviewer: --colormap reds and --line-color red change the right pixels") {
        const fs::path png = work_dir() / "reds.png", json = work_dir() / "reds.json";
        const Run r =
            viewer("--headless --exit-when-done --producer sweep:iterations=10 --colormap reds "
                   "--line-color red --screenshot " +
                   png.string() + " --stats-json " + json.string());
        REQUIRE_MESSAGE(r.status == 0, r.err);
        rtv::render::RgbaImage img;
        REQUIRE(rtv::render::read_png(png.string(), img).is_ok());
        const Json j = rtv::test::read_json(json);
        const rtv::test::Rect image = rtv::test::rect_of(rtv::test::view_named(j, "image"));
        const rtv::test::Rect lines = rtv::test::rect_of(rtv::test::view_named(j, "lines"));
        int off_reds = 0;
        for (int x = image.x + 100; x < image.x + image.w - 100; x += 37)
            for (int y = image.y + image.h / 4; y < image.y + 3 * image.h / 4; y += 41)
                off_reds += colormap_distance(at(img, x, y), rtv::render::Colormap::Reds) > 6;
        CHECK(off_reds == 0);
        const LineCounts c = count_line_view(img, lines, {255, 0, 0});
        CHECK(c.line > 100);
        CHECK(c.black == 0);
    }

    TEST_CASE("rtviewer: --stats-json is valid JSON with every key and every frame accounted for") {
        const fs::path json = work_dir() / "stats.json";
        const Run r = viewer(
            "--headless --frames 25 --no-vsync --producer sweep:interval=auto --producer waves "
            "--stats-json " +
            json.string());
        REQUIRE_MESSAGE(r.status == 0, r.err);
        const Json j = rtv::test::read_json(json);
        for (const char* key :
             {"display_fps", "frames_displayed", "duration_s", "frame_time_ms", "streams"})
            CHECK_MESSAGE(j.contains(key), key);
        CHECK(j.at("frames_displayed").get<double>() == 25);
        CHECK(j.at("display_fps").get<double>() > 0);
        for (const char* q : {"p50", "p99", "max"})
            CHECK(j.at("frame_time_ms").contains(q));
        REQUIRE(j.at("streams").size() == 3);
        for (const Json& s : j.at("streams")) {
            CAPTURE(s.at("name").get<std::string>());
            for (const char* key : {"name", "state", "produced", "displayed", "superseded",
                                    "dropped", "rejected", "latency_ms"})
                CHECK_MESSAGE(s.contains(key), key);
            for (const char* q : {"p50", "p99", "max"})
                CHECK(s.at("latency_ms").contains(q));
            const double accounted = s.at("displayed").get<double>() +
                                     s.at("superseded").get<double>() +
                                     s.at("dropped").get<double>() + s.at("rejected").get<double>();
            CHECK(s.at("produced").get<double>() == accounted);
            CHECK(s.at("in_flight").get<double>() == 0);
            CHECK(s.at("state").get<std::string>() == "stopped");
        }
        CHECK(j.at("streams").at(0).at("name").get<std::string>() == "sweep/image");
        // Headless runs also print a summary for a human.
        const std::string out = slurp(work_dir() / "stdout.txt");
        CHECK(out.rfind("rtviewer: running on ", 0) == 0);
        CHECK(out.find("\nrtviewer: 25 frames in ") != std::string::npos);
        CHECK(out.find("sweep/image") != std::string::npos);
        CHECK(out.find("waves/lines") != std::string::npos);
        CHECK(j.at("streams").at(0).at("displayed").get<double>() >= 1);
    }

    TEST_CASE("rtviewer: uint16 and RGBA streams report their format and account for every frame") {
        const fs::path json = work_dir() / "formats.json";
        const Run r = viewer("--headless --frames 30 --no-vsync --producer camera:interval=auto "
                             "--producer transparency:interval=auto --stats-json " +
                             json.string());
        REQUIRE_MESSAGE(r.status == 0, r.err);
        const Json j = rtv::test::read_json(json);
        REQUIRE(j.at("streams").size() == 3);
        const std::pair<const char*, const char*> want[] = {{"camera/image", "u16"},
                                                            {"transparency/back", "rgba32f"},
                                                            {"transparency/front", "rgba8"}};
        for (const auto& [name, format] : want) {
            CAPTURE(name);
            const Json* s = rtv::test::find_stream(j, name);
            REQUIRE(s);
            CHECK(s->at("format").get<std::string>() == format);
            CHECK(s->at("displayed").get<double>() >= 1);
            CHECK(s->at("rejected").get<double>() == 0);
            const double accounted =
                s->at("displayed").get<double>() + s->at("superseded").get<double>() +
                s->at("dropped").get<double>() + s->at("rejected").get<double>();
            CHECK(s->at("produced").get<double>() == accounted);
        }
        CHECK(j.at("gl_errors").get<double>() == 0);
    }

    TEST_CASE("rtviewer --redraw changes: draws for frames and panel changes only and passes "
              "that find nothing new draw nothing") {
        const fs::path json = work_dir() / "changes.json";
        // Ten frames, then nothing for the rest of the run: the loop keeps waking (readings,
        // the --duration deadline) but has nothing to draw.
        const Run r = viewer("--headless --redraw changes --duration 3 --producer "
                             "sweep:interval=0.01,iterations=10 --stats-json " +
                             json.string());
        REQUIRE_MESSAGE(r.status == 0, r.err);
        const Json j = rtv::test::read_json(json);
        const Json& d = j.at("redraw");
        CHECK(d.at("mode") == "changes");
        const auto n = [&](const char* key) { return d.at(key).get<std::uint64_t>(); };
        CHECK(n("frames") == j.at("frames_displayed").get<std::uint64_t>());
        CHECK(n("frames") == n("for_data") + n("for_input") + n("for_panel") + n("other"));
        CHECK(n("other") <= 2); // the first frame and the last
        CHECK(n("for_input") == 0);
        // A frame drawn for data showed at least one new frame of a stream.
        std::uint64_t displayed = 0;
        for (const Json& stream : j.at("streams"))
            displayed += stream.at("displayed").get<std::uint64_t>();
        CHECK(n("for_data") >= 1);
        CHECK(n("for_data") <= displayed);
        CHECK(n("passes") > n("frames")); // woke, found nothing new, drew nothing
        CHECK(n("panel_rasterised") + n("panel_reused") == n("frames"));
    }

    TEST_CASE("rtviewer --redraw always: every pass draws a frame with the panel kept or "
              "redrawn") {
        const fs::path json = work_dir() / "always.json";
        const Run r = viewer("--headless --redraw always --frames 40 --producer "
                             "sweep:interval=0.01,iterations=3 --stats-json " +
                             json.string());
        REQUIRE_MESSAGE(r.status == 0, r.err);
        const Json j = rtv::test::read_json(json);
        const Json& d = j.at("redraw");
        CHECK(d.at("mode") == "always");
        CHECK(d.at("frames") == 40);
        CHECK(d.at("passes") == 40);
        CHECK(d.at("panel_rasterised").get<int>() >= 1);
        CHECK(d.at("panel_rasterised").get<int>() + d.at("panel_reused").get<int>() == 40);
        CHECK(j.at("gl_errors") == 0);
    }

    TEST_CASE("rtviewer: a producer in a 600 s latency holds up neither the GUI nor the exit") {
        const fs::path json = work_dir() / "slow.json";
        // `timeout` ends a run that hangs: with a stop-blind sleep it would take 600 s, so an
        // exit status of 124 means the exit waited on the producer. A generous hang detector,
        // not a timing measurement (the run itself takes about half a second).
        const Run r = viewer("--headless --frames 30 --producer sweep:latency=600 --stats-json " +
                                 json.string(),
                             "timeout 60");
        REQUIRE_MESSAGE(r.status != 124, "the exit waited for the producer's 600 s latency");
        REQUIRE_MESSAGE(r.status == 0, r.err);
        const Json j = rtv::test::read_json(json);
        // The loop drew all its frames while the producer slept in its first frame.
        CHECK(j.at("frames_displayed") == 30);
        const Json& s = j.at("streams").at(0);
        CHECK(s.at("state") == "stopped");
        CHECK(s.at("produced") == 0);
    }

    TEST_CASE("rtviewer: SIGINT and SIGTERM stop a producer mid-latency and still write outputs") {
        for (const int sig : {SIGINT, SIGTERM}) {
            CAPTURE(sig);
            const fs::path json = work_dir() / ("signal" + std::to_string(sig) + ".json");
            const fs::path png = work_dir() / ("signal" + std::to_string(sig) + ".png");
            rtv::test::Child viewer({"--headless", "--duration", "600", "--producer",
                                     "sweep:latency=600", "--producer", "waves", "--stats-json",
                                     json.string(), "--screenshot", png.string()});
            REQUIRE(viewer.wait_for("rtviewer: running on "));
            REQUIRE(::kill(viewer.pid, sig) == 0);
            // Without the handler, or with a stop-blind producer, the run would go on for
            // 600 s: finish_within kills it at the hang deadline and says -2.
            const int status = viewer.finish_within(60);
            REQUIRE_MESSAGE(status != -2, "the viewer did not exit on the signal");
            CHECK(status == 0);
            CHECK(viewer.stdout_text.find("sweep/image") != std::string::npos); // the summary
            const Json j = rtv::test::read_json(json);
            CHECK(j.at("streams").at(0).at("state") == "stopped");
            CHECK(j.at("streams").at(0).at("produced") == 0);
            rtv::render::RgbaImage img;
            CHECK(rtv::render::read_png(png.string(), img).is_ok());
        }
    }

    TEST_CASE("rtviewer: a producer that fails is reported while the others run on") {
        const fs::path json = work_dir() / "failing.json";
        // waves at interval=auto makes each frame once the viewer took the last: all 30 are shown.
        const Run r = viewer("--headless --exit-when-done --producer "
                             "sweep:fail_after=5,interval=auto --producer "
                             "waves:iterations=30,interval=auto --stats-json " +
                             json.string());
        REQUIRE_MESSAGE(r.status == 0, r.err);
        const Json j = rtv::test::read_json(json);
        const Json& sweep = j.at("producers").at(0);
        CHECK(sweep.at("state") == "failed");
        CHECK(sweep.at("message") == "sweep: simulated failure after 5 frames (fail_after)");
        const Json& waves = j.at("producers").at(1);
        CHECK(waves.at("state") == "finished");
        const Json* lines = rtv::test::find_stream(j, "waves/lines");
        REQUIRE(lines);
        CHECK(lines->at("produced") == 30);
        CHECK(lines->at("displayed") == 30);
        const std::string out = slurp(work_dir() / "stdout.txt");
        CHECK(out.find("failed") != std::string::npos); // the summary says so too
    }

    TEST_CASE("rtviewer: bad command lines exit 2 with their message") {
        const Run unknown = viewer("--producer foo");
        CHECK(unknown.status == 2);
        // The built-in producers, then the example plugins' (build/lib/rtviewer/plugins).
        CHECK(unknown.err ==
              "rtviewer: --producer: unknown producer 'foo', expected one of: "
              "sweep, waves, blobs, camera, transparency, sensor, replay, hdf5, zmq, "
              "exec" RTV_OPTIONAL_PLUGINS ", minimal, misbehave, testcard");
        const Run map = viewer("--colormap jet");
        CHECK(map.status == 2);
        CHECK(
            map.err ==
            "rtviewer: --colormap: unknown colormap 'jet', expected one of: viridis, reds, blues, "
            "grays, magma, inferno, plasma, turbo");
        const Run frames = viewer("--frames -1");
        CHECK(frames.status == 2);
        CHECK(frames.err == "rtviewer: --frames: must be a whole number >= 1, got '-1'");
        const Run size = viewer("--size 0x0");
        CHECK(size.status == 2);
        CHECK(size.err ==
              "rtviewer: --size: must be WIDTHxHEIGHT with each in 64..8192, got '0x0'");
        const Run spec = viewer("--producer sweep:width=8,");
        CHECK(spec.status == 2);
        CHECK(spec.err ==
              "rtviewer: --producer: sweep: empty setting after ',', expected key=value");
    }

    TEST_CASE("rtviewer: with no display and no --headless it says to use --headless") {
        const Run r = viewer("--frames 1", "env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER");
        CHECK(r.status == 1);
        CHECK(r.err == "rtviewer: no display found (DISPLAY and WAYLAND_DISPLAY are unset); run "
                       "with --headless "
                       "to render off-screen");
    }

} // TEST_SUITE
