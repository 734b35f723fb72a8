#pragma once
// The SDL2 window with its OpenGL 3.3 core context and the Dear ImGui context and backends.
// Headless runs use SDL's "offscreen" video driver (EGL: no X server, no GPU needed) and
// exactly the same drawing code. Thread: main only.

#include <cstdint>
#include <string>

#include "core/status.hpp"

struct SDL_Window;
struct ImDrawData;
union SDL_Event;

namespace rtv::app {

struct WindowOptions {
    std::string title = "rtviewer";
    int width = 1280;
    int height = 800;
    bool headless = false;
    bool vsync = true;
};

// Keeps every shared library loaded so far (call it once a GL context exists: libEGL or libGL,
// and the driver they chose, e.g. Mesa's swrast_dri.so) loaded until the process exits.
// SDL_Quit and eglTerminate would otherwise dlclose the driver, orphaning its one-time global
// allocations, which LeakSanitizer then reports as leaks from an unknown module. Costs nothing:
// the process is about to exit anyway. Does nothing under ThreadSanitizer (no leak check there).
// Called by SdlWindow::open and the GL test fixture.
// Thread: main.
void keep_gl_driver_loaded();

class SdlWindow {
public:
    SdlWindow() = default;
    SdlWindow(const SdlWindow&) = delete;
    SdlWindow& operator=(const SdlWindow&) = delete;
    ~SdlWindow(); // ImGui backends, ImGui context, GL context, SDL, in that order

    // Fails with a one-line message: no display ("... run with --headless"), no GL 3.3, ...
    Status open(const WindowOptions& options);

    // ImGui sees the event first; returns true if ImGui wants it (the canvas should ignore it).
    bool forward_to_imgui(const SDL_Event& event);
    void begin_imgui_frame();
    // Ends ImGui's frame and returns what to draw (valid until the next begin_imgui_frame).
    ImDrawData* finish_imgui_frame();
    // Ends ImGui's frame and draws it.
    void render_imgui();
    // ImGui's blinking text cursor (a loop that draws only on change turns it off).
    void set_cursor_blink(bool on);
    // The display's refresh period (60 Hz when SDL does not know it).
    std::int64_t refresh_period_ns() const;
    void swap();

    SDL_Window* window() const { return m_window; }
    bool minimised() const;
    // Size of the framebuffer in pixels.
    void drawable_size(int& width, int& height) const;
    const std::string& video_driver() const { return m_driver; }

private:
    SDL_Window* m_window = nullptr;
    void* m_context = nullptr; // SDL_GLContext
    bool m_sdl = false, m_imgui = false;
    std::string m_driver;
};

} // namespace rtv::app
