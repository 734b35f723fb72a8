#include "core/page_buffer.hpp"

#include <cstdint>
#include <new>
#include <utility>

#include <sys/mman.h>

namespace rtv {

PageBuffer::PageBuffer(std::size_t bytes) {
    if (bytes == 0) return;
    if (bytes > SIZE_MAX - 2 * kHugePage) throw std::bad_alloc();
    const std::size_t size = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    // mmap aligns to 4 KiB only: map one huge page more and give back the unaligned ends.
    const std::size_t mapped = size + kHugePage;
    void* p = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    auto* base = static_cast<std::byte*>(p);
    const auto addr = reinterpret_cast<std::uintptr_t>(base);
    const std::size_t head = (kHugePage - addr % kHugePage) % kHugePage;
    if (head > 0) munmap(base, head);
    const std::size_t tail = mapped - head - size;
    if (tail > 0) munmap(base + head + size, tail);
    m_data = base + head;
    m_size = size;
    // Advice only: a kernel without transparent huge pages refuses it, and 4 KiB pages serve.
    (void)madvise(m_data, m_size, MADV_HUGEPAGE);
}

PageBuffer::~PageBuffer() {
    release();
}

PageBuffer::PageBuffer(PageBuffer&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0)) {
}

PageBuffer& PageBuffer::operator=(PageBuffer&& other) noexcept {
    if (this != &other) {
        release();
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

void PageBuffer::release() {
    if (m_data) munmap(m_data, m_size);
    m_data = nullptr;
    m_size = 0;
}

} // namespace rtv
