#pragma once
// An image on the GPU: one texture in the frame's own pixel format (mono uint8/uint16/int16 as
// integer textures R8UI/R16UI/R16I, float32 as R32F; RGB and RGBA as RGB8/RGBA8, RGB16/RGBA16
// (normalised) and RGB32F/RGBA32F), reallocated only when the size or format changes. Nothing is
// converted on the way: the renderer's shaders read raw units. Colormapping happens in the
// fragment shader, so changing the colormap or the contrast limits never re-uploads.
// Drawn at screen resolution (set_screen): the layer keeps the frame's pixels on the CPU instead,
// and the renderer colormaps only the pixels the screen shows (screen_image.hpp); the texture is
// filled from the kept pixels only when a draw needs it (colour formats, opacity below 1).
// Thread: main (GL context).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/frame.hpp"
#include "core/pixel_format.hpp"
#include "core/status.hpp"

namespace rtv::render {

// Which of the renderer's image shaders draws a format: the sampler type it needs, and whether
// it is colormapped (mono) or drawn as it is (RGB, RGBA).
enum class ImageShading : std::uint8_t { MonoFloat, MonoUnsigned, MonoSigned, Color };
ImageShading shading_of(PixelFormat format);

class ImageLayer {
public:
    ImageLayer() = default;
    ImageLayer(ImageLayer&& other) noexcept;
    ImageLayer& operator=(ImageLayer&& other) noexcept;
    ImageLayer(const ImageLayer&) = delete;
    ImageLayer& operator=(const ImageLayer&) = delete;
    ~ImageLayer();

    // Copies `pixels` (desc.byte_size() bytes, row-major, tightly packed, aligned for the sample
    // type) to the texture. The caller may reuse the pixels as soon as this returns
    // (glTexSubImage2D from client memory has consumed them). An image larger than the GL
    // maximum texture size is refused with a message saying so. Allocates: only GPU memory, when
    // the size or format changes.
    Status upload(const ImageDesc& desc, std::span<const std::byte> pixels);
    // A float32 mono image (tests, the colorbar's ramp).
    Status upload(const ImageDesc& desc, std::span<const float> pixels);

    // Whether the next uploads are kept on the CPU for drawing at screen resolution (a copy
    // into a buffer of the frame's size, allocated when the size or format changes) instead of
    // being copied to the texture.
    void set_screen(bool on) { m_screen = on; }
    // The kept frame: empty unless the last upload was kept.
    std::span<const std::byte> kept() const {
        return m_kept_now ? m_kept : std::span<const std::byte>{};
    }
    // Fills the texture from the kept frame if it is behind it. Allocates: GPU memory, when the
    // size or format changes.
    Status sync_texture();
    // The layer's screen-resolution texture (RGBA8), at least `width` x `height`: the renderer
    // writes the colormapped pixels into its corner. It only grows (a zoom or a resize changes
    // the size every frame), to the largest size asked for; `size` returns it. Bound on return.
    std::uint32_t screen_texture(int width, int height, int (&size)[2]);

    // The value of texel (x, y) (row y of the uploaded frame) in raw units, as the texture holds
    // it, read back through a framebuffer object: empty outside the image, before the first
    // upload, or where the driver cannot read the format back. It waits for the GPU, so call it
    // only when the cursor moves to another pixel. Allocates: never.
    std::optional<PixelValue> read_texel(std::uint32_t x, std::uint32_t y);

    bool empty() const { return m_texture == 0 && !m_kept_now; }
    ImageDesc desc() const { return m_desc; }
    std::uint32_t gl_texture() const { return m_texture; }

private:
    Status upload_texture(const ImageDesc& desc, std::span<const std::byte> pixels);

    std::uint32_t m_texture = 0; // GLuint
    std::uint32_t m_fbo = 0;     // GLuint: for read_texel, made at the first read
    ImageDesc m_desc{};          // the last frame uploaded
    ImageDesc m_texture_desc{};  // what the texture holds
    bool m_screen = false;
    bool m_kept_now = false; // m_kept holds the last frame, and the texture may be behind it
    bool m_texture_behind = false;
    std::vector<std::byte> m_kept;
    std::uint32_t m_screen_texture = 0; // GLuint
    int m_screen_width = 0, m_screen_height = 0;
};

} // namespace rtv::render
