#include "producers/replay.hpp"

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

#include "core/clock.hpp"
#include "core/frame_sink.hpp"
#include "core/pixel_format.hpp"
#include "producers/replay_clock.hpp"
#include "wire/npy.hpp"

namespace rtv::producers {

namespace {

constexpr std::array kReplaySettings{
    SettingInfo{"path", "(required)", "the directory written by rtviewer --record"},
    SettingInfo{"loop", "0", "1: start again at the end, forever"},
};

template <class T> bool number(std::string_view s, T& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc{} && end == s.data() + s.size();
}

// Splits a tab-separated line into exactly n fields.
bool fields(std::string_view line, std::string_view* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t tab = line.find('\t');
        if ((tab == std::string_view::npos) != (i + 1 == n)) return false;
        out[i] = line.substr(0, tab);
        line = tab == std::string_view::npos ? std::string_view{} : line.substr(tab + 1);
    }
    return true;
}

} // namespace

std::span<const SettingInfo> Replay::settings() {
    return kReplaySettings;
}

Status Replay::configure(const ProducerConfig& config) {
    if (Status s = check_keys(kName, config, kReplaySettings); !s) return s;
    const auto path = config.find("path");
    if (path == config.end() || path->second.empty())
        return Status::error("replay: path is required, e.g. replay:path=recording");
    m_path = path->second;
    std::uint32_t loop = 0;
    if (Status s = read_uint(kName, config, "loop", 0, 1, loop); !s) return s;
    m_loop = loop == 1;

    const std::string index = m_path + "/index.tsv";
    std::ifstream in(index);
    if (!in)
        return Status::error("replay: cannot read " + index + ": " + std::strerror(errno) +
                             " (is it a directory written by --record?)");
    std::string line;
    std::getline(in, line);
    // Recordings before pixel formats had no format column: their images are float32 mono.
    const bool has_format = line == "frame\tstream\tkind\trows\tcols\tformat\tt_ns\tfile";
    if (!has_format && line != "frame\tstream\tkind\trows\tcols\tt_ns\tfile")
        return Status::error("replay: " + index + " line 1: not a recording index header");
    const std::size_t columns = has_format ? 8 : 7;
    std::size_t largest = 0;
    for (std::size_t number_of_line = 2; std::getline(in, line); ++number_of_line) {
        const std::string where = "replay: " + index + " line " + std::to_string(number_of_line);
        std::string_view f[8];
        std::uint32_t rows = 0, cols = 0;
        Entry e;
        // f: frame, stream, kind, rows, cols, [format,] t_ns, file.
        if (!fields(line, f, columns) || !number(f[3], rows) || !number(f[4], cols) ||
            !number(f[columns - 2], e.t_ns) || (f[2] != "image" && f[2] != "lines") || f[1].empty())
            return Status::error(where +
                                 ": expected frame, stream, kind (image or lines), rows, "
                                 "cols, " +
                                 std::string(has_format ? "format, " : "") +
                                 "t_ns, file separated by tabs");
        const std::string_view file = f[columns - 1];
        if (!file.starts_with("frames/") || file.find("..") != std::string_view::npos)
            return Status::error(where + ": file must be inside frames/, got '" +
                                 std::string(file) + "'");
        const FrameKind kind = f[2] == "image" ? FrameKind::Image : FrameKind::Lines;
        PixelFormat format{};
        if (has_format && kind == FrameKind::Image) {
            const auto found = find_format(f[5]);
            if (!found)
                return Status::error(where + ": format '" + std::string(f[5]) + "' is not one of " +
                                     format_list());
            format = *found;
        } else if (has_format && f[5] != "xy32f") {
            return Status::error(where + ": lines have format xy32f, got '" + std::string(f[5]) +
                                 "'");
        }
        std::size_t s = 0;
        while (s < m_streams.size() && m_streams[s].name != f[1])
            ++s;
        if (s == m_streams.size()) {
            StreamRequest r;
            r.name = std::string(f[1]);
            r.kind = kind;
            if (kind == FrameKind::Image)
                r.image = {cols, rows, format};
            else
                r.lines = {rows, cols};
            if (Status v = validate(r); !v) return Status::error(where + ": " + v.message());
            m_streams.push_back(std::move(r));
        }
        const StreamRequest& r = m_streams[s];
        const bool same =
            kind == r.kind &&
            (kind == FrameKind::Image
                 ? r.image.width == cols && r.image.height == rows && r.image.format == format
                 : rows == r.lines.max_lines);
        if (!same)
            return Status::error(where + ": " + std::string(f[1]) +
                                 " changes kind, shape or format within the recording");
        if (kind == FrameKind::Lines && cols > r.lines.max_points)
            m_streams[s].lines.max_points = cols;
        largest = std::max<std::size_t>(
            largest, std::size_t{rows} * cols *
                         (kind == FrameKind::Image ? format.pixel_bytes() : sizeof(LinePoint)));
        e.stream = static_cast<std::uint16_t>(s);
        e.file = std::string(file);
        m_entries.push_back(std::move(e));
        if (m_streams.size() > 256) return Status::error(where + ": more than 256 streams");
    }
    if (m_entries.empty()) return Status::error("replay: " + index + " holds no frames");
    m_buffer.resize(largest + 4096); // the largest frame and its header
    return Status::ok();
}

