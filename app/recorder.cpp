#include "app/recorder.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include "core/pixel_format.hpp"
#include "core/stream.hpp"
#include "wire/npy.hpp"

namespace rtv::app {

namespace {
constexpr std::size_t kMaxPending = 4096;

bool write_all(int fd, const void* data, std::size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= std::size_t(n);
    }
    return true;
}
} // namespace

Recorder::Recorder(std::string dir, std::uint64_t limit_bytes, std::size_t ring_bytes)
    : m_dir(std::move(dir))
    , m_limit(limit_bytes)
    , m_ring(ring_bytes)
    , m_pending(kMaxPending) {
    m_header.reserve(256);
}

Recorder::~Recorder() {
    close();
}

Status Recorder::open() {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path dir(m_dir);
    if (fs::exists(dir / "index.tsv", ec))
        return Status::error("rtviewer: --record: " + m_dir +
                             " already holds a recording (index.tsv); choose another directory");
    fs::create_directories(dir / "frames", ec);
    if (ec)
        return Status::error("rtviewer: --record: cannot create " + m_dir +
                             "/frames: " + ec.message());
    m_index_fd =
        ::open((dir / "index.tsv").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (m_index_fd < 0)
        return Status::error("rtviewer: --record: cannot write " + m_dir +
                             "/index.tsv: " + std::strerror(errno));
    const char* head = "frame\tstream\tkind\trows\tcols\tformat\tt_ns\tfile\n";
    if (!write_all(m_index_fd, head, std::strlen(head)))
        return Status::error("rtviewer: --record: cannot write " + m_dir + "/index.tsv");
    m_writer = std::jthread([this](std::stop_token stop) { write_loop(stop); });
    return Status::ok();
}

// Space for `bytes` in the ring after the newest record (or from the start when that end is
// too short and the oldest record leaves room). Caller holds m_mutex.
bool Recorder::reserve(std::size_t bytes, std::size_t& offset) {
    if (bytes > m_ring.size()) return false;
    if (m_count == 0) {
        offset = 0;
        return true;
    }
    const Pending& oldest = m_pending[m_head];
    const Pending& newest = m_pending[(m_head + m_count - 1) % kMaxPending];
    const std::size_t begin = oldest.offset, end = newest.offset + newest.bytes;
    if (m_count == kMaxPending) return false;
    if (end > begin) { // live data is [begin, end)
        if (m_ring.size() - end >= bytes) {
            offset = end;
            return true;
        }
        if (begin >= bytes) {
            offset = 0;
            return true;
        }
        return false;
    }
    if (begin - end >= bytes) { // wrapped: live data is [begin, size) and [0, end)
        offset = end;
        return true;
    }
    return false;
}

void Recorder::on_frame(const FrameView& f) {
    const std::span<const std::byte> data =
        f.kind == FrameKind::Image ? f.pixels : std::as_bytes(f.line_points);
    const std::size_t bytes = data.size_bytes();
    std::size_t offset = 0;
    std::size_t slot = 0;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopped || m_closing) return;
        if (m_accepted_bytes + bytes > m_limit) {
            m_counts.limit_reached = true;
            m_stopped = true;
            return;
        }
        if (!reserve(bytes, offset)) {
            ++m_counts.dropped;
            return;
        }
        m_accepted_bytes += bytes;
        slot = (m_head + m_count) % kMaxPending;
        Pending& p = m_pending[slot];
        p = Pending{};
        p.offset = offset;
        p.bytes = bytes;
        p.stream = f.stream;
        p.kind = f.kind;
        p.rows = f.kind == FrameKind::Image ? f.image.height : f.lines;
        p.cols = f.kind == FrameKind::Image ? f.image.width : f.points;
        p.format = f.kind == FrameKind::Image ? f.image.format : PixelFormat{};
        p.t_ns = f.submit_ns;
        ++m_count;
    }
    std::memcpy(m_ring.data() + offset, data.data(), bytes); // outside the lock: ours alone
    {
        std::lock_guard lock(m_mutex);
        m_pending[slot].ready = true;
    }
    m_ready.notify_one();
}

int Recorder::write_one(const Pending& p, std::uint64_t number) {
    char name[32];
    std::snprintf(name, sizeof name, "%09llu.npy", static_cast<unsigned long long>(number));
    char path[4096];
    std::snprintf(path, sizeof path, "%s/frames/%s", m_dir.c_str(), name);
    // Images: (rows, cols) mono or (rows, cols, channels), in their own dtype; lines: (n, 2).
    const bool image = p.kind == FrameKind::Image;
    const std::uint64_t shape[3] = {image ? p.rows : std::uint64_t{p.rows} * p.cols,
                                    image ? p.cols : 2, p.format.channels};
    wire::write_npy_header(m_header, wire::npy_type_of(p.format.sample),
                           image && !p.format.mono() ? 3 : 2, shape);
    const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return errno;
    const bool ok = write_all(fd, m_header.data(), m_header.size()) &&
                    write_all(fd, m_ring.data() + p.offset, p.bytes);
    const int failure = ok ? 0 : errno; // before close(), which may set errno again
    ::close(fd);
    if (!ok) return failure;
    char line[512];
    const int n =
        std::snprintf(line, sizeof line, "%llu\t%s\t%s\t%u\t%u\t%s\t%lld\tframes/%s\n",
                      static_cast<unsigned long long>(number), p.stream->request().name.c_str(),
                      p.kind == FrameKind::Image ? "image" : "lines", p.rows, p.cols,
                      p.kind == FrameKind::Image ? format_name(p.format).data() : "xy32f",
                      static_cast<long long>(p.t_ns), name);
    if (n <= 0) return EINVAL;
    if (!write_all(m_index_fd, line, std::size_t(n))) return errno;
    std::lock_guard lock(m_mutex);
    ++m_counts.frames;
    m_counts.bytes += m_header.size() + p.bytes;
    return 0;
}

void Recorder::write_loop(std::stop_token stop) {
    std::uint64_t number = 0;
    for (;;) {
        Pending p;
        {
            std::unique_lock lock(m_mutex);
            m_ready.wait(lock, stop,
                         [&] { return (m_count > 0 && m_pending[m_head].ready) || m_closing; });
            if (m_count == 0 || !m_pending[m_head].ready) return; // closing, nothing left
            p = m_pending[m_head];
        }
        const int failure = write_one(p, number++);
        std::lock_guard lock(m_mutex);
        m_head = (m_head + 1) % kMaxPending;
        --m_count;
        if (failure != 0) {
            m_error = "rtviewer: --record: cannot write " + m_dir + ": " + std::strerror(failure) +
                      "; recording stopped";
            m_counts.failed = m_stopped = true;
            m_counts.discarded += m_count + 1; // this frame and those still in the ring
            m_count = 0;                       // nothing more will be written
            return;
        }
    }
}

void Recorder::close() {
    {
        std::lock_guard lock(m_mutex);
        m_closing = true;
    }
    m_ready.notify_all();
    if (m_writer.joinable()) m_writer.join(); // writes what is left, then returns
    if (m_index_fd >= 0) {
        ::close(m_index_fd);
        m_index_fd = -1;
    }
}

Recorder::Counts Recorder::counts() const {
    std::lock_guard lock(m_mutex);
    return m_counts;
}

std::string Recorder::error() const {
    std::lock_guard lock(m_mutex);
    return m_error;
}

} // namespace rtv::app
