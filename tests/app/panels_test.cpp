// The ImGui panels drawn headless (no backend, no GL): Dear ImGui 1.86's null-backend recipe.

#include <memory>
#include <stdexcept>

#include <doctest/doctest.h>
#include <imgui.h>
#include <imgui_internal.h>

#include "app/panels.hpp"
#include "core/producer_board.hpp"
#include "core/scripted_producer.hpp"

using namespace rtv;

namespace {

struct ImGuiFrame {
    ImGuiFrame() {
        ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;
        io.DisplaySize = {1280, 800};
        io.DeltaTime = 1.0f / 60.0f;
        unsigned char* pixels = nullptr;
        int w = 0, h = 0;
        io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    }
    ~ImGuiFrame() { ImGui::DestroyContext(); }

    // Draws the panels twice (ImGui sizes content from the previous frame) and returns the
    // height of the panel's content.
    float draw(ProducerHost& host, app::Canvas& canvas) {
        app::Layers layers;
        app::Controls controls;
        app::PanelReadings readings;
        readings.fps = 60.0;
        readings.frame_p50_ms = 16.0;
        readings.frame_ms.fill(16.0f);
        readings.streams.resize(kMaxStreams);
        readings.taken_ns = ++m_readings_taken; // new readings: the panel copies rows again
        const std::string cursor = "image: x 1  y 2  cam/image 3", none;
        for (int i = 0; i < 2; ++i) {
            ImGui::NewFrame();
            app::PanelContext ctx{controls, host, canvas, layers, readings,
                                  cursor,   none, none,   470.0f};
            app::draw_panels(ctx);
            ImGui::Render();
        }
        vertices = ImGui::GetDrawData()->TotalVtxCount;
        return ImGui::FindWindowByName("rtviewer")->ContentSize.y;
    }
    int vertices = 0;
    std::int64_t m_readings_taken = 0;
};

std::unique_ptr<test::ScriptedProducer> images(bool fail, const char* name = "cam/image") {
    return std::make_unique<test::ScriptedProducer>(
        std::vector<StreamRequest>{test::image_stream(name, 8, 8)},
        [fail](FrameSink& sink, std::uint64_t n) {
            if (fail && n == 1)
                throw std::runtime_error("camera unplugged: the USB link went away");
            test::submit_image(sink, 0, float(n));
        });
}

// A producer that shows rows about itself (as a plugin does with set_info).
class WithRows final : public test::ScriptedProducer {
public:
    using ScriptedProducer::ScriptedProducer;
    ProducerBoard* board() const override { return &m_board; }

private:
    mutable ProducerBoard m_board;
};

app::Canvas default_canvas() {
    return app::Canvas(app::default_layout(), app::LayerSettings{});
}

} // namespace

