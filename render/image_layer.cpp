#include "render/image_layer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include <glad/gl.h>

#include "render/gl.hpp"

namespace rtv::render {

namespace {

struct GlFormat {
    GLint internal;
    GLenum format;
    GLenum type;
};

GlFormat gl_format(PixelFormat f) {
    const bool rgba = f.channels == 4;
    switch (f.sample) {
    case SampleType::U8:
        if (f.mono()) return {GL_R8UI, GL_RED_INTEGER, GL_UNSIGNED_BYTE};
        return {rgba ? GL_RGBA8 : GL_RGB8, GLenum(rgba ? GL_RGBA : GL_RGB), GL_UNSIGNED_BYTE};
    case SampleType::U16:
        if (f.mono()) return {GL_R16UI, GL_RED_INTEGER, GL_UNSIGNED_SHORT};
        return {rgba ? GL_RGBA16 : GL_RGB16, GLenum(rgba ? GL_RGBA : GL_RGB), GL_UNSIGNED_SHORT};
    case SampleType::I16:
        return {GL_R16I, GL_RED_INTEGER, GL_SHORT}; // mono only (format_supported)
    case SampleType::F32:
        if (f.mono()) return {GL_R32F, GL_RED, GL_FLOAT};
        return {rgba ? GL_RGBA32F : GL_RGB32F, GLenum(rgba ? GL_RGBA : GL_RGB), GL_FLOAT};
    }
    return {GL_R32F, GL_RED, GL_FLOAT};
}

} // namespace

ImageShading shading_of(PixelFormat f) {
    if (!f.mono()) return ImageShading::Color;
    switch (f.sample) {
    case SampleType::U8:
    case SampleType::U16:
        return ImageShading::MonoUnsigned;
    case SampleType::I16:
        return ImageShading::MonoSigned;
    case SampleType::F32:
        break;
    }
    return ImageShading::MonoFloat;
}

ImageLayer::ImageLayer(ImageLayer&& other) noexcept {
    *this = std::move(other);
}

ImageLayer& ImageLayer::operator=(ImageLayer&& other) noexcept {
    if (this != &other) {
        if (m_texture) glDeleteTextures(1, &m_texture);
        if (m_fbo) glDeleteFramebuffers(1, &m_fbo);
        if (m_screen_texture) glDeleteTextures(1, &m_screen_texture);
        m_texture = std::exchange(other.m_texture, 0);
        m_fbo = std::exchange(other.m_fbo, 0);
        m_screen_texture = std::exchange(other.m_screen_texture, 0);
        m_desc = other.m_desc;
        m_texture_desc = other.m_texture_desc;
        m_screen = other.m_screen;
        m_kept_now = std::exchange(other.m_kept_now, false);
        m_texture_behind = other.m_texture_behind;
        m_kept = std::move(other.m_kept);
        m_screen_width = other.m_screen_width;
        m_screen_height = other.m_screen_height;
    }
    return *this;
}

ImageLayer::~ImageLayer() {
    if (m_texture) glDeleteTextures(1, &m_texture);
    if (m_fbo) glDeleteFramebuffers(1, &m_fbo);
    if (m_screen_texture) glDeleteTextures(1, &m_screen_texture);
}

std::optional<PixelValue> ImageLayer::read_texel(std::uint32_t x, std::uint32_t y) {
    if (m_kept_now) { // the frame itself: no read-back
        if (x >= m_desc.width || y >= m_desc.height) return std::nullopt;
        return read_pixel(m_desc, m_kept, x, y);
    }
    if (m_texture == 0 || x >= m_texture_desc.width || y >= m_texture_desc.height)
        return std::nullopt;
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
    PixelValue v;
    v.channels = m_texture_desc.format.channels;
    const bool complete = glCheckFramebufferStatus(GL_READ_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
    if (complete) {
        glPixelStorei(GL_PACK_ALIGNMENT, 4);
        const auto gx = static_cast<GLint>(x), gy = static_cast<GLint>(y);
        switch (shading_of(m_texture_desc.format)) {
        case ImageShading::MonoUnsigned: { // integer buffers read as RGBA_INTEGER (always allowed)
            GLuint texel[4] = {};
            glReadPixels(gx, gy, 1, 1, GL_RGBA_INTEGER, GL_UNSIGNED_INT, texel);
            v.c[0] = static_cast<float>(texel[0]);
            break;
        }
        case ImageShading::MonoSigned: {
            GLint texel[4] = {};
            glReadPixels(gx, gy, 1, 1, GL_RGBA_INTEGER, GL_INT, texel);
            v.c[0] = static_cast<float>(texel[0]);
            break;
        }
        case ImageShading::MonoFloat:
        case ImageShading::Color: {
            glReadPixels(gx, gy, 1, 1, GL_RGBA, GL_FLOAT, v.c.data());
            // Normalised textures read back as 0..1: their raw units are 0..255 or 0..65535.
            const float scale = m_texture_desc.format.sample == SampleType::U8    ? 255.0f
                                : m_texture_desc.format.sample == SampleType::U16 ? 65535.0f
                                                                                  : 1.0f;
            if (scale != 1.0f)
                for (float& c : v.c)
                    c = std::round(c * scale);
            break;
        }
        }
    }
    glBindFramebuffer(GL_READ_FRAMEBUFFER, static_cast<GLuint>(previous));
    if (!complete || !check_gl("image layer texel read")) return std::nullopt;
    return v;
}

Status ImageLayer::upload(const ImageDesc& desc, std::span<const float> pixels) {
    if (!(desc.format == PixelFormat{}))
        return Status::error("image layer: float upload of a " +
                             std::string(format_name(desc.format)) + " image");
    return upload(desc, std::as_bytes(pixels));
}

Status ImageLayer::upload(const ImageDesc& desc, std::span<const std::byte> pixels) {
    if (pixels.size() < desc.byte_size() || desc.width == 0 || desc.height == 0)
        return Status::error("image layer: frame is shorter than its size, got " +
                             std::to_string(pixels.size()) + " bytes, expected " +
                             std::to_string(desc.byte_size()));
    if (!format_supported(desc.format))
        return Status::error("image layer: pixel format is not supported, expected one of " +
                             format_list());
    const int max_side = max_texture_size();
    if (desc.width > std::uint32_t(max_side) || desc.height > std::uint32_t(max_side))
        return Status::error("image " + std::to_string(desc.width) + "x" +
                             std::to_string(desc.height) +
                             " (width x height) is larger than this GPU's maximum texture size " +
                             std::to_string(max_side) + "; frame rejected");
    if (m_screen) { // kept for drawing at screen resolution; the texture follows on demand
        if (m_kept.size() != desc.byte_size()) m_kept.resize(desc.byte_size());
        std::memcpy(m_kept.data(), pixels.data(), desc.byte_size());
        m_desc = desc;
        m_kept_now = true;
        m_texture_behind = true;
        return Status::ok();
    }
    m_kept_now = false;
    m_texture_behind = false;
    m_desc = desc;
    return upload_texture(desc, pixels);
}

Status ImageLayer::sync_texture() {
    if (!m_texture_behind) return Status::ok();
    m_texture_behind = false;
    return upload_texture(m_desc, m_kept);
}

std::uint32_t ImageLayer::screen_texture(int width, int height, int (&size)[2]) {
    if (m_screen_texture == 0)
        m_screen_texture = create_data_texture();
    else
        glBindTexture(GL_TEXTURE_2D, m_screen_texture);
    if (width > m_screen_width || height > m_screen_height) {
        m_screen_width = std::max(width, m_screen_width);
        m_screen_height = std::max(height, m_screen_height);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, m_screen_width, m_screen_height, 0, GL_RGBA,
                     GL_UNSIGNED_BYTE, nullptr);
    }
    size[0] = m_screen_width;
    size[1] = m_screen_height;
    return m_screen_texture;
}

Status ImageLayer::upload_texture(const ImageDesc& desc, std::span<const std::byte> pixels) {
    const auto w = static_cast<GLsizei>(desc.width), h = static_cast<GLsizei>(desc.height);
    if (m_texture == 0)
        m_texture = create_data_texture();
    else
        glBindTexture(GL_TEXTURE_2D, m_texture);
    // Rows are tightly packed: 4-byte alignment holds only when each row's bytes are a multiple.
    const std::size_t row_bytes = std::size_t{desc.width} * desc.format.pixel_bytes();
    glPixelStorei(GL_UNPACK_ALIGNMENT, row_bytes % 4 == 0 ? 4 : 1);
    const GlFormat f = gl_format(desc.format);
    if (!(desc == m_texture_desc)) {
        glTexImage2D(GL_TEXTURE_2D, 0, f.internal, w, h, 0, f.format, f.type, pixels.data());
        m_texture_desc = desc;
        if (m_fbo) { // the attachment's storage changed: attach afresh at the next read
            glDeleteFramebuffers(1, &m_fbo);
            m_fbo = 0;
        }
        return check_gl("image layer allocation"); // GL_OUT_OF_MEMORY shows here
    }
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, w, h, f.format, f.type, pixels.data());
    return check_gl_debug("image layer upload");
}

} // namespace rtv::render
