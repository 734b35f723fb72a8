#pragma once
// A large, owned, zero-filled byte buffer straight from the kernel (mmap), aligned to and
// rounded up to 2 MiB and offered to transparent huge pages (madvise MADV_HUGEPAGE): a buffer
// of hundreds of megabytes written front to back (the history ring) then takes one page fault
// per 2 MiB instead of one per 4 KiB (512 times fewer). Nothing is touched here: pages become
// resident as they are first written, as with operator new. Where the kernel has no
// transparent huge pages (or they are off) the advice is ignored and the buffer works the same.
//
// Thread: any. Allocates: at construction (mmap); throws std::bad_alloc when the kernel refuses.

#include <cstddef>

namespace rtv {

class PageBuffer {
public:
    static constexpr std::size_t kHugePage = std::size_t(2) << 20;

    PageBuffer() = default;
    // At least `bytes` bytes (none for 0).
    explicit PageBuffer(std::size_t bytes);
    ~PageBuffer();
    PageBuffer(PageBuffer&& other) noexcept;
    PageBuffer& operator=(PageBuffer&& other) noexcept;
    PageBuffer(const PageBuffer&) = delete;
    PageBuffer& operator=(const PageBuffer&) = delete;

    std::byte* get() const { return m_data; }
    // The bytes mapped: `bytes` rounded up to kHugePage.
    std::size_t size() const { return m_size; }
    explicit operator bool() const { return m_data != nullptr; }

private:
    void release();
    std::byte* m_data = nullptr;
    std::size_t m_size = 0;
};

} // namespace rtv
