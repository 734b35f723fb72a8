#include "core/memory_budget.hpp"

#include <cstdio>

#include <unistd.h>

namespace rtv {

bool MemoryBudget::try_reserve(std::uint64_t bytes) {
    std::uint64_t used = m_used.load(std::memory_order_relaxed);
    do {
        if (bytes > m_limit || used > m_limit - bytes) {
            m_refused.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
    } while (!m_used.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
    return true;
}

void MemoryBudget::release(std::uint64_t bytes) {
    m_used.fetch_sub(bytes, std::memory_order_relaxed);
}

std::uint64_t MemoryBudget::available() const {
    const std::uint64_t u = used();
    return u >= m_limit ? 0 : m_limit - u;
}

std::string MemoryBudget::refusal(std::string_view what, std::uint64_t bytes) const {
    char buf[160];
    std::snprintf(
        buf, sizeof buf, " needs %.1f MB, over the memory limit of %.0f MB (%.1f MB in use)",
        double(bytes) / 1048576.0, double(m_limit) / 1048576.0, double(used()) / 1048576.0);
    return std::string(what) + buf;
}

std::uint64_t default_memory_limit() {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return std::uint64_t{4} << 30; // unknown: 4 GB
    return std::uint64_t(pages) * std::uint64_t(page) / 4;
}

} // namespace rtv
