#pragma once
// The viewer's loop: wires the producer host, the frame router, the canvas (views and cameras),
// the layers (GL) and the ImGui panels. Everything here runs on the main thread; producers run
// on the host's threads and are reached only through atomics (live controls) and the queue.
//
// Per pass: (--redraw changes: sleep until an event, a producer's frame or a due time) ->
// events -> drain the queue and upload the newest frame of each stream (unless paused) -> the
// panel's readings, a few times a second -> if anything changed (always, with --redraw always):
// place and fit the views -> draw them -> ImGui -> (screenshot) -> swap, paced to the display.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "app/canvas.hpp"
#include "app/cli.hpp"
#include "app/damage.hpp"
#include "app/decor.hpp"
#include "app/history.hpp"
#include "app/layers.hpp"
#include "app/panel_cache.hpp"
#include "app/panels.hpp"
#include "app/recorder.hpp"
#include "app/sdl_window.hpp"
#include "core/frame_router.hpp"
#include "core/latency_histogram.hpp"
#include "core/memory_budget.hpp"
#include "core/producer_host.hpp"
#include "render/renderer.hpp"
#include "render/snapshot.hpp"

union SDL_Event;
struct ImDrawData;
struct ImDrawList;

namespace rtv::app {

// Why a pass drew a frame (counted for the statistics).
enum class RedrawReason : std::uint8_t { None, Always, Data, Input, Panel, Other, Count };

class ViewerApp {
public:
    explicit ViewerApp(Options options);
    ~ViewerApp();
    // Runs until the window closes, Esc/Q, SIGINT/SIGTERM, --frames/--duration or
    // --exit-when-done; writes the requested outputs. Returns the process exit status.
    int run();
    // Whether a producer would not stop and was left running: the process must then end
    // without destroying what its thread may still use (main calls _Exit).
    bool left_producers_running() const { return !m_host.abandoned().empty(); }

    // Set by the SIGINT/SIGTERM handler (async-signal-safe).
    static std::atomic<bool> s_signal_quit;

    // For tests that drive the real loop: called at the start of every pass, before the events
    // are read (a hook pushes SDL events there, as a user's input arrives), with the pass's
    // number from 0. Set before run().
    using PassHook = std::function<void(ViewerApp&, std::uint64_t pass)>;
    void set_pass_hook(PassHook hook) { m_pass_hook = std::move(hook); }
    // What the loop shows, for such tests: the views, the history, the moment shown (none:
    // live), whether the display is paused, the producers and their streams.
    const Canvas& canvas() const { return m_canvas; }
    const History* history() const { return m_history.get(); }
    // The line under the timeline's bar, as last drawn.
    const std::string& timeline_text() const { return m_timeline_text; }
    // The numbers the panel shows, as last taken (a few times a second).
    const PanelReadings& readings() const { return m_readings; }
    std::optional<std::int64_t> moment() const { return m_scrub_ns; }
    bool paused() const { return m_controls.paused; }
    const ProducerHost& host() const { return m_host; }
    // Damage tracking: whether the back buffer was found kept across swaps, and what was drawn.
    // With verification on, every frame drawn in parts is read back and compared with the whole
    // frame drawn from the same state (the tests; a debugging aid: it costs two read-backs).
    const BackBufferProbe& back_buffer() const { return m_probe; }
    const DamageCounts& damage() const { return m_damage_counts; }
    // Whether images are drawn at screen resolution (--image-draw, resolved at start-up).
    bool screen_images() const { return m_layers.screen_images(); }
    void set_verify_damage(bool on) { m_verify_damage = on; }
    // The window position (origin top-left, window pixels) of a framebuffer point.
    std::pair<int, int> window_point(double fx, double fy) const;

private:
    Status start();
    // Returns true for user input and window events (false for a producer's wake).
    bool handle_event(const SDL_Event& event);
    bool stop_due(bool producers_done) const;
    void wait_for_work();
    bool take_readings_if_due(std::int64_t now_ns, bool input);
    std::uint64_t readings_signature() const;
    // The frame's parts as the build left them, for drawing (render_frame).
    struct FrameParts {
        ImDrawData* data = nullptr;
        const ImDrawList* panel = nullptr; // null: the panel is drawn as any other list
        render::Viewport panel_rect, timeline_rect;
        float scale = 1.0f;    // window pixels per framebuffer pixel
        bool overlays = false; // lists other than the panel's, the timeline's and the views'
    };
    // Builds the frame (views placed, ImGui's lists) and draws it: whole with `full_wanted`
    // (input, the first and last frames), else the parts that changed where that is safe.
    void draw_frame(bool full_wanted);
    void render_frame(const FrameParts& parts, bool full);
    void verify_partial_frame(const FrameParts& parts);
    void update_hover();
    void update_cursor_text();
    void handle_requests(bool last);
    LayoutSpec layout_in_use();
    void present(bool last, bool panel_only);
    void print_progress(std::int64_t now_ns);
    int finish();
    Status take_screenshot(const std::string& path);
    void update_record_text();
    bool all_producers_ended() const;
    void shutdown();
    // The timeline under the views (when there is a history): the span held, the moment shown,
    // dragging to scrub, Live and Export. Drawn with ImGui in the strip `height` pixels tall.
    void draw_timeline(float x, float y, float width, float height);
    // Back to the newest frames, unpaused (L, End, the Live button).
    void go_live();
    // Steps the moment shown to the previous (dir < 0) or next frame of any stream.
    void step_history(int dir);
    // Writes the moment shown (or `t_ns`): a screenshot of the frame just drawn and each
    // stream's frame of that moment as .npy with an index.tsv (the recorder's format) in `dir`.
    Status export_moment(const std::string& dir, std::int64_t t_ns);
    // The framebuffer point (origin bottom-left) under a window position (origin top-left).
    render::Vec2 framebuffer_point(int x, int y) const;

