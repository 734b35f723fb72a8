// The zmq producer end to end: rtviewer runs headless with zmq on a free loopback port
// (bind=tcp://127.0.0.1:*, the port it picked read from its stdout) and quits once the given
// number of messages arrived (--exit-when-done). Publishers: an XPUB socket in this test (it
// waits for the viewer's subscription, so no message is lost to the PUB/SUB "slow joiner"), the
// Python example and the C++ example. A viewer that must not read for a while is stopped
// (SIGSTOP) and continued: a real ring that nobody reads, so that a publisher's drops are
// certain rather than a race.

#include <csignal>
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

// A numbered frame's or a sequence mark's header part.
std::string header_part(std::uint64_t publisher, std::uint64_t sequence, bool mark = false) {
    rtv::wire::WireHeader h;
    h.publisher = publisher;
    h.sequence = sequence;
    h.mark = mark;
    std::vector<std::byte> part;
    rtv::wire::encode_header(h, part);
    return bytes(part);
}

// The .npy header alone of a float32 array of `shape` (what a sequence mark carries).
std::string npy_head(std::vector<std::uint64_t> shape) {
    std::vector<std::byte> out;
    rtv::wire::write_npy_header(out, rtv::wire::NpyType::F4, unsigned(shape.size()), shape.data());
    return bytes(out);
}

// Stops the viewer (all its threads: it reads nothing) until continue_viewer().
void stop_viewer(const Child& viewer) {
    REQUIRE(::kill(viewer.pid, SIGSTOP) == 0);
    int status = 0;
    REQUIRE(::waitpid(viewer.pid, &status, WUNTRACED) == viewer.pid); // stopped now
    REQUIRE(WIFSTOPPED(status));
}

void continue_viewer(const Child& viewer) {
    REQUIRE(::kill(viewer.pid, SIGCONT) == 0);
}

// `count` unnumbered messages on stream "filler" from a connection of their own: a viewer told
// to stop after N messages gets N once a publisher that sent N - count of them is done, in
// whatever order the two connections' messages are taken.
void fill(const std::string& endpoint, std::uint64_t count) {
    if (count == 0) return;
    zmq::context_t context(1);
    zmq::socket_t pub = subscribed_publisher(context, endpoint);
    pub.set(zmq::sockopt::xpub_nodrop, 1); // wait for room rather than drop
    const std::string npy = bytes(image_npy(1, 1, 0.0f));
    for (std::uint64_t i = 0; i < count; ++i)
        send(pub, {"filler", npy});
}

// The C++ client with a ring of 10 slots sends 100 frames while the viewer is stopped: the
// first 10 fill the ring, the other 90 find no free slot and are dropped (a slot held over
// ShmRingWriter::kStaleSeconds would be reused, which only moves frames from dropped to sent:
// the counts below hold either way). The viewer is continued before the function returns.
void send_100_while_stopped(Child& viewer, rtv::client::Publisher& pub) {
    stop_viewer(viewer);
    std::vector<std::uint16_t> pixels(48 * 64);
    for (std::uint16_t f = 0; f < 100; ++f) {
        std::fill(pixels.begin(), pixels.end(), f);
        REQUIRE(pub.send("burst", std::span<const std::uint16_t>(pixels), {48, 64}).is_ok());
    }
    continue_viewer(viewer);
    CHECK(pub.sent() + pub.dropped() == 100);
    CHECK(pub.dropped() > 0);
}

