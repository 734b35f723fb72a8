#include "core/thread_name.hpp"

#include <algorithm>
#include <cstring>

#include <pthread.h>

namespace rtv {

void set_thread_name(std::string_view name) {
    char buf[16];
    const std::size_t n = std::min(name.size(), sizeof buf - 1);
    std::memcpy(buf, name.data(), n);
    buf[n] = '\0';
    pthread_setname_np(pthread_self(), buf);
}

} // namespace rtv
