#include "client/shm_ring.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/clock.hpp"

namespace rtv::client {

using wire::ShmRing;

ShmRingWriter::~ShmRingWriter() {
    release_segment();
    for (const std::string& path : m_retired)
        shm_unlink(path.c_str());
}

void ShmRingWriter::release_segment() {
    if (!m_base) return;
    munmap(m_base, m_size);
    m_base = nullptr;
    // Descriptors of this segment may still be on their way: it is unlinked when the writer goes.
    m_retired.push_back("/" + m_name);
}

Status ShmRingWriter::make(std::uint64_t slot_bytes) {
    release_segment();
    if (m_slots == 0 || m_slots > ShmRing::kMaxSlots)
        return Status::error("rtviewer client: shm slots must be 1.." +
                             std::to_string(ShmRing::kMaxSlots));
    slot_bytes = (slot_bytes + ShmRing::kDataAlign - 1) / ShmRing::kDataAlign * ShmRing::kDataAlign;
    std::random_device entropy;
    m_name = "rtv-" + std::to_string(getpid()) + "-" + std::to_string(entropy() & 0xFFFFFF);
    const std::string path = "/" + m_name;
    const int fd = shm_open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return Status::error("rtviewer client: cannot create shared memory " + path + ": " +
                             std::strerror(errno));
    const std::uint64_t size = ShmRing::data_offset(m_slots) + m_slots * slot_bytes;
    void* base = MAP_FAILED;
    if (ftruncate(fd, static_cast<off_t>(size)) == 0)
        base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    const int error = errno;
    ::close(fd);
    if (base == MAP_FAILED) {
        shm_unlink(path.c_str());
        return Status::error("rtviewer client: cannot size shared memory " + path + " to " +
                             std::to_string(size) + " bytes: " + std::strerror(error));
    }
    m_base = static_cast<std::byte*>(base);
    m_size = size;
    m_slot_bytes = slot_bytes;
    m_next = 0;
    std::fill(std::begin(m_sent), std::end(m_sent), 0);
    std::fill(std::begin(m_sent_ns), std::end(m_sent_ns), 0);
    ShmRing::write_header(m_base, m_slots, slot_bytes);
    return Status::ok();
}

Status ShmRingWriter::write(std::span<const std::byte> data, wire::ShmDescriptor& out) {
    // A larger frame: a new segment, at least twice as large, so that few are ever made.
    if (!m_base || data.size() > m_slot_bytes)
        if (Status s = make(std::max<std::uint64_t>({data.size(), 2 * m_slot_bytes, 1})); !s)
            return s;
    const std::uint32_t slot = m_next;
    m_next = (m_next + 1) % m_slots;
    const std::uint64_t control = ShmRing::control_of(slot);
    auto generation = ShmRing::word(m_base, control);
    const std::uint64_t old = generation.load(std::memory_order_relaxed);
    if (old != 0 && ShmRing::word(m_base, control + 8).load(std::memory_order_acquire) != old)
        ++m_reused_unread;
    // A seqlock: odd while writing, so that a viewer copying this slot now sees it changed.
    m_generation += 2;
    generation.store(m_generation - 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    const std::uint64_t offset = ShmRing::data_offset(m_slots) + slot * m_slot_bytes;
    std::memcpy(m_base + offset, data.data(), data.size());
    generation.store(m_generation, std::memory_order_release);
    out.offset = offset;
    out.bytes = data.size();
    out.generation = m_generation;
    out.slot = slot;
    out.segment = m_name;
    return Status::ok();
}

void ShmRingWriter::mark_sent(const wire::ShmDescriptor& d) {
    if (d.segment != m_name || d.slot >= m_slots) return;
    m_sent[d.slot] = d.generation;
    m_sent_ns[d.slot] = now_ns();
}

bool ShmRingWriter::ready() const {
    if (!m_base) return true;
    const std::uint32_t s = m_next;
    const std::uint64_t sent = m_sent[s];
    const std::uint64_t control = ShmRing::control_of(s);
    if (sent == 0 || ShmRing::word(m_base, control).load(std::memory_order_relaxed) != sent)
        return true;
    if (ShmRing::word(m_base, control + 8).load(std::memory_order_acquire) == sent) return true;
    return double(now_ns() - m_sent_ns[s]) * 1e-9 >= kStaleSeconds;
}

bool ShmRingWriter::wait_released(double seconds) const {
    if (!m_base) return true;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    for (;;) {
        bool all = true;
        for (std::uint32_t s = 0; s < m_slots; ++s) {
            const std::uint64_t sent = m_sent[s];
            const std::uint64_t g = ShmRing::word(m_base, ShmRing::control_of(s)).load();
            if (sent != 0 && g == sent &&
                ShmRing::word(m_base, ShmRing::control_of(s) + 8).load() != sent)
                all = false;
        }
        if (all) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        // A publisher closing: no viewer thread to wake us, so poll the hand-back words.
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

} // namespace rtv::client
