#pragma once
// An offscreen GL 3.3 context for the rendering benchmarks: the viewer's own SdlWindow, headless
// and unpaced.

#include <memory>
#include <string>

#include "app/sdl_window.hpp"
#include "bench/harness.hpp"

namespace rtv::bench {

// Opens a hidden 1280x800 window (SDL offscreen driver) or records why not in `error`;
// `headless` false: a real window on the display instead (still unpaced).
inline std::unique_ptr<app::SdlWindow> open_gl_window(std::string& error, int w = 1280, int h = 800,
                                                      bool headless = true) {
    auto window = std::make_unique<app::SdlWindow>();
    app::WindowOptions o;
    o.title = "rtv_bench";
    o.width = w;
    o.height = h;
    o.headless = headless;
    o.vsync = false;
    if (Status s = window->open(o); !s) {
        error = s.message();
        return nullptr;
    }
    return window;
}

} // namespace rtv::bench
