#pragma once
// Draws layers into views. Owns the shaders and the colormap lookup texture (every colormap as
// one row of a 256 x N RGBA8 texture: switching colormap is a uniform, not an upload).
// Blending is (src_alpha, one_minus_src_alpha): layers drawn in order, each with its opacity,
// give 2D transparency as in the VisPy FAQ.
// Thread: main (GL context). init() after the context exists; destroy before it goes.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/status.hpp"
#include "render/camera.hpp"
#include "render/colormap.hpp"
#include "render/image_layer.hpp"
#include "render/line_layer.hpp"
#include "render/shader.hpp"

namespace rtv::render {

// A rectangle of the framebuffer in pixels, origin bottom-left (GL's convention).
struct Viewport {
    int x = 0, y = 0, width = 1, height = 1;
};

// Mono images are colormapped with the contrast limits (in the frame's raw units); RGB and RGBA
// images ignore colormap and limits.
struct ImageStyle {
    Colormap colormap = Colormap::Viridis;
    float lo = 0.0f, hi = 1.0f; // contrast limits: lo maps to entry 0, hi to entry 255
    float opacity = 1.0f;       //
    Rgb bad{1.0f, 0.0f, 1.0f};  // NaN and +-Inf pixels: magenta
    // Where row 0, column 0's corner lies (x0, y0) and the opposite corner (x1, y1), in data
    // units; x1 < x0 or y1 < y0 flips the image. All zero (the default): pixel units, the image
    // covering (0, 0)..(width, height).
    Rect place{0.0, 0.0, 0.0, 0.0};
};

struct LineStyle {
    Rgb color{0.0f, 0.0f, 0.0f};
    float opacity = 1.0f;
};

// The part of `outer` outside `inner` as up to four rectangles: the bands left and right of
// `inner` at full height, then below and above it at its width (`inner` clamped into `outer`).
// Returns how many of `out` are set (empty bands are left out).
std::size_t bands_around(const Viewport& outer, const Viewport& inner, std::span<Viewport, 4> out);

class Renderer {
public:
    Renderer() = default;
    Renderer(const Renderer&) = delete;
    Renderer& operator=(const Renderer&) = delete;
    ~Renderer();

    Status init();
    // Draws one tiny frame with every program the renderer has (each image shading, blended
    // with opacity, a line, a view's background) into a corner of the framebuffer and waits for
    // it, so that the driver compiles its shader variants now (llvmpipe compiles at first draw:
    // 100-250 ms with a cold shader cache) rather than under the first frames of data. The
    // caller clears the framebuffer afterwards. Thread: main. Allocates: GL objects, freed again.
    void warm_up();

    // Clears the whole framebuffer (the fast path on software rasterisers: no scissor).
    void clear(Rgb color);
    // Fills each of `rects` with `color`, opaque, by a clear cut to it by the scissor. Leaves the
    // scissor test off and the viewport as it was.
    void fill(std::span<const Viewport> rects, Rgb color);
    // Sets the viewport to `vp` and fills it with `background` (as fill does), except
    // for `covered`, a rectangle of the framebuffer that an opaque layer will cover (its pixels
    // would be shaded twice): then only the bands around it are filled. Until end_view, a
    // scissor keeps every draw inside `vp`.
    void begin_view(const Viewport& vp, Rgb background, const Viewport* covered = nullptr);
    // A layer that keeps its frame (ImageLayer::set_screen), mono and opaque, is drawn at screen
    // resolution: its visible pixels colormapped on the CPU and copied in one texture.
    void draw(ImageLayer& layer, const Camera& camera, const ImageStyle& style);
    // Decimates a long line layer for this view first (LineLayer::fit_to_view), which can fail
    // (buffer allocation): nothing is drawn then.
    Status draw(LineLayer& layer, const Camera& camera, const LineStyle& style);
    // Ends a view (kept for symmetry: begin_view leaves no state that needs undoing).
    void end_view();

    // Draw calls issued since construction (the batching claim, counted in tests).
    std::uint64_t draw_calls() const { return m_draw_calls; }

private:
    void draw_at_screen(ImageLayer& layer, const Camera& camera, const ImageStyle& style);

    static constexpr std::size_t kImageShadings = 4; // ImageShading's values
    struct ImageProgram {
        Program program;
        int xform = -1, size = -1, place = -1, image = -1, cmap = -1, row = -1, clim = -1, bad = -1,
            opacity = -1;
    };
    Viewport m_viewport;
    std::array<ImageProgram, kImageShadings> m_image; // by ImageShading
    Program m_line_program;
    Program m_screen_program;
    int m_u_screen_image = -1, m_u_screen_used = -1;
    std::vector<std::uint32_t> m_tables; // the colormaps' entries as RGBA8 words, map after map
    // Images drawn at screen resolution: the picked columns and rows, and their colours (grown
    // to the largest image drawn, never shrunk: no allocation per frame).
    std::vector<std::uint32_t> m_screen_cols, m_screen_rows, m_screen_pixels;
    std::uint32_t m_colormaps = 0; // GLuint texture
    std::uint32_t m_empty_vao = 0; // GLuint: core profile needs a VAO even for attribute-less draws
    int m_u_line_xform = -1, m_u_line_color = -1;
    std::uint64_t m_draw_calls = 0;
};

} // namespace rtv::render
