#include <doctest/doctest.h>
#include <glad/gl.h>

#include "gl/gl_fixture.hpp"
#include "render/snapshot.hpp"

TEST_SUITE("gl") {

    TEST_CASE("GL: a hidden 3.3 core context clears to a colour that reads back exactly") {
        rtv::test::GlContext::get();
        GLint major = 0, minor = 0;
        glGetIntegerv(GL_MAJOR_VERSION, &major);
        glGetIntegerv(GL_MINOR_VERSION, &minor);
        CHECK(major * 10 + minor >= 33);
        MESSAGE("GL " << rtv::render::gl_version() << " on " << rtv::render::gl_renderer());
        glViewport(0, 0, rtv::test::GlContext::kWidth, rtv::test::GlContext::kHeight);
        glClearColor(0.0f, 1.0f, 1.0f, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        rtv::render::RgbaImage image;
        REQUIRE(rtv::render::read_pixels(0, 0, 4, 4, image).is_ok());
        CHECK(int(image.at(2, 2)[0]) == 0);
        CHECK(int(image.at(2, 2)[1]) == 255);
        CHECK(int(image.at(2, 2)[2]) == 255);
        CHECK(rtv::render::check_gl("smoke").is_ok());
    }

} // TEST_SUITE
