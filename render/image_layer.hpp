#pragma once
// An image on the GPU: one single-channel float texture (GL_R32F), reallocated only when the
// frame size changes. Colormapping happens in the renderer's fragment shader, so changing the
// colormap or the contrast limits never re-uploads. Thread: main (GL context).

#include <cstdint>
#include <optional>
#include <span>

#include "core/frame.hpp"
#include "core/status.hpp"

namespace rtv::render {

class ImageLayer {
public:
    ImageLayer() = default;
    ImageLayer(ImageLayer&& other) noexcept;
    ImageLayer& operator=(ImageLayer&& other) noexcept;
    ImageLayer(const ImageLayer&) = delete;
    ImageLayer& operator=(const ImageLayer&) = delete;
    ~ImageLayer();

    // Copies `pixels` (width * height floats, row-major) to the texture. The caller may reuse
    // the pixels as soon as this returns (glTexSubImage2D from client memory has consumed them).
    // Allocates: only GPU memory, when the size changes.
    Status upload(const ImageDesc& desc, std::span<const float> pixels);

    // The value of texel (x, y) (row y of the uploaded frame) as the texture holds it, read back
    // through a framebuffer object: empty outside the image or before the first upload. It waits
    // for the GPU, so call it only when the cursor moves to another pixel. Allocates: never.
    std::optional<float> read_texel(std::uint32_t x, std::uint32_t y);

    bool empty() const { return m_texture == 0; }
    ImageDesc desc() const { return m_desc; }
    std::uint32_t gl_texture() const { return m_texture; }

private:
    std::uint32_t m_texture = 0; // GLuint
    std::uint32_t m_fbo = 0;     // GLuint: for read_texel, made at the first read
    ImageDesc m_desc{};
};

} // namespace rtv::render