    Options m_options;
    PassHook m_pass_hook;
    SdlWindow m_window;
    MemoryBudget m_budget; // before the host and the recorder, which reserve from it
    FrameQueue m_queue;
    ProducerHost m_host;
    FrameRouter m_router;
    render::Renderer m_renderer;
    Canvas m_canvas;
    Layers m_layers;
    Controls m_controls;
    std::unique_ptr<Recorder> m_recorder;
    std::unique_ptr<History> m_history;
    // The router's one tap, handing each frame to the recorder and the history.
    struct Taps final : FrameTap {
        FrameTap* recorder = nullptr;
        FrameTap* history = nullptr;
        void on_frame(const FrameView& f) override {
            if (recorder) recorder->on_frame(f);
            if (history) history->on_frame(f);
        }
    } m_taps;
    // The moment the views show (steady clock, frames' submit times), or live.
    std::optional<std::int64_t> m_scrub_ns;
    bool m_go_live = false;    // the views return to their newest frames in the next pass
    bool m_was_paused = false; // the display was paused in the last pass
    int m_export_count = 0;
    bool m_export_requested = false; // E or the Export button: after the frame is drawn
    std::string m_timeline_text, m_timeline_full;
    // What the live timeline shows (the history's oldest and newest frame, and the time it was
    // read), taken with the panel readings: its bar and "s held" move a few times a second, not
    // with every frame's timing (each move is the timeline drawn again).
    struct LiveSpan {
        std::int64_t oldest = 0, newest = 0, now = 0;
    } m_live_span;
    PanelCache m_panel_cache;
    // Damage tracking (app/damage.hpp): what each part showed when last drawn.
    ViewDecor m_decor;
    BackBufferProbe m_probe;
    struct DrawnView {
        std::uint64_t data = 0;   // the data area's signature
        std::uint64_t margin = 0; // the margins' signature
    };
    std::vector<DrawnView> m_drawn;              // by view
    const ImDrawList* m_timeline_list = nullptr; // this frame's timeline window, if any
    std::uint64_t m_geometry = 0, m_panel_drawn = 0, m_timeline_drawn = 0;
    bool m_overlays_drawn = false; // the last frame drew popups or tooltips
    enum class Part : std::uint8_t { None, Panel, Timeline, Overlay };
    std::vector<Part> m_part_of; // this frame's ImGui lists, by index: the part each draws in
    bool m_data_changed = false; // this pass showed new data
    bool m_verify_damage = false;
    DamageCounts m_damage_counts;
    std::array<render::RgbaImage, 2> m_verify_images; // reused
    PanelReadings m_readings;
    std::uint64_t m_readings_signature = 0;
    mutable std::vector<EndpointState> m_endpoints_scratch; // reused by readings_signature
    float m_panel_width = 470.0f;
    int m_fb_width = 0, m_fb_height = 0, m_win_width = 0, m_win_height = 0;

    // Input and the cursor readout
    int m_mouse_x = -1, m_mouse_y = -1; // window pixels; -1: outside the window
    std::size_t m_drag_view = Canvas::npos;
    std::size_t m_profile_drag = Canvas::npos; // the image view whose segment is being drawn
    // Its camera and data area when the drag began: opening the profile view shrinks the image
    // view mid-drag, and the segment must follow the pointer over the image the user sees.
    render::Camera m_profile_camera;
    render::Viewport m_profile_viewport;
    Hover m_hover;
    std::string m_cursor_text;
    bool m_cursor_due = true; // the readout is refreshed in the next frame drawn

    // Timing and outputs
    LatencyHistogram m_frame_times;
    std::array<float, 240> m_recent_ms{}; // a ring, oldest at m_recent_next
    std::size_t m_recent_next = 0;
    std::uint64_t m_frames = 0;       // frames drawn
    std::uint64_t m_timed_frames = 0; // of which timed (all but panel-only frames)
    std::uint64_t m_passes = 0;       // passes of the loop (wake-ups, with --redraw changes)
    std::array<std::uint64_t, std::size_t(RedrawReason::Count)> m_redraws{};
    int m_input_frames = 0;         // frames still owed to the last input event
    std::uint32_t m_wake_event = 0; // the SDL user event producers push (--redraw changes)
    std::int64_t m_frame_period_ns = 16'666'667; // pacing: the display's refresh period
    std::uint64_t m_gl_errors = 0;
    std::int64_t m_start_ns = 0, m_end_ns = 0, m_last_ns = 0, m_next_frame_ns = 0;
    std::int64_t m_next_progress_ns = 0, m_last_progress_ns = 0;
    std::uint64_t m_last_progress_frames = 0;
    std::optional<double> m_duration_s;
    int m_screenshot_count = 0;
    bool m_exit_screenshot_failed = false;
    std::string m_notice;
    std::string m_record_text; // the panel's recording line, rewritten in place
    Recorder::Counts m_record_counts;
    std::string m_gl_renderer, m_gl_version;
    bool m_shut_down = false;
};

} // namespace rtv::app
