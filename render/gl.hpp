#pragma once
// Loading OpenGL (3.3 core) through glad, and what the driver says about itself.
// Thread: main (the thread whose GL context is current). GL types stay out of headers.

#include <cstdint>
#include <string>

#include "core/status.hpp"

namespace rtv::render {

using GlProcLoader = void* (*)(const char* name);

// Loads the GL functions of the current context; fails if the context is older than 3.3.
Status load_gl(GlProcLoader loader);
// "4.5 (Core Profile) Mesa 22.3.6" and "llvmpipe (LLVM 15.0.6, 256 bits)".
std::string gl_version();
std::string gl_renderer();
// A new 2D texture, bound, with nearest filtering and clamped edges (data textures: images and
// colormap tables must not be interpolated). Returns its GL name.
std::uint32_t create_data_texture();
// GL_MAX_TEXTURE_SIZE: the largest image side this context takes (asked once, then remembered).
int max_texture_size();
// glClearColor with each channel set a quarter step above its nearest 8-bit value, so that a
// clear gives one colour whichever way the driver converts: llvmpipe rounds in a whole clear but
// truncates in a scissored one (0.1 came out 26 and 25), and a frame drawn in parts must equal
// the frame drawn whole. Alpha is 1.
void set_clear_color(float r, float g, float b);
// Hands the frame's GL commands to the driver to execute (glFlush). A swap does that for a
// window, but an offscreen (pbuffer) swap does not: without it llvmpipe renders nothing until an
// upload touches a texture the pending frames use, and then waits for all of them.
void flush();

// The first GL error since the last call, as "GL error 0x0502 (GL_INVALID_OPERATION) in <where>",
// or ok. Clears the error flags.
Status check_gl(const char* where);
// check_gl in Debug builds; ok without asking the driver in Release builds. For the steady-state
// paths (every upload): glGetError can make a driver wait for its queue, and the viewer asks
// once per frame instead (an error there names the frame, not the call).
inline Status check_gl_debug([[maybe_unused]] const char* where) {
#ifdef NDEBUG
    return Status::ok();
#else
    return check_gl(where);
#endif
}

} // namespace rtv::render
