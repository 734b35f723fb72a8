#pragma once
// A linked GLSL program, move-only. Compile and link errors come back as a Status carrying the
// driver's info log. Thread: main (GL context).

#include <cstdint>
#include <string_view>

#include "core/status.hpp"

namespace rtv::render {

// A vertex shader for a quad covering the whole viewport, from gl_VertexID alone: draw 4
// vertices as a triangle strip (with any vertex array bound; no attributes).
extern const char* const kViewportQuadVertex;

class Program {
public:
    Program() = default;
    Program(Program&& other) noexcept;
    Program& operator=(Program&& other) noexcept;
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;
    ~Program();

    // `name` prefixes error messages ("image shader: fragment shader failed to compile: ...").
    Status build(std::string_view name, const char* vertex_source, const char* fragment_source);
    std::uint32_t gl_name() const { return m_program; }
    int uniform(const char* name) const; // -1 if absent

private:
    std::uint32_t m_program = 0; // GLuint
};

} // namespace rtv::render
