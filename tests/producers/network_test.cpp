// The network settings without a viewer: endpoints as text (what parses, what stays on this
// machine), the zmq producer's configure (bind or connect, streams=, insecure=), stream patterns,
// and the C++ client's bind(): any number of subscribers, never waiting for one.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <unistd.h>
#include <zmq.hpp>

#include "client/publisher.hpp"
#include "core/frame_queue.hpp"
#include "core/producer_board.hpp"
#include "core/producer_host.hpp"
#include "producers/zmq_input.hpp"
#include "wire/catalogue.hpp"
#include "wire/endpoint.hpp"
#include "wire/message.hpp"
#include "wire/rows.hpp"

namespace {

rtv::Status configure(const rtv::ProducerConfig& config) {
    rtv::producers::ZmqInput input;
    return input.configure(config);
}

bool has(const rtv::Status& s, const std::string& text) {
    return s.message().find(text) != std::string::npos;
}

// The sequence number of the next rtviewer message of stream `name` received by `sub` (others
// are skipped), or -1 when none came within its receive timeout.
std::int64_t next_sequence(zmq::socket_t& sub, std::string_view name = "big") {
    std::vector<zmq::message_t> parts;
    for (;;) {
        if (!parts.empty() && !parts.back().more()) {
            if (parts[0].to_string_view() == name) break;
            parts.clear(); // another stream's
        }
        zmq::message_t part;
        if (!sub.recv(part)) return -1;
        parts.push_back(std::move(part));
    }
    if (parts.size() != 3) return -1;
    rtv::wire::WireHeader h;
    if (!rtv::wire::decode_header({static_cast<const std::byte*>(parts[1].data()), parts[1].size()},
                                  h))
        return -1;
    return std::int64_t(h.sequence);
}

std::span<const std::byte> bytes(std::string_view text) {
    return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

bool lists(const std::vector<rtv::OfferedStream>& offers, std::string_view name) {
    return std::any_of(offers.begin(), offers.end(),
                       [&](const rtv::OfferedStream& o) { return o.name == name; });
}

std::vector<std::string> stream_names(const rtv::ProducerHost& host) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < host.stream_count(); ++i)
        names.push_back(host.stream(static_cast<std::uint16_t>(i)).request().name);
    return names;
}

} // namespace

