// PanelCache: the panel drawn from its kept raster must be the panel drawn live, pixel for
// pixel, and the raster is redrawn exactly when the panel's geometry changes.

#include <string>

#include <backends/imgui_impl_opengl3.h>
#include <doctest/doctest.h>
#include <glad/gl.h>
#include <imgui.h>

#include "app/panel_cache.hpp"
#include "gl/gl_fixture.hpp"
#include "render/snapshot.hpp"

namespace {

using rtv::test::GlContext;
constexpr rtv::render::Rgb kBackground{0.10f, 0.10f, 0.12f};
constexpr int kPanelWidth = 100;

// An ImGui context with the OpenGL 3 backend on the test's GL context.
struct ImGuiGl {
    ImGuiGl() {
        GlContext::get();
        ImGui::CreateContext();
        ImGui::GetIO().IniFilename = nullptr;
        REQUIRE(ImGui_ImplOpenGL3_Init("#version 330"));
    }
    ~ImGuiGl() {
        ImGui_ImplOpenGL3_Shutdown();
        ImGui::DestroyContext();
    }

    // One frame: a panel window at the left edge (no background, as the viewer's) with `text`
    // and a button, and a window right of it. Returns the panel's draw list.
    const ImDrawList* frame(const std::string& text) {
        ImGui_ImplOpenGL3_NewFrame();
        ImGuiIO& io = ImGui::GetIO();
        io.DisplaySize = {float(GlContext::kWidth), float(GlContext::kHeight)};
        io.DeltaTime = 1.0f / 60.0f;
        ImGui::NewFrame();
        ImGui::SetNextWindowPos({0, 0});
        ImGui::SetNextWindowSize({float(kPanelWidth), float(GlContext::kHeight)});
        ImGui::Begin("panel", nullptr,
                     ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoBackground);
        const ImDrawList* list = ImGui::GetWindowDrawList();
        ImGui::TextUnformatted(text.c_str());
        ImGui::Button("button");
        ImGui::End();
        ImGui::SetNextWindowPos({120, 10});
        ImGui::SetNextWindowSize({70, 60});
        ImGui::Begin("other", nullptr, ImGuiWindowFlags_NoDecoration);
        ImGui::TextUnformatted("live");
        ImGui::End();
        ImGui::Render();
        return list;
    }

    static void clear() {
        glBindFramebuffer(GL_FRAMEBUFFER, 0);
        glViewport(0, 0, GlContext::kWidth, GlContext::kHeight);
        glDisable(GL_SCISSOR_TEST);
        glClearColor(kBackground.r, kBackground.g, kBackground.b, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
    }
    static rtv::render::RgbaImage pixels() {
        rtv::render::RgbaImage image;
        const rtv::Status s =
            rtv::render::read_pixels(0, 0, GlContext::kWidth, GlContext::kHeight, image);
        REQUIRE_MESSAGE(s.is_ok(), s.message());
        return image;
    }
    // The frame drawn live, as ImGui's backend draws it.
    rtv::render::RgbaImage live(const std::string& text) {
        frame(text);
        clear();
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
        return pixels();
    }
    rtv::render::RgbaImage cached(rtv::app::PanelCache& cache, const std::string& text) {
        const ImDrawList* panel = frame(text);
        clear();
        cache.draw(ImGui::GetDrawData(), panel, {0, 0, kPanelWidth, GlContext::kHeight},
                   kBackground, GlContext::kWidth, GlContext::kHeight);
        return pixels();
    }
};

bool same(const rtv::render::RgbaImage& a, const rtv::render::RgbaImage& b) {
    return a.width == b.width && a.height == b.height && a.pixels == b.pixels;
}

// Pixels of the panel's column that differ from the background: the panel drew something.
int drawn(const rtv::render::RgbaImage& image) {
    int n = 0;
    for (int y = 0; y < image.height; ++y)
        for (int x = 0; x < kPanelWidth; ++x)
            n += image.at(x, y)[0] != image.at(0, image.height - 1)[0];
    return n;
}

} // namespace

TEST_SUITE("gl") {

    TEST_CASE("PanelCache: the kept panel raster draws the same pixels as drawing it live and is "
              "redrawn only when the panel changes") {
        ImGuiGl gl;
        rtv::app::PanelCache cache;
        // ImGui sizes windows from their previous frame: settle both paths first.
        gl.live("60 fps");
        gl.live("60 fps");
        const rtv::render::RgbaImage live = gl.live("60 fps");
        CHECK(drawn(live) > 50);

        const rtv::render::RgbaImage first = gl.cached(cache, "60 fps");
        CHECK(cache.rasterised() == 1);
        CHECK(same(first, live));
        const rtv::render::RgbaImage kept = gl.cached(cache, "60 fps");
        CHECK(cache.rasterised() == 1);
        CHECK(cache.reused() == 1);
        CHECK(same(kept, live));

        const rtv::render::RgbaImage changed = gl.cached(cache, "59 fps");
        CHECK(cache.rasterised() == 2);
        CHECK_FALSE(same(changed, live));
        CHECK(same(changed, gl.live("59 fps")));
        CHECK(rtv::render::check_gl("panel cache").is_ok());
    }

    TEST_CASE("PanelCache: without a panel list it draws everything live and keeps no raster") {
        ImGuiGl gl;
        rtv::app::PanelCache cache;
        gl.live("text");
        const rtv::render::RgbaImage live = gl.live("text");
        gl.frame("text");
        ImGuiGl::clear();
        cache.draw(ImGui::GetDrawData(), nullptr, {0, 0, kPanelWidth, GlContext::kHeight},
                   kBackground, GlContext::kWidth, GlContext::kHeight);
        CHECK(same(ImGuiGl::pixels(), live));
        CHECK(cache.rasterised() + cache.reused() == 0);
    }

} // TEST_SUITE
