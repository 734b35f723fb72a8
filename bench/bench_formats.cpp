// 10. Pixel formats: what a camera's native samples save against float32, in the same run.
//  - 2048x2048 uint16 against float32 through the pipeline (a producer copying a prepared frame
//    into its pool slot, the frame's statistics at submit, queue, router, a no-op upload):
//    frames and MB per second, 3 alternating rounds, the ratio is the median of per-round ratios;
//  - the same frames through the texture upload alone (ImageLayer::upload, R16UI against R32F,
//    to completion);
//  - ZeroMQ ingest of 600x800 uint16 against float32 from another process: rtv_bench itself,
//    re-run as a publisher (--zmq-publish), sending as fast as the viewer's zmq producer takes
//    the frames (XPUB without dropping), into the real host, pool and router.
// About twice the frames for uint16 is the expectation: half the bytes, nothing converted.

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <glad/gl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.hpp>

#include "bench/gl_window.hpp"
#include "bench/harness.hpp"
#include "bench/pipeline_run.hpp"
#include "core/pixel_format.hpp"
#include "render/gl.hpp"
#include "render/image_layer.hpp"
#include "wire/npy.hpp"

namespace rtv::bench {

namespace {

constexpr PixelFormat kU16{1, SampleType::U16}, kF32{1, SampleType::F32};

struct Rate {
    double frames = 0, mb = 0; // per second
    std::string error;
};

Rate pipeline_rate(PixelFormat format, std::uint32_t side, double seconds) {
    std::vector<Started> started;
    started.push_back({make_copy_producer(side, side, format), Schedule{}});
    const PipelineStats s = run_pipeline(std::move(started), seconds, 0.0);
    return {s.consumed / s.seconds, s.bytes_consumed / s.seconds / 1e6, s.error};
}

Rate upload_rate(PixelFormat format, std::uint32_t side, double seconds) {
    Rate out;
    auto window = open_gl_window(out.error);
    if (!window) return out;
    const ImageDesc desc{side, side, format};
    std::vector<std::byte> frame(desc.byte_size(), std::byte{7});
    render::ImageLayer layer;
    int n = 0;
    if (Status s = layer.upload(desc, frame); !s) out.error = s.message();
    glFinish();
    const auto t0 = Clock::now();
    double elapsed = 0.0;
    do {
        frame[std::size_t(n) % frame.size()] = std::byte(n);
        if (Status s = layer.upload(desc, frame); !s) out.error = s.message();
        glFinish();
        ++n;
        elapsed = seconds_since(t0);
    } while (elapsed < seconds);
    if (Status s = render::check_gl("format upload"); !s) out.error = s.message();
    out.frames = n / elapsed;
    out.mb = out.frames * double(desc.byte_size()) / 1e6;
    return out;
}

// Frames per second the zmq producer took from a publisher in another process.
Rate zmq_rate(const Config& c, PixelFormat format, double seconds) {
    Rate out;
    const std::string endpoint = free_endpoint();
    // The publisher sends until stop_process ends it; its own limit only ends an orphan. The
    // window opens on its first frame (run_pipeline), however long it takes to start.
    std::vector<std::string> args = {c.self,
                                     "--zmq-publish",
                                     endpoint,
                                     std::string(format_name(format)),
                                     "600",
                                     "800",
                                     std::to_string(seconds + 3 * kHangGuardS)};
    const pid_t pid = start_process(std::move(args));
    if (pid < 0) {
        out.error = "fork failed";
        return out;
    }
    const PipelineStats s = run_pipeline({"zmq:bind=" + endpoint + ",hwm=4"}, seconds, 0.0, 1);
    stop_process(pid);
    out.error = s.error;
    out.frames = s.produced / s.seconds;
    out.mb = out.frames * 600.0 * 800 * double(format.pixel_bytes()) / 1e6;
    if (s.produced == 0 && out.error.empty())
        out.error = "no frame arrived from the publisher at " + endpoint;
    else if (!out.error.empty())
        out.error += " (publisher at " + endpoint + ")";
    return out;
}

// Three alternating rounds of `measure` for uint16 then float32; the median per-round ratio.
template <class F>
Result compare_formats(const char* name, const char* compared, const char* note, int rounds,
                       F&& measure) {
    std::vector<double> ratios, u16s, f32s, u16_mb, f32_mb;
    std::string error;
    for (int r = 0; r < rounds; ++r) {
        const Rate a = measure(kU16), b = measure(kF32);
        if (!a.error.empty()) error = a.error;
        if (!b.error.empty()) error = b.error;
        u16s.push_back(a.frames);
        f32s.push_back(b.frames);
        u16_mb.push_back(a.mb);
        f32_mb.push_back(b.mb);
        ratios.push_back(b.frames > 0 ? a.frames / b.frames : 0.0);
    }
    Result res =
        compare("formats", name, compared, median(u16s), "float32, same size", median(f32s), note);
    res.ratio = median(ratios);
    res.metrics = {{"uint16", median(u16s), "frames/s"},
                   {"float32", median(f32s), "frames/s"},
                   {"uint16", median(u16_mb), "MB/s"},
                   {"float32", median(f32_mb), "MB/s"}};
    res.error = error;
    res.ok = error.empty();
    return res;
}

} // namespace

// A free loopback TCP endpoint (bound by a throwaway socket, then released).
std::string free_endpoint() {
    zmq::context_t context(1);
    zmq::socket_t probe(context, zmq::socket_type::pub);
    probe.set(zmq::sockopt::linger, 0);
    probe.bind("tcp://127.0.0.1:*");
    return probe.get(zmq::sockopt::last_endpoint);
}

pid_t start_process(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (std::string& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        // A publisher outliving an interrupted benchmark would hold its port and a core.
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(127);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

void stop_process(pid_t pid) {
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
}

int zmq_publish_main(int argc, char** argv) {
    // rtv_bench --zmq-publish ENDPOINT FORMAT HEIGHT WIDTH SECONDS
    if (argc != 7) return 2;
    const std::string endpoint = argv[2];
    const auto format = find_format(argv[3]);
    const std::uint64_t h = std::strtoull(argv[4], nullptr, 10),
                        w = std::strtoull(argv[5], nullptr, 10);
    const double seconds = std::atof(argv[6]);
    if (!format || !format->mono() || h == 0 || w == 0) return 2;
    const ImageDesc desc{std::uint32_t(w), std::uint32_t(h), *format};
    std::vector<std::byte> pixels(desc.byte_size(), std::byte{3});
    std::vector<std::byte> npy;
    const std::uint64_t shape[2] = {h, w};
    wire::write_npy_raw(npy, wire::npy_type_of(format->sample), pixels, 2, shape);
    zmq::context_t context(1);
    zmq::socket_t pub(context, zmq::socket_type::xpub);
    pub.set(zmq::sockopt::linger, 0);
    pub.set(zmq::sockopt::sndhwm, 4);
    pub.set(zmq::sockopt::xpub_nodrop, 1); // wait for the viewer instead of dropping
    // Hang guards only: a busy machine may take long to start the viewer's side, or to take
    // the next frame.
    pub.set(zmq::sockopt::sndtimeo, int(kHangGuardS * 1000));
    pub.set(zmq::sockopt::rcvtimeo, int(kHangGuardS * 1000));
    pub.set(zmq::sockopt::reconnect_ivl, 5);
    pub.connect(endpoint);
    zmq::message_t subscription;
    if (!pub.recv(subscription)) return 1;
    const auto t0 = Clock::now();
    while (seconds_since(t0) < seconds) {
        if (!pub.send(zmq::str_buffer("bench/frame"), zmq::send_flags::sndmore)) break;
        if (!pub.send(zmq::buffer(npy.data(), npy.size()), zmq::send_flags::none)) break;
    }
    return 0;
}

void bench_formats(const Config& c, Report& report) {
    const double seconds = c.quick ? 0.2 : 2.0;
    const int rounds = c.quick ? 1 : 3;
    report.add(compare_formats("2048x2048 through the pipeline", "frames consumed/s",
                               "about 2 expected (half the bytes)", rounds,
                               [&](PixelFormat f) { return pipeline_rate(f, 2048, seconds); }));
    report.add(compare_formats("2048x2048 texture upload alone", "uploads/s",
                               "about 2 expected (half the bytes)", rounds,
                               [&](PixelFormat f) { return upload_rate(f, 2048, seconds); }));
    report.add(compare_formats("600x800 ZeroMQ ingest from another process", "frames received/s",
                               "about 2 expected (half the bytes)", rounds,
                               [&](PixelFormat f) { return zmq_rate(c, f, seconds); }));
}

} // namespace rtv::bench
