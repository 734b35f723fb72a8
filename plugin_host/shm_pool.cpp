#include "plugin_host/shm_pool.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace rtv::plugins {

using wire::ShmRing;

ShmPoolMemory::~ShmPoolMemory() {
    for (const auto& s : m_segments) {
        munmap(s->map, s->size);
        shm_unlink(("/" + s->name).c_str());
    }
}

std::byte* ShmPoolMemory::allocate(std::size_t stride, unsigned count) {
    if (count == 0 || count > ShmRing::kMaxSlots) return nullptr;
    auto s = std::make_unique<Segment>();
    {
        std::scoped_lock lock(m_mutex);
        s->name = "rtv-" + std::to_string(getpid()) + "-pool-" + std::to_string(++m_made);
    }
    const std::string path = "/" + s->name;
    const int fd = shm_open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return nullptr; // the pool uses the heap; its frames travel through the ring
    const std::uint64_t first = ShmRing::data_offset(count);
    const std::uint64_t size = first + std::uint64_t{count} * stride;
    void* map = MAP_FAILED;
    if (ftruncate(fd, static_cast<off_t>(size)) == 0)
        map = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) {
        shm_unlink(path.c_str());
        return nullptr;
    }
    s->map = static_cast<std::byte*>(map);
    s->size = size;
    s->data = s->map + first;
    s->count = count;
    ShmRing::write_header(s->map, count, stride);
    // Touch every page now (as a heap pool does), so that the first frames pay no page faults.
    std::memset(s->data, 0, std::size_t{count} * stride);
    std::byte* data = s->data;
    std::scoped_lock lock(m_mutex);
    m_segments.push_back(std::move(s));
    return data;
}

void ShmPoolMemory::deallocate(std::byte* data) {
    std::scoped_lock lock(m_mutex);
    const auto it = std::find_if(m_segments.begin(), m_segments.end(),
                                 [&](const auto& s) { return s->data == data; });
    if (it == m_segments.end()) return;
    munmap((*it)->map, (*it)->size);
    shm_unlink(("/" + (*it)->name).c_str());
    m_segments.erase(it);
}

ShmPoolMemory::Segment* ShmPoolMemory::find_locked(const std::byte* data) const {
    for (const auto& s : m_segments)
        if (s->data == data) return s.get();
    return nullptr;
}

ShmPoolMemory::Segment* ShmPoolMemory::find_named_locked(std::string_view name) const {
    for (const auto& s : m_segments)
        if (s->name == name) return s.get();
    return nullptr;
}

bool ShmPoolMemory::publish(const FramePool& pool, std::uint8_t slot, std::size_t bytes,
                            wire::ShmDescriptor& out) {
    std::scoped_lock lock(m_mutex);
    Segment* s = pool.memory() == this ? find_locked(pool.base()) : nullptr;
    if (!s || slot >= s->count || bytes > pool.slot_bytes()) return false;
    s->generation += 2;
    // The producer's writes happened before its frame was queued to this thread; the release
    // store orders them before the viewer's read of the generation.
    ShmRing::word(s->map, ShmRing::control_of(slot))
        .store(s->generation, std::memory_order_release);
    out.offset = ShmRing::data_offset(s->count) + std::uint64_t{slot} * pool.stride();
    out.bytes = bytes;
    out.generation = s->generation;
    out.slot = slot;
    out.segment = s->name;
    return true;
}

bool ShmPoolMemory::handed_back(const wire::ShmDescriptor& d) const {
    std::scoped_lock lock(m_mutex);
    Segment* s = find_named_locked(d.segment);
    return !s || d.slot >= s->count ||
           ShmRing::word(s->map, ShmRing::control_of(d.slot) + 8).load(std::memory_order_acquire) ==
               d.generation;
}

void ShmPoolMemory::revoke(const wire::ShmDescriptor& d) {
    std::scoped_lock lock(m_mutex);
    if (Segment* s = find_named_locked(d.segment); s && d.slot < s->count)
        ShmRing::word(s->map, ShmRing::control_of(d.slot)).store(d.generation + 1);
}

std::size_t ShmPoolMemory::segments() const {
    std::scoped_lock lock(m_mutex);
    return m_segments.size();
}

} // namespace rtv::plugins