TEST_SUITE("app") {

    TEST_CASE(
        "panels: idle running and failed producers are drawn and a failure adds its message") {
        ImGuiFrame frame;
        app::Canvas canvas = default_canvas();

        FrameQueue q0 = make_frame_queue();
        ProducerHost idle(q0);
        const float idle_height = frame.draw(idle, canvas);
        CHECK(frame.vertices > 0);

        FrameQueue q1 = make_frame_queue();
        ProducerHost running(q1);
        FrameRouter r1(q1, running);
        REQUIRE(running.start("cam", images(false), test::once(3)).is_ok());
        test::pump_until_finished(running, r1);
        const float running_height = frame.draw(running, canvas);
        CHECK(running_height > idle_height); // a producer block and a table row

        FrameQueue q2 = make_frame_queue();
        ProducerHost failed(q2);
        FrameRouter r2(q2, failed);
        REQUIRE(failed.start("cam", images(true), test::once(3)).is_ok());
        test::pump_until_finished(failed, r2);
        REQUIRE(failed.producer_status(0).state() == ProducerState::Failed);
        const float failed_height = frame.draw(failed, canvas);
        CHECK(failed_height > running_height); // the failure's message is shown
    }

    TEST_CASE("panels: the selected view's image layer shows the controls of its contrast mode") {
        ImGuiFrame frame;
        FrameQueue q = make_frame_queue();
        ProducerHost host(q);
        FrameRouter router(q, host);
        REQUIRE(host.start("cam", images(false), test::once(1)).is_ok());
        test::pump_until_finished(host, router);
        app::Canvas canvas = default_canvas();
        REQUIRE(canvas.assign(0, {"cam/image", FrameKind::Image, "cam"}) == 0);
        canvas.select(0);
        app::LayerSettings& layer = canvas.settings(0);
        layer.colormap = render::Colormap::Reds;
        layer.contrast.mode = render::ContrastMode::Manual;
        const float manual_height = frame.draw(host, canvas);
        layer.contrast.mode = render::ContrastMode::Percentile;
        const float percentile_height = frame.draw(host, canvas);
        layer.contrast.mode = render::ContrastMode::Auto;
        const float auto_height = frame.draw(host, canvas);
        CHECK(manual_height > auto_height);     // manual mode adds the limits
        CHECK(percentile_height > auto_height); // percentile mode adds the percentiles
        // Selecting the (empty) line view shows no layer controls at all.
        canvas.select(1);
        const float empty_view_height = frame.draw(host, canvas);
        CHECK(empty_view_height < auto_height);
    }

    TEST_CASE("panels: dragging a histogram handle sets manual limits where it is dropped") {
        ImGuiFrame frame;
        ImageStats stats;
        stats.min = 0.0f;
        stats.max = 100.0f;
        stats.has_histogram = true;
        stats.histogram_bins = ImageStats::kHistogramBins;
        stats.histogram.fill(3);
        render::Contrast contrast; // auto: the limits in use are the frame's min..max
        const render::Limits in_use{0.0f, 100.0f};
        ImGuiIO& io = ImGui::GetIO();
        ImVec2 origin{};
        bool changed = false;
        // One ImGui frame with the mouse at fraction `fx` of the widget's width, pressed or not.
        const auto step = [&](float fx, bool down) {
            io.MousePos = {origin.x + fx * 400.0f, origin.y + 35.0f};
            io.MouseDown[0] = down;
            ImGui::NewFrame();
            ImGui::SetNextWindowPos({0, 0});
            ImGui::SetNextWindowSize({500, 200});
            ImGui::Begin("histogram test", nullptr, ImGuiWindowFlags_NoDecoration);
            origin = ImGui::GetCursorScreenPos();
            changed = app::histogram_levels("levels", stats, contrast, in_use, false, 400.0f);
            ImGui::End();
            ImGui::Render();
        };
        step(0.5f, false); // learn where the widget is
        step(0.98f, false);
        CHECK_FALSE(changed);
        CHECK(contrast.mode == render::ContrastMode::Auto);
        step(0.98f, true); // press near the high handle...
        step(0.75f, true); // ...and drag it to 75 %
        CHECK(changed);
        CHECK(contrast.mode == render::ContrastMode::Manual);
        CHECK(contrast.manual_lo == 0.0f);
        CHECK(contrast.manual_hi == doctest::Approx(75.0f).epsilon(0.01));
        step(0.75f, false); // release
        CHECK_FALSE(changed);
        // The low handle, pressed near the left edge, moves the low limit only.
        step(0.02f, false);
        step(0.02f, true);
        step(0.30f, true);
        CHECK(contrast.manual_lo == doctest::Approx(30.0f).epsilon(0.01));
        CHECK(contrast.manual_hi == doctest::Approx(75.0f).epsilon(0.01));
        step(0.30f, false);
    }

    TEST_CASE(
        "panels: at 640x400 and 1280x800 and 2560x1440 the panel ends where the views begin") {
        ImGuiFrame frame;
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        // Two producers of one kind: the longest default stream names.
        REQUIRE(host.start("sweep", images(false, "sweep/image"), test::once(1)).is_ok());
        REQUIRE(host.start("sweep#2", images(false, "sweep#2/image"), test::once(1)).is_ok());
        app::Canvas canvas = default_canvas();
        canvas.assign(0, {"sweep/image", FrameKind::Image, "sweep"});
        canvas.assign(1, {"sweep#2/image", FrameKind::Image, "sweep#2"});
        for (const auto& [w, h] : {std::pair{640, 400}, {1280, 800}, {2560, 1440}}) {
            CAPTURE(w);
            ImGui::GetIO().DisplaySize = {float(w), float(h)};
            for (const bool collapsed : {false, true}) {
                CAPTURE(collapsed);
                const float panel = app::panel_width_for(float(w), 470.0f, collapsed);
                const render::Viewport area = app::views_area(w, h, 1.0f, panel, 44);
                canvas.update(area, {});
                for (const app::View& v : canvas.views())
                    if (v.visible) CHECK(v.cell.x >= area.x);
                CHECK(area.x + area.width <= w);
                CHECK(area.width >= w / 2); // the views keep at least half the window
                app::Layers layers;
                app::Controls controls;
                controls.panel_collapsed = collapsed;
                app::PanelReadings readings;
                readings.streams.resize(kMaxStreams);
                const std::string none;
                for (int i = 0; i < 4; ++i) { // tables fit their columns over a few frames
                    ImGui::NewFrame();
                    app::PanelContext ctx{controls, host, canvas, layers, readings,
                                          none,     none, none,   panel};
                    app::draw_panels(ctx);
                    ImGui::Render();
                    CHECK(ctx.resized_width == 0.0f); // nothing dragged: the width holds
                }
                ImGuiWindow* window = ImGui::FindWindowByName(collapsed ? "##rail" : "rtviewer");
                REQUIRE(window != nullptr);
                CHECK(window->Pos.x + window->Size.x <= float(area.x));
                if (collapsed || w < 1280) continue;
                // At the default size and up, the stream tables show every column unscrolled.
                for (const char* name : {"streams", "losses"}) {
                    CAPTURE(std::string(name));
                    const ImGuiTable* table = ImGui::TableFindByID(window->GetID(name));
                    REQUIRE(table != nullptr);
                    CHECK_FALSE(table->InnerWindow->ScrollbarX);
                }
            }
        }
    }

    TEST_CASE("panels: the panel's width follows the user up to half the window") {
        CHECK(app::panel_width_for(1280, 470, false) == 470);
        CHECK(app::panel_width_for(640, 470, false) == 320);
        CHECK(app::panel_width_for(2560, 900, false) == 900);
        CHECK(app::panel_width_for(2560, 100, false) == app::kMinPanelWidth);
        CHECK(app::panel_width_for(1280, 470, true) == app::kPanelRailWidth);
    }

    TEST_CASE("panels: the rows a producer shows about itself appear under its row") {
        ImGuiFrame frame;
        app::Canvas canvas = default_canvas();
        FrameQueue q = make_frame_queue();
        ProducerHost host(q);
        FrameRouter router(q, host);
        auto producer = std::make_unique<WithRows>(
            std::vector<StreamRequest>{test::image_stream("cam/image", 8, 8)},
            [](FrameSink& sink, std::uint64_t n) { test::submit_image(sink, 0, float(n)); });
        ProducerBoard& board = *producer->board();
        REQUIRE(host.start("cam", std::move(producer), test::once(1)).is_ok());
        test::pump_until_finished(host, router);
        const float no_rows = frame.draw(host, canvas);
        board.set("model", "Fake");
        const float one_row = frame.draw(host, canvas);
        CHECK(one_row > no_rows); // the "about it" list, open, with its row
        board.set("serial", "GV01");
        board.set("address", "127.0.0.1");
        CHECK(frame.draw(host, canvas) > one_row);
    }
} // TEST_SUITE
