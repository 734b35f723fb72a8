#include "producers/hdf5.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

#include "core/clock.hpp"
#include "core/frame_sink.hpp"
#include "producers/replay_clock.hpp"

namespace rtv::producers {

namespace {

constexpr std::array kHdf5Settings{
    SettingInfo{"path", "(required)", "the HDF5 file (.h5, .hdf5, .nxs)"},
    SettingInfo{
        "dataset", "(the file's one)",
        "the dataset to play, e.g. /entry/data/data; by default every stream of an "
        "rtviewer recording, else the file's one NXdata signal, one 3-D dataset or one image"},
    SettingInfo{"start", "0", "the first frame played"},
    SettingInfo{"stop", "0", "play up to (not including) this frame; 0 = to the end"},
    SettingInfo{"step", "1", "play every step-th frame"},
    SettingInfo{"loop", "0", "1: start again at the end, forever"},
    SettingInfo{"follow", "0",
                "1: follow a file being written (SWMR): show each new frame as it comes"},
    SettingInfo{"poll", "0.02", "follow: seconds between looks for new frames"},
    SettingInfo{"idle", "0",
                "follow: finish after this many seconds without a new frame; 0 = only when the "
                "writer closes the file"},
};

// Points an append stream keeps per line in the viewer.
constexpr std::uint32_t kAppendHistory = 100'000;
// A recorded time is taken as this machine's steady clock (latency measured from it) only when
// it lies this close behind now: a file from another machine or an earlier boot is not.
constexpr std::int64_t kSameClockNs = 60'000'000'000;

} // namespace

bool hdf5_writer_open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool open = false;
    // The superblock is at 0, or after a user block of 512, 1024, 2048, ... bytes.
    for (off_t at = 0; at <= (off_t{1} << 20); at = at == 0 ? 512 : at * 2) {
        unsigned char b[12];
        if (::pread(fd, b, sizeof b, at) != ssize_t(sizeof b)) break;
        if (std::memcmp(b, "\211HDF\r\n\032\n", 8) != 0) continue;
        // Versions 2 and 3: byte 11 holds the consistency flags (bit 0: open for writing,
        // bit 2: open for SWMR writing); versions 0 and 1 keep none.
        open = b[8] >= 2 && (b[11] & 0x5) != 0;
        break;
    }
    ::close(fd);
    return open;
}

std::span<const SettingInfo> Hdf5::settings() {
    return kHdf5Settings;
}

Status Hdf5::configure(const ProducerConfig& config) {
    if (Status s = check_keys(kName, config, kHdf5Settings); !s) return s;
    const auto path = config.find("path");
    if (path == config.end() || path->second.empty())
        return Status::error("hdf5: path is required, e.g. hdf5:path=run.h5");
    m_path = path->second;
    if (auto d = config.find("dataset"); d != config.end()) m_dataset = d->second;
    std::uint32_t u = 0;
    auto read64 = [&](const char* key, std::uint64_t lo, std::uint64_t& out) {
        auto it = config.find(key);
        return it == config.end()
                   ? Status::ok()
                   : parse_uint(kName, key, it->second, lo, std::uint64_t{1} << 62, out);
    };
    if (Status s = read64("start", 0, m_start); !s) return s;
    if (Status s = read64("stop", 0, m_stop); !s) return s;
    if (Status s = read64("step", 1, m_step); !s) return s;
    if (Status s = read_uint(kName, config, "loop", 0, 1, u = 0); !s) return s;
    m_loop = u == 1;
    if (Status s = read_uint(kName, config, "follow", 0, 1, u = 0); !s) return s;
    m_follow = u == 1;
    if (Status s = read_double(kName, config, "poll", 0.001, 60.0, m_poll_s); !s) return s;
    if (Status s = read_double(kName, config, "idle", 0.0, 86400.0, m_idle_s); !s) return s;
    if (m_follow && (m_loop || m_start || m_stop || m_step != 1))
        return Status::error("hdf5: follow=1 shows the newest frame: start, stop, step and loop "
                             "are for replay");
    if (!m_follow && (config.count("poll") || config.count("idle")))
        return Status::error("hdf5: poll and idle are for follow=1");
    if (m_stop != 0 && m_stop <= m_start)
        return Status::error("hdf5: stop must be after start, got start=" +
                             std::to_string(m_start) + " stop=" + std::to_string(m_stop));

    if (Status s = m_reader.open(m_path, m_dataset, m_follow); !s) return s;
    m_streams.clear();
    for (const storage::Hdf5Stream& h : m_reader.streams()) {
        StreamRequest r;
        r.name = h.name;
        r.kind = h.kind;
        r.mode = h.mode;
        if (h.kind == FrameKind::Image)
            r.image = h.image;
        else
            r.lines = h.capacity;
        if (h.mode == StreamMode::Append) r.history = kAppendHistory;
        if (Status v = validate(r); !v)
            return Status::error("hdf5: " + m_path + " " + h.dataset + ": " + v.message());
        m_streams.push_back(std::move(r));
    }
    if (m_follow) return Status::ok();

    // Replay: the frames in the order they play, by recorded time across streams.
    m_entries.clear();
    std::vector<std::int64_t> t;
    for (std::size_t s = 0; s < m_reader.streams().size(); ++s) {
        const storage::Hdf5Stream& h = m_reader.streams()[s];
        if (h.timed) {
            if (Status st = m_reader.times(s, t); !st) return st;
        }
        // Append frames all play (each extends the line); the range applies to the rest.
        const bool all = h.mode == StreamMode::Append;
        const std::uint64_t end = all || m_stop == 0 ? h.frames : std::min(m_stop, h.frames);
        for (std::uint64_t i = all ? 0 : m_start; i < end; i += all ? 1 : m_step)
            m_entries.push_back({std::uint16_t(s), i, h.timed ? t[i] : 0});
    }
    if (m_entries.empty())
        return Status::error("hdf5: " + m_path + ": no frame in start=" + std::to_string(m_start) +
                             (m_stop ? " stop=" + std::to_string(m_stop) : std::string()) +
                             " (the file holds " +
                             std::to_string(m_reader.streams().front().frames) + ")");
    std::stable_sort(m_entries.begin(), m_entries.end(),
                     [](const Entry& a, const Entry& b) { return a.t_ns < b.t_ns; });
    return Status::ok();
}

