// The viewer's real loop in this process, headless (SDL offscreen, EGL, llvmpipe), driven as a
// user drives it: SDL events pushed into SDL's queue at chosen passes of the loop (keys, a
// shift-drag in small motion steps), read by the loop's own event handling. What the loop shows
// (the moment, the views, the history) is read between passes and after it ends.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <SDL.h>
#include <doctest/doctest.h>

#include "app/cli.hpp"
#include "app/e2e_files.hpp"
#include "app/viewer_app.hpp"
#include "render/gl.hpp"

using namespace rtv;

namespace {

// Each test's pass hook quits the viewer when it is done: the duration is a ceiling never
// reached (with the headless default of 5 s, a loaded machine ended a run before its hook did;
// a hook that never quits fails the test with its state at 280 s).
app::Options options_of(std::vector<const char*> argv) {
    ::setenv("SDL_VIDEODRIVER", "offscreen", 0); // no display needed (EGL, llvmpipe)
    argv.insert(argv.begin(), "rtviewer");
    argv.insert(argv.end(), {"--duration", "280"}); // ctest ends it at 300
    app::Options options;
    const app::ParseOutcome parsed =
        app::parse_command_line(int(argv.size()), argv.data(), options);
    REQUIRE_MESSAGE(parsed.run, parsed.output);
    return options;
}

void push_key(SDL_Keycode key) {
    SDL_Event e{};
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = key;
    SDL_PushEvent(&e);
    e.type = SDL_KEYUP;
    e.key.state = SDL_RELEASED;
    SDL_PushEvent(&e);
}

void push_button(Uint32 type, std::pair<int, int> at) {
    SDL_Event e{};
    e.type = type;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
    e.button.clicks = 1;
    e.button.x = at.first;
    e.button.y = at.second;
    SDL_PushEvent(&e);
}

void push_motion(std::pair<int, int> at, std::pair<int, int> from) {
    SDL_Event e{};
    e.type = SDL_MOUSEMOTION;
    e.motion.state = SDL_BUTTON_LMASK;
    e.motion.x = at.first;
    e.motion.y = at.second;
    e.motion.xrel = at.first - from.first;
    e.motion.yrel = at.second - from.second;
    SDL_PushEvent(&e);
}

void push_quit() {
    SDL_Event e{};
    e.type = SDL_QUIT;
    SDL_PushEvent(&e);
}

// Each stream's frame at moment `t` in the history: its sequence number (or -1: none).
std::vector<long long> sequences_at(const app::ViewerApp& viewer, std::int64_t t) {
    std::vector<long long> out;
    for (std::size_t id = 0; id < viewer.host().stream_count(); ++id) {
        const HistoryRing* ring = viewer.history()->stream(id).ring.get();
        const std::size_t i = ring ? ring->at_or_before(t) : HistoryRing::npos;
        out.push_back(i == HistoryRing::npos ? -1 : (long long)ring->entry(i).sequence);
    }
    return out;
}

void push_wheel(int y) {
    SDL_Event e{};
    e.type = SDL_MOUSEWHEEL;
    e.wheel.y = y;
    SDL_PushEvent(&e);
}

// Runs `viewer` with damage tracking checked in every frame drawn in parts, and requires that
// parts were drawn (the offscreen surface keeps its back buffer) and none differed from the
// whole frame drawn from the same state.
void require_parts_match_whole(const app::ViewerApp& viewer) {
    const app::DamageCounts& d = viewer.damage();
    INFO("frames whole " << d.full << ", in parts " << d.partial << ", checked " << d.verified);
    CHECK(viewer.back_buffer().kept());
    CHECK(d.partial > 0);
    CHECK(d.verified == d.partial);
    CHECK(d.mismatched == 0);
}

// Runs the sweep in a `size` window until history holds frames, then pauses; returns the line
// under the timeline's bar live, then paused.
std::pair<std::string, std::string> timeline_lines(const char* size) {
    app::ViewerApp viewer(
        options_of({"--headless", "--no-vsync", "--redraw", "always", "--size", size, "--producer",
                    "sweep:interval=auto,width=64,height=48"}));
    std::string live, paused;
    int state = 0; // 0 until frames are held, 1 live read, 2 paused
    viewer.set_pass_hook([&](app::ViewerApp& v, std::uint64_t pass) {
        if (state == 0 && pass > 2 && v.history()->span(v.host().stream_count()).second > 0) {
            state = 1;
        } else if (state == 1) { // the last pass drew the timeline with frames held
            live = v.timeline_text();
            push_key(SDLK_SPACE);
            state = 2;
        } else if (state == 2 && v.moment()) {
            paused = v.timeline_text(); // drawn by the pass that paused
            push_quit();
            state = 3;
        }
    });
    REQUIRE(viewer.run() == 0);
    return {live, paused};
}

} // namespace

