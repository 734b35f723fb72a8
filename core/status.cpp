#include "core/status.hpp"

#include <cstdio>
#include <cstdlib>

#include "core/assert.hpp"

namespace rtv {

Status Status::error(std::string message) {
    RTV_ASSERT(!message.empty(), "an error Status needs a message");
    return Status{std::move(message)};
}

namespace detail {
void assert_failed(const char* expr, const char* message, const char* file, int line) {
    std::fprintf(stderr, "rtviewer: assertion failed: %s (%s) at %s:%d\n", message, expr, file,
                 line);
    std::abort();
}
} // namespace detail

} // namespace rtv
