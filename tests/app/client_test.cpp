// The C++ client library against a plain SUB socket standing in for the viewer: it waits for the
// subscription, says clearly when nobody is there, refuses what the viewer would refuse with the
// viewer's reason, and sends rtviewer's three-part messages (name, header, .npy), then on close
// each stream's sequence mark.

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <zmq.hpp>

#include "client/publisher.hpp"
#include "core/clock.hpp"
#include "wire/catalogue.hpp"
#include "wire/message.hpp"
#include "wire/npy.hpp"

TEST_SUITE("app") {

    TEST_CASE("client: open with no viewer fails within its wait naming the endpoint") {
        zmq::context_t context(1);
        zmq::socket_t probe(context, zmq::socket_type::pub); // a free port nobody listens on
        probe.bind("tcp://127.0.0.1:*");
        const std::string endpoint = probe.get(zmq::sockopt::last_endpoint);
        probe.close();
        rtv::client::Publisher pub;
        const auto t0 = std::chrono::steady_clock::now();
        const rtv::Status s = pub.open(endpoint, 0.3);
        const double waited =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        CHECK_FALSE(s.is_ok());
        CHECK(s.message().find("no viewer subscribed at " + endpoint) != std::string::npos);
        CHECK(waited < 10.0); // bounded by the wait (a hang detector, not a timing claim)
        CHECK_FALSE(pub.is_open());
        CHECK(pub.send("x", std::span<const float>(std::vector<float>(4)), {4}).message() ==
              "rtviewer client: send() before open()");
    }

    TEST_CASE("client: arrays go out as the viewer's messages and refused ones say the viewer's "
              "reason") {
        zmq::context_t context(1);
        zmq::socket_t viewer(context, zmq::socket_type::sub);
        viewer.set(zmq::sockopt::subscribe, "");
        viewer.set(zmq::sockopt::rcvtimeo, 10'000);
        viewer.bind("tcp://127.0.0.1:*");
        const std::string endpoint = viewer.get(zmq::sockopt::last_endpoint);
        // A SUB socket attaches a new connection (and sends its subscription) only inside a call
        // on it: the stand-in viewer waits in recv() on a thread of its own, as the viewer does.
        zmq::message_t name, header, payload, catalogue_topic, catalogue;
        bool got = false;
        std::thread receiver([&] {
            // First the catalogue naming the new stream, then its frame.
            got = viewer.recv(catalogue_topic).has_value() && catalogue_topic.more() &&
                  viewer.recv(catalogue).has_value() && !catalogue.more() &&
                  viewer.recv(name).has_value() && name.more() && viewer.recv(header).has_value() &&
                  header.more() && viewer.recv(payload).has_value();
        });
        rtv::client::Publisher pub;
        const rtv::Status opened = pub.open(endpoint);
        REQUIRE_MESSAGE(opened.is_ok(), opened.message());
        // Two channels: no image format has them. The viewer's decoder gives the reason.
        const std::vector<std::uint8_t> two(4 * 6 * 2, 1);
        CHECK(pub.send("bad", std::span<const std::uint8_t>(two), {4, 6, 2}).message() ==
              "rtviewer client: bad: image (4, 6, 2) has 2 channels, expected (H, W, 3) for RGB "
              "or (H, W, 4) for RGBA");
        CHECK(pub.send("short", std::span<const std::uint8_t>(two), {4, 6}).message() ==
              "rtviewer client: short: data is 48 bytes, expected 24 for its shape");
        const std::vector<std::uint16_t> cam(4 * 6, 4095);
        REQUIRE(pub.send("cam", std::span<const std::uint16_t>(cam), {4, 6}).is_ok());
        CHECK(pub.sent() == 1);
        receiver.join();
        REQUIRE(got);
        CHECK(catalogue_topic.to_string_view() == rtv::wire::kCatalogueTopic);
        rtv::wire::Catalogue listed;
        REQUIRE(rtv::wire::decode_catalogue(
                    {static_cast<const std::byte*>(catalogue.data()), catalogue.size()}, listed)
                    .is_ok());
        REQUIRE(listed.streams.size() == 1);
        CHECK(listed.streams[0].name == "cam");
        CHECK(listed.streams[0].shape == std::vector<std::uint64_t>{4, 6});
        CHECK(listed.streams[0].dtype == "<u2");
        CHECK(name.to_string() == "cam");
        rtv::wire::WireHeader h;
        REQUIRE(rtv::wire::decode_header(
                    {static_cast<const std::byte*>(header.data()), header.size()}, h)
                    .is_ok());
        CHECK(h.sequence == 0); // the refused arrays used no number
        CHECK(h.boot_id == rtv::wire::boot_id());
        CHECK(h.send_ns <= rtv::now_ns());
        CHECK_FALSE(h.shm);
        CHECK_FALSE(payload.more());
        rtv::wire::NpyArray a;
        REQUIRE(
            rtv::wire::parse_npy({static_cast<const std::byte*>(payload.data()), payload.size()}, a)
                .is_ok());
        CHECK(a.type == rtv::wire::NpyType::U2);
        CHECK(a.shape[0] == 4);
        CHECK(a.shape[1] == 6);
        pub.close();
    }

    TEST_CASE("client: close tells each stream's last number in a mark after its last frame") {
        zmq::context_t context(1);
        zmq::socket_t viewer(context, zmq::socket_type::sub);
        viewer.set(zmq::sockopt::subscribe, "");
        viewer.set(zmq::sockopt::rcvtimeo, 10'000);
        viewer.bind("tcp://127.0.0.1:*");
        const std::string endpoint = viewer.get(zmq::sockopt::last_endpoint);
        struct Message {
            std::string name;
            rtv::wire::WireHeader header;
            rtv::wire::NpyArray npy;
            bool ok = false;
        };
        // 3 frames of "cam", 1 of "trace:lines", then 2 marks. The header and .npy are decoded
        // on the receiving thread while their parts are alive.
        std::vector<Message> got(6);
        int catalogues = 0;
        std::thread receiver([&] {
            for (Message& m : got) {
                zmq::message_t name, header, payload;
                if (!viewer.recv(name) || !name.more()) return;
                if (name.to_string_view() == rtv::wire::kCatalogueTopic) { // before a new stream
                    if (!viewer.recv(payload) || payload.more()) return;
                    ++catalogues;
                    if (!viewer.recv(name) || !name.more()) return;
                }
                if (!viewer.recv(header) || !header.more() || !viewer.recv(payload) ||
                    payload.more())
                    return;
                m.name = name.to_string();
                const auto* h = static_cast<const std::byte*>(header.data());
                const auto* p = static_cast<const std::byte*>(payload.data());
                m.ok =
                    rtv::wire::decode_header({h, header.size()}, m.header).is_ok() &&
                    (m.header.mark ? rtv::wire::parse_npy_header({p, payload.size()}, m.npy).is_ok()
                                   : rtv::wire::parse_npy({p, payload.size()}, m.npy).is_ok());
            }
        });
        rtv::client::Publisher pub;
        const rtv::Status opened = pub.open(endpoint);
        REQUIRE_MESSAGE(opened.is_ok(), opened.message());
        const std::vector<std::uint16_t> cam(4 * 6, 7);
        const std::vector<float> trace(2 * 5, 0.5f);
        for (int i = 0; i < 3; ++i)
            REQUIRE(pub.send("cam", std::span<const std::uint16_t>(cam), {4, 6}, true).is_ok());
        REQUIRE(pub.send("trace:lines", std::span<const float>(trace), {2, 5}, true).is_ok());
        CHECK(pub.close());
        receiver.join();
        CHECK(catalogues == 2); // one before each stream's first frame
        for (const Message& m : got)
            REQUIRE(m.ok);
        for (int i = 0; i < 4; ++i)
            CHECK_FALSE(got[i].header.mark);
        // The marks, in the streams' name order: the last number each used, this publisher's id.
        const Message& cam_mark = got[4];
        const Message& trace_mark = got[5];
        CHECK(cam_mark.name == "cam");
        CHECK(cam_mark.header.mark);
        CHECK_FALSE(cam_mark.header.shm);
        CHECK(cam_mark.header.sequence == 2);
        CHECK(cam_mark.header.publisher == got[0].header.publisher);
        CHECK(cam_mark.npy.type == rtv::wire::NpyType::U2);
        CHECK(cam_mark.npy.dims == 2);
        CHECK(cam_mark.npy.shape[0] == 4);
        CHECK(cam_mark.npy.shape[1] == 6);
        CHECK(trace_mark.name == "trace:lines"); // as sent: the viewer opens lines from it
        CHECK(trace_mark.header.mark);
        CHECK(trace_mark.header.sequence == 0);
        CHECK(trace_mark.npy.type == rtv::wire::NpyType::F4);
        CHECK(trace_mark.npy.shape[0] == 2);
        CHECK(trace_mark.npy.shape[1] == 5);
    }

} // TEST_SUITE
