#pragma once
// A hidden SDL window with an OpenGL 3.3 core context, created lazily on first use (not in
// main(), so listing the tests needs no display). Uses SDL's offscreen driver (EGL, Mesa
// llvmpipe: no X server, no GPU) unless RTV_TEST_DISPLAY=1 asks for the real display.

#include <cstdlib>
#include <string>

#include <SDL.h>
#include <doctest/doctest.h>

#include "app/sdl_window.hpp"
#include "render/gl.hpp"
#include "render/snapshot.hpp"

namespace rtv::test {

class GlContext {
public:
    static constexpr int kWidth = 200;
    static constexpr int kHeight = 100;

    // The shared context, made current; fails the test with SDL's reason if there is none.
    static GlContext& get() {
        static GlContext context;
        REQUIRE_MESSAGE(context.m_error.empty(), context.m_error);
        SDL_GL_MakeCurrent(context.m_window, context.m_context);
        return context;
    }

private:
    GlContext() {
        const char* display = std::getenv("RTV_TEST_DISPLAY");
        if (!display || std::string(display) != "1") SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
        if (SDL_Init(SDL_INIT_VIDEO) != 0) {
            m_error = std::string("SDL_Init: ") + SDL_GetError();
            return;
        }
        SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
        SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
        SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 3);
        SDL_GL_SetAttribute(SDL_GL_ALPHA_SIZE, 8);
        SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0); // as the viewer's window (sdl_window.cpp)
        SDL_GL_SetAttribute(SDL_GL_STENCIL_SIZE, 0);
        m_window = SDL_CreateWindow("rtv gl tests", 0, 0, kWidth, kHeight,
                                    SDL_WINDOW_OPENGL | SDL_WINDOW_HIDDEN);
        if (!m_window) {
            m_error = std::string("SDL_CreateWindow: ") + SDL_GetError();
            return;
        }
        m_context = SDL_GL_CreateContext(m_window);
        if (!m_context) {
            m_error = std::string("SDL_GL_CreateContext: ") + SDL_GetError();
            return;
        }
        app::keep_gl_driver_loaded(); // as the viewer does (LeakSanitizer and Mesa's globals)
        if (Status s = render::load_gl(&SDL_GL_GetProcAddress); !s) m_error = s.message();
    }
    ~GlContext() {
        if (m_context) SDL_GL_DeleteContext(m_context);
        if (m_window) SDL_DestroyWindow(m_window);
        SDL_Quit();
    }
    SDL_Window* m_window = nullptr;
    SDL_GLContext m_context = nullptr;
    std::string m_error;
};

// The fixture's framebuffer size, and what the pixel tests compare in it.
inline constexpr int kW = GlContext::kWidth, kH = GlContext::kHeight;

struct Pixel {
    int r, g, b;
};

// Each channel within `tol` of the other's (8-bit levels).
inline bool near(Pixel a, Pixel b, int tol = 2) {
    return std::abs(a.r - b.r) <= tol && std::abs(a.g - b.g) <= tol && std::abs(a.b - b.b) <= tol;
}

// The whole framebuffer, read back.
inline render::RgbaImage grab() {
    render::RgbaImage img;
    REQUIRE(render::read_pixels(0, 0, kW, kH, img).is_ok());
    return img;
}

} // namespace rtv::test
