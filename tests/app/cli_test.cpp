#include <vector>

#include <doctest/doctest.h>

#include "app/cli.hpp"
#include "core/memory_budget.hpp"

using namespace rtv;

namespace {
app::ParseOutcome parse(std::vector<const char*> args, app::Options& options) {
    args.insert(args.begin(), "rtviewer");
    return app::parse_command_line(static_cast<int>(args.size()), args.data(), options);
}
app::ParseOutcome parse(std::vector<const char*> args) {
    app::Options options;
    return parse(std::move(args), options);
}
} // namespace

TEST_SUITE("app") {

    TEST_CASE("cli: no arguments run the VisPy example's sweep in a window") {
        app::Options o;
        const auto r = parse({}, o);
        CHECK(r.run);
        CHECK(r.error.empty());
        REQUIRE(o.producers.size() == 1);
        CHECK(o.producers[0].type == "sweep");
        CHECK(o.producer_specs[0] == app::kDefaultProducer);
        CHECK_FALSE(o.headless);
        CHECK(o.colormap == render::Colormap::Viridis);
        CHECK(o.line_color.r == 0.0f);
        CHECK(o.width == 1280);
        CHECK(o.vsync);
    }

    TEST_CASE("cli: every flag is read") {
        app::Options o;
        const auto r = parse({"--producer", "sweep:latency=3", "-p", "waves", "--headless",
                              "--frames", "12", "--screenshot", "a.png", "--stats-json", "s.json",
                              "--colormap", "reds", "--line-color", "#00ff00", "--size", "640x480",
                              "--no-vsync", "--exit-when-done"},
                             o);
        REQUIRE(r.run);
        REQUIRE(o.producers.size() == 2);
        CHECK(o.producers[0].schedule.latency_s == 3.0);
        CHECK(o.producers[1].type == "waves");
        CHECK(o.headless);
        CHECK(*o.frames == 12);
        CHECK(o.screenshot == "a.png");
        CHECK(o.stats_json == "s.json");
        CHECK(o.colormap == render::Colormap::Reds);
        CHECK(o.line_color.g == 1.0f);
        CHECK(o.width == 640);
        CHECK(o.height == 480);
        CHECK_FALSE(o.vsync);
        CHECK(o.exit_when_done);
        CHECK(o.contrast.mode == render::ContrastMode::Auto);
        CHECK(o.memory_limit_mb == default_memory_limit() >> 20); // the default: 1/4 of memory
        app::Options budget;
        REQUIRE(parse({"--memory-limit", "512", "--progress", "2.5", "--no-axes"}, budget).run);
        CHECK(budget.memory_limit_mb == 512);
        CHECK(budget.progress_s == 2.5);
        CHECK_FALSE(budget.axes);
        app::Options d;
        REQUIRE(parse({"--duration", "2.5", "--contrast", "percentile:0.5:99.5"}, d).run);
        CHECK(*d.duration_s == 2.5);
        CHECK(d.contrast.mode == render::ContrastMode::Percentile);
        CHECK(d.contrast.pct_lo == 0.5f);
        CHECK(d.contrast.pct_hi == 99.5f);
        app::Options m;
        REQUIRE(parse({"--contrast", "manual:-1:2.5"}, m).run);
        CHECK(m.contrast.mode == render::ContrastMode::Manual);
        CHECK(m.contrast.manual_lo == -1.0f);
        CHECK(m.contrast.manual_hi == 2.5f);
        app::Options p;
        REQUIRE(parse({"--contrast", "percentile"}, p).run);
        CHECK(p.contrast.pct_lo == 1.0f);
        CHECK(p.contrast.pct_hi == 99.0f);
    }

    TEST_CASE("cli: help version and the producer list exit 0 with their text") {
        auto help = parse({"--help"});
        CHECK_FALSE(help.run);
        CHECK(help.exit_code == 0);
        CHECK(help.output.find("--producer") != std::string::npos);
        CHECK(help.output.find("--headless") != std::string::npos);
        auto version = parse({"--version"});
        CHECK(version.exit_code == 0);
        CHECK(version.output == "rtviewer " RTV_VERSION "\n");
        auto list = parse({"--list-producers"});
        CHECK(list.exit_code == 0);
        CHECK(list.output.find("sweep") != std::string::npos);
        CHECK(list.output.find("sensor") != std::string::npos);
    }

    TEST_CASE("cli: --redraw auto draws on change in a window and always headless") {
        app::Options window, headless, forced;
        REQUIRE(parse({}, window).run);
        CHECK(window.redraw == app::Redraw::Changes);
        REQUIRE(parse({"--headless"}, headless).run);
        CHECK(headless.redraw == app::Redraw::Always);
        REQUIRE(parse({"--headless", "--redraw", "changes"}, forced).run);
        CHECK(forced.redraw == app::Redraw::Changes);
        app::Options always;
        REQUIRE(parse({"--redraw", "always"}, always).run);
        CHECK(always.redraw == app::Redraw::Always);
    }

    TEST_CASE("cli: --image-draw takes auto, screen and texture, auto by default") {
        app::Options none, screen, texture, automatic;
        REQUIRE(parse({}, none).run);
        CHECK(none.image_draw == app::ImageDraw::Auto);
        REQUIRE(parse({"--image-draw", "screen"}, screen).run);
        CHECK(screen.image_draw == app::ImageDraw::Screen);
        REQUIRE(parse({"--image-draw", "texture"}, texture).run);
        CHECK(texture.image_draw == app::ImageDraw::Texture);
        REQUIRE(parse({"--image-draw", "auto"}, automatic).run);
        CHECK(automatic.image_draw == app::ImageDraw::Auto);
    }

    TEST_CASE("cli: bad command lines exit 2 with a message naming the valid choices") {
        struct Case {
            std::vector<const char*> args;
            const char* message;
        };
        // The built-in producers, then the example plugins' (build/lib/rtviewer/plugins).
        const Case cases[] = {
            {{"--producer", "foo"},
             "rtviewer: --producer: unknown producer 'foo', expected one of: sweep, waves, blobs, "
             "camera, transparency, sensor, replay, hdf5, zmq, exec" RTV_OPTIONAL_PLUGINS
             ", minimal, misbehave, testcard"},
            {{"--producer", "sweep:width"},
             "rtviewer: --producer: sweep: setting 'width' has no value, expected width=value"},
            {{"--producer", "sweep:interval=-1"},
             "rtviewer: --producer: sweep: interval must be a number of seconds in 0..86400 or "
             "'auto', got '-1'"},
            {{"--colormap", "jet"},
             "rtviewer: --colormap: unknown colormap 'jet', expected one of: viridis, reds, blues, "
             "grays, "
             "magma, inferno, plasma, turbo"},
            {{"--line-color", "pink"},
             "rtviewer: --line-color: unknown colour 'pink', expected one of: black, red, blue, "
             "green, white, "
             "gray, orange, magenta, cyan, or #rrggbb"},
            {{"--contrast", "median"},
             "rtviewer: --contrast: expected auto, percentile[:LO:HI] (percent, 0 <= LO < HI <= "
             "100) "
             "or manual:LO:HI (LO < HI), got 'median'"},
            {{"--contrast", "manual"},
             "rtviewer: --contrast: expected auto, percentile[:LO:HI] (percent, 0 <= LO < HI <= "
             "100) "
             "or manual:LO:HI (LO < HI), got 'manual'"},
            {{"--contrast", "percentile:5:150"},
             "rtviewer: --contrast: expected auto, percentile[:LO:HI] (percent, 0 <= LO < HI <= "
             "100) "
             "or manual:LO:HI (LO < HI), got 'percentile:5:150'"},
            {{"--contrast", "manual:2:1"},
             "rtviewer: --contrast: expected auto, percentile[:LO:HI] (percent, 0 <= LO < HI <= "
             "100) "
             "or manual:LO:HI (LO < HI), got 'manual:2:1'"},
            {{"--contrast", "hold"},
             "rtviewer: --contrast: expected auto, percentile[:LO:HI] (percent, 0 <= LO < HI <= "
             "100) "
             "or manual:LO:HI (LO < HI), got 'hold'"},
            {{"--redraw", "sometimes"},
             "rtviewer: --redraw: expected one of: auto, changes, always, got 'sometimes'"},
            {{"--image-draw", "gpu"},
             "rtviewer: --image-draw: expected one of: auto, screen, texture, got 'gpu'"},
            {{"--memory-limit", "8"},
             "rtviewer: --memory-limit: must be a whole number of megabytes in 16..16777216, got "
             "'8'"},
            {{"--memory-limit", "lots"},
             "rtviewer: --memory-limit: must be a whole number of megabytes in 16..16777216, got "
             "'lots'"},
            {{"--progress", "0"},
             "rtviewer: --progress: must be a number of seconds in [0.1, 86400], got '0'"},
            {{"--frames", "-1"}, "rtviewer: --frames: must be a whole number >= 1, got '-1'"},
            {{"--frames", "0"}, "rtviewer: --frames: must be a whole number >= 1, got '0'"},
            {{"--duration", "soon"},
             "rtviewer: --duration: must be a number of seconds in (0, 86400], got 'soon'"},
            {{"--size", "0x0"},
             "rtviewer: --size: must be WIDTHxHEIGHT with each in 64..8192, got '0x0'"},
            {{"--size", "800"},
             "rtviewer: --size: must be WIDTHxHEIGHT with each in 64..8192, got '800'"},
        };
        for (const Case& c : cases) {
            CAPTURE(c.message);
            const auto r = parse(c.args);
            CHECK_FALSE(r.run);
            CHECK(r.exit_code == 2);
            CHECK(r.error == c.message);
        }
        const auto unknown = parse({"--fast"});
        CHECK(unknown.exit_code == 2);
        CHECK(unknown.error.find("--fast") != std::string::npos);
        const auto both = parse({"--frames", "3", "--duration", "1"});
        CHECK(both.exit_code == 2);
        CHECK(both.error.find("excludes") != std::string::npos);
    }

} // TEST_SUITE
