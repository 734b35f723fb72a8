#include "app/cli.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "app/run_report.hpp"
#include "core/memory_budget.hpp"
#include "plugin_host/plugin_loader.hpp"
#include "wire/curve.hpp"

namespace rtv::app {

namespace {

std::string single_quoted(const std::string& s) {
    return "'" + s + "'";
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

std::string list_cameras_text() {
    std::vector<std::string> searched;
    const std::vector<plugins::FoundDevice> found = plugins::discover_devices(&searched);
    if (found.empty()) {
        std::string names;
        for (const std::string& n : searched)
            names += (names.empty() ? "" : ", ") + n;
        return "no cameras found (searched: " +
               (names.empty() ? std::string("nothing, no plugin that can search is loaded")
                              : names) +
               ")\n";
    }
    std::size_t width = 0;
    for (const plugins::FoundDevice& d : found)
        width = std::max(width, d.spec.size());
    std::string out;
    for (const plugins::FoundDevice& d : found)
        out += d.spec + std::string(width - d.spec.size() + 2, ' ') + d.description + "\n";
    return out;
}

ParseOutcome parse_command_line(int argc, const char* const* argv, Options& options) {
    ParseOutcome out;
    CLI::App cli{"rtviewer: a realtime viewer for streaming image and line data.\n"
                 "Producers run on their own threads; the GUI never waits for them.",
                 "rtviewer"};
    cli.footer("Documentation: man rtviewer, and share/doc/rtviewer/docs/index.md under the "
               "install prefix (/usr from the .deb).");
    std::vector<std::string> specs;
    std::string frames, duration, colormap = "viridis", contrast = "auto", line_color = "black",
                                  size = "1280x800";
    bool no_vsync = false, list = false, version = false, list_cameras = false;
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
    cli.add_flag("--no-vsync", no_vsync,
                 "Redraw as fast as possible (default: at the display's refresh rate, 60 Hz "
                 "headless)");
    std::string redraw = "auto";
    cli.add_option("--redraw", redraw,
                   "When to draw: changes (only when a frame arrived, you acted or a shown number "
                   "changed; idle costs nothing), always (every pass, as a benchmark wants), or "
                   "auto (default: changes in a window, always with --headless). With changes, "
                   "only the parts of the window that changed are drawn where the back buffer "
                   "keeps its pixels; always draws the whole window every time");
    std::string image_draw = "auto";
    cli.add_option("--image-draw", image_draw,
                   "How images reach the screen: screen (the pixels the screen shows are picked "
                   "and colormapped on the CPU: cheaper where the GPU is the CPU), texture (each "
                   "frame uploaded whole, colormapped by the GPU), or auto (default: screen on a "
                   "software rasteriser such as llvmpipe, texture on a GPU). The picture is the "
                   "same");
    cli.add_flag("--verify-damage", options.verify_damage,
                 "Check every frame drawn in parts against the whole frame drawn from the same "
                 "state and report any difference (a debugging aid: two read-backs a frame)");
    bool no_axes = false;
    cli.add_flag("--no-axes", no_axes, "No axes and no colorbars: the data fill the views");
    cli.add_flag("--exit-when-done", options.exit_when_done,
                 "Quit once every producer has ended (iterations reached, a replay at its end)");
    std::string record_limit, layout, memory_limit, progress;
    cli.add_option("--progress", progress,
                   "Print a status line (frames, fps, memory) on stdout every SECONDS: for long "
                   "headless runs and soak tests");
    const std::uint64_t default_limit_mb = default_memory_limit() >> 20;
    cli.add_option("--memory-limit", memory_limit,
                   "Most memory in MB that frame pools, line histories, the record ring and "
                   "ZeroMQ's queue may take together; a stream that would pass it is refused "
                   "(default: a quarter of physical memory, here " +
                       std::to_string(default_limit_mb) + ")");
    cli.add_option(
        "--layout", layout,
        "Views: auto (one per image stream, one per producer's line streams) or a "
        "layout FILE.json (docs/views-and-layouts.md); default: image view over line view");
    cli.add_option("--save-layout", options.save_layout,
                   "Write the layout in use to FILE.json at exit (--layout reads it back)");
    std::string record_compression;
    cli.add_option("--record", options.record_dir,
                   "Record every frame of every stream to FILE.h5 (HDF5, NeXus layout, readable "
                   "while written; play it back with --producer hdf5:path=FILE.h5) or to DIR "
                   "(.npy files and index.tsv; --producer replay:path=DIR)");
    cli.add_option("--record-compression", record_compression,
                   "HDF5 recordings: none (default), gzip, lz4 or bitshuffle-lz4");
    cli.add_option("--record-limit", record_limit,
                   "Stop recording after MB megabytes of frames (default 1024)");
    std::vector<std::string> history, history_export;
    cli.add_option("--history", history,
                   "MB of history kept per stream, to look back along the timeline (default: "
                   "384, at most an eighth of the memory limit; 0: none); NAME=MB for one "
                   "stream; repeatable");
    cli.add_option("--history-export", history_export,
                   "SECONDS DIR: at exit, write the moment SECONDS before the end to DIR (a "
                   "screenshot and its frames as .npy, the recorder's format)")
        ->expected(2);
    std::vector<std::string> plugin_files;
    cli.add_option("--plugin", plugin_files,
                   "Load the producers of a plugin FILE.so, repeatable; plugins in the "
                   "directories of RTV_PLUGIN_PATH and in lib/rtviewer/plugins load by themselves "
                   "(docs/plugins.md)");
    cli.add_flag("--list-producers", list,
                 "List the producers (built in and from plugins) and their settings");
    cli.add_flag("--list-cameras", list_cameras,
                 "List the cameras and video devices the plugins find now (Aravis' GigE Vision "
                 "and USB3 Vision cameras, GStreamer's video sources), each with the --producer "
                 "spec that shows it");
    cli.add_flag("--version", version, "Print the version");
    std::string gen_keys;
    auto* gen_keys_opt =
        cli.add_option("--gen-keys", gen_keys,
                       "Write a CURVE key pair, NAME.key (public, to give out) and NAME.key_secret "
                       "(secret, mode 0600), then exit; never overwrites (docs/security.md)")
            ->type_name("NAME");
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
        out.output = std::string(version_string()) + "\n";
        return out;
    }
    if (gen_keys_opt->count() > 0) {
        if (Status s = curve::generate_keys(gen_keys); !s) {
            out.exit_code = 2;
            const std::string_view why = s.message();
            out.error = "rtviewer: --gen-keys: " +
                        std::string(why.starts_with("curve: ") ? why.substr(7) : why);
            return out;
        }
        out.output = "rtviewer: public key " + curve::public_key_path(gen_keys) +
                     " (give it to the other side)\nrtviewer: secret key " +
                     curve::secret_key_path(gen_keys) + " (mode 0600, keep it private)\n";
        return out;
    }
    // Before any producer is looked up: a plugin's producers join the built-in ones. One that
    // does not load is reported (in the listing, or on stderr) and the viewer goes on. The
    // plugin directories are searched when they can matter: for the listing, and when a
    // --producer names a producer no built-in has (a run of built-ins loads no library it does
    // not use; --plugin files always load).
    plugins::register_exec();
    bool search_dirs = list || list_cameras;
    for (const std::string& spec : specs)
        search_dirs = search_dirs || !producers::find(spec.substr(0, spec.find(':')));
    plugins::load_all(plugin_files, !list, search_dirs);
    if (list) {
        out.output = producers::describe_all();
        return out;
    }
    if (list_cameras) {
        out.output = list_cameras_text();
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
    if (!record_compression.empty()) {
        if (Status s = storage::parse_compression(record_compression, options.record_compression);
            !s)
            return fail(s.message().substr(std::string_view("rtviewer: ").size()));
        if (!storage::is_hdf5_path(options.record_dir))
            return fail("--record-compression: only for an HDF5 recording (--record FILE.h5), "
                        "got --record " +
                        single_quoted(options.record_dir));
        if (Status s = storage::compression_available(options.record_compression); !s)
            return fail(s.message().substr(std::string_view("rtviewer: ").size()));
    }
    if (storage::is_hdf5_path(options.record_dir) && std::filesystem::exists(options.record_dir))
        return fail("--record: " + single_quoted(options.record_dir) +
                    " already exists; choose another file (a recording is never overwritten)");
    if (!progress.empty()) {
        double s = 0;
        const auto [end, ec] =
            std::from_chars(progress.data(), progress.data() + progress.size(), s);
        if (ec != std::errc{} || end != progress.data() + progress.size() || !(s >= 0.1) ||
            s > 86400.0)
            return fail("--progress: must be a number of seconds in [0.1, 86400], got " +
                        single_quoted(progress));
        options.progress_s = s;
    }
    options.memory_limit_mb = default_limit_mb;
    if (!memory_limit.empty()) {
        std::uint64_t mb = 0;
        const auto [end, ec] =
            std::from_chars(memory_limit.data(), memory_limit.data() + memory_limit.size(), mb);
        if (ec != std::errc{} || end != memory_limit.data() + memory_limit.size() || mb < 16 ||
            mb > (std::uint64_t{1} << 24))
            return fail("--memory-limit: must be a whole number of megabytes in 16..16777216, "
                        "got " +
                        single_quoted(memory_limit));
        options.memory_limit_mb = mb;
    }
    options.history_mb = std::min<std::uint64_t>(384, options.memory_limit_mb / 8);
    for (const std::string& h : history) {
        const std::size_t eq = h.rfind('=');
        const std::string name = eq == std::string::npos ? "" : h.substr(0, eq);
        const std::string number = eq == std::string::npos ? h : h.substr(eq + 1);
        std::uint64_t mb = 0;
        const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), mb);
        if (ec != std::errc{} || end != number.data() + number.size() ||
            (eq != std::string::npos && name.empty()))
            return fail("--history: expected MB or NAME=MB (whole megabytes), got " +
                        single_quoted(h));
        if (mb > options.memory_limit_mb)
            return fail("--history: " + std::to_string(mb) +
                        " MB is more than the memory limit of " +
                        std::to_string(options.memory_limit_mb) + " MB (--memory-limit)");
        if (name.empty())
            options.history_mb = mb;
        else
            options.history_streams.emplace_back(name, mb);
    }
    if (!history_export.empty()) {
        double s = 0;
        const std::string& t = history_export[0];
        const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), s);
        if (ec != std::errc{} || end != t.data() + t.size() || !(s >= 0.0) || s > 86400.0)
            return fail("--history-export: SECONDS must be a number in [0, 86400], got " +
                        single_quoted(t));
        options.history_export_s = s;
        options.history_export_dir = history_export[1];
        if (options.history_mb == 0 && options.history_streams.empty())
            return fail("--history-export: needs a history, but --history is 0");
    }
    if (auto c = render::parse_contrast(contrast))
        options.contrast = *c;
    else
        return fail(std::string("--contrast: expected ") + render::kContrastSyntax + ", got " +
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
    if (redraw == "changes" || (redraw == "auto" && !options.headless))
        options.redraw = Redraw::Changes;
    else if (redraw == "always" || redraw == "auto")
        options.redraw = Redraw::Always;
    else
        return fail("--redraw: expected one of: auto, changes, always, got " +
                    single_quoted(redraw));
    if (image_draw == "auto")
        options.image_draw = ImageDraw::Auto;
    else if (image_draw == "screen")
        options.image_draw = ImageDraw::Screen;
    else if (image_draw == "texture")
        options.image_draw = ImageDraw::Texture;
    else
        return fail("--image-draw: expected one of: auto, screen, texture, got " +
                    single_quoted(image_draw));
    options.axes = !no_axes;
    if (layout == "auto") {
        options.layout = LayoutSpec{};
        options.layout.mode = LayoutMode::Auto;
    } else if (!layout.empty()) {
        if (Status s = load_layout(layout, options.layout); !s)
            return fail("--layout: " + s.message());
    }
    if (specs.empty()) specs.emplace_back(kDefaultProducer);
    for (const std::string& spec : specs) {
        producers::CreatedProducer made;
        if (Status s = producers::create(spec, made); !s) return fail("--producer: " + s.message());
        if (Status s = plugins::apply_process_settings(made); !s)
            return fail("--producer: " + s.message());
        options.producers.push_back(std::move(made));
    }
    if (Status s = producers::instance_names(options.producers); !s)
        return fail("--producer: " + s.message());
    options.producer_specs = std::move(specs);
    out.run = true;
    return out;
}

} // namespace rtv::app
