// A C++ publisher: streams a drifting interference image and a line to a running viewer through
// rtviewer's client library (client/publisher.hpp, CMake target rtv::client).
//   rtviewer --producer zmq &
//   build/bin/rtv_publish_example [--connect tcp://127.0.0.1:5555] [--frames N] [--interval S]

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "client/publisher.hpp"

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
    rtv::client::Publisher pub;
    if (rtv::Status s = pub.open(endpoint); !s) { // waits for the viewer's subscription
        std::fprintf(stderr, "publish: %s\n", s.message().c_str());
        return 1;
    }
    constexpr std::uint64_t kH = 200, kW = 300, kPoints = 400;
    std::vector<float> image(kH * kW), line(kPoints);
    long n = 0;
    for (; frames == 0 || n < frames; ++n) {
        const double t = double(n) * 0.05;
        for (std::uint64_t r = 0; r < kH; ++r)
            for (std::uint64_t c = 0; c < kW; ++c)
                image[r * kW + c] =
                    float(std::sin(double(c) / 19 + t) + std::sin(double(r) / 13 - t));
        for (std::uint64_t i = 0; i < kPoints; ++i)
            line[i] = float(0.5 + 0.4 * std::sin(double(i) * 0.03 - t));
        rtv::Status s = pub.send("cpp/image", std::span<const float>(image), {kH, kW});
        if (s) s = pub.send("cpp/line", std::span<const float>(line), {kPoints});
        if (!s) {
            std::fprintf(stderr, "publish: %s\n", s.message().c_str());
            return 1;
        }
        std::this_thread::sleep_for(std::chrono::duration<double>(interval));
    }
    pub.close(); // what was sent leaves first
    std::printf("publish: sent %ld frames to %s\n", n, endpoint.c_str());
    return 0;
}
