#include "app/damage.hpp"

#include <glad/gl.h>

namespace rtv::app {

namespace {

std::uint32_t read_corner() {
    unsigned char p[4] = {};
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, p);
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16;
}

} // namespace

void BackBufferProbe::before_draw() {
    if (!m_marked) return;
    m_marked = false;
    const bool same = read_corner() == m_written;
    if (!same)
        m_state = State::NotKept;
    else if (m_state == State::FirstMark)
        m_state = State::SecondMark;
    else if (m_state == State::SecondMark)
        m_state = State::Kept;
}

void BackBufferProbe::before_swap() {
    if (m_state == State::Unchecked) m_state = State::FirstMark;
    if (m_state != State::FirstMark && m_state != State::SecondMark) return;
    // Two markers unlike each other and unlike anything the viewer draws in its corner.
    const bool first = m_state == State::FirstMark;
    glEnable(GL_SCISSOR_TEST);
    glScissor(0, 0, 1, 1);
    glClearColor(first ? 0.2f : 0.9f, first ? 0.9f : 0.2f, first ? 0.4f : 0.6f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    glDisable(GL_SCISSOR_TEST);
    m_written = read_corner(); // what the buffer holds of it (its bit depth may round it)
    m_marked = true;
}

const char* BackBufferProbe::name() const {
    switch (m_state) {
    case State::Kept:
        return "kept";
    case State::NotKept:
        return "not kept";
    default:
        return "unchecked";
    }
}

} // namespace rtv::app
