// 15. Recording: what --record FILE.h5 writes per second against the disk's own limit and the
//     .npy recorder, in the same run, on the same disk (the build directory's).
//  - 600x800 float32 and 2048x2048 uint16 frames, the recorder's writer (storage::Hdf5Writer,
//    uncompressed: one frame a chunk, written straight to the file) against write() of the same
//    bytes to one file (the disk's limit: the baseline) and against the .npy directory writer;
//    each opens and closes its files inside the timing; 7 rounds, the three in turn with each
//    round beginning with another, medians, and each round's ratio, lowest and highest. Also
//    the frames after the first alone (the steady state of a long recording: open, close and
//    the first frame, which creates the stream's datasets, left out). HDF5's own start-up, once
//    a process, is run before the timing.
//  - The 600x800 case again with syncfs() in each writer's timing: until the bytes are on the
//    disk, where write() is the disk's real limit (the rows above mostly time the page cache).
//  - LZ4, and Bitshuffle + LZ4 (as Dectris Eiger files use), on camera-like uint16 frames (a
//    smooth background, Poisson-like noise): MB/s against uncompressed, and the compression
//    ratio (bytes in / bytes on disk).
//  - Following a file being written: an h5py SWMR writer appends 600x800 float32 frames at 100
//    a second (bench/follow_lag.py) while the viewer follows it (hdf5:follow=1); the stream's
//    latency p99 runs from the writer's frame time. Baseline: the same viewer's latency p99 for
//    the sweep producer's 600x800 frames at 100 a second, made in the viewer (what display
//    costs anyway): the difference is what following adds.
// Targets (issue #28): HDF5 at least 0.9x write() and at least 2x the .npy recorder at 600x800;
// following adds at most 50 ms p99 at 100 frames/s.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "bench/harness.hpp"
#include "bench/viewer_run.hpp"
#include "core/random.hpp"
#include "storage/hdf5_writer.hpp"
#include "storage/npy_dir.hpp"

namespace rtv::bench {

namespace {

namespace fs = std::filesystem;

struct Case {
    ImageDesc desc;
    int frames;
    bool durable; // every writer's time runs until its bytes are on the disk (syncfs)
};

fs::path scratch(const std::string& name) {
    fs::path p = fs::current_path() / ("rtv-bench-record-" + std::to_string(::getpid())) / name;
    fs::remove_all(p);
    fs::create_directories(p.parent_path());
    return p;
}

storage::RecordFrame frame_of(const ImageDesc& d, const std::vector<std::byte>& pixels, int i) {
    storage::RecordFrame f;
    f.stream = "bench/image";
    f.image = d;
    f.data = pixels;
    f.sequence = std::uint64_t(i);
    f.t_ns = i;
    return f;
}

// One timed recording: MB/s from open to close (what a recording costs, its fixed costs in),
// and of the frames after the first alone (the steady state: the first frame also creates the
// stream's datasets). Durable: the time runs until syncfs() has put every byte on the disk.
struct Rate {
    double whole = 0.0, steady = 0.0;
};

void sync_disk(const fs::path& dir, std::string& error) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || ::syncfs(fd) != 0) error = "cannot syncfs " + dir.string();
    if (fd >= 0) ::close(fd);
}

Rate rate_of(std::size_t frame_bytes, int frames, Clock::time_point t0, Clock::time_point t1,
             Clock::time_point t2, Clock::time_point t3) {
    using S = std::chrono::duration<double>;
    return {double(frame_bytes) * frames / S(t3 - t0).count() / 1e6,
            double(frame_bytes) * (frames - 1) / std::max(S(t2 - t1).count(), 1e-9) / 1e6};
}

// write() of the same bytes to one file: the disk's limit.
Rate raw_rate(const Case& c, const std::vector<std::byte>& pixels, bool durable,
              std::string& error) {
    const fs::path p = scratch("raw.bin");
    const auto t0 = Clock::now();
    auto t1 = t0;
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    for (int i = 0; i < c.frames && fd >= 0; ++i) {
        if (::write(fd, pixels.data(), pixels.size()) != ssize_t(pixels.size()))
            error = "write() failed";
        if (i == 0) t1 = Clock::now();
    }
    const auto t2 = Clock::now();
    if (fd < 0 || ::close(fd) != 0) error = "cannot write " + p.string();
    if (durable) sync_disk(p.parent_path(), error);
    const Rate r = rate_of(pixels.size(), c.frames, t0, t1, t2, Clock::now());
    fs::remove(p);
    return r;
}