TEST_SUITE("producers") {

    TEST_CASE("network: a catalogue round-trips and a bad one is refused with its reason") {
        using namespace rtv::wire;
        Catalogue c;
        c.publisher = 0x0123456789abcdefull;
        c.streams.push_back({"cam1", {600, 800}, "<u2", 29.5});
        c.streams.push_back({"spectrum", {}, "", -1.0});
        Catalogue back;
        REQUIRE(decode_catalogue(bytes(encode_catalogue(c)), back).is_ok());
        CHECK(back.publisher == c.publisher);
        REQUIRE(back.streams.size() == 2);
        CHECK(back.streams[0].name == "cam1");
        CHECK(back.streams[0].shape == std::vector<std::uint64_t>{600, 800});
        CHECK(describe(back.streams[0]) == "600x800 <u2 29.5/s");
        CHECK(describe(back.streams[1]).empty());
        CHECK(has(decode_catalogue(bytes("not json"), back), "not a JSON object"));
        CHECK(has(decode_catalogue(bytes(R"({"streams": []})"), back), "\"catalogue\": 1"));
        CHECK(has(decode_catalogue(bytes(R"({"catalogue": 1, "streams": [{"name": ""}]})"), back),
                  "valid name"));
        CHECK(
            has(decode_catalogue(bytes(R"({"catalogue": 1, "streams": [{"name": "a\tb"}]})"), back),
                "valid name"));
        CHECK(has(
            decode_catalogue(bytes(R"({"catalogue": 1, "publisher": "xyz", "streams": []})"), back),
            "hex digits"));
        std::string many = R"({"catalogue": 1, "streams": [)";
        for (std::size_t i = 0; i <= kMaxCatalogueStreams; ++i)
            many += (i ? "," : "") + std::string(R"({"name": "s)") + std::to_string(i) + "\"}";
        CHECK(has(decode_catalogue(bytes(many + "]}"), back), "at most 256"));
        CHECK(has(decode_catalogue(bytes(std::string(kMaxCatalogueBytes + 1, ' ')), back),
                  "bytes, expected at most"));
    }

    TEST_CASE("network: an isolated producer's rows and live changes round-trip and bad ones are "
              "refused with their reason") {
        using namespace rtv::wire;
        using Row = rtv::ProducerBoard::Row;
        rtv::ProducerBoard board;
        board.set("model", "Live \"Test\" Camera");
        board.set("serial", "A1");
        board.set("cut", std::string(300, 'x')); // kept as 127 bytes: sent as the board has it
        std::array<Row, rtv::ProducerBoard::kMaxRows> rows{}, back{};
        const std::size_t n = board.copy(rows);
        std::size_t count = 99;
        REQUIRE(decode_rows(bytes(encode_rows(std::span(rows).first(n))), back, count).is_ok());
        REQUIRE(count == 3);
        CHECK(back[0].key_view() == "model");
        CHECK(back[0].value_view() == "Live \"Test\" Camera");
        CHECK(back[1].value_view() == "A1");
        CHECK(back[2].value_view() == std::string(127, 'x'));
        CHECK(decode_rows(bytes(R"({"rows": []})"), back, count).is_ok());
        CHECK(count == 0);
        // A value the board cut inside a multi-byte character, or one that is not UTF-8, still
        // makes valid JSON that fits a row: each such byte is a '?'.
        board.set("cut", std::string(126, 'x') + "\xc3\xa9"); // 128 bytes: the \xa9 is cut
        board.set("latin1", "caf\xe9 \xc3\xa9t\xc3\xa9 \xed\xa0\x80 \xf0\x9f\x93\xb7");
        const std::size_t m = board.copy(rows);
        REQUIRE(decode_rows(bytes(encode_rows(std::span(rows).first(m))), back, count).is_ok());
        CHECK(back[2].value_view() == std::string(126, 'x') + "?");
        CHECK(back[3].value_view() == "caf? \xc3\xa9t\xc3\xa9 ??? \xf0\x9f\x93\xb7");
        CHECK(has(decode_rows(bytes("not json"), back, count), "is not a JSON object"));
        CHECK(has(decode_rows(bytes(R"({"row": []})"), back, count), "no \"rows\" array"));
        CHECK(has(decode_rows(bytes(R"({"rows": [["a"]]})"), back, count), "not [key, value]"));
        CHECK(has(decode_rows(bytes(R"({"rows": [["a", 1]]})"), back, count), "not [key, value]"));
        CHECK(has(decode_rows(bytes(R"({"rows": [["", "v"]]})"), back, count), "without a key"));
        CHECK(has(decode_rows(bytes(R"({"rows": [["a", "1"], ["a", "2"]]})"), back, count),
                  "the key 'a' twice"));
        CHECK(has(decode_rows(bytes(R"({"rows": [[")" + std::string(32, 'k') + R"(", "v"]]})"),
                              back, count),
                  "a key of 32 bytes, expected at most 31"));
        CHECK(has(decode_rows(bytes(R"({"rows": [["k", ")" + std::string(128, 'v') + R"("]]})"),
                              back, count),
                  "a value of 128 bytes (or a NUL), expected at most 127"));
        std::string many = R"({"rows": [)";
        for (std::size_t i = 0; i <= rtv::ProducerBoard::kMaxRows; ++i)
            many += (i ? "," : "") + std::string(R"([")") + std::to_string(i) + R"(", "v"])";
        CHECK(
            has(decode_rows(bytes(many + "]}"), back, count), "has 25 rows, expected at most 24"));
        CHECK(has(decode_rows(bytes(std::string(kMaxRowsBytes + 1, ' ')), back, count),
                  "bytes, expected at most"));
        // A change line: one JSON object, the text as it was, any character.
        const std::string line = encode_change("level", "7 \"x\"\n");
        CHECK(line.ends_with("}\n"));
        CHECK(std::count(line.begin(), line.end(), '\n') == 1);
        std::string key, value;
        REQUIRE(
            decode_change(std::string_view(line).substr(0, line.size() - 1), key, value).is_ok());
        CHECK(key == "level");
        CHECK(value == "7 \"x\"\n");
        CHECK(has(decode_change("set level 7", key, value), "not a JSON object"));
        CHECK(has(decode_change(R"({"set": "level"})", key, value), "two strings"));
        CHECK(has(decode_change(R"({"set": "", "value": "1"})", key, value), "a key of 0 bytes"));
        CHECK(has(decode_change(std::string(kMaxChangeLine + 1, ' '), key, value),
                  "expected at most 1024"));
    }

    TEST_CASE("network: zmq takes a rows message onto its board and counts a bad one on "
              "zmq/messages") {
        const std::string endpoint =
            "ipc:///tmp/rtv-rows-test-" + std::to_string(::getpid()) + ".sock";
        rtv::ProducerBoard board; // outlives the host, whose producer writes it
        rtv::FrameQueue queue = rtv::make_frame_queue();
        rtv::ProducerHost host(queue);
        auto input = std::make_unique<rtv::producers::ZmqInput>();
        REQUIRE(input->configure({{"bind", endpoint}}).is_ok());
        input->take_rows(&board);
        REQUIRE(host.start("zmq", std::move(input), {}).is_ok());
        rtv::client::Publisher pub;
        REQUIRE(pub.open(endpoint, 30.0).is_ok()); // the viewer's subscription is there
        const auto rejected = [&] { return host.stream(0).stats().read().rejected; };
        const auto until = [&](auto done) { // the board and the counts, looked at as they change
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
            while (!done() && std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(2)); // the poll's period
            return done();
        };
        std::array<char, rtv::ProducerBoard::kValueBytes> value{};
        const auto row = [&](const char* key) {
            return board.value_of(key, value) ? std::string(value.data()) : std::string("(none)");
        };
        REQUIRE(pub.send_rows(R"({"rows": [["model", "M1"], ["serial", "S1"]]})"));
        REQUIRE(until([&] { return row("serial") == "S1"; }));
        CHECK(row("model") == "M1");
        const std::uint64_t version = board.version();
        // Each bad one is refused whole: counted with its reason, the board as it was.
        REQUIRE(pub.send_rows(R"({"rows": [["model", "M2"], ["model", "M3"]]})"));
        REQUIRE(until([&] { return rejected() == 1; }));
        std::string why;
        host.stream(0).stats().last_error(why);
        CHECK(why == "zmq: a rows message has the key 'model' twice");
        REQUIRE(pub.send_rows(std::string(rtv::wire::kMaxRowsBytes + 1, ' ')));
        REQUIRE(until([&] { return rejected() == 2; }));
        host.stream(0).stats().last_error(why);
        CHECK(why == "zmq: a rows message is 32769 bytes, expected at most 32768");
        CHECK(board.version() == version);
        CHECK(row("model") == "M1");
        // The same rows again change nothing; others replace them all.
        REQUIRE(pub.send_rows(R"({"rows": [["model", "M1"], ["serial", "S1"]]})"));
        REQUIRE(pub.send_rows(R"({"rows": [["serial", "S2"]]})"));
        REQUIRE(until([&] { return row("serial") == "S2"; }));
        CHECK(row("model") == "(none)");
        CHECK(board.version() == version + 1);
        pub.close();
        host.stop_all();
        CHECK(rejected() == 2);
        CHECK(host.stream_count() == 1); // no stream was opened for them
    }

    TEST_CASE("network: zmq takes at most 256 names and patterns from streams and clicks") {
        std::string names;
        for (int i = 0; i <= 256; ++i)
            names += (i ? ";" : "") + std::string("s") + std::to_string(i);
        CHECK(has(configure({{"streams", names}}), "at most 256"));
        names.resize(names.rfind(';')); // 256 names: taken, and not one click more
        rtv::producers::ZmqInput input;
        REQUIRE(input.configure({{"streams", names}, {"bind", "tcp://127.0.0.1:*"}}).is_ok());
        CHECK(has(input.subscribe("more"), "already 256 subscriptions"));
        CHECK(has(input.subscribe(""), "not a stream name"));
        rtv::producers::ZmqInput every; // without streams= every stream is taken already
        REQUIRE(every.configure({{"bind", "tcp://127.0.0.1:*"}}).is_ok());
        std::vector<rtv::OfferedStream> offers;
        CHECK_FALSE(every.offered(offers));
        CHECK(every.subscribe("anything").is_ok());
    }

    TEST_CASE("network: zmq with streams lists the other offered streams and a subscription takes "
              "one") {
        rtv::client::Publisher pub;
        REQUIRE(pub.bind("tcp://127.0.0.1:*").is_ok());
        rtv::FrameQueue queue = rtv::make_frame_queue();
        rtv::ProducerHost host(queue);
        auto input = std::make_unique<rtv::producers::ZmqInput>();
        REQUIRE(input->configure({{"connect", pub.endpoint()}, {"streams", "cam*"}}).is_ok());
        REQUIRE(host.start("zmq", std::move(input), {}).is_ok());
        rtv::Producer& zmq_input = host.producer(0);
        const std::vector<std::uint16_t> image(16 * 16, 7);
        std::vector<rtv::OfferedStream> offers;
        // Sends both streams, a frame each per pass, until `done` or a deadline (a hang).
        const auto send_until = [&](auto done) {
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
            while (!done() && std::chrono::steady_clock::now() < deadline) {
                REQUIRE(pub.send("cam1", std::span<const std::uint16_t>(image), {16, 16}).is_ok());
                REQUIRE(pub.send("spectrum", std::span<const std::uint16_t>(image), {256}).is_ok());
                // The pace of a slow source, not a synchronisation: the loop waits for `done`.
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            return done();
        };
        // The catalogue (about once a second) offers "spectrum", which streams= leaves out.
        const auto names_are = [&](std::vector<std::string> names) {
            return stream_names(host) == names;
        };
        REQUIRE(send_until([&] {
            return zmq_input.offered(offers) && lists(offers, "spectrum") &&
                   names_are({"zmq/messages", "cam1"});
        }));
        const rtv::OfferedStream& spectrum =
            *std::find_if(offers.begin(), offers.end(),
                          [](const rtv::OfferedStream& o) { return o.name == "spectrum"; });
        CHECK(spectrum.detail.starts_with("256 <u2"));
        CHECK_FALSE(lists(offers, "cam1")); // taken: not offered
        // The click: its frames come from now on, and it is no longer offered.
        const std::uint64_t version = zmq_input.offered_version();
        REQUIRE(zmq_input.subscribe("spectrum").is_ok());
        REQUIRE(send_until([&] { return names_are({"zmq/messages", "cam1", "spectrum"}); }));
        CHECK(zmq_input.offered_version() > version);
        REQUIRE(zmq_input.offered(offers));
        CHECK_FALSE(lists(offers, "spectrum"));
        host.stop_all();
        // No catalogue was taken for a frame or refused: nothing counted on zmq/messages.
        CHECK(host.stream(0).stats().read().rejected == 0);
    }

    TEST_CASE("network: zmq lists at most 256 offered streams and counts those left out") {
        // Two publishers' catalogues (one socket, two publisher ids: 200 and 100 streams) offer
        // 300 streams that streams=cam* leaves out: 256 are listed, and each time the second
        // catalogue comes its 44 that do not fit are counted.
        zmq::context_t context(1);
        zmq::socket_t pub(context, zmq::socket_type::pub);
        pub.bind("tcp://127.0.0.1:*");
        const std::string endpoint = pub.get(zmq::sockopt::last_endpoint);
        rtv::FrameQueue queue = rtv::make_frame_queue();
        rtv::ProducerHost host(queue);
        auto input = std::make_unique<rtv::producers::ZmqInput>();
        REQUIRE(input->configure({{"connect", endpoint}, {"streams", "cam*"}}).is_ok());
        REQUIRE(host.start("zmq", std::move(input), {}).is_ok());
        rtv::Producer& zmq_input = host.producer(0);
        std::string catalogues[2];
        for (int c = 0; c < 2; ++c) {
            rtv::wire::Catalogue cat;
            cat.publisher = 0xa0 + std::uint64_t(c);
            for (int i = 0; i < (c == 0 ? 200 : 100); ++i)
                cat.streams.push_back({(c == 0 ? "a" : "b") + std::to_string(i), {}, {}, -1.0});
            catalogues[c] = rtv::wire::encode_catalogue(cat);
        }
        std::vector<rtv::OfferedStream> offers;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (!(zmq_input.offered(offers) && offers.size() == 256 &&
                 zmq_input.offered_left_out() > 0) &&
               std::chrono::steady_clock::now() < deadline) {
            for (const std::string& json : catalogues) {
                pub.send(zmq::buffer(rtv::wire::kCatalogueTopic), zmq::send_flags::sndmore);
                pub.send(zmq::buffer(json), zmq::send_flags::none);
            }
            // The pace of a publisher's catalogues, not a synchronisation: the loop waits for
            // the list.
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        REQUIRE(zmq_input.offered(offers));
        CHECK(offers.size() == 256);
        CHECK(lists(offers, "a199")); // the first publisher's all fit
        CHECK(lists(offers, "b55"));  // the second's first 56
        CHECK(!lists(offers, "b56")); // the rest are left out,
        const std::uint64_t left_out = zmq_input.offered_left_out();
        CHECK(left_out > 0);       // counted,
        CHECK(left_out % 44 == 0); // 44 each time the second catalogue came
        host.stop_all();
        CHECK(host.stream(0).stats().read().rejected == 0); // none of it refused
    }

    TEST_CASE("network: endpoints parse or are refused with the forms expected") {
        using rtv::wire::check_endpoint;
        CHECK(check_endpoint("tcp://127.0.0.1:5555", true, "x").is_ok());
        CHECK(check_endpoint("tcp://*:5555", true, "x").is_ok());
        CHECK(check_endpoint("tcp://127.0.0.1:*", true, "x").is_ok());
        CHECK(check_endpoint("tcp://[::1]:5555", false, "x").is_ok());
        CHECK(check_endpoint("ipc:///tmp/a.sock", false, "x").is_ok());
        CHECK(check_endpoint("tcp://cam1.lab:5556", false, "x").is_ok());
        CHECK(has(check_endpoint("localhost:5555", true, "zmq: bind"), "not a ZeroMQ endpoint"));
        CHECK(has(check_endpoint("tcp://127.0.0.1", true, "x"), "HOST:PORT"));
        CHECK(has(check_endpoint("tcp://127.0.0.1:70000", true, "x"), "outside 1..65535"));
        CHECK(has(check_endpoint("tcp://127.0.0.1:*", false, "x"), "only a bind"));
        CHECK(has(check_endpoint("tcp://127.0.0.1:0", false, "x"), "1..65535"));
    }

    TEST_CASE("network: only loopback ipc and inproc endpoints count as this machine") {
        using rtv::wire::is_local_endpoint;
        for (const char* e : {"tcp://127.0.0.1:5555", "tcp://127.1.2.3:1", "tcp://localhost:5",
                              "tcp://[::1]:5555", "tcp://lo:5555", "ipc:///tmp/x", "inproc://y"})
            CHECK_MESSAGE(is_local_endpoint(e), e);
        for (const char* e : {"tcp://0.0.0.0:5555", "tcp://*:5555", "tcp://10.0.0.1:5555",
                              "tcp://127.example.org:1", "tcp://eth0:5555", "tcp://[::]:5555",
                              "tcp://127.0.0.1;10.0.0.2:5555", "pgm://eth0;239.1.1.1:5555"})
            CHECK_MESSAGE(!is_local_endpoint(e), e);
    }

    TEST_CASE("network: stream patterns match whole names with star anywhere") {
        using rtv::producers::ZmqInput;
        CHECK(ZmqInput::matches("cam*", "cam"));
        CHECK(ZmqInput::matches("cam*", "camera1"));
        CHECK(ZmqInput::matches("spectrum", "spectrum"));
        CHECK_FALSE(ZmqInput::matches("spectrum", "spectrum2"));
        CHECK(ZmqInput::matches("cam*left", "cam12left"));
        CHECK_FALSE(ZmqInput::matches("cam*left", "cam12right"));
        CHECK(ZmqInput::matches("*", "anything"));
        CHECK(ZmqInput::matches("a*b*c", "axxbyyc"));
        CHECK_FALSE(ZmqInput::matches("a*b*c", "axxbyy"));
        CHECK_FALSE(ZmqInput::matches("cam", "ca"));
    }

    TEST_CASE("network: zmq configure refuses bind with connect and beyond loopback without "
              "insecure") {
        CHECK(configure({{"connect", "tcp://127.0.0.1:5556;ipc:///tmp/rtv-x.sock"}}).is_ok());
        CHECK(has(configure({{"bind", "tcp://127.0.0.1:5555"}, {"connect", "tcp://127.0.0.1:1"}}),
                  "bind and connect"));
        const rtv::Status wide = configure({{"bind", "tcp://0.0.0.0:*"}});
        CHECK(has(wide, "insecure=1"));
        CHECK(has(wide, "curve="));
        CHECK(
            has(configure({{"connect", "tcp://127.0.0.1:1;tcp://cam1:5556"}}), "tcp://cam1:5556"));
        CHECK(configure({{"connect", "tcp://cam1:5556"}, {"insecure", "1"}}).is_ok());
        CHECK(has(configure({{"connect", ";"}}), "connect is empty"));
        CHECK(has(configure({{"streams", "32"}}), "max_streams"));
        CHECK(has(configure({{"streams", "*"}}), "not '*' alone"));
        CHECK(configure({{"streams", "cam*,spectrum"}, {"bind", "tcp://127.0.0.1:*"}}).is_ok());
        CHECK(has(configure({{"insecure", "2"}}), "insecure"));
    }

    TEST_CASE("network: zmq configure says a port in use before the viewer starts") {
        zmq::context_t context(1);
        zmq::socket_t taken(context, zmq::socket_type::pub);
        taken.bind("tcp://127.0.0.1:*");
        const std::string endpoint = taken.get(zmq::sockopt::last_endpoint);
        const rtv::Status s = configure({{"bind", endpoint}});
        CHECK(has(s, "cannot bind " + endpoint));
        CHECK(has(s, "in use"));
    }

    TEST_CASE("network: a bound client serves two subscribers and a paused one never blocks it") {
        rtv::client::Publisher pub;
        rtv::client::PublisherOptions shm;
        shm.shm = true;
        CHECK(has(pub.bind("tcp://127.0.0.1:*", shm), "inline"));
        rtv::client::PublisherOptions options;
        options.hwm = 2;
        REQUIRE(pub.bind("tcp://127.0.0.1:*", options).is_ok());
        const std::string endpoint = pub.endpoint();
        REQUIRE(endpoint.starts_with("tcp://127.0.0.1:"));
        zmq::context_t context(1);
        std::vector<zmq::socket_t> subs;
        for (int i = 0; i < 3; ++i) {
            subs.emplace_back(context, zmq::socket_type::sub);
            subs.back().set(zmq::sockopt::subscribe, "");
            subs.back().set(zmq::sockopt::rcvtimeo, 10'000);
            if (i == 2) { // the one that will pause: small queues of its own
                subs.back().set(zmq::sockopt::rcvhwm, 2);
                subs.back().set(zmq::sockopt::rcvbuf, 65536);
            }
            subs.back().connect(endpoint);
        }
        const std::vector<float> small(16, 1.0f);
        // Frames go nowhere until a subscriber is there: sent until each one has had a frame.
        for (zmq::socket_t& sub : subs) {
            bool got = false;
            for (int tries = 0; !got && tries < 100000; ++tries) {
                REQUIRE(pub.send("s", std::span<const float>(small), {16}).is_ok());
                zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
                got = zmq::poll(&item, 1, std::chrono::milliseconds(10)) > 0;
            }
            REQUIRE(got);
            zmq::message_t drained;
            while (sub.recv(drained, zmq::recv_flags::dontwait)) {
            }
        }
        // subs[2] reads nothing from now on; subs[0] and subs[1] read on threads of their own.
        // 200 frames of 1 MB: far more than the paused one's queues hold, yet send() never waits
        // for it, never fails, and drops nothing it can see.
        std::vector<std::int64_t> got[2];
        std::atomic<bool> sent_all{false};
        std::vector<std::jthread> readers;
        for (int k = 0; k < 2; ++k)
            readers.emplace_back([&, k] {
                subs[std::size_t(k)].set(zmq::sockopt::rcvtimeo, 100);
                // Until frame 199, or nothing more once the publisher is done (a full queue
                // may have dropped the last ones for this reader), or 10 s without a frame.
                for (int idle = 0; idle < 100;) {
                    const std::int64_t s = next_sequence(subs[std::size_t(k)]);
                    if (s < 0) {
                        if (sent_all.load()) break;
                        ++idle;
                        continue;
                    }
                    idle = 0;
                    got[k].push_back(s);
                    if (s == 199) break;
                }
            });
        const std::vector<float> big(512 * 512, 2.0f);
        const std::uint64_t before = pub.sent();
        for (int i = 0; i < 200; ++i)
            REQUIRE(pub.send("big", std::span<const float>(big), {512, 512}).is_ok());
        sent_all = true;
        CHECK(pub.sent() == before + 200);
        CHECK(pub.dropped() == 0);
        readers.clear(); // joined: each has had frame 199, or 10 s passed without a frame
        // The readers: frames in order (a full queue may drop one for its reader alone).
        for (int k = 0; k < 2; ++k) {
            CHECK(!got[k].empty());
            CHECK(std::is_sorted(got[k].begin(), got[k].end()));
            CHECK(std::adjacent_find(got[k].begin(), got[k].end()) == got[k].end());
        }
        // The paused one lost most of them (in the publisher's queue for it): what it holds is
        // a few frames.
        std::vector<std::int64_t> held;
        subs[2].set(zmq::sockopt::rcvtimeo, 0);
        for (std::int64_t s; (s = next_sequence(subs[2])) >= 0;)
            held.push_back(s);
        CHECK(held.size() < 200);
        pub.close(0.0);
    }
}
