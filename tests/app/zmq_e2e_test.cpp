// The zmq producer end to end: rtviewer runs headless with zmq on a free loopback port
// (bind=tcp://127.0.0.1:*, the port it picked read from its stdout) and quits once the given
// number of messages arrived (--exit-when-done). Publishers: an XPUB socket in this test (it
// waits for the viewer's subscription, so no message is lost to the PUB/SUB "slow joiner"), the
// Python example and the C++ example.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <zmq.hpp>

#include "app/child_process.hpp"
#include "app/e2e_files.hpp"
#include "client/publisher.hpp"
#include "client/shm_ring.hpp"
#include "wire/message.hpp"
#include "wire/npy.hpp"

namespace fs = std::filesystem;
using rtv::test::Child;
using rtv::test::find_stream;
using rtv::test::fresh_path;
using rtv::test::Json;
using rtv::test::read_json;

namespace {

// Starts the viewer listening for `messages` messages; returns the endpoint it bound.
std::string start_viewer(Child& viewer) {
    REQUIRE(viewer.wait_for("rtviewer: zmq: listening on "));
    const std::string& out = viewer.stdout_text;
    const std::size_t at = out.find("listening on ") + 13;
    return out.substr(at, out.find('\n', at) - at);
}

// `settings`: more of the zmq producer's, e.g. ",hwm=200".
std::vector<std::string> viewer_args(int messages, const fs::path& json,
                                     const std::string& settings = "") {
    return {"--headless",
            "--exit-when-done",
            "--duration",
            "120",
            "--producer",
            "zmq:bind=tcp://127.0.0.1:*,iterations=" + std::to_string(messages) + settings,
            "--stats-json",
            json.string()};
}

std::vector<std::byte> image_npy(std::uint64_t h, std::uint64_t w, float value) {
    std::vector<float> px(h * w, value);
    std::vector<std::byte> out;
    rtv::wire::write_npy(out, px, h, w);
    return out;
}

// An XPUB connected to the viewer at `endpoint`, once the viewer's subscription has reached it
// (so that nothing sent from then on is lost to ZeroMQ's slow joiner).
zmq::socket_t subscribed_publisher(zmq::context_t& context, const std::string& endpoint) {
    zmq::socket_t pub(context, zmq::socket_type::xpub);
    pub.set(zmq::sockopt::linger, 5000);
    pub.connect(endpoint);
    zmq::message_t subscription;
    REQUIRE(pub.recv(subscription));
    return pub;
}

void send(zmq::socket_t& s, std::vector<std::string> parts) {
    for (std::size_t i = 0; i < parts.size(); ++i)
        s.send(zmq::buffer(parts[i]),
               i + 1 < parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
}

std::string bytes(const std::vector<std::byte>& b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// A .npy of `type` and `shape` whose elements are all `fill` bytes.
std::string npy_of(rtv::wire::NpyType type, std::vector<std::uint64_t> shape,
                   std::uint8_t fill = 1) {
    std::uint64_t n = 1;
    for (const auto d : shape)
        n *= d;
    std::vector<std::byte> out;
    rtv::wire::write_npy_raw(
        out, type, std::vector<std::byte>(n * rtv::wire::npy_item_size(type), std::byte{fill}),
        unsigned(shape.size()), shape.data());
    return bytes(out);
}

// A .npy with a hand-written header: what other writers (or hostile peers) send.
std::string npy_header(const std::string& dict, std::size_t data_bytes) {
    std::string h = dict;
    while ((10 + h.size() + 1) % 64 != 0)
        h += ' ';
    h += '\n';
    std::string out("\x93NUMPY\x01\x00", 8);
    out += char(h.size() & 0xFF);
    out += char(h.size() >> 8);
    return out + h + std::string(data_bytes, '\0');
}

} // namespace

TEST_SUITE("app") {

    TEST_CASE("zmq: frames from a real PUB on loopback are shown and bad messages counted") {
        const fs::path json = fresh_path("pub.json");
        Child viewer(viewer_args(11, json));
        const std::string endpoint = start_viewer(viewer);

        zmq::context_t context(1);
        zmq::socket_t pub = subscribed_publisher(context, endpoint);

        std::vector<float> trace(50);
        for (std::size_t i = 0; i < trace.size(); ++i)
            trace[i] = float(i) / 50.0f;
        std::vector<std::byte> trace_npy;
        rtv::wire::write_npy(trace_npy, trace, 0, trace.size());
        auto bad_magic = image_npy(4, 6, 1.0f);
        bad_magic[0] = std::byte{'X'};

        send(pub, {"cam", bytes(image_npy(4, 6, 1.0f))});    // 1 good image
        send(pub, {"trace", bytes(trace_npy)});              // 2 good line
        send(pub, {"cam", bytes(bad_magic)});                // 3 rejected on cam
        send(pub, {"cam", bytes(image_npy(4, 6, 2.0f))});    // 4 good image
        send(pub, {"cam", bytes(image_npy(5, 5, 2.0f))});    // 5 shape changed: rejected
        send(pub, {"lonely"});                               // 6 one part: zmq/messages
        send(pub, {"cam", "x", "y", "z"});                   // 7 four parts: zmq/messages
        send(pub, {":image", bytes(image_npy(4, 6, 3.0f))}); // 8 empty name: zmq/messages
        send(pub, {"trace", bytes(trace_npy)});              // 9 good line
        send(pub, {"cam", bytes(image_npy(4, 6, 3.0f))});    // 10 good image
        send(pub, {"cam", "not an array at all"});           // 11 rejected on cam

        CHECK(viewer.finish() == 0);
        const Json j = read_json(json);
        const Json* cam = find_stream(j, "cam");
        const Json* tr = find_stream(j, "trace");
        const Json* messages = find_stream(j, "zmq/messages");
        REQUIRE(cam);
        REQUIRE(tr);
        REQUIRE(messages);
        CHECK((*cam).at("produced").get<double>() == 6);
        CHECK((*cam).at("rejected").get<double>() == 3);
        CHECK((*cam).at("displayed").get<double>() + (*cam).at("superseded").get<double>() == 3);
        CHECK((*cam).at("displayed").get<double>() >= 1);
        CHECK((*cam).at("last_error").get<std::string>() ==
              "cam: npy: bad magic, expected \\x93NUMPY at the start");
        CHECK((*tr).at("produced").get<double>() == 2);
        CHECK((*tr).at("rejected").get<double>() == 0);
        CHECK((*tr).at("displayed").get<double>() >= 1);
        CHECK((*messages).at("rejected").get<double>() == 3);
        CHECK(j.at("producers").at(0).at("state").get<std::string>() == "finished");
    }

    TEST_CASE("zmq: uint16 and RGB and RGBA arrays keep their format and bad arrays are counted "
              "on their stream with the reason") {
        using rtv::wire::NpyType;
        const fs::path json = fresh_path("formats.json");
        Child viewer(viewer_args(12, json));
        const std::string endpoint = start_viewer(viewer);
        zmq::context_t context(1);
        zmq::socket_t pub = subscribed_publisher(context, endpoint);

        const std::string dict = "'fortran_order': False, 'shape': (4, 6), }";
        send(pub, {"cam16", npy_of(NpyType::U2, {4, 6})});                 // 1 good u16
        send(pub, {"rgb", npy_of(NpyType::U1, {4, 6, 3})});                // 2 good rgb8
        send(pub, {"rgba", npy_of(NpyType::F4, {4, 6, 4})});               // 3 good rgba32f
        send(pub, {"deep", npy_of(NpyType::F8, {4, 6})});                  // 4 good: f32
        send(pub, {"cam16", npy_of(NpyType::U1, {4, 6, 2})});              // 5 2 channels
        send(pub, {"cam16", npy_of(NpyType::U1, {4, 6, 5})});              // 6 5 channels
        send(pub, {"cam16", npy_of(NpyType::F4, {4, 6})});                 // 7 format change
        send(pub, {"cam16", npy_header("{'descr': '<c8', " + dict, 192)}); // 8 complex
        send(pub, {"cam16", npy_header("{'descr': '>u2', " + dict, 48)});  // 9 big-endian
        send(pub, {"cam16", npy_header("{'descr': '<f2', " + dict, 48)});  // 10 float16
        send(pub, {"cam16", npy_header("{'descr': '<u2', 'fortran_order': True, 'shape': (4, "
                                       "6), }",
                                       48)});                 // 11 Fortran
        send(pub, {"cam16", npy_of(NpyType::U2, {4, 6}, 2)}); // 12 good u16

        CHECK(viewer.finish() == 0);
        const Json j = read_json(json);
        const std::pair<const char*, const char*> formats[] = {
            {"cam16", "u16"}, {"rgb", "rgb8"}, {"rgba", "rgba32f"}, {"deep", "f32"}};
        for (const auto& [name, format] : formats) {
            CAPTURE(name);
            const Json* s = find_stream(j, name);
            REQUIRE(s);
            CHECK(s->at("format").get<std::string>() == format);
            CHECK(s->at("displayed").get<double>() >= 1);
        }
        const Json& cam = *find_stream(j, "cam16");
        CHECK(cam.at("produced").get<double>() == 9);
        CHECK(cam.at("rejected").get<double>() == 7);
        CHECK(cam.at("displayed").get<double>() + cam.at("superseded").get<double>() == 2);
        CHECK(cam.at("last_error").get<std::string>() ==
              "cam16: npy: Fortran order is not supported, expected C order "
              "(np.ascontiguousarray)");
        CHECK(j.at("producers").at(0).at("state").get<std::string>() == "finished");
    }

    TEST_CASE("zmq: the C++ client's frames arrive numbered and timed over TCP and shared memory") {
        const fs::path json = fresh_path("client-shm.json");
        Child viewer(viewer_args(2 * 6, json));
        const std::string endpoint = start_viewer(viewer);
        for (const bool shm : {false, true}) {
            rtv::client::Publisher pub;
            rtv::client::PublisherOptions options;
            options.shm = shm;
            options.shm_slots = 8; // more than the frames: none is dropped for want of a slot
            REQUIRE(pub.open(endpoint, 10.0, options).is_ok());
            std::vector<std::uint16_t> pixels(48 * 64);
            for (std::uint16_t f = 0; f < 6; ++f) {
                std::fill(pixels.begin(), pixels.end(), f);
                REQUIRE(pub.send(shm ? "over-shm" : "over-tcp",
                                 std::span<const std::uint16_t>(pixels), {48, 64}, true)
                            .is_ok());
            }
            CHECK(pub.sent() == 6);
            CHECK(pub.close()); // with shm: the viewer copied every frame out of the ring
        }
        CHECK(viewer.finish() == 0);
        const Json j = read_json(json);
        for (const char* name : {"over-tcp", "over-shm"}) {
            CAPTURE(name);
            const Json* s = find_stream(j, name);
            REQUIRE(s);
            CHECK(s->at("produced").get<double>() == 6);
            CHECK(s->at("rejected").get<double>() == 0);
            CHECK(s->at("gaps").get<double>() == 0);
            CHECK(s->at("format").get<std::string>() == "u16");
            CHECK(s->at("latency_from").get<std::string>() == "sender");
            CHECK(s->at("sender").at("last_sequence").get<double>() == 5);
        }
    }

    TEST_CASE("zmq: hostile headers and shm descriptors are rejected and counted with reasons") {
        const fs::path json = fresh_path("descriptors.json");
        Child viewer(viewer_args(7, json));
        const std::string endpoint = start_viewer(viewer);
        zmq::context_t context(1);
        zmq::socket_t pub = subscribed_publisher(context, endpoint);
        // A real ring with one frame in it, to point descriptors at.
        rtv::client::ShmRingWriter ring(2);
        const std::vector<std::byte> data(4 * 6 * 2, std::byte{7});
        rtv::wire::ShmDescriptor good;
        REQUIRE(ring.write(data, good).is_ok());
        const auto header_of = [](rtv::wire::ShmDescriptor d, std::uint64_t sequence) {
            rtv::wire::WireHeader h;
            h.sequence = sequence;
            h.shm = true;
            h.descriptor = d;
            std::vector<std::byte> part;
            rtv::wire::encode_header(h, part);
            return bytes(part);
        };
        std::vector<std::byte> npy_head;
        const std::uint64_t shape[2] = {4, 6};
        rtv::wire::write_npy_header(npy_head, rtv::wire::NpyType::U2, 2, shape);
        const std::string head = bytes(npy_head);
        rtv::wire::ShmDescriptor missing = good, elsewhere = good, stale = good;
        missing.segment = "rtv-nobody-here";
        elsewhere.offset += 4096; // not slot 0's data
        stale.generation += 2;    // a write the ring never made

        send(pub, {"cam", header_of(good, 0), head});                                 // 1 good
        send(pub, {"cam", "RTVX and then some bytes to pass forty-eight....", head}); // 2
        send(pub, {"cam", header_of(missing, 1), head});           // 3 no segment
        send(pub, {"cam", header_of(elsewhere, 2), head});         // 4 bad range
        send(pub, {"cam", header_of(stale, 3), head});             // 5 generation
        send(pub, {"cam", header_of(good, 4), head + "trailing"}); // 6 data inline
        send(pub, {"cam", header_of(good, 5), head});              // 7 good again
        CHECK(viewer.finish() == 0);
        const Json j = read_json(json);
        const Json* cam = find_stream(j, "cam");
        REQUIRE(cam);
        CHECK(cam->at("produced").get<double>() == 7);
        CHECK(cam->at("rejected").get<double>() == 5);
        CHECK(cam->at("displayed").get<double>() + cam->at("superseded").get<double>() == 2);
        CHECK(cam->at("gaps").get<double>() == 0);
        CHECK(j.at("producers").at(0).at("state").get<std::string>() == "finished");
    }

    TEST_CASE("zmq: a peer sending huge frames under new names cannot pass the memory limit") {
        const fs::path json = fresh_path("hostile.json");
        // 128 MB for everything; ZeroMQ's queue takes 1 x 64 MB of it (hwm lowered to fit).
        Child viewer({"--headless", "--exit-when-done", "--duration", "120", "--memory-limit",
                      "128", "--producer", "zmq:bind=tcp://127.0.0.1:*,iterations=7,maxmsg=64",
                      "--stats-json", json.string()});
        const std::string endpoint = start_viewer(viewer);
        CHECK(viewer.stdout_text.find("memory limit 128 MB") != std::string::npos);
        CHECK(viewer.stdout_text.find("hwm lowered from 16 to 1 messages") != std::string::npos);
        zmq::context_t context(1);
        zmq::socket_t pub = subscribed_publisher(context, endpoint);
        // Six 3000x4000 float32 images (48 MB each, 144 MB as a 3-slot stream), each under a new
        // name: without a budget, 864 MB of pools. Then a small stream that still fits.
        const std::string huge = bytes(image_npy(3000, 4000, 1.0f));
        for (int i = 0; i < 6; ++i)
            send(pub, {"huge" + std::to_string(i), huge});
        send(pub, {"small", bytes(image_npy(8, 8, 1.0f))});
        REQUIRE(viewer.finish_within(90) == 0);
        const Json j = read_json(json);
        const Json& memory = j.at("memory");
        CHECK(memory.at("limit_mb") == 128.0);
        CHECK(memory.at("used_mb").get<double>() <= 128.0);
        CHECK(memory.at("refused") == 6);
        for (int i = 0; i < 6; ++i) {
            const Json* h = rtv::test::find_stream(j, "huge" + std::to_string(i));
            REQUIRE(h);
            CHECK(h->at("refused") == true);
            CHECK(h->at("produced") == 1);
            CHECK(h->at("rejected") == 1); // counted on its stream, with the numbers
            CHECK(
                h->at("last_error")
                    .get<std::string>()
                    .find(
                        ": refused: the stream needs 137.4 MB, over the memory limit of 128 MB") !=
                std::string::npos);
        }
        const Json* small = rtv::test::find_stream(j, "small");
        REQUIRE(small);
        CHECK(small->at("refused") == false);
        CHECK(small->at("displayed") == 1); // the viewer and the other streams go on
    }

    TEST_CASE("zmq: the Python example feeds the headless viewer") {
        if (std::system("/usr/bin/python3 -c 'import zmq, numpy' 2>/dev/null") != 0) {
            // A skip, not a pass: ctest shows exit status 77 (SKIP_RETURN_CODE) as skipped.
            std::fprintf(stderr, "SKIPPED: python3-zmq or python3-numpy is not installed "
                                 "(bash scripts/deps.sh installs them)\n");
            std::_Exit(rtv::test::kSkipExitCode);
        }
        const fs::path json = fresh_path("python.json");
        Child viewer(viewer_args(2 * 12, json));
        const std::string endpoint = start_viewer(viewer);
        const std::string cmd = "/usr/bin/python3 " RTV_SOURCE_DIR
                                "/examples/publish.py --connect " +
                                endpoint + " --frames 12 --interval 0.005 >/dev/null";
        CHECK(std::system(cmd.c_str()) == 0);
        CHECK(viewer.finish() == 0);
        const Json j = read_json(json);
        for (const char* name : {"python/image", "python/line"}) {
            CAPTURE(name);
            const Json* s = find_stream(j, name);
            REQUIRE(s);
            CHECK((*s).at("produced").get<double>() == 12);
            CHECK((*s).at("rejected").get<double>() == 0);
            CHECK((*s).at("displayed").get<double>() >= 1);
        }
    }

    TEST_CASE("zmq: the C++ example feeds the headless viewer") {
        const fs::path json = fresh_path("cpp.json");
        Child viewer(viewer_args(2 * 8, json));
        const std::string endpoint = start_viewer(viewer);
        const std::string cmd = std::string(RTV_PUBLISH_EXAMPLE_PATH) + " --connect " + endpoint +
                                " --frames 8 --interval 0.005 >/dev/null";
        CHECK(std::system(cmd.c_str()) == 0);
        CHECK(viewer.finish() == 0);
        const Json j = read_json(json);
        for (const char* name : {"cpp/image", "cpp/line"}) {
            CAPTURE(name);
            const Json* s = find_stream(j, name);
            REQUIRE(s);
            CHECK((*s).at("produced").get<double>() == 8);
            CHECK((*s).at("displayed").get<double>() >= 1);
        }
    }
}
