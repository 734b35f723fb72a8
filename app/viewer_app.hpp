#pragma once
// The viewer: wires the producer host, the frame router, the renderer and the ImGui panels into
// one main loop. Everything here runs on the main thread; producers run on the host's threads and
// are reached only through atomics (live controls) and the queue.
//
// The loop, per display frame:
//   events -> drain the queue -> upload the newest frame of each stream (unless paused) ->
//   draw the views -> ImGui panels -> (screenshot) -> swap.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "app/recorder.hpp"
#include "app/sdl_window.hpp"
#include "core/frame_router.hpp"
#include "core/latency_histogram.hpp"
#include "core/producer_host.hpp"
#include "render/camera.hpp"
#include "render/contrast.hpp"
#include "render/image_layer.hpp"
#include "render/line_layer.hpp"
#include "render/renderer.hpp"

union SDL_Event;

namespace rtv::app {

// What the GUI shows of one stream (GL layers, rates). Created when the stream first appears.
struct StreamView {
    render::ImageLayer image;
    render::LineLayer lines;
    RateMeter rates;
    ImageStats last_stats{};
    render::Limits limits; // the contrast limits in use
    float opacity = 1.0f;  // blended over the layers drawn before it
    int order = 0;         // draw order in its view: lower first (underneath)
    bool has_frame = false;
};

// What the GUI controls; the panels edit it, the loop applies it.
struct ViewState {
    render::Colormap colormap = render::Colormap::Viridis;
    render::Rgb line_color{0.0f, 0.0f, 0.0f};
    render::Contrast contrast;
    bool paused = false;
    bool follow = true; // line view follows append streams
    bool screenshot_requested = false;
    bool reset_requested = true;
    bool quit = false;
};

// One view of the canvas: where it is and what it looks at.
struct CanvasView {
    render::Viewport viewport; // framebuffer pixels, origin bottom-left
    render::Camera camera;
    render::Rgb background;
    bool used = false;
};

class ViewerApp {
public:
    explicit ViewerApp(Options options);
    ~ViewerApp();
    // Runs until the window closes, Esc/Q, SIGINT/SIGTERM, or --frames/--duration; writes the
    // requested outputs. Returns the process exit status.
    int run();

    // Set by the SIGINT/SIGTERM handler (async-signal-safe).
    static std::atomic<bool> s_signal_quit;

    // The panels (viewer_app_panels.cpp): drawn with ImGui, no backend needed (tests draw them
    // headless). Thread: main.
    static void draw_panels(ViewState& state, ProducerHost& host, std::vector<StreamView>& views,
                            const LatencyHistogram& frame_times, std::span<const float> recent_ms,
                            const std::string& cursor_text, const std::string& notice,
                            const std::string& recording, float panel_width);

private:
    Status start();
    void handle_event(const SDL_Event& event);
    void ingest();
    bool all_producers_ended() const;
    void layout(int fb_width, int fb_height);
    void reset_cameras();
    void draw_canvas();
    void update_cursor();
    Status take_screenshot(const std::string& path);
    void shutdown();
    void update_record_text();
    Status write_stats(const std::string& path) const;
    void print_summary() const;
    CanvasView* view_at(int x, int y); // window pixels, origin top-left
    // Framebuffer pixels per window pixel (HiDPI), and a window position in a view's pixels
    // (origin at the view's top-left, as the camera's screen coordinates).
    render::Vec2 pixel_scale() const;
    render::Vec2 in_view(const CanvasView& view, int x, int y) const;
    static render::Vec2 view_size(const CanvasView& view);

    Options m_options;
    SdlWindow m_window;
    FrameQueue m_queue;
    ProducerHost m_host;
    FrameRouter m_router;
    render::Renderer m_renderer;
    std::vector<StreamView> m_views;
    std::vector<std::uint16_t> m_draw_order; // stream ids sorted by StreamView::order
    CanvasView m_image_view, m_line_view;
    ViewState m_state;
    float m_panel_width = 470.0f;
    int m_fb_width = 0, m_fb_height = 0, m_win_width = 0, m_win_height = 0;

    // Cursor readout
    int m_mouse_x = -1, m_mouse_y = -1;
    bool m_dragging = false;
    CanvasView* m_drag_view = nullptr;
    std::string m_cursor_text;
    std::int64_t m_hover_x = -1, m_hover_y = -1;
    float m_hover_value = 0.0f;
    bool m_hover_valid = false;

    // Timing
    LatencyHistogram m_frame_times;
    std::array<float, 240> m_recent_ms{};
    std::size_t m_recent_next = 0;
    std::uint64_t m_frames = 0;
    std::int64_t m_start_ns = 0, m_end_ns = 0;
    int m_screenshot_count = 0;
    std::string m_notice;
    std::unique_ptr<Recorder> m_recorder;
    std::string m_record_text; // the panel's recording line, rewritten in place
    std::string m_gl_renderer, m_gl_version;
    bool m_shut_down = false;
};

} // namespace rtv::app
