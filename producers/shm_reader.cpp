#include "producers/shm_reader.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rtv::producers {

namespace {
std::uint64_t le64(const unsigned char* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

// Reads exactly out.size() bytes at `offset`; false on a short read or an error.
bool read_at(int fd, std::span<std::byte> out, std::uint64_t offset) {
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n =
            pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

std::uint64_t read_u64(int fd, std::uint64_t offset, bool& ok) {
    unsigned char b[8];
    ok = ok && read_at(fd, std::as_writable_bytes(std::span(b)), offset);
    return ok ? le64(b) : 0;
}
} // namespace

ShmReader::~ShmReader() {
    for (Entry& e : m_cache)
        close(e);
}

void ShmReader::close(Entry& e) {
    if (e.map) munmap(e.map, e.map_size);
    if (e.fd >= 0) ::close(e.fd);
    e.map = nullptr;
    e.map_size = 0;
    e.fd = -1;
}

std::size_t ShmReader::open_segments() const {
    std::size_t n = 0;
    for (const Entry& e : m_cache)
        n += e.fd >= 0 ? 1 : 0;
    return n;
}

Status ShmReader::open(std::string_view name, int& fd, Entry** entry) {
    Entry* victim = &m_cache[0];
    for (Entry& e : m_cache) {
        if (e.fd >= 0 && name == e.name) {
            e.used = ++m_clock;
            fd = e.fd;
            if (entry) *entry = &e;
            return Status::ok();
        }
        if (e.fd < 0 || (victim->fd >= 0 && e.used < victim->used)) victim = &e;
    }
    char path[wire::ShmRing::kMaxSegmentName + 2] = "/";
    std::memcpy(path + 1, name.data(), name.size());
    path[name.size() + 1] = '\0';
    // Read-write: the slot is handed back by writing its `released` word.
    const int opened = shm_open(path, O_RDWR | O_CLOEXEC, 0);
    if (opened < 0)
        return Status::error("shm: cannot open segment " + std::string(path) + ": " +
                             std::strerror(errno));
    struct stat st {};
    if (fstat(opened, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(opened);
        return Status::error("shm: " + std::string(path) + " is not a shared-memory segment");
    }
    close(*victim);
    std::memcpy(victim->name, name.data(), name.size());
    victim->name[name.size()] = '\0';
    victim->fd = opened;
    victim->used = ++m_clock;
    fd = opened;
    if (entry) *entry = victim;
    return Status::ok();
}

Status ShmReader::read(const wire::ShmDescriptor& d, std::span<std::byte> out) {
    using wire::ShmRing;
    if (!wire::valid_segment_name(d.segment))
        return Status::error("shm: segment name is not rtv[A-Za-z0-9_.-]{1,60}");
    if (d.bytes != out.size())
        return Status::error("shm: descriptor says " + std::to_string(d.bytes) +
                             " bytes, the array's shape needs " + std::to_string(out.size()));
    int fd = -1;
    Entry* entry = nullptr;
    if (Status s = open(d.segment, fd, &entry); !s) return s;
    struct stat st {};
    if (fstat(fd, &st) != 0)
        return Status::error("shm: cannot stat segment: " + std::string(std::strerror(errno)));
    const std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
    // The ring's own header: the slot and its data range must be the ring's.
    unsigned char head[24];
    if (size < ShmRing::kControl || !read_at(fd, std::as_writable_bytes(std::span(head)), 0) ||
        std::memcmp(head, "RTVRING1", 8) != 0)
        return Status::error("shm: segment " + std::string(d.segment) +
                             " is not an rtviewer ring (no RTVRING1 header)");
    const std::uint64_t slots = le64(head + 8) & 0xFFFFFFFFu;
    const std::uint64_t slot_bytes = le64(head + 16);
    if (slots == 0 || slots > ShmRing::kMaxSlots || d.slot >= slots)
        return Status::error("shm: slot " + std::to_string(d.slot) + " is not one of the ring's " +
                             std::to_string(slots));
    const std::uint64_t first = ShmRing::data_offset(static_cast<std::uint32_t>(slots));
    if (slot_bytes > (1ull << 40) || d.bytes > slot_bytes ||
        d.offset != first + d.slot * slot_bytes)
        return Status::error("shm: data range " + std::to_string(d.offset) + "+" +
                             std::to_string(d.bytes) + " is not slot " + std::to_string(d.slot) +
                             "'s (" + std::to_string(slot_bytes) + " bytes a slot)");
    if (d.offset + d.bytes > size)
        return Status::error("shm: segment is " + std::to_string(size) +
                             " bytes, the slot ends at " + std::to_string(d.offset + d.bytes) +
                             " (truncated?)");
    const std::uint64_t control = ShmRing::control_of(d.slot);
    bool ok = true;
    const std::uint64_t before = read_u64(fd, control, ok);
    if (!ok) return Status::error("shm: segment truncated while read");
    if (before != d.generation)
        return Status::error("shm: slot " + std::to_string(d.slot) +
                             " was reused before it was read (the publisher is ahead of the "
                             "viewer)");
    if (m_map && entry->map_size < d.offset + d.bytes) { // the segment is new, or has grown
        if (entry->map) munmap(entry->map, entry->map_size);
        entry->map_size = 0;
        void* map = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
        entry->map = map == MAP_FAILED ? nullptr : static_cast<std::byte*>(map);
        if (entry->map) entry->map_size = size;
    }
    if (m_map && entry->map)
        std::memcpy(out.data(), entry->map + d.offset, out.size());
    else if (!read_at(fd, out, d.offset))
        return Status::error("shm: segment truncated while read");
    const std::uint64_t after = read_u64(fd, control, ok);
    if (!ok || after != d.generation)
        return Status::error("shm: slot " + std::to_string(d.slot) +
                             " was overwritten while read; frame rejected");
    hand_back(fd, control, d.generation);
    return Status::ok();
}

void ShmReader::hand_back(int fd, std::uint64_t control, std::uint64_t generation) {
    // The slot's `released` word: the publisher may write the slot again. Advisory: a hand-back
    // that fails only makes the publisher wait for the slot (ShmRingWriter::kStaleSeconds).
    unsigned char released[8];
    for (int i = 0; i < 8; ++i)
        released[i] = static_cast<unsigned char>(generation >> (8 * i));
    const bool handed_back =
        pwrite(fd, released, sizeof released, static_cast<off_t>(control + 8)) == 8;
    static_cast<void>(handed_back);
}

void ShmReader::release(const wire::ShmDescriptor& d) {
    int fd = -1;
    if (!wire::valid_segment_name(d.segment) || d.slot >= wire::ShmRing::kMaxSlots ||
        !open(d.segment, fd))
        return;
    struct stat st {};
    const std::uint64_t control = wire::ShmRing::control_of(d.slot);
    // Only inside the segment: a write past its end would grow it.
    if (fstat(fd, &st) == 0 && control + 16 <= static_cast<std::uint64_t>(st.st_size))
        hand_back(fd, control, d.generation);
}

} // namespace rtv::producers
