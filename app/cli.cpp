#include "app/cli.hpp"

#include <charconv>
#include <cmath>

#include <CLI/CLI.hpp>

namespace rtv::app {

namespace {

constexpr const char* kVersion = "rtviewer 0.1.0";

std::string single_quoted(const std::string& s) {
    return "'" + s + "'";
}

bool parse_float(std::string_view s, float& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc{} && end == s.data() + s.size() && std::isfinite(out);
}

// auto | percentile[:LO:HI] | manual:LO:HI
bool parse_contrast(const std::string& text, render::Contrast& c) {
    const std::string_view t(text);
    const std::size_t colon = t.find(':');
    const auto mode = render::find_contrast_mode(t.substr(0, colon));
    if (!mode || *mode == render::ContrastMode::Hold) return false;
    c.mode = *mode;
    if (colon == std::string_view::npos) return c.mode != render::ContrastMode::Manual;
    if (c.mode == render::ContrastMode::Auto) return false;
    const std::string_view rest = t.substr(colon + 1);
    const std::size_t second = rest.find(':');
    if (second == std::string_view::npos) return false;
    float lo = 0, hi = 0;
    if (!parse_float(rest.substr(0, second), lo) || !parse_float(rest.substr(second + 1), hi) ||
        !(lo < hi))
        return false;
    if (c.mode == render::ContrastMode::Percentile) {
        if (lo < 0.0f || hi > 100.0f) return false;
        c.pct_lo = lo;
        c.pct_hi = hi;
    } else {
        c.manual_lo = lo;
        c.manual_hi = hi;
    }
    return true;
}

bool parse_size(const std::string& text, int& w, int& h) {
    const std::size_t x = text.find('x');
    if (x == std::string::npos) return false;
    auto parse = [](std::string_view s, int& out) {
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return !s.empty() && ec == std::errc{} && end == s.data() + s.size();
    };
    const std::string_view t(text);
    return parse(t.substr(0, x), w) && parse(t.substr(x + 1), h);
}

} // namespace

ParseOutcome parse_command_line(int argc, const char* const* argv, Options& options) {
    ParseOutcome out;
    CLI::App cli{"rtviewer: a realtime viewer for streaming image and line data.\n"
                 "Producers run on their own threads; the GUI never waits for them.",
                 "rtviewer"};
    std::vector<std::string> specs;
    std::string frames, duration, colormap = "viridis", contrast = "auto", line_color = "black",
                                  size = "1280x800";
    bool no_vsync = false, list = false, version = false;
    cli.add_option("-p,--producer", specs,
                   "A producer: name[:key=value,...], repeatable (default: " +
                       std::string(kDefaultProducer) + "). See --list-producers.");
    cli.add_flag("--headless", options.headless,
                 "Render off-screen (SDL offscreen driver, EGL): no display or GPU needed");
    auto* frames_opt = cli.add_option("--frames", frames, "Stop after N display frames");
    auto* duration_opt = cli.add_option("--duration", duration, "Stop after SECONDS");
    frames_opt->excludes(duration_opt);
    cli.add_option("--screenshot", options.screenshot, "Write the final frame to FILE.png");
    cli.add_option("--stats-json", options.stats_json, "Write statistics to FILE at exit");
    cli.add_option("--colormap", colormap, "Image colormap: " + render::colormap_list());
    cli.add_option("--contrast", contrast,
                   "Image contrast: auto (each frame's min..max), percentile[:LO:HI] (default "
                   "1:99 %), manual:LO:HI");
    cli.add_option("--line-color", line_color, "Line colour: " + render::color_list());
    cli.add_option("--size", size, "Window size WIDTHxHEIGHT (default 1280x800)");
    cli.add_flag("--no-vsync", no_vsync, "Redraw as fast as possible");
    cli.add_flag("--exit-when-done", options.exit_when_done,
                 "Quit once every producer has ended (iterations reached, a replay at its end)");
    std::string record_limit;
    cli.add_option("--record", options.record_dir,
                   "Record every frame of every stream to DIR (.npy files and index.tsv); play it "
                   "back with --producer replay:path=DIR");
    cli.add_option("--record-limit", record_limit,
                   "Stop recording after MB megabytes of frames (default 1024)");
    cli.add_flag("--list-producers", list, "List the producers and their settings");
    cli.add_flag("--version", version, "Print the version");
    try {
        cli.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        out.output = cli.help();
        return out;
    } catch (const CLI::ParseError& e) {
        out.exit_code = 2;
        out.error =
            std::string("rtviewer: ") + e.what() + "\nRun with --help for more information.";
        return out;
    }
    if (version) {
        out.output = std::string(kVersion) + "\n";
        return out;
    }
    if (list) {
        out.output = producers::describe_all();
        return out;
    }

    auto fail = [&](std::string message) {
        out.exit_code = 2;
        out.error = "rtviewer: " + std::move(message);
        return out;
    };
    if (!frames.empty()) {
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(frames.data(), frames.data() + frames.size(), n);
        if (ec != std::errc{} || end != frames.data() + frames.size() || n < 1)
            return fail("--frames: must be a whole number >= 1, got " + single_quoted(frames));
        options.frames = n;
    }
    if (!duration.empty()) {
        double s = 0;
        const auto [end, ec] =
            std::from_chars(duration.data(), duration.data() + duration.size(), s);
        if (ec != std::errc{} || end != duration.data() + duration.size() || !std::isfinite(s) ||
            s <= 0.0 || s > 86400.0)
            return fail("--duration: must be a number of seconds in (0, 86400], got " +
                        single_quoted(duration));
        options.duration_s = s;
    }
    if (auto map = render::find_colormap(colormap))
        options.colormap = *map;
    else
        return fail("--colormap: unknown colormap " + single_quoted(colormap) +
                    ", expected one of: " + render::colormap_list());
    if (!record_limit.empty()) {
        std::uint64_t mb = 0;
        const auto [end, ec] =
            std::from_chars(record_limit.data(), record_limit.data() + record_limit.size(), mb);
        if (ec != std::errc{} || end != record_limit.data() + record_limit.size() || mb < 1 ||
            mb > 1'000'000)
            return fail("--record-limit: must be a whole number of megabytes in 1..1000000, got " +
                        single_quoted(record_limit));
        options.record_limit_mb = mb;
    }
    if (!parse_contrast(contrast, options.contrast))
        return fail("--contrast: expected auto, percentile[:LO:HI] (percent, 0 <= LO < HI <= "
                    "100) or manual:LO:HI (LO < HI), got " +
                    single_quoted(contrast));
    if (auto c = render::find_color(line_color))
        options.line_color = *c;
    else
        return fail("--line-color: unknown colour " + single_quoted(line_color) +
                    ", expected one of: " + render::color_list());
    if (!parse_size(size, options.width, options.height) || options.width < 64 ||
        options.height < 64 || options.width > 8192 || options.height > 8192)
        return fail("--size: must be WIDTHxHEIGHT with each in 64..8192, got " +
                    single_quoted(size));
    options.vsync = !no_vsync;
    if (specs.empty()) specs.emplace_back(kDefaultProducer);
    for (const std::string& spec : specs) {
        producers::CreatedProducer made;
        if (Status s = producers::create(spec, made); !s) return fail("--producer: " + s.message());
        options.producers.push_back(std::move(made));
    }
    options.producer_specs = std::move(specs);
    out.run = true;
    return out;
}

} // namespace rtv::app
