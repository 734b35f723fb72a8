// The viewer's own main loop, in this process, headless (SDL offscreen, EGL, llvmpipe): ingest,
// canvas, GL uploads, drawing, axes, panels and swap. It counts operator new over two whole runs
// that differ only in their number of display frames: a loop that allocated per frame would
// show the difference in frames as at least as many allocations. (Mesa and Dear ImGui allocate
// with malloc, which this does not count; rtviewer's own C++ does.)

#include <vector>

#include <doctest/doctest.h>

#include "alloc/count_allocations.hpp"
#include "app/cli.hpp"
#include "app/viewer_app.hpp"

using namespace rtv;

namespace {

// Allocations of one whole headless run of `frames` display frames (with the camera's uint16
// and the transparency scene's RGBA streams as well when `formats`).
std::uint64_t run_viewer(int frames, const char* redraw = "always", bool formats = false) {
    const std::string n = std::to_string(frames);
    // Producers paced by the display (auto) or finished, so each run shows the same kinds of
    // frames whatever its length: sweep (an image and a line), the sensor's append history,
    // waves.
    std::vector<const char*> argv = {"rtviewer",
                                     "--headless",
                                     "--no-vsync",
                                     "--redraw",
                                     redraw,
                                     "--frames",
                                     n.c_str(),
                                     "--producer",
                                     "sweep:interval=auto,iterations=0,width=64,height=48",
                                     "--producer",
                                     "sensor:interval=auto",
                                     "--producer",
                                     "waves:interval=auto,lines=4,points=100"};
    if (formats)
        for (const char* more : {"--producer", "camera:interval=auto,width=64,height=48",
                                 "--producer", "transparency:interval=auto,width=64,height=48"})
            argv.push_back(more);
    app::Options options;
    const app::ParseOutcome parsed =
        app::parse_command_line(int(argv.size()), argv.data(), options);
    REQUIRE(parsed.run);
    const std::uint64_t before = test::allocation_count();
    {
        app::ViewerApp viewer(std::move(options));
        REQUIRE(viewer.run() == 0);
    }
    return test::allocation_count() - before;
}

} // namespace

TEST_SUITE("alloc") {

    TEST_CASE("ViewerApp: the main loop allocates nothing per display frame") {
        (void)run_viewer(30); // the first run loads drivers, fonts and one-time state
        const std::uint64_t short_run = run_viewer(60);
        const std::uint64_t long_run = run_viewer(660);
        MESSAGE("allocations: " << short_run << " over 60 frames, " << long_run
                                << " over 660 frames");
        // 600 more frames: a per-frame allocation anywhere would add 600 or more.
        CHECK(long_run <= short_run + 60);
    }

    TEST_CASE(
        "ViewerApp: drawing on change (wakes and readings and the kept panel) allocates nothing "
        "per display frame") {
        (void)run_viewer(30, "changes");
        const std::uint64_t short_run = run_viewer(60, "changes");
        const std::uint64_t long_run = run_viewer(660, "changes");
        MESSAGE("allocations: " << short_run << " over 60 frames, " << long_run
                                << " over 660 frames");
        CHECK(long_run <= short_run + 60);
    }

    TEST_CASE("ViewerApp: uint16 and RGBA streams allocate nothing per display frame") {
        (void)run_viewer(30, "always", true);
        const std::uint64_t short_run = run_viewer(60, "always", true);
        const std::uint64_t long_run = run_viewer(660, "always", true);
        MESSAGE("allocations: " << short_run << " over 60 frames, " << long_run
                                << " over 660 frames");
        CHECK(long_run <= short_run + 60);
    }

} // TEST_SUITE
