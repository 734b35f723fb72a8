#pragma once
// The viewer's memory budget (--memory-limit): what the frame pools, the line histories and
// the record ring may take together, and what ZeroMQ may queue for the viewer. Each reserves its
// bytes before it allocates; a reservation that would pass the limit is refused, so no peer can
// make the viewer allocate past it. Thread: any (atomics).

#include <atomic>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace rtv {

class MemoryBudget {
public:
    explicit MemoryBudget(std::uint64_t limit_bytes = std::numeric_limits<std::uint64_t>::max())
        : m_limit(limit_bytes) {}
    MemoryBudget(const MemoryBudget&) = delete;
    MemoryBudget& operator=(const MemoryBudget&) = delete;

    // Takes `bytes`: true, or false (nothing taken, counted as refused) when that would pass
    // the limit. Thread: any. Allocates: never.
    bool try_reserve(std::uint64_t bytes);
    // Gives back what try_reserve took. Thread: any. Allocates: never.
    void release(std::uint64_t bytes);

    std::uint64_t limit() const { return m_limit; }
    std::uint64_t used() const { return m_used.load(std::memory_order_relaxed); }
    std::uint64_t available() const;
    std::uint64_t refused() const { return m_refused.load(std::memory_order_relaxed); }

    // "<what> needs 108.0 MB, over the memory limit of 150 MB (108.0 MB in use)".
    // Allocates: yes (the error path).
    std::string refusal(std::string_view what, std::uint64_t bytes) const;

private:
    const std::uint64_t m_limit;
    std::atomic<std::uint64_t> m_used{0};
    std::atomic<std::uint64_t> m_refused{0};
};

// A quarter of the machine's physical memory: the default --memory-limit.
std::uint64_t default_memory_limit();

} // namespace rtv
