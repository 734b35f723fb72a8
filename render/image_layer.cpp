#include "render/image_layer.hpp"

#include <utility>

#include <glad/gl.h>

#include "render/gl.hpp"

namespace rtv::render {

ImageLayer::ImageLayer(ImageLayer&& other) noexcept
    : m_texture(std::exchange(other.m_texture, 0))
    , m_desc(other.m_desc) {
}

ImageLayer& ImageLayer::operator=(ImageLayer&& other) noexcept {
    if (this != &other) {
        if (m_texture) glDeleteTextures(1, &m_texture);
        m_texture = std::exchange(other.m_texture, 0);
        m_desc = other.m_desc;
    }
    return *this;
}

ImageLayer::~ImageLayer() {
    if (m_texture) glDeleteTextures(1, &m_texture);
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
    } else {
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, w, h, GL_RED, GL_FLOAT, pixels.data());
    }
    return check_gl("image layer upload");
}

} // namespace rtv::render
