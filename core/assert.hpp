#pragma once
// RTV_ASSERT: programmer errors only (never input validation). On in every build type, as in
// Dear ImGui: the checks are cheap and a wrong slot index must never become memory corruption.

namespace rtv::detail {
[[noreturn]] void assert_failed(const char* expr, const char* message, const char* file, int line);
} // namespace rtv::detail

#define RTV_ASSERT(expr, message)                                                                  \
    do {                                                                                           \
        if (!(expr)) [[unlikely]]                                                                  \
            ::rtv::detail::assert_failed(#expr, message, __FILE__, __LINE__);                      \
    } while (false)
