#include "render/gl.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <glad/gl.h>

namespace rtv::render {

Status load_gl(GlProcLoader loader) {
    const int version = gladLoadGL(reinterpret_cast<GLADloadfunc>(loader));
    if (version == 0)
        return Status::error("OpenGL: could not load the GL functions of the context");
    const int major = GLAD_VERSION_MAJOR(version), minor = GLAD_VERSION_MINOR(version);
    if (major < 3 || (major == 3 && minor < 3))
        return Status::error("OpenGL: version is too old, got " + std::to_string(major) + "." +
                             std::to_string(minor) + ", expected 3.3 or newer");
    return Status::ok();
}

namespace {
std::string gl_string(GLenum name) {
    const auto* s = reinterpret_cast<const char*>(glGetString(name));
    return s ? s : "unknown";
}
const char* error_name(GLenum e) {
    switch (e) {
    case GL_INVALID_ENUM:
        return "GL_INVALID_ENUM";
    case GL_INVALID_VALUE:
        return "GL_INVALID_VALUE";
    case GL_INVALID_OPERATION:
        return "GL_INVALID_OPERATION";
    case GL_OUT_OF_MEMORY:
        return "GL_OUT_OF_MEMORY";
    case GL_INVALID_FRAMEBUFFER_OPERATION:
        return "GL_INVALID_FRAMEBUFFER_OPERATION";
    default:
        return "unknown";
    }
}
} // namespace

std::string gl_version() {
    return gl_string(GL_VERSION);
}
std::string gl_renderer() {
    return gl_string(GL_RENDERER);
}

std::uint32_t create_data_texture() {
    GLuint texture = 0;
    glGenTextures(1, &texture);
    glBindTexture(GL_TEXTURE_2D, texture);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    return texture;
}

int max_texture_size() {
    static int size = 0; // one context per process (the viewer's, or a test's)
    if (size == 0) glGetIntegerv(GL_MAX_TEXTURE_SIZE, &size);
    return size;
}

void set_clear_color(float r, float g, float b) {
    const auto step = [](float c) {
        return (std::round(std::clamp(c, 0.0f, 1.0f) * 255.0f) + 0.25f) / 255.0f;
    };
    glClearColor(step(r), step(g), step(b), 1.0f);
}

void flush() {
    glFlush();
}

Status check_gl(const char* where) {
    const GLenum first = glGetError();
    if (first == GL_NO_ERROR) return Status::ok();
    while (glGetError() != GL_NO_ERROR) {
    }
    char buf[160];
    std::snprintf(buf, sizeof buf, "GL error 0x%04x (%s) in %s", first, error_name(first), where);
    return Status::error(buf);
}

} // namespace rtv::render