std::vector<StreamRequest> Hdf5::streams() const {
    return m_streams;
}

bool Hdf5::play(FrameSink& sink, std::size_t s, std::uint64_t frame, std::int64_t origin_ns) {
    FrameLease lease = sink.acquire(s);
    if (!lease) return false; // pool full: counted as dropped
    const storage::Hdf5Stream& h = m_reader.streams()[s];
    Status st = Status::ok();
    if (h.kind == FrameKind::Image) {
        st = m_reader.read_image(s, frame, lease.bytes());
    } else {
        std::uint32_t lines = 0, points = 0;
        st = m_reader.read_lines(s, frame, lease.points(), lines, points);
        if (st) lease.set_shape(lines, points);
    }
    if (!st) throw std::runtime_error(st.message()); // the lease goes back as it unwinds
    if (origin_ns > 0) lease.set_origin_ns(origin_ns);
    sink.submit(std::move(lease));
    return true;
}

void Hdf5::replay(std::stop_token stop, FrameSink& sink) {
    const std::uint64_t limit = sink.schedule().iterations;
    std::uint64_t played = 0;
    ReplayClock clock;
    do {
        clock.restart(m_entries.front().t_ns);
        for (const Entry& e : m_entries) {
            if (stop.stop_requested() || (limit != 0 && played >= limit)) return;
            if (!clock.wait(sink, e.t_ns, m_reader.streams()[e.stream].timed)) return;
            play(sink, e.stream, e.frame, 0);
            ++played;
        }
    } while (m_loop);
}

void Hdf5::follow(std::stop_token stop, FrameSink& sink) {
    const std::size_t n = m_reader.streams().size();
    std::vector<std::uint64_t> next(n, 0); // the first frame not yet shown or skipped
    // The frames already there when following starts: the newest is shown, as for any later.
    auto last_new = Clock::now();
    auto poll =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(m_poll_s));
    bool writer_gone = false;
    while (!stop.stop_requested()) {
        bool any = false;
        for (std::size_t s = 0; s < n; ++s) {
            std::uint64_t frames = 0;
            if (Status st = m_reader.refresh(s, frames); !st)
                throw std::runtime_error(st.message());
            if (frames <= next[s]) continue;
            any = true;
            const storage::Hdf5Stream& h = m_reader.streams()[s];
            StreamStats& stats = sink.stream(s).stats();
            // Append frames each extend the line: all of them play. Replace frames: the newest;
            // the ones between were superseded before they could be shown.
            const std::uint64_t from = h.mode == StreamMode::Append ? next[s] : frames - 1;
            for (std::uint64_t skipped = next[s]; skipped < from; ++skipped) {
                stats.add_produced();
                stats.add_superseded();
            }
            for (std::uint64_t i = from; i < frames; ++i) {
                std::int64_t origin = 0, t = 0;
                if (h.timed && m_reader.time_of(s, i, t) && t <= now_ns() &&
                    now_ns() - t < kSameClockNs)
                    origin = t; // the writer's clock is ours: latency from its frame time
                stats.set_latency_from_sender(origin != 0);
                play(sink, s, i, origin);
            }
            next[s] = frames;
        }
        const auto now = Clock::now();
        if (any) {
            last_new = now;
        } else {
            if (m_idle_s > 0.0 && now - last_new >= std::chrono::duration<double>(m_idle_s))
                return;              // finished: nothing new for idle seconds
            if (writer_gone) return; // the last look after the writer closed found nothing new
            writer_gone = !hdf5_writer_open(m_path);
            if (writer_gone) continue; // one more look: frames flushed as it closed
        }
        if (!sink.wait_until(now + poll)) return;
    }
}

void Hdf5::run(std::stop_token stop, FrameSink& sink) {
    if (m_follow)
        follow(stop, sink);
    else
        replay(stop, sink);
}

} // namespace rtv::producers
