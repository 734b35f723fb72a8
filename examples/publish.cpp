// A C++ publisher using rtviewer's wire format: multipart [stream name, .npy array] over
// ZeroMQ (cppzmq). Streams a drifting interference image and a line to a running viewer.
//   rtviewer --producer zmq &
//   build/bin/rtv_publish_example [--connect tcp://127.0.0.1:5555] [--frames N] [--interval S]
// Like publish.py it waits (XPUB) until the viewer has subscribed, so that no frame is lost.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "producers/npy.hpp"

int main(int argc, char** argv) {
    std::string endpoint = "tcp://127.0.0.1:5555";
    long frames = 0;
    double interval = 1.0 / 30;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--connect")
            endpoint = argv[i + 1];
        else if (flag == "--frames")
            frames = std::atol(argv[i + 1]);
        else if (flag == "--interval")
            interval = std::atof(argv[i + 1]);
        else {
            std::fprintf(stderr, "usage: %s [--connect ENDPOINT] [--frames N] [--interval S]\n",
                         argv[0]);
            return 2;
        }
    }
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::xpub);
    socket.set(zmq::sockopt::rcvtimeo, 10'000);
    socket.set(zmq::sockopt::linger, 2'000);
    socket.connect(endpoint);
    zmq::message_t subscription;
    if (!socket.recv(subscription)) {
        std::fprintf(stderr, "publish: no viewer subscribed at %s within 10 s\n", endpoint.c_str());
        return 1;
    }
    constexpr std::uint64_t kH = 200, kW = 300, kPoints = 400;
    std::vector<float> image(kH * kW), line(kPoints);
    std::vector<std::byte> bytes;
    long n = 0;
    for (; frames == 0 || n < frames; ++n) {
        const double t = double(n) * 0.05;
        for (std::uint64_t r = 0; r < kH; ++r)
            for (std::uint64_t c = 0; c < kW; ++c)
                image[r * kW + c] =
                    float(std::sin(double(c) / 19 + t) + std::sin(double(r) / 13 - t));
        for (std::uint64_t i = 0; i < kPoints; ++i)
            line[i] = float(0.5 + 0.4 * std::sin(double(i) * 0.03 - t));
        rtv::producers::write_npy(bytes, image, kH, kW);
        socket.send(zmq::str_buffer("cpp/image"), zmq::send_flags::sndmore);
        socket.send(zmq::buffer(bytes.data(), bytes.size()), zmq::send_flags::none);
        rtv::producers::write_npy(bytes, line, 0, kPoints);
        socket.send(zmq::str_buffer("cpp/line"), zmq::send_flags::sndmore);
        socket.send(zmq::buffer(bytes.data(), bytes.size()), zmq::send_flags::none);
        std::this_thread::sleep_for(std::chrono::duration<double>(interval));
    }
    std::printf("publish: sent %ld frames to %s\n", n, endpoint.c_str());
    return 0;
}
