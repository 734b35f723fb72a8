#pragma once
// Names the calling thread (shown by gdb, top -H, perf). Linux truncates to 15 characters.

#include <string_view>

namespace rtv {
void set_thread_name(std::string_view name);
}
