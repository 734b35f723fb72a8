#include "storage/npy_dir.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include "core/pixel_format.hpp"
#include "wire/npy.hpp"

namespace rtv::storage {

namespace {
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

NpyDirWriter::NpyDirWriter(std::string dir)
    : m_dir(std::move(dir)) {
    m_header.reserve(256);
}

NpyDirWriter::~NpyDirWriter() {
    (void)close();
}

Status NpyDirWriter::open() {
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
    return Status::ok();
}

Status NpyDirWriter::write(const RecordFrame& f) {
    char name[32];
    std::snprintf(name, sizeof name, "%09llu.npy", static_cast<unsigned long long>(m_number));
    char path[4096];
    std::snprintf(path, sizeof path, "%s/frames/%s", m_dir.c_str(), name);
    // Images: (rows, cols) mono or (rows, cols, channels), in their own dtype; lines: (n, 2).
    const bool image = f.kind == FrameKind::Image;
    const std::uint32_t rows = image ? f.image.height : f.lines;
    const std::uint32_t cols = image ? f.image.width : f.points;
    const std::uint64_t shape[3] = {image ? rows : std::uint64_t{rows} * cols, image ? cols : 2,
                                    f.image.format.channels};
    wire::write_npy_header(m_header, wire::npy_type_of(f.image.format.sample),
                           image && !f.image.format.mono() ? 3 : 2, shape);
    auto failed = [&](int error) {
        return Status::error("rtviewer: --record: cannot write " + m_dir + ": " +
                             std::strerror(error));
    };
    const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return failed(errno);
    const bool ok = write_all(fd, m_header.data(), m_header.size()) &&
                    write_all(fd, f.data.data(), f.data.size());
    const int failure = ok ? 0 : errno; // before close(), which may set errno again
    ::close(fd);
    if (!ok) return failed(failure);
    char line[512];
    const int n = std::snprintf(
        line, sizeof line, "%llu\t%.*s\t%s\t%u\t%u\t%s\t%lld\tframes/%s\n",
        static_cast<unsigned long long>(m_number), static_cast<int>(f.stream.size()),
        f.stream.data(), image ? "image" : "lines", rows, cols,
        image ? format_name(f.image.format).data() : "xy32f", static_cast<long long>(f.t_ns), name);
    if (n <= 0 || std::size_t(n) >= sizeof line) return failed(EINVAL);
    if (!write_all(m_index_fd, line, std::size_t(n))) return failed(errno);
    ++m_number;
    m_bytes += m_header.size() + f.data.size();
    return Status::ok();
}

Status NpyDirWriter::close() {
    if (m_index_fd >= 0) {
        ::close(m_index_fd);
        m_index_fd = -1;
    }
    return Status::ok();
}

} // namespace rtv::storage
