// rtv_bench_curve: what CURVE costs. One PUB (an XPUB, as the clients use) sends 2048x2048
// uint16 frames (8 MiB) to one SUB over tcp://127.0.0.1, with CURVE off and then on (the
// viewer's side as wire/curve.hpp sets it up: ZAP handler, monitor), alternating, several
// repeats. Both ends live in this process, each with a context of its own (as in two
// processes), so the process's CPU time (user + system, every thread) is the whole cost of
// moving the bytes: the figure is CPU nanoseconds per byte received, and the ratio on/off.
//   rtv_bench_curve [--seconds S] [--repeats N] [--width W] [--height H]
// Exit status 1 if a frame was lost or damaged (XPUB_NODROP: the sender waits, never drops).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <zmq.hpp>

#include "wire/curve.hpp"

namespace {

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

struct Run {
    double cpu_ns_per_byte = 0.0;
    double mb_per_s = 0.0;
    std::uint64_t frames = 0;
    bool ok = false;
    std::string error;
};

Run run_once(bool curve_on, std::size_t frame_bytes, double seconds) {
    Run r;
    char server_pub[41], server_sec[41], client_pub[41], client_sec[41];
    zmq_curve_keypair(server_pub, server_sec);
    zmq_curve_keypair(client_pub, client_sec);
    zmq::context_t server_context(1), client_context(1);
    rtv::curve::CurveServer curve;
    zmq::socket_t sub(server_context, zmq::socket_type::sub);
    sub.set(zmq::sockopt::linger, 0);
    sub.set(zmq::sockopt::rcvhwm, 4);
    sub.set(zmq::sockopt::rcvtimeo, 60000); // a hang guard only
    if (curve_on) {
        rtv::Status s =
            curve.start(server_context, server_sec, rtv::curve::AllowList{{client_pub}});
        if (s) s = curve.apply(sub);
        if (!s) {
            r.error = s.message();
            return r;
        }
    }
    sub.set(zmq::sockopt::subscribe, "");
    sub.bind("tcp://127.0.0.1:*");
    const std::string endpoint = sub.get(zmq::sockopt::last_endpoint);

    zmq::socket_t pub(client_context, zmq::socket_type::xpub);
    pub.set(zmq::sockopt::linger, 0);
    pub.set(zmq::sockopt::sndhwm, 4);
    pub.set(zmq::sockopt::xpub_nodrop, 1);
    pub.set(zmq::sockopt::sndtimeo, 60000); // a hang guard only
    if (curve_on) {
        if (rtv::Status s = rtv::curve::apply_curve_client(pub, server_pub, client_sec); !s) {
            r.error = s.message();
            return r;
        }
    }
    pub.connect(endpoint);
    // The subscription arrives once the handshake passed; the SUB attaches its peer only while
    // its thread calls into it, so both are polled.
    for (int i = 0; i < 600; ++i) {
        zmq::pollitem_t items[] = {{pub.handle(), 0, ZMQ_POLLIN, 0},
                                   {sub.handle(), 0, ZMQ_POLLIN, 0}};
        zmq::poll(items, 2, std::chrono::milliseconds(100));
        if (items[0].revents & ZMQ_POLLIN) break;
    }
    zmq::message_t subscription;
    if (!pub.recv(subscription, zmq::recv_flags::dontwait)) {
        r.error = "no subscription: the handshake failed";
        return r;
    }

    std::vector<std::uint16_t> pixels(frame_bytes / 2);
    for (std::size_t i = 0; i < pixels.size(); ++i)
        pixels[i] = static_cast<std::uint16_t>(i * 7);
    std::uint64_t received = 0, bytes = 0, damaged = 0;
    std::thread receiver([&] {
        zmq::message_t topic, body;
        for (;;) {
            if (!sub.recv(topic) || !sub.recv(body)) return; // hang guard
            if (topic.to_string_view() == "end") return;
            ++received;
            bytes += body.size();
            const auto* p = static_cast<const std::uint16_t*>(body.data());
            const std::size_t n = body.size() / 2;
            if (n != pixels.size() || p[1] != pixels[1] || p[n - 1] != pixels[n - 1]) ++damaged;
        }
    });
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    std::uint64_t sent = 0;
    while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < seconds) {
        // Copied into the message, as rtv::client::Publisher does.
        if (!pub.send(zmq::buffer("cam", 3), zmq::send_flags::sndmore) ||
            !pub.send(zmq::buffer(pixels.data(), frame_bytes), zmq::send_flags::none))
            break;
        ++sent;
    }
    (void)pub.send(zmq::buffer("end", 3), zmq::send_flags::sndmore);
    (void)pub.send(zmq::buffer("", 0), zmq::send_flags::none);
    receiver.join();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    r.frames = received;
    r.ok = received == sent && damaged == 0 && received > 0;
    if (!r.ok) {
        char why[160];
        std::snprintf(why, sizeof why, "sent %llu frames, received %llu, damaged %llu",
                      static_cast<unsigned long long>(sent),
                      static_cast<unsigned long long>(received),
                      static_cast<unsigned long long>(damaged));
        r.error = why;
    }
    r.cpu_ns_per_byte = bytes ? cpu * 1e9 / static_cast<double>(bytes) : 0.0;
    r.mb_per_s = static_cast<double>(bytes) / wall / 1e6;
    pub.close();
    sub.close();
    curve.stop();
    return r;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    double seconds = 2.0;
    int repeats = 3;
    std::size_t width = 2048, height = 2048;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--seconds")
            seconds = std::atof(argv[i + 1]);
        else if (a == "--repeats")
            repeats = std::atoi(argv[i + 1]);
        else if (a == "--width")
            width = static_cast<std::size_t>(std::atol(argv[i + 1]));
        else if (a == "--height")
            height = static_cast<std::size_t>(std::atol(argv[i + 1]));
        else {
            std::fprintf(stderr,
                         "rtv_bench_curve: unknown option %s, expected --seconds, "
                         "--repeats, --width or --height\n",
                         a.c_str());
            return 2;
        }
    }
    if (!(seconds > 0.0) || repeats < 1 || width < 1 || height < 1 || width * height > (1u << 26)) {
        std::fprintf(stderr, "rtv_bench_curve: --seconds > 0, --repeats >= 1, 1 <= width x "
                             "height <= 2^26 expected\n");
        return 2;
    }
    const std::size_t frame_bytes = width * height * 2;
    std::vector<double> off_cpu, on_cpu, off_rate, on_rate;
    bool ok = true;
    for (int rep = 0; rep < repeats; ++rep) {
        for (bool on : {false, true}) {
            const Run r = run_once(on, frame_bytes, seconds);
            std::printf("repeat %d curve=%s: %llu frames, %.0f MB/s, %.3f CPU ns/byte%s%s\n", rep,
                        on ? "on " : "off", static_cast<unsigned long long>(r.frames), r.mb_per_s,
                        r.cpu_ns_per_byte, r.ok ? "" : "  FAILED: ", r.error.c_str());
            ok = ok && r.ok;
            (on ? on_cpu : off_cpu).push_back(r.cpu_ns_per_byte);
            (on ? on_rate : off_rate).push_back(r.mb_per_s);
        }
    }
    const double ratio = median(on_cpu) / median(off_cpu);
    std::printf("%zux%zu uint16 (%zu bytes a frame), tcp://127.0.0.1, one PUB to one SUB, "
                "median of %d:\n"
                "  CURVE off: %.3f CPU ns/byte, %.0f MB/s\n"
                "  CURVE on:  %.3f CPU ns/byte, %.0f MB/s\n"
                "  CPU per byte, on/off: %.2fx (target: at most 2x)\n",
                height, width, frame_bytes, repeats, median(off_cpu), median(off_rate),
                median(on_cpu), median(on_rate), ratio);
    return ok ? 0 : 1;
}
