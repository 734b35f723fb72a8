#pragma once
// The command line: parsed with CLI11, then every value checked with a message that names the
// valid choices. Bad input exits with status 2. Thread: main.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/layout.hpp"
#include "producers/registry.hpp"
#include "render/colormap.hpp"
#include "render/contrast.hpp"
#include "storage/record_writer.hpp"

namespace rtv::app {

// When the loop draws: on every pass (headless runs and benchmarks: paced at 60 Hz unless
// --no-vsync) or only when something changed (a window: a frame arrived, the user acted, a number
// the panel shows moved; otherwise the loop sleeps).
enum class Redraw { Always, Changes };
// --image-draw: images drawn at screen resolution on the CPU, or as whole textures the GPU
// samples; auto: screen resolution on a software rasteriser (llvmpipe, softpipe).
enum class ImageDraw { Auto, Screen, Texture };

struct Options {
    std::vector<std::string> producer_specs;           // as given; sweep when none
    std::vector<producers::CreatedProducer> producers; // made from the specs
    bool headless = false;
    std::optional<std::uint64_t> frames; // stop after this many display frames
    std::optional<double> duration_s;    // or after this many seconds
    std::string screenshot;              // PNG of the final frame
    std::string stats_json;              // statistics at exit
    render::Colormap colormap = render::Colormap::Viridis;
    render::Contrast contrast;
    render::Rgb line_color{0.0f, 0.0f, 0.0f};
    int width = 1280;
    int height = 800;
    bool vsync = true;
    bool verify_damage = false;      // --verify-damage: partial frames compared with whole ones
    Redraw redraw = Redraw::Changes; // --redraw; auto: changes in a window, always headless
    ImageDraw image_draw = ImageDraw::Auto;
    std::uint64_t memory_limit_mb = 0; // --memory-limit; 0 until parsed (then the default)
    double progress_s = 0.0;           // --progress: a status line on stdout every so many seconds
    bool axes = true;            // --no-axes: data areas fill their views, no ticks, no colorbars
    bool exit_when_done = false; // quit once every producer has ended
    std::string record_dir;      // --record: FILE.h5 (HDF5) or DIR (.npy files, with an index)
    storage::Compression record_compression = storage::Compression::None;
    std::uint64_t record_limit_mb = 1024;
    LayoutSpec layout = default_layout(); // --layout: auto or FILE.json
    std::string save_layout;              // --save-layout: the layout in use, at exit
    // --history: MB of each stream's history (0: none), and streams with a size of their own.
    std::uint64_t history_mb = 0; // the default once parsed: min(384, memory limit / 8)
    std::vector<std::pair<std::string, std::uint64_t>> history_streams;
    // --history-export SECONDS DIR: at exit, the moment SECONDS before the end: a screenshot
    // and its frames as .npy in DIR.
    std::optional<double> history_export_s;
    std::string history_export_dir;
};

struct ParseOutcome {
    bool run = false; // false: exit now with exit_code
    int exit_code =
        0; // 0 after --help, --version, --list-producers, --list-cameras; 2 after bad input
    std::string output; // for stdout (help, version, listing)
    std::string error;  // for stderr, one line per problem
};

ParseOutcome parse_command_line(int argc, const char* const* argv, Options& options);

// What --list-cameras prints: one line per device the loaded plugins' discover() found (the
// --producer spec that shows it, then a description), or "no cameras found (searched: ...)".
// Blocks while the plugins search (about a second for Aravis). Thread: any.
std::string list_cameras_text();

// The producer used when none is given: VisPy's example at a lively interval.
constexpr const char* kDefaultProducer = "sweep:interval=0.016,iterations=0";

} // namespace rtv::app
