#include "app/sdl_window.hpp"

#include <cstdlib>

#include <SDL.h>
#include <backends/imgui_impl_opengl3.h>
#include <backends/imgui_impl_sdl.h>
#include <dlfcn.h>
#include <imgui.h>
#include <link.h>

#include "render/gl.hpp"

namespace rtv::app {

void keep_gl_driver_loaded() {
    // Not under ThreadSanitizer: it has no leak check, and there each dlopen costs a scan of
    // every loaded module (its library filter): about 120 of them, 0.2 s of every start.
#if !defined(__SANITIZE_THREAD__)
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void*) {
            if (info->dlpi_name && info->dlpi_name[0] != '\0') // the main program has no name
                (void)dlopen(info->dlpi_name, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
            return 0;
        },
        nullptr);
#endif
}

SdlWindow::~SdlWindow() {
    if (m_imgui) {
        ImGui_ImplOpenGL3_Shutdown();
        ImGui_ImplSDL2_Shutdown();
        ImGui::DestroyContext();
    }
    if (m_context) SDL_GL_DeleteContext(m_context);
    if (m_window) SDL_DestroyWindow(m_window);
    if (m_sdl) SDL_Quit();
}

Status SdlWindow::open(const WindowOptions& o) {
    if (o.headless) {
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
    } else if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY") &&
               !std::getenv("SDL_VIDEODRIVER")) {
        return Status::error("rtviewer: no display found (DISPLAY and WAYLAND_DISPLAY are unset); "
                             "run with --headless to render off-screen");
    }
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1"); // SIGINT/SIGTERM are ours (a clean stop)
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0)
        return Status::error(std::string("rtviewer: cannot start SDL video (") + SDL_GetError() +
                             ")" +
                             (o.headless ? "" : "; run with --headless to render off-screen"));
    m_sdl = true;
    m_driver = SDL_GetCurrentVideoDriver() ? SDL_GetCurrentVideoDriver() : "unknown";

    SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
    SDL_GL_SetAttribute(SDL_GL_ALPHA_SIZE, 8);
    // No depth or stencil buffer (SDL asks for a 16-bit depth buffer unless told): nothing the
    // viewer draws uses one, and with one llvmpipe leaves its fast paths for whole rectangles
    // (a scissored clear: about 1 ns a pixel without, 3.4 ns with, on the CI machine).
    SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
    SDL_GL_SetAttribute(SDL_GL_STENCIL_SIZE, 0);
    Uint32 flags = SDL_WINDOW_OPENGL | SDL_WINDOW_ALLOW_HIGHDPI;
    flags |= o.headless ? SDL_WINDOW_HIDDEN : SDL_WINDOW_RESIZABLE;
    m_window = SDL_CreateWindow(o.title.c_str(), SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                                o.width, o.height, flags);
    if (!m_window)
        return Status::error(std::string("rtviewer: cannot create a window (") + SDL_GetError() +
                             ")");
    m_context = SDL_GL_CreateContext(m_window);
    if (!m_context)
        return Status::error(std::string("rtviewer: cannot create an OpenGL 3.3 core context (") +
                             SDL_GetError() + ")");
    SDL_GL_MakeCurrent(m_window, m_context);
    keep_gl_driver_loaded();
    SDL_GL_SetSwapInterval(o.vsync ? 1 : 0); // may be refused (offscreen): then unpaced
    if (Status s = render::load_gl(&SDL_GL_GetProcAddress); !s)
        return Status::error("rtviewer: " + s.message());

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr; // no imgui.ini dropped in the user's directory
    ImGui::StyleColorsDark();
    if (!ImGui_ImplSDL2_InitForOpenGL(m_window, m_context) ||
        !ImGui_ImplOpenGL3_Init("#version 330"))
        return Status::error("rtviewer: cannot start the Dear ImGui backends");
    m_imgui = true;
    return Status::ok();
}

bool SdlWindow::forward_to_imgui(const SDL_Event& event) {
    ImGui_ImplSDL2_ProcessEvent(&event);
    const ImGuiIO& io = ImGui::GetIO();
    switch (event.type) {
    case SDL_MOUSEMOTION:
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
    case SDL_MOUSEWHEEL:
        return io.WantCaptureMouse;
    case SDL_KEYDOWN:
    case SDL_KEYUP:
    case SDL_TEXTINPUT:
        return io.WantCaptureKeyboard;
    default:
        return false;
    }
}

void SdlWindow::begin_imgui_frame() {
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplSDL2_NewFrame();
    ImGui::NewFrame();
}

ImDrawData* SdlWindow::finish_imgui_frame() {
    ImGui::Render();
    return ImGui::GetDrawData();
}

void SdlWindow::render_imgui() {
    ImGui_ImplOpenGL3_RenderDrawData(finish_imgui_frame());
}

void SdlWindow::set_cursor_blink(bool on) {
    ImGui::GetIO().ConfigInputTextCursorBlink = on;
}

std::int64_t SdlWindow::refresh_period_ns() const {
    SDL_DisplayMode mode{};
    const int display = m_window ? SDL_GetWindowDisplayIndex(m_window) : 0;
    if (SDL_GetCurrentDisplayMode(display < 0 ? 0 : display, &mode) != 0 || mode.refresh_rate <= 0)
        return 16'666'667;
    return 1'000'000'000 / mode.refresh_rate;
}

void SdlWindow::swap() {
    render::flush(); // offscreen swaps do not flush (see render::flush)
    SDL_GL_SwapWindow(m_window);
}

void SdlWindow::drawable_size(int& width, int& height) const {
    SDL_GL_GetDrawableSize(m_window, &width, &height);
}

bool SdlWindow::minimised() const {
    return m_window && (SDL_GetWindowFlags(m_window) & SDL_WINDOW_MINIMIZED) != 0;
}

} // namespace rtv::app
