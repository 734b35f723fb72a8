#include "render/snapshot.hpp"

#include <cerrno>
#include <cstring>

#include <glad/gl.h>
#include <stb_image.h>
#include <stb_image_write.h>

#include "render/gl.hpp"

namespace rtv::render {

Status read_pixels(int x, int y, int width, int height, RgbaImage& out) {
    if (width <= 0 || height <= 0)
        return Status::error("snapshot: size is out of range, got " + std::to_string(width) + "x" +
                             std::to_string(height) + ", expected at least 1x1");
    out.width = width;
    out.height = height;
    const std::size_t row = std::size_t(width) * 4;
    out.pixels.resize(row * std::size_t(height));
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(x, y, width, height, GL_RGBA, GL_UNSIGNED_BYTE, out.pixels.data());
    if (Status s = check_gl("snapshot read"); !s) return s;
    for (int r = 0; r < height / 2; ++r) // GL's rows go bottom-up; files go top-down
        std::swap_ranges(out.pixels.begin() + static_cast<std::ptrdiff_t>(row * r),
                         out.pixels.begin() + static_cast<std::ptrdiff_t>(row * (r + 1)),
                         out.pixels.begin() + static_cast<std::ptrdiff_t>(row * (height - 1 - r)));
    return Status::ok();
}

Status write_png(const std::string& path, const RgbaImage& image) {
    if (image.width <= 0 || image.height <= 0 ||
        image.pixels.size() < std::size_t(image.width) * image.height * 4)
        return Status::error("snapshot: " + path + ": image is empty");
    errno = 0;
    if (!stbi_write_png(path.c_str(), image.width, image.height, 4, image.pixels.data(),
                        image.width * 4))
        return Status::error("snapshot: cannot write " + path +
                             (errno ? std::string(": ") + std::strerror(errno) : std::string()));
    return Status::ok();
}

Status read_png(const std::string& path, RgbaImage& out) {
    int w = 0, h = 0, n = 0;
    stbi_uc* data = stbi_load(path.c_str(), &w, &h, &n, 4);
    if (!data) return Status::error("snapshot: cannot read " + path + ": " + stbi_failure_reason());
    out.width = w;
    out.height = h;
    out.pixels.assign(data, data + std::size_t(w) * h * 4);
    stbi_image_free(data);
    return Status::ok();
}

} // namespace rtv::render