TEST_SUITE("app") {

    TEST_CASE("ViewerApp: the paused moment still shows the same frames after the rings wrapped "
              "twice and exports them") {
        namespace fs = std::filesystem;
        const fs::path dir = test::fresh_path("paused");
        fs::create_directories(dir);
        fs::current_path(dir); // the export goes to ./rtviewer-export-1
        // Small rings (1 MB a stream: about 85 images and 32 lines) that wrap quickly.
        app::ViewerApp viewer(options_of({"--headless", "--no-vsync", "--redraw", "always",
                                          "--size", "320x240", "--history", "1", "--producer",
                                          "sweep:interval=auto,width=64,height=48,points=4000"}));
        std::int64_t moment = 0;
        std::vector<long long> seen;
        std::vector<std::uint64_t> wanted;
        int state = 0; // 0 filling, 1 paused, 2 at the oldest, 3 looking, 4 exported
        const auto rings = [](const app::ViewerApp& v) {
            std::vector<const HistoryRing*> out;
            for (std::size_t id = 0; id < v.host().stream_count(); ++id)
                if (const HistoryRing* r = v.history()->stream(id).ring.get()) out.push_back(r);
            return out;
        };
        viewer.set_pass_hook([&](app::ViewerApp& v, std::uint64_t) {
            if (state == 0) { // once every ring is full (it has begun to evict): pause
                const auto held = rings(v);
                if (held.size() == 2 && std::all_of(held.begin(), held.end(),
                                                    [](auto* r) { return r->evicted() > 0; })) {
                    push_key(SDLK_SPACE);
                    state = 1;
                }
            } else if (state == 1) {
                push_key(SDLK_HOME); // the oldest moment held: the next to be evicted
                state = 2;
            } else if (state == 2) {
                REQUIRE(v.paused());
                REQUIRE(v.moment());
                moment = *v.moment();
                seen = sequences_at(v, moment);
                for (const HistoryRing* r : rings(v)) { // twice the frames each ring holds
                    const std::size_t frame = (r->entry(r->size() - 1).bytes + 63) / 64 * 64;
                    wanted.push_back(r->pushed() + 2 * (r->capacity_bytes() / frame + 1));
                }
                state = 3;
            } else if (state == 3) {
                CHECK(v.moment() == moment); // it holds still, pass after pass
                bool wrapped = true;
                const auto held = rings(v);
                for (std::size_t i = 0; i < held.size(); ++i)
                    wrapped = wrapped && held[i]->pushed() >= wanted[i];
                if (wrapped) {
                    push_key(SDLK_e);
                    state = 4;
                }
            } else {
                push_quit();
            }
        });
        REQUIRE(viewer.run() == 0);
        REQUIRE(state == 4);
        REQUIRE(seen.size() == 2);
        CHECK(std::find(seen.begin(), seen.end(), -1) == seen.end());
        CHECK(viewer.paused());
        REQUIRE(viewer.moment());
        CHECK(*viewer.moment() == moment);
        CHECK(sequences_at(viewer, moment) == seen);
        // The export holds the frames of that moment: the same sequence numbers.
        const test::Json m = test::read_json(dir / "rtviewer-export-1" / "moment.json");
        CHECK(m.at("t_ns").get<std::int64_t>() == moment);
        for (const test::Json& s : m.at("streams")) {
            const std::string name = s.at("stream").get<std::string>();
            const std::size_t id = name == "sweep/image" ? 0 : 1;
            CHECK_MESSAGE(s.at("sequence").get<long long>() == seen[id], name);
        }
    }

    TEST_CASE("ViewerApp: --image-draw auto draws images at screen resolution on llvmpipe") {
        app::ViewerApp viewer(options_of(
            {"--headless", "--no-vsync", "--producer", "sweep:interval=auto,width=64,height=48"}));
        std::string renderer;
        viewer.set_pass_hook([&](app::ViewerApp&, std::uint64_t pass) {
            if (pass != 1) return;
            renderer = render::gl_renderer();
            push_quit();
        });
        REQUIRE(viewer.run() == 0);
        CAPTURE(renderer);
        CHECK(viewer.screen_images() == (renderer.find("llvmpipe") != std::string::npos));
    }

    TEST_CASE("ViewerApp: the window has no depth or stencil buffer") {
        // Nothing is drawn with one, and with one llvmpipe clears a rectangle at a third of the
        // speed (sdl_window.cpp).
        app::ViewerApp viewer(options_of(
            {"--headless", "--no-vsync", "--producer", "sweep:interval=auto,width=64,height=48"}));
        int depth = -1, stencil = -1;
        viewer.set_pass_hook([&](app::ViewerApp&, std::uint64_t pass) {
            if (pass != 1) return;
            SDL_GL_GetAttribute(SDL_GL_DEPTH_SIZE, &depth);
            SDL_GL_GetAttribute(SDL_GL_STENCIL_SIZE, &stencil);
            push_quit();
        });
        REQUIRE(viewer.run() == 0);
        CHECK(depth == 0);
        CHECK(stencil == 0);
    }

    TEST_CASE("ViewerApp: L while paused returns to live and unpauses") {
        app::ViewerApp viewer(
            options_of({"--headless", "--no-vsync", "--redraw", "always", "--size", "320x240",
                        "--producer", "sweep:interval=auto,width=64,height=48"}));
        bool paused_seen = false;
        viewer.set_pass_hook([&](app::ViewerApp& v, std::uint64_t pass) {
            if (pass == 10) push_key(SDLK_SPACE);
            if (pass == 12) paused_seen = v.paused() && v.moment().has_value();
            if (pass == 14) push_key(SDLK_l);
            if (pass == 16) push_quit();
        });
        REQUIRE(viewer.run() == 0);
        CHECK(paused_seen);
        CHECK_FALSE(viewer.paused());
        CHECK_FALSE(viewer.moment());
    }

    TEST_CASE("ViewerApp: a shift-drag on an image draws the segment the pointer drew") {
        app::ViewerApp viewer(
            options_of({"--headless", "--no-vsync", "--redraw", "always", "--history", "0",
                        "--producer", "sweep:interval=auto,width=400,height=200"}));
        std::pair<int, int> a, b;
        render::Vec2 want_a, want_b;
        constexpr std::uint64_t kDown = 20, kSteps = 20;
        viewer.set_pass_hook([&](app::ViewerApp& v, std::uint64_t pass) {
            if (pass == kDown) {
                // A horizontal drag across the middle of the image, as the user sees it now.
                const app::View& image = v.canvas().views()[0];
                REQUIRE(image.images);
                const render::Viewport& vp = image.viewport;
                const double y = vp.y + vp.height * 0.5;
                const double x0 = vp.x + vp.width * 0.3, x1 = vp.x + vp.width * 0.7;
                a = v.window_point(x0, y);
                b = v.window_point(x1, y);
                want_a = v.canvas().data_at(0, x0, y);
                want_b = v.canvas().data_at(0, x1, y);
                SDL_SetModState(KMOD_LSHIFT);
                push_button(SDL_MOUSEBUTTONDOWN, a);
            } else if (pass > kDown && pass <= kDown + kSteps) { // small steps, as a hand moves
                const auto at = [&](std::uint64_t k) {
                    return std::pair<int, int>{a.first + int((b.first - a.first) * k / kSteps),
                                               a.second};
                };
                push_motion(at(pass - kDown), at(pass - kDown - 1));
            } else if (pass == kDown + kSteps + 1) {
                push_button(SDL_MOUSEBUTTONUP, b);
                SDL_SetModState(KMOD_NONE);
            } else if (pass == kDown + kSteps + 4) {
                push_quit();
            }
        });
        REQUIRE(viewer.run() == 0);
        const app::View& image = viewer.canvas().views()[0];
        REQUIRE(image.profile);
        // Within a pixel of where the pointer went down and came up over the image.
        CHECK(std::abs(image.profile->a.x - want_a.x) <= 1.0);
        CHECK(std::abs(image.profile->a.y - want_a.y) <= 1.0);
        CHECK(std::abs(image.profile->b.x - want_b.x) <= 1.0);
        CHECK(std::abs(image.profile->b.y - want_b.y) <= 1.0);
        CHECK(viewer.canvas().views()[1].profile_source == 0); // its profile view opened
    }

    TEST_CASE("ViewerApp: frames drawn in parts equal the whole frame through a pan a zoom and a "
              "window resize, with images drawn at screen resolution and as textures") {
        for (const char* mode : {"screen", "texture"}) {
            CAPTURE(std::string(mode));
            app::ViewerApp viewer(
                options_of({"--headless", "--no-vsync", "--redraw", "changes", "--verify-damage",
                            "--size", "640x400", "--image-draw", mode, "--producer",
                            "sweep:interval=0.005,width=200,height=150"}));
            constexpr std::uint64_t kDown = 30, kSteps = 10, kZoom = 60, kResize = 80, kEnd = 130;
            std::pair<int, int> a;
            render::Rect before_pan, after_pan, after_zoom;
            std::uint64_t partial_before_resize = 0;
            int width_before = 0;
            viewer.set_pass_hook([&](app::ViewerApp& v, std::uint64_t pass) {
                const app::View& image = v.canvas().views()[0];
                if (pass == kDown) { // a drag across the image: a pan
                    const render::Viewport& vp = image.viewport;
                    a = v.window_point(vp.x + vp.width * 0.5, vp.y + vp.height * 0.5);
                    before_pan = image.camera.visible();
                    push_button(SDL_MOUSEBUTTONDOWN, a);
                } else if (pass > kDown && pass <= kDown + kSteps) {
                    const int k = int(pass - kDown);
                    push_motion({a.first + 3 * k, a.second + 2 * k},
                                {a.first + 3 * (k - 1), a.second + 2 * (k - 1)});
                } else if (pass == kDown + kSteps + 1) {
                    push_button(SDL_MOUSEBUTTONUP, {a.first + 3 * int(kSteps), a.second});
                } else if (pass == kZoom) { // the wheel over the image: a zoom
                    after_pan = image.camera.visible();
                    SDL_Event e{};
                    e.type = SDL_MOUSEMOTION;
                    e.motion.x = a.first;
                    e.motion.y = a.second;
                    SDL_PushEvent(&e);
                    push_wheel(2);
                } else if (pass == kResize) {
                    after_zoom = image.camera.visible();
                    partial_before_resize = v.damage().partial;
                    width_before = image.viewport.width;
                    SDL_SetWindowSize(SDL_GL_GetCurrentWindow(), 720, 450);
                } else if (pass == kEnd) {
                    push_quit();
                }
            });
            REQUIRE(viewer.run() == 0);
            require_parts_match_whole(viewer);
            // The pan, the zoom and the resize happened, and frames were drawn in parts after each.
            CHECK(after_pan.x0 != before_pan.x0);
            CHECK(after_zoom.width() < after_pan.width());
            CHECK(viewer.canvas().views()[0].viewport.width != width_before);
            CHECK(viewer.damage().partial > partial_before_resize);
            CHECK(viewer.damage().views > viewer.damage().margins); // axes kept while data moved
            CHECK(viewer.screen_images() == (std::string(mode) == "screen"));
        }
    }

    TEST_CASE("ViewerApp: the live timeline is drawn again only in passes that took the panel "
              "readings, or drew the whole frame, while new frames arrive in every pass") {
        app::ViewerApp viewer(options_of(
            {"--headless", "--no-vsync", "--redraw", "changes", "--size", "640x400", "--producer",
             "sweep:interval=auto,width=64,height=48,iterations=400", "--exit-when-done"}));
        // What the pass before this hook did: seen from the counts' change since the last hook.
        std::uint64_t timelines = 0, full = 0, readings = 0, drawn_alone = 0, drawn = 0;
        viewer.set_pass_hook([&](app::ViewerApp& v, std::uint64_t) {
            const app::DamageCounts& d = v.damage();
            const std::uint64_t r = v.readings().count;
            if (d.timelines > timelines) {
                ++drawn;
                if (d.full == full && r == readings) ++drawn_alone; // neither reason: a bug
            }
            timelines = d.timelines, full = d.full, readings = r;
        });
        REQUIRE(viewer.run() == 0);
        const app::DamageCounts& d = viewer.damage();
        INFO("frames in parts " << d.partial << ", whole " << d.full << ", timelines drawn "
                                << d.timelines << ", readings " << viewer.readings().count);
        CHECK(viewer.back_buffer().kept());
        CHECK(drawn > 0);               // the timeline was drawn (the first frame, at least)
        CHECK(drawn_alone == 0);        // never because a frame came in
        CHECK(d.partial >= 300);        // while frames were drawn in parts, one for each new frame
        CHECK(d.timelines < d.partial); // most of which left it as it was
    }

    TEST_CASE("ViewerApp: the line under the timeline is shortened to fit a narrow window and "
              "whole in a wide one") {
        const auto [narrow_live, narrow_paused] = timeline_lines("640x400");
        const auto [wide_live, wide_paused] = timeline_lines("1600x500");
        INFO("narrow: '" << narrow_live << "' '" << narrow_paused << "'");
        INFO("wide: '" << wide_live << "' '" << wide_paused << "'");
        CHECK(narrow_live.rfind("live: ", 0) == 0);
        CHECK(narrow_live.find("(or pause and Left/Right)") == std::string::npos);
        CHECK(narrow_paused.rfind("paused: ", 0) == 0);
        CHECK(narrow_paused.find("MB kept") == std::string::npos);
        CHECK(wide_live.find("s held; drag the bar (or pause and Left/Right) to look back") !=
              std::string::npos);
        CHECK(wide_paused.rfind("paused: ", 0) == 0);
        CHECK(wide_paused.find("MB kept):  sweep/image #") != std::string::npos);
        CHECK(wide_paused.find("  sweep/line #") != std::string::npos);
    }

    TEST_CASE("ViewerApp: frames drawn in parts equal the whole frame in a 2x2 layout with a "
              "profile") {
        namespace fs = std::filesystem;
        const fs::path dir = test::fresh_path("damage-2x2");
        fs::create_directories(dir);
        const fs::path layout = dir / "layout.json";
        {
            std::ofstream f(layout);
            f << R"({"columns": 2, "views": [
                {"name": "camera", "streams": ["sweep/image"], "colormap": "magma",
                 "profile": [10, 20, 180, 120]},
                {"name": "blobs", "streams": ["blobs/*"], "contrast": "manual:0:1"},
                {"name": "line", "streams": ["sweep/line"], "line_color": "red",
                 "background": "white", "grid": true, "x_label": "x", "y_label": "y"},
                {"name": "sensor", "streams": ["sensor/samples"], "line_color": "blue"}]})";
        }
        const std::string layout_arg = layout.string();
        app::ViewerApp viewer(options_of(
            {"--headless", "--no-vsync", "--redraw", "changes", "--verify-damage", "--size",
             "800x500", "--layout", layout_arg.c_str(), "--producer",
             "sweep:interval=0.005,width=200,height=150", "--producer",
             "blobs:interval=0.02,width=160,height=120", "--producer", "sensor:interval=0.01"}));
        viewer.set_pass_hook([&](app::ViewerApp&, std::uint64_t pass) {
            if (pass == 120) push_quit();
        });
        REQUIRE(viewer.run() == 0);
        require_parts_match_whole(viewer);
        std::size_t profiles = 0;
        for (const app::View& v : viewer.canvas().views())
            profiles += v.profile_source != app::Canvas::npos;
        CHECK(profiles == 1); // the camera's profile has its view
    }

} // TEST_SUITE
