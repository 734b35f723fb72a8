// rtviewer: a realtime viewer for streaming image and line data.
// Reads top to bottom: command line, signals, the viewer's loop (app/viewer_app.cpp).

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "app/cli.hpp"
#include "app/viewer_app.hpp"

namespace {
extern "C" void on_signal(int) {
    rtv::app::ViewerApp::s_signal_quit.store(true);
}
} // namespace

int main(int argc, char** argv) {
    rtv::app::Options options;
    const rtv::app::ParseOutcome parsed = rtv::app::parse_command_line(argc, argv, options);
    if (!parsed.output.empty()) std::fputs(parsed.output.c_str(), stdout);
    if (!parsed.error.empty()) std::fprintf(stderr, "%s\n", parsed.error.c_str());
    if (!parsed.run) return parsed.exit_code;

    // SIGINT and SIGTERM end the loop like closing the window: producers are stopped and
    // joined, and the requested outputs are written.
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);

    rtv::app::ViewerApp viewer(std::move(options));
    const int status = viewer.run();
    if (viewer.left_producers_running()) { // its thread may still use the viewer's memory
        std::fflush(nullptr);
        std::_Exit(status);
    }
    return status;
}