std::vector<StreamRequest> Replay::streams() const {
    return m_streams;
}

void Replay::play(FrameSink& sink, const Entry& e) {
    char path[4096];
    std::snprintf(path, sizeof path, "%s/%s", m_path.c_str(), e.file.c_str());
    // POSIX reads into the buffer sized at configure: no allocation per frame.
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        sink.reject(e.stream,
                    "replay: cannot read " + std::string(path) + ": " + std::strerror(errno));
        return;
    }
    std::size_t size = 0;
    for (;;) {
        if (size == m_buffer.size()) { // bigger than the index says: read one byte past
            size = m_buffer.size() + 1;
            break;
        }
        const ssize_t n = ::read(fd, m_buffer.data() + size, m_buffer.size() - size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        size += std::size_t(n);
    }
    ::close(fd);
    wire::NpyArray a;
    const StreamRequest& r = m_streams[e.stream];
    if (size > m_buffer.size()) {
        sink.reject(e.stream, "replay: " + std::string(path) + " is larger than its index says");
        return;
    }
    if (Status s = wire::parse_npy({m_buffer.data(), size}, a); !s) {
        sink.reject(e.stream, "replay: " + std::string(path) + ": " + s.message());
        return;
    }
    PixelFormat format{};
    const bool image_ok = r.kind == FrameKind::Image && a.dims >= 2 &&
                          a.shape[0] == r.image.height && a.shape[1] == r.image.width &&
                          wire::npy_image_format(a, format) && format == r.image.format;
    const bool lines_ok = r.kind == FrameKind::Lines && a.dims == 2 && a.shape[1] == 2 &&
                          a.shape[0] % r.lines.max_lines == 0 &&
                          a.shape[0] / r.lines.max_lines <= r.lines.max_points;
    if (!image_ok && !lines_ok) {
        sink.reject(e.stream,
                    "replay: " + std::string(path) + ": shape or dtype does not match the index");
        return;
    }
    FrameLease lease = sink.acquire(e.stream);
    if (!lease) return; // pool full: counted as dropped
    if (r.kind == FrameKind::Image) {
        wire::npy_copy_image(a, format, lease.bytes());
    } else {
        wire::npy_to_float(a, {reinterpret_cast<float*>(lease.points().data()), a.count()});
        lease.set_shape(r.lines.max_lines,
                        static_cast<std::uint32_t>(a.shape[0] / r.lines.max_lines));
    }
    sink.submit(std::move(lease));
}

void Replay::run(std::stop_token stop, FrameSink& sink) {
    const std::uint64_t limit = sink.schedule().iterations;
    std::uint64_t played = 0;
    ReplayClock clock;
    do {
        clock.restart(m_entries.front().t_ns);
        for (const Entry& e : m_entries) {
            if (stop.stop_requested() || (limit != 0 && played >= limit)) return;
            if (!clock.wait(sink, e.t_ns)) return;
            play(sink, e);
            ++played;
        }
    } while (m_loop);
}

} // namespace rtv::producers
