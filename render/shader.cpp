#include "render/shader.hpp"

#include <string>
#include <utility>

#include <glad/gl.h>

namespace rtv::render {

const char* const kViewportQuadVertex = R"(#version 330 core
void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
)";

namespace {
Status compile(std::string_view name, GLenum type, const char* source, GLuint& out) {
    const GLuint shader = glCreateShader(type);
    glShaderSource(shader, 1, &source, nullptr);
    glCompileShader(shader);
    GLint ok = 0;
    glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[1024] = {};
        glGetShaderInfoLog(shader, sizeof log, nullptr, log);
        glDeleteShader(shader);
        return Status::error(std::string(name) + ": " +
                             (type == GL_VERTEX_SHADER ? "vertex" : "fragment") +
                             " shader failed to compile: " + log);
    }
    out = shader;
    return Status::ok();
}
} // namespace

Program::Program(Program&& other) noexcept
    : m_program(std::exchange(other.m_program, 0)) {
}

Program& Program::operator=(Program&& other) noexcept {
    if (this != &other) {
        if (m_program) glDeleteProgram(m_program);
        m_program = std::exchange(other.m_program, 0);
    }
    return *this;
}

Program::~Program() {
    if (m_program) glDeleteProgram(m_program);
}

Status Program::build(std::string_view name, const char* vs, const char* fs) {
    GLuint v = 0, f = 0;
    if (Status s = compile(name, GL_VERTEX_SHADER, vs, v); !s) return s;
    if (Status s = compile(name, GL_FRAGMENT_SHADER, fs, f); !s) {
        glDeleteShader(v);
        return s;
    }
    const GLuint p = glCreateProgram();
    glAttachShader(p, v);
    glAttachShader(p, f);
    glLinkProgram(p);
    glDeleteShader(v);
    glDeleteShader(f);
    GLint ok = 0;
    glGetProgramiv(p, GL_LINK_STATUS, &ok);
    if (!ok) {
        char log[1024] = {};
        glGetProgramInfoLog(p, sizeof log, nullptr, log);
        glDeleteProgram(p);
        return Status::error(std::string(name) + ": program failed to link: " + log);
    }
    if (m_program) glDeleteProgram(m_program);
    m_program = p;
    return Status::ok();
}

int Program::uniform(const char* name) const {
    return glGetUniformLocation(m_program, name);
}

} // namespace rtv::render
