#include "render/image_layer.hpp"

#include <utility>

#include <glad/gl.h>

#include "render/gl.hpp"

namespace rtv::render {

ImageLayer::ImageLayer(ImageLayer&& other) noexcept
    : m_texture(std::exchange(other.m_texture, 0))
    , m_fbo(std::exchange(other.m_fbo, 0))
    , m_desc(other.m_desc) {
}

ImageLayer& ImageLayer::operator=(ImageLayer&& other) noexcept {
    if (this != &other) {
        if (m_texture) glDeleteTextures(1, &m_texture);
        if (m_fbo) glDeleteFramebuffers(1, &m_fbo);
        m_texture = std::exchange(other.m_texture, 0);
        m_fbo = std::exchange(other.m_fbo, 0);
        m_desc = other.m_desc;
    }
    return *this;
}

ImageLayer::~ImageLayer() {
    if (m_texture) glDeleteTextures(1, &m_texture);
    if (m_fbo) glDeleteFramebuffers(1, &m_fbo);
}

std::optional<float> ImageLayer::read_texel(std::uint32_t x, std::uint32_t y) {
    if (m_texture == 0 || x >= m_desc.width || y >= m_desc.height) return std::nullopt;
    GLint previous = 0;
    glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &previous);
    if (m_fbo == 0) {
        glGenFramebuffers(1, &m_fbo);
        glBindFramebuffer(GL_READ_FRAMEBUFFER, m_fbo);
        glFramebufferTexture2D(GL_READ_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, m_texture,
                               0);
    } else {
        glBindFramebuffer(GL_READ_FRAMEBUFFER, m_fbo);
    }
    float value = 0.0f;
    const bool complete = glCheckFramebufferStatus(GL_READ_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
    if (complete) {
        glPixelStorei(GL_PACK_ALIGNMENT, 4);
        glReadPixels(static_cast<GLint>(x), static_cast<GLint>(y), 1, 1, GL_RED, GL_FLOAT, &value);
    }
    glBindFramebuffer(GL_READ_FRAMEBUFFER, static_cast<GLuint>(previous));
    if (!complete || !check_gl("image layer texel read")) return std::nullopt;
    return value;
}

Status ImageLayer::upload(const ImageDesc& desc, std::span<const float> pixels) {
    if (pixels.size() < desc.pixel_count() || desc.width == 0 || desc.height == 0)
        return Status::error("image layer: frame is shorter than its size, got " +
                             std::to_string(pixels.size()) + " pixels, expected " +
                             std::to_string(desc.pixel_count()));
    const auto w = static_cast<GLsizei>(desc.width), h = static_cast<GLsizei>(desc.height);
    if (m_texture == 0)
        m_texture = create_data_texture();
    else
        glBindTexture(GL_TEXTURE_2D, m_texture);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    if (!(desc == m_desc)) {
        glTexImage2D(GL_TEXTURE_2D, 0, GL_R32F, w, h, 0, GL_RED, GL_FLOAT, pixels.data());
        m_desc = desc;
        if (m_fbo) { // the attachment's storage changed: attach afresh at the next read
            glDeleteFramebuffers(1, &m_fbo);
            m_fbo = 0;
        }
        return check_gl("image layer allocation"); // GL_OUT_OF_MEMORY shows here
    }
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, w, h, GL_RED, GL_FLOAT, pixels.data());
    return check_gl_debug("image layer upload");
}

} // namespace rtv::render