// What the viewer counted for "burst", against what the publisher numbered.
void check_burst_counted_whole(const Json& j, std::uint64_t sent, std::uint64_t dropped) {
    const Json* s = find_stream(j, "burst");
    REQUIRE(s);
    CHECK(s->at("produced").get<double>() == double(sent));
    CHECK(s->at("gaps").get<double>() == double(dropped));
    CHECK(s->at("produced").get<double>() + s->at("gaps").get<double>() == 100);
    CHECK(s->at("sender").at("last_sequence").get<double>() == 99);
    CHECK(s->at("rejected").get<double>() == 0);
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
        send(pub, {"cam16", npy_header("{'descr': '>u2', " + dict, 48)});  // 9 good (swapped)
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
        CHECK(cam.at("rejected").get<double>() == 6);
        CHECK(cam.at("displayed").get<double>() + cam.at("superseded").get<double>() == 3);
        CHECK(cam.at("last_error").get<std::string>() ==
              "cam16: npy: Fortran order is not supported, expected C order "
              "(np.ascontiguousarray)");
        CHECK(j.at("producers").at(0).at("state").get<std::string>() == "finished");
    }

    TEST_CASE("zmq: the C++ client's frames arrive numbered and timed over TCP and shared memory") {
        const fs::path json = fresh_path("client-shm.json");
        // Each publisher: 6 frames, and on close its stream's sequence mark (not a frame).
        Child viewer(viewer_args(2 * (6 + 1), json));
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

    TEST_CASE("zmq: a C++ publisher that drops the last 90 of 100 frames leaves the viewer with "
              "produced + gaps equal to 100") {
        const fs::path json = fresh_path("close-mark.json");
        // At most 100 frames and the close's mark; fillers make up what was dropped.
        Child viewer(viewer_args(101, json));
        const std::string endpoint = start_viewer(viewer);
        rtv::client::Publisher pub;
        rtv::client::PublisherOptions options;
        options.shm = true;
        options.shm_slots = 10;
        REQUIRE(pub.open(endpoint, 10.0, options).is_ok());
        send_100_while_stopped(viewer, pub);
        const std::uint64_t sent = pub.sent(), dropped = pub.dropped();
        // The mark goes after the last frame; no frame comes after the drops to reveal them.
        CHECK(pub.close());
        fill(endpoint, 100 - sent);
        CHECK(viewer.finish() == 0);
        check_burst_counted_whole(read_json(json), sent, dropped);
    }

    TEST_CASE("zmq: a C++ publisher idle after drops tells the viewer its last number without "
              "closing") {
        const fs::path json = fresh_path("idle-mark.json");
        Child viewer(viewer_args(101, json)); // the frames sent, one mark, the fillers
        const std::string endpoint = start_viewer(viewer);
        rtv::client::Publisher pub;
        rtv::client::PublisherOptions options;
        options.shm = true;
        options.shm_slots = 10;
        REQUIRE(pub.open(endpoint, 10.0, options).is_ok());
        send_100_while_stopped(viewer, pub);
        const std::uint64_t sent = pub.sent(), dropped = pub.dropped();
        fill(endpoint, 100 - sent);
        // The viewer exits once the mark has come: the publisher, idle for a second, sends it
        // by itself (without it the viewer waits until its --duration and the counts fail).
        CHECK(viewer.finish() == 0);
        (void)pub.close(0.0); // the viewer is gone: nothing to wait for
        check_burst_counted_whole(read_json(json), sent, dropped);
    }

    TEST_CASE("zmq: sequence marks count the numbers not received as gaps and open a stream no "
              "frame reached while bad marks are rejected") {
        const fs::path json = fresh_path("marks.json");
        Child viewer(viewer_args(20, json));
        const std::string endpoint = start_viewer(viewer);
        zmq::context_t context(1);
        zmq::socket_t pub = subscribed_publisher(context, endpoint);
        const std::string frame = bytes(image_npy(4, 6, 1.0f));
        const std::uint64_t p = 0x1234, a = 0xA, b = 0xB, q = 0x77;
        for (std::uint64_t seq = 0; seq < 10; ++seq)
            send(pub, {"cam", header_part(p, seq), frame});             // 1-10 frames 0..9
        send(pub, {"cam", header_part(p, 99, true), npy_head({4, 6})}); // 11 numbered up to 99
        send(pub, {"ghost:lines", header_part(q, 4, true), npy_head({2, 8})}); // 12 no frame
        send(pub, {"cam", header_part(p, 99, true), npy_head({4, 6})});     // 13 again: no change
        send(pub, {"cam", header_part(p, 50, true), npy_head({4, 6})});     // 14 behind: no change
        send(pub, {"cam", header_part(p, 120, true), "not an npy header"}); // 15 rejected
        // Two publishers taking turns on a stream: each is counted on its own numbering.
        send(pub, {"two", header_part(a, 0), frame});                  // 16
        send(pub, {"two", header_part(b, 0), frame});                  // 17
        send(pub, {"two", header_part(a, 2), frame});                  // 18 a's 1 is a gap
        send(pub, {"two", header_part(b, 3, true), npy_head({4, 6})}); // 19 b's 1..3 are gaps
        std::string both = header_part(p, 121, true);
        both[5] = '\x03';                           // shm and mark
        send(pub, {"cam", both, npy_head({4, 6})}); // 20 rejected
        CHECK(viewer.finish() == 0);
        const Json j = read_json(json);
        const Json* cam = find_stream(j, "cam");
        const Json* ghost = find_stream(j, "ghost");
        const Json* two = find_stream(j, "two");
        REQUIRE(cam);
        REQUIRE(ghost);
        REQUIRE(two);
        // Marks are not frames: cam produced its 10 frames and the 2 rejected messages.
        CHECK(cam->at("produced").get<double>() == 12);
        CHECK(cam->at("rejected").get<double>() == 2);
        CHECK(cam->at("gaps").get<double>() == 90);
        CHECK(cam->at("sender").at("last_sequence").get<double>() == 99);
        CHECK(cam->at("last_error").get<std::string>() ==
              "cam: zmq: header flags 3 say shm and mark, expected one (a mark carries no data)");
        // Every frame of ghost was lost: the mark opened it (2 lines of 8 points) to count them.
        CHECK(ghost->at("kind").get<std::string>() == "lines");
        CHECK(ghost->at("produced").get<double>() == 0);
        CHECK(ghost->at("gaps").get<double>() == 5);
        CHECK(ghost->at("sender").at("last_sequence").get<double>() == 4);
        CHECK(ghost->at("rejected").get<double>() == 0);
        CHECK(two->at("produced").get<double>() == 3);
        CHECK(two->at("gaps").get<double>() == 4); // numbered: a 3, b 4
        const Json* messages = find_stream(j, "zmq/messages");
        REQUIRE(messages);
        CHECK(messages->at("rejected").get<double>() == 0);
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