Rate writer_rate(storage::RecordWriter& w, const fs::path& p, const Case& c,
                 const std::vector<std::byte>& pixels, bool durable, std::string& error,
                 std::uint64_t* disk_bytes = nullptr) {
    const auto t0 = Clock::now();
    auto t1 = t0;
    Status s = w.open();
    for (int i = 0; s && i < c.frames; ++i) {
        s = w.write(frame_of(c.desc, pixels, i));
        if (i == 0) t1 = Clock::now();
    }
    const auto t2 = Clock::now();
    if (s) s = w.close();
    if (durable) sync_disk(p.parent_path(), error);
    const Rate r = rate_of(pixels.size(), c.frames, t0, t1, t2, Clock::now());
    if (!s) error = s.message();
    std::error_code ec;
    if (disk_bytes) *disk_bytes = fs::file_size(p, ec);
    fs::remove_all(p);
    return r;
}

// Each round's ratio, lowest and highest, as metrics of `res`.
void add_spread(Result& res, const std::vector<double>& x, const std::vector<double>& y) {
    std::vector<double> q;
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i)
        q.push_back(x[i] / y[i]);
    if (q.empty()) return;
    std::sort(q.begin(), q.end());
    res.metrics.push_back({"ratio of a round, lowest", q.front(), "x"});
    res.metrics.push_back({"ratio of a round, highest", q.back(), "x"});
}

std::vector<std::byte> frame_bytes(const ImageDesc& d, bool camera) {
    std::vector<std::byte> out(d.byte_size());
    SplitMix64 rng(42);
    if (d.format.sample == SampleType::F32) {
        auto* f = reinterpret_cast<float*>(out.data());
        for (std::size_t i = 0; i < d.pixel_count(); ++i)
            f[i] = float(rng.uniform());
        return out;
    }
    auto* u = reinterpret_cast<std::uint16_t*>(out.data());
    for (std::uint32_t y = 0; y < d.height; ++y)
        for (std::uint32_t x = 0; x < d.width; ++x) {
            const double background =
                camera ? 400.0 + 300.0 * std::sin(x * 0.01) * std::cos(y * 0.013) : 0.0;
            const double noise = camera ? std::sqrt(background) * (rng.uniform() - 0.5) * 3.4
                                        : rng.uniform() * 65535.0;
            u[std::size_t{y} * d.width + x] =
                std::uint16_t(std::clamp(background + noise, 0.0, 65535.0));
        }
    return out;
}

} // namespace

void bench_record(const Config& c, Report& report) {
    const int rounds = c.quick ? 1 : 7;
    const Case cases[] = {
        {{800, 600, {1, SampleType::F32}}, c.quick ? 4 : 160, false},
        {{2048, 2048, {1, SampleType::U16}}, c.quick ? 2 : 32, false},
        {{800, 600, {1, SampleType::F32}}, c.quick ? 4 : 160, true},
    };
    { // HDF5's start-up, once a process (the viewer pays it at its own start), out of the timing
        const Case warm{cases[0].desc, 2, false};
        const std::vector<std::byte> pixels = frame_bytes(warm.desc, false);
        const fs::path p = scratch("warm.h5");
        storage::Hdf5Writer w(p.string(), storage::Compression::None, {});
        std::string ignored;
        (void)writer_rate(w, p, warm, pixels, false, ignored);
    }
    for (const Case& k : cases) {
        const std::vector<std::byte> pixels = frame_bytes(k.desc, false);
        std::vector<double> h5, raw, npy, h5_steady, raw_steady, npy_steady;
        std::string error;
        for (int r = 0; r < rounds; ++r)
            for (int i = 0; i < 3; ++i) { // the three in turn, each round beginning with another
                if ((r + i) % 3 == 0) {
                    const Rate x = raw_rate(k, pixels, k.durable, error);
                    raw.push_back(x.whole);
                    raw_steady.push_back(x.steady);
                } else if ((r + i) % 3 == 1) {
                    const fs::path hp = scratch("run.h5");
                    storage::Hdf5Writer hw(hp.string(), storage::Compression::None, {});
                    const Rate x = writer_rate(hw, hp, k, pixels, k.durable, error);
                    h5.push_back(x.whole);
                    h5_steady.push_back(x.steady);
                } else {
                    const fs::path np = scratch("npy");
                    storage::NpyDirWriter nw(np.string());
                    const Rate x = writer_rate(nw, np, k, pixels, k.durable, error);
                    npy.push_back(x.whole);
                    npy_steady.push_back(x.steady);
                }
            }
        const std::string name = std::to_string(k.desc.width) + "x" +
                                 std::to_string(k.desc.height) + " " +
                                 (k.desc.format.sample == SampleType::F32 ? "float32" : "uint16") +
                                 (k.durable ? " to the disk (syncfs timed)" : "");
        Result a = compare("record", name + " HDF5 against write()", "MB/s", median(h5),
                           "write() of the same bytes to one file", median(raw),
                           "higher is better; target >= 0.9");
        Result b = compare("record", name + " HDF5 against .npy", "MB/s", median(h5),
                           ".npy directory recorder", median(npy),
                           "higher is better; target >= 2 at 600x800");
        add_spread(a, h5, raw);
        add_spread(b, h5, npy);
        if (!k.durable) { // (with syncfs, the bytes reach the disk after the last frame)
            a.metrics.push_back({"frames after the first, ratio of the medians",
                                 median(h5_steady) / median(raw_steady), "x"});
            b.metrics.push_back({"frames after the first, ratio of the medians",
                                 median(h5_steady) / median(npy_steady), "x"});
        }
        a.metrics.push_back({".npy recorder against write()", median(npy) / median(raw), "x"});
        if (!error.empty()) {
            a.ok = b.ok = false;
            a.error = b.error = error;
        }
        report.add(std::move(a));
        report.add(std::move(b));
    }
    // LZ4, and Bitshuffle + LZ4 (Eiger's), on a camera's frames.
    const Case cam{{1024, 1024, {1, SampleType::U16}}, c.quick ? 2 : 64, false};
    const std::vector<std::byte> pixels = frame_bytes(cam.desc, true);
    const std::pair<storage::Compression, const char*> filters[] = {
        {storage::Compression::Lz4, "LZ4"},
        {storage::Compression::BitshuffleLz4, "bitshuffle-LZ4"}};
    for (const auto& [compression, filter] : filters) {
        std::string error;
        std::vector<double> packed, plain;
        std::uint64_t disk = 0;
        if (Status s = storage::compression_available(compression); !s) error = s.message();
        for (int r = 0; r < rounds && error.empty(); ++r) {
            const fs::path p = scratch("packed.h5");
            storage::Hdf5Writer w(p.string(), compression, {});
            packed.push_back(writer_rate(w, p, cam, pixels, false, error, &disk).whole);
            const fs::path q = scratch("plain.h5");
            storage::Hdf5Writer u(q.string(), storage::Compression::None, {});
            plain.push_back(writer_rate(u, q, cam, pixels, false, error).whole);
        }
        Result l = compare(
            "record", std::string("1024x1024 uint16 camera ") + filter + " against uncompressed",
            "MB/s", packed.empty() ? 0.0 : median(packed), "uncompressed HDF5",
            plain.empty() ? 0.0 : median(plain), "higher is better");
        l.metrics.push_back({"compression ratio",
                             disk ? double(pixels.size()) * cam.frames / double(disk) : 0.0, "x"});
        if (!error.empty()) {
            l.ok = false;
            l.error = error;
        }
        report.add(std::move(l));
    }

    // Following a file being written, against a producer in the viewer at the same rate.
    const fs::path dir = scratch("follow");
    fs::create_directories(dir);
    const int frames = c.quick ? 30 : 400;
    const std::string cmd = "/usr/bin/python3 '" RTV_SOURCE_DIR "/bench/follow_lag.py' '" +
                            c.viewer + "' '" + dir.string() + "' " + std::to_string(frames) +
                            " 100 0.02";
    std::string line, follow_error;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
        char buf[4096];
        while (std::fgets(buf, sizeof buf, p))
            line += buf;
        if (::pclose(p) != 0) follow_error = "follow_lag.py failed: " + line;
    } else {
        follow_error = "cannot run python3";
    }
    nlohmann::json f = nlohmann::json::parse(line, nullptr, false);
    if (follow_error.empty() && (f.is_discarded() || !f.value("ok", false)))
        follow_error = "the following viewer failed: " + line;
    const ViewerRun base = run_headless_viewer(
        c, "--exit-when-done --producer sweep:interval=0.01,iterations=" + std::to_string(frames));
    double base_p99 = 0.0;
    if (base.error.empty())
        for (const auto& st : base.stats.at("streams"))
            if (st.at("name") == "sweep/image") base_p99 = st.at("latency_ms").at("p99");
    const double follow_p99 = follow_error.empty() ? f.value("p99_ms", 0.0) : 0.0;
    Result fr =
        compare("record", "follow a file written at 100 frames/s (600x800 float32)",
                "latency p99 ms", follow_p99, "sweep's 600x800 frames at 100/s made in the viewer",
                base_p99, "lower is better; target: follow adds <= 50 ms (the difference)");
    fr.metrics.push_back({"added p99", follow_p99 - base_p99, "ms"});
    if (!follow_error.empty() || !base.error.empty()) {
        fr.ok = false;
        fr.error = follow_error.empty() ? base.error : follow_error;
    }
    report.add(std::move(fr));
    fs::remove_all(fs::current_path() / ("rtv-bench-record-" + std::to_string(::getpid())));
}

} // namespace rtv::bench
