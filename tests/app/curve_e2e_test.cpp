// CURVE on the viewer's zmq producer end to end (docs/security.md): rtviewer runs headless as a
// CURVE server on a free loopback port with an allow-list of one publisher; an unknown key, a
// plain-text publisher and one with the wrong server key are refused (each waited for on the
// viewer's stdout, where every new refusal is said), then the allowed C++ publisher's frames
// arrive and the viewer quits (--exit-when-done). Its --stats-json has the refusals with their
// addresses, on zmq/messages and under the producer's "curve". Bad key files exit 2 naming them.
// And the viewer as a CURVE client: one rtviewer-broker --curve refuses a viewer whose key it
// does not allow, one with the wrong server key and one in plain text (each shows its endpoint
// as refused, with the reason, and opens no stream; the broker counts each kind) while an
// allowed viewer receives a CURVE publisher's frames through it.

#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <zmq.hpp>

#include "app/child_process.hpp"
#include "app/e2e_files.hpp"
#include "client/publisher.hpp"
#include "producers/zmq_input.hpp"
#include "wire/curve.hpp"
#include "wire/npy.hpp"

namespace fs = std::filesystem;
using rtv::test::Child;
using rtv::test::find_stream;
using rtv::test::fresh_path;
using rtv::test::Json;
using rtv::test::read_json;

namespace {

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

// Reads the child's stdout until `what` occurs at least `n` times; false at its end.
bool wait_count(Child& child, const std::string& what, std::size_t n) {
    char buf[512];
    while (count_of(child.stdout_text, what) < n) {
        const ssize_t got = ::read(child.out, buf, sizeof buf);
        if (got <= 0) return false;
        child.stdout_text.append(buf, std::size_t(got));
    }
    return true;
}

std::string read_key(const fs::path& p) {
    std::string z85;
    REQUIRE(rtv::curve::load_public_key(p.string(), z85));
    return z85;
}

std::string read_secret(const fs::path& p) {
    std::string z85;
    REQUIRE(rtv::curve::load_secret_key(p.string(), z85));
    return z85;
}

// viewer, cam1 (allowed: allowed/cam1.key) and stranger key pairs in `dir`.
void make_keys(const fs::path& dir) {
    fs::create_directories(dir / "allowed");
    for (const char* name : {"viewer", "cam1", "stranger"})
        REQUIRE(rtv::curve::generate_keys((dir / name).string()));
    fs::copy_file(dir / "cam1.key", dir / "allowed" / "cam1.key");
}

bool has(const rtv::Status& s, const std::string& text) {
    return s.message().find(text) != std::string::npos;
}

} // namespace

TEST_SUITE("app") {

    TEST_CASE("curve: the viewer admits an allowed publisher and refuses an unknown key and "
              "plain text and a wrong server key with their addresses") {
        const fs::path dir = fresh_path("curve_keys");
        make_keys(dir);
        const fs::path json = fresh_path("curve.json");
        Child viewer({"--headless", "--exit-when-done", "--duration", "60", "--producer",
                      "zmq:bind=tcp://127.0.0.1:*,iterations=5,curve=" +
                          (dir / "viewer.key_secret").string() +
                          ",allow=" + (dir / "allowed").string(),
                      "--stats-json", json.string()});
        REQUIRE(viewer.wait_for(" allowed keys)\n"));
        const std::string& out = viewer.stdout_text;
        const std::size_t at = out.find("listening on ");
        REQUIRE(at != std::string::npos);
        const std::string endpoint = out.substr(at + 13, out.find(' ', at + 13) - at - 13);
        CHECK(out.find("listening on " + endpoint + " (CURVE, 1 allowed keys)") !=
              std::string::npos);

        // Each refused peer is closed once the viewer has said its refusal.
        zmq::context_t context(1);
        auto refused_peer = [&](const std::string& server_key, const std::string& secret) {
            const std::size_t before = count_of(viewer.stdout_text, "rtviewer: zmq: refused ");
            zmq::socket_t s(context, zmq::socket_type::pub);
            s.set(zmq::sockopt::linger, 0);
            if (!secret.empty()) REQUIRE(rtv::curve::apply_curve_client(s, server_key, secret));
            s.connect(endpoint);
            const std::string topic = "intruder", body = "not a frame";
            (void)s.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
            (void)s.send(zmq::buffer(body), zmq::send_flags::dontwait);
            REQUIRE(wait_count(viewer, "rtviewer: zmq: refused ", before + 1));
        };
        const std::string viewer_public = read_key(dir / "viewer.key");
        refused_peer(viewer_public, read_secret(dir / "stranger.key_secret"));
        CHECK(out.find("rtviewer: zmq: refused 127.0.0.1: unknown key (key " +
                       read_key(dir / "stranger.key") + " is not on the allow-list)") !=
              std::string::npos);
        refused_peer("", "");
        refused_peer(read_key(dir / "cam1.key"), read_secret(dir / "cam1.key_secret"));

        // The allowed publisher, with the key files (paths) as a user gives them.
        rtv::client::PublisherOptions options;
        options.server_key = (dir / "viewer.key").string();
        options.key = (dir / "cam1.key_secret").string();
        rtv::client::Publisher pub;
        REQUIRE(pub.open(endpoint, 30.0, options));
        const std::vector<float> px(8 * 6, 1.5f);
        for (int i = 0; i < 4; ++i)
            REQUIRE(pub.send<float>("cam", px, {8, 6}, true));
        CHECK(pub.close());
        REQUIRE(viewer.finish() == 0);

        const Json stats = read_json(json);
        const Json* cam = find_stream(stats, "cam");
        REQUIRE(cam != nullptr);
        CHECK((*cam)["produced"].get<std::uint64_t>() == 4);
        CHECK(find_stream(stats, "intruder") == nullptr);
        const Json* messages = find_stream(stats, "zmq/messages");
        REQUIRE(messages != nullptr);
        CHECK((*messages)["rejected"].get<std::uint64_t>() >= 3);
        const Json& curve = stats["producers"][0]["curve"];
        INFO(curve.dump());
        CHECK(curve["mechanism"] == "CURVE server");
        CHECK(curve["allowed_keys"] == 1);
        CHECK(curve["accepted"].get<std::uint64_t>() >= 1);
        CHECK(curve["refused"].get<std::uint64_t>() >= 3);
        CHECK(curve["refused"] == (*messages)["rejected"]);
        bool unknown = false, other = false;
        for (const Json& r : curve["recent"]) {
            CHECK_FALSE(r["address"].get<std::string>().empty());
            if (r["reason"] == "unknown key") unknown = r["address"] == "127.0.0.1";
            if (r["reason"] == "not CURVE" || r["reason"] == "bad handshake") other = true;
        }
        CHECK(unknown);
        CHECK(other);
        std::error_code ec;
        fs::remove_all(dir, ec);
        fs::remove(json, ec);
    }

    TEST_CASE("curve: a CURVE broker refuses viewers with an unknown key or a wrong server key "
              "or plain text and they show it while an allowed viewer receives frames") {
        const fs::path dir = fresh_path("curve_client_keys");
        fs::create_directories(dir / "allowed");
        for (const char* name : {"broker", "desk", "stranger", "cam"})
            REQUIRE(rtv::curve::generate_keys((dir / name).string()));
        fs::copy_file(dir / "desk.key", dir / "allowed" / "desk.key");
        fs::copy_file(dir / "cam.key", dir / "allowed" / "cam.key");
        const fs::path broker_json = dir / "broker.json";
        Child broker({"--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
                      "--curve", (dir / "broker.key_secret").string(), "--allow",
                      (dir / "allowed").string(), "--stats-json", broker_json.string()},
                     RTV_BROKER_PATH);
        REQUIRE(broker.wait_for(" (CURVE, 2 allowed keys)\n"));
        // "rtviewer-broker: forwarding FRONTEND -> BACKEND (CURVE, 2 allowed keys)"
        const std::string& said = broker.stdout_text;
        const std::size_t from = said.find("forwarding ") + 11, arrow = said.find(" -> ", from);
        const std::string frontend = said.substr(from, arrow - from);
        const std::string backend = said.substr(arrow + 4, said.find(" (CURVE", arrow) - arrow - 4);
        INFO("frontend ", frontend, " backend ", backend);

        // Viewers that connect to the backend as CURVE clients (or in plain text: no keys),
        // each writing dir/NAME.json. Small, and drawn only on change: four of them share the
        // machine with the broker (under the sanitizers too).
        const auto viewer_of = [&](const std::string& name, const std::string& settings,
                                   bool exit_when_done) {
            std::vector<std::string> args{"--headless",
                                          "--size",
                                          "320x200",
                                          "--redraw",
                                          "changes",
                                          "--duration",
                                          "60",
                                          "--producer",
                                          "zmq:connect=" + backend + settings,
                                          "--stats-json",
                                          (dir / (name + ".json")).string()};
            if (exit_when_done) args.insert(args.begin() + 1, "--exit-when-done");
            return std::make_unique<Child>(args);
        };
        const auto keys = [&](const std::string& server_key, const std::string& key) {
            return ",server_key=" + (dir / server_key).string() + ",key=" + (dir / key).string();
        };
        // Reads a viewer's stdout up to the end of the first line that says its endpoint is
        // refused or failed; returns "STATE: REASON".
        const std::string endpoint_line = "rtviewer: zmq: " + backend + " ";
        const auto first_failure = [&](Child& viewer) {
            const auto find = [&]() -> std::size_t {
                for (const char* state : {"refused: ", "failed: "})
                    if (const std::size_t at = viewer.stdout_text.find(endpoint_line + state);
                        at != std::string::npos &&
                        viewer.stdout_text.find('\n', at) != std::string::npos)
                        return at + endpoint_line.size();
                return std::string::npos;
            };
            while (find() == std::string::npos)
                REQUIRE(wait_count(viewer, "\n", count_of(viewer.stdout_text, "\n") + 1));
            const std::size_t at = find();
            return viewer.stdout_text.substr(at, viewer.stdout_text.find('\n', at) - at);
        };
        const std::string refused_line = endpoint_line + "refused: ";
        const std::string key_not_allowed =
            "key not allowed: this viewer's public key (of key=) is not on the server's "
            "allow-list";
        const std::string wrong_server_key = "the server hung up during the CURVE handshake: "
                                             "wrong server_key? (it must be the server's public "
                                             "key)";
        const std::string needs_curve = "the server requires CURVE: give server_key= (its public "
                                        "key) and key= (this viewer's secret key)";
        // Plain text against CURVE: the viewer sees the mismatch in the server's greeting, or
        // (when the server's hang-up resets the connection first) only the hang-up.
        const auto plain_state_ok = [&](const std::string& state, const std::string& reason) {
            if (state == "refused") return reason == needs_curve;
            return state == "failed" &&
                   reason.starts_with("the server hung up during the ZeroMQ handshake (") &&
                   reason.ends_with("): does it require CURVE (server_key=, key=)? Or it is not "
                                    "ZeroMQ");
        };

        // All four start at once (each viewer's start is most of this test's time):
        // (a) a key the broker's allow-list does not hold: the broker says no (ZAP 400), and
        //     ZeroMQ tells the viewer so;
        // (b) an allowed key with another server's public key as server_key: the broker cannot
        //     decrypt the handshake and hangs up; the viewer retries and is refused each time;
        // plain text to the CURVE broker: the viewer sees the mechanism mismatch itself;
        // (c) the allowed viewer (streams=cam, so that its subscription is told apart from the
        //     others'), which gets the frames a CURVE publisher sends through the broker once
        //     the others have been refused.
        auto unknown = viewer_of("unknown", keys("broker.key", "stranger.key_secret"), false);
        auto wrong = viewer_of("wrong", keys("stranger.key", "desk.key_secret"), false);
        auto plain = viewer_of("plain", "", false);
        auto desk = viewer_of(
            "desk", keys("broker.key", "desk.key_secret") + ",streams=cam,iterations=4", true);
        CHECK(first_failure(*unknown) == "refused: " + key_not_allowed);
        CHECK(first_failure(*wrong) == "refused: " + wrong_server_key);
        const std::string plain_said_first = first_failure(*plain);
        const std::size_t colon = plain_said_first.find(": ");
        CHECK(
            plain_state_ok(plain_said_first.substr(0, colon), plain_said_first.substr(colon + 2)));
        // The broker says each refusal: the unknown key with the key, the wrong server key as a
        // handshake that does not decrypt, and plain text as not CURVE, or as a hang-up during
        // the handshake when the viewer, seeing the mismatch first, was quicker.
        REQUIRE(wait_count(broker,
                           "rtviewer-broker: refused 127.0.0.1: unknown key (key " +
                               read_key(dir / "stranger.key") + " is not on the allow-list)",
                           1));
        REQUIRE(wait_count(broker,
                           ": bad handshake (the client's handshake does not decrypt (a wrong "
                           "server key?))",
                           1));
        const auto plain_said = [](const std::string& text) {
            return text.find(": not CURVE (") != std::string::npos ||
                   text.find("(the peer hung up: plain text, or another mechanism?)") !=
                       std::string::npos;
        };
        while (!plain_said(broker.stdout_text))
            REQUIRE(wait_count(broker, "\n", count_of(broker.stdout_text, "\n") + 1));

        {
            zmq::context_t context(1);
            zmq::socket_t pub(context, zmq::socket_type::xpub);
            pub.set(zmq::sockopt::linger, 0);
            pub.set(zmq::sockopt::xpub_verbose, 1);
            pub.set(zmq::sockopt::rcvtimeo, 30000); // a hang guard: a subscription comes first
            REQUIRE(rtv::curve::apply_curve_client(pub, read_key(dir / "broker.key"),
                                                   read_secret(dir / "cam.key_secret")));
            pub.connect(frontend);
            const std::string wanted = std::string(1, '\x01') + "cam";
            bool subscribed = false;
            for (zmq::message_t sub; !subscribed && pub.recv(sub);) // the broker's own first
                subscribed = sub.to_string_view() == wanted;
            REQUIRE(subscribed);
            const std::vector<float> px(8 * 6, 2.5f);
            std::vector<std::byte> npy;
            rtv::wire::write_npy(npy, px, 6, 8);
            for (int i = 0; i < 4; ++i) {
                REQUIRE(pub.send(zmq::str_buffer("cam"), zmq::send_flags::sndmore));
                REQUIRE(pub.send(zmq::buffer(npy.data(), npy.size())));
            }
            REQUIRE(desk->finish_within(30) == 0);
        }
        for (Child* c : {unknown.get(), wrong.get(), plain.get()}) {
            REQUIRE(::kill(c->pid, SIGTERM) == 0);
            REQUIRE(c->finish_within(30) == 0);
        }
        REQUIRE(::kill(broker.pid, SIGTERM) == 0);
        REQUIRE(broker.finish_within(30) == 0);

        // Each viewer's --stats-json: its endpoint, its streams, its handshakes.
        const auto stats_of = [&](const std::string& name) {
            return read_json(dir / (name + ".json"));
        };
        const auto endpoint_of = [&](const Json& stats) {
            const Json& eps = stats.at("producers").at(0).at("endpoints");
            REQUIRE(eps.size() == 1);
            CHECK(eps[0]["endpoint"] == backend);
            return eps[0];
        };
        const Json desk_stats = stats_of("desk");
        const Json* cam = find_stream(desk_stats, "cam");
        REQUIRE(cam != nullptr);
        CHECK((*cam)["produced"].get<std::uint64_t>() == 4);
        CHECK(endpoint_of(desk_stats)["state"] == "connected");
        const Json& desk_curve = desk_stats["producers"][0]["curve"];
        CHECK(desk_curve["mechanism"] == "CURVE client");
        CHECK(desk_curve["accepted"] == 1);
        CHECK(desk_curve["refused"] == 0);

        // A refused viewer's endpoint state and reason, no stream but zmq/messages, and (a CURVE
        // client) its own count of the refusal.
        const auto check_refused = [&](const std::string& name, const std::string& reason,
                                       const char* kind) {
            INFO(name);
            const Json stats = stats_of(name);
            const Json endpoint = endpoint_of(stats);
            if (kind != nullptr) {
                CHECK(endpoint["state"] == "refused");
                CHECK(endpoint["reason"] == reason);
            } else {
                CHECK(plain_state_ok(endpoint["state"], endpoint["reason"]));
            }
            CHECK(find_stream(stats, "cam") == nullptr); // no stream opens
            for (const Json& s : stats.at("streams"))
                CHECK(s["name"] == "zmq/messages");
            if (kind == nullptr) {
                CHECK_FALSE(stats["producers"][0].contains("curve"));
                return;
            }
            const Json& curve = stats["producers"][0]["curve"];
            INFO(curve.dump());
            CHECK(curve["mechanism"] == "CURVE client");
            CHECK(curve["accepted"] == 0);
            CHECK(curve["refused"].get<std::uint64_t>() >= 1);
            REQUIRE_FALSE(curve["recent"].empty());
            CHECK(curve["recent"].back()["address"] == backend);
            CHECK(curve["recent"].back()["reason"] == kind);
            CHECK(curve["recent"].back()["detail"] == reason);
        };
        check_refused("unknown", key_not_allowed, "unknown key");
        check_refused("wrong", wrong_server_key, "bad handshake");
        // It was refused over and over (ZeroMQ retries), and said so once: no flapping between
        // refused, connected and retrying while the retries were refused.
        CHECK(count_of(wrong->stdout_text, refused_line) == 1);
        CHECK(count_of(wrong->stdout_text, "rtviewer: zmq: " + backend + " retrying") == 0);
        check_refused("plain", {}, nullptr);

        // The broker counted each refusal, by kind, and admitted the viewer and the publisher.
        const Json b = read_json(broker_json);
        const Json& c = b.at("curve");
        INFO(c.dump());
        CHECK(c["allowed_keys"] == 2);
        CHECK(c["unknown_key"].get<std::uint64_t>() >= 1);
        CHECK(c["bad_handshake"].get<std::uint64_t>() >= 1);
        CHECK(c["refused"].get<std::uint64_t>() >= 3);
        CHECK(c["accepted"].get<std::uint64_t>() >= 2);
        CHECK(c["refused"] == c["unknown_key"].get<std::uint64_t>() +
                                  c["bad_handshake"].get<std::uint64_t>() +
                                  c["not_curve"].get<std::uint64_t>());
        std::error_code ec;
        fs::remove_all(dir, ec);
    }

    TEST_CASE("curve: bad key files make the viewer exit 2 naming the file") {
        const fs::path dir = fresh_path("curve_bad_keys");
        make_keys(dir);
        const std::string allow = ",allow=" + (dir / "allowed").string();
        auto run = [&](const std::string& secret, const std::string& allow_setting) {
            return rtv::test::viewer(
                "--headless --producer zmq:bind=tcp://127.0.0.1:*,curve=" + secret + allow_setting);
        };
        const std::string missing = (dir / "missing.key_secret").string();
        rtv::test::Run r = run(missing, allow);
        CHECK(r.status == 2);
        CHECK(r.err.find("'" + missing + "'") != std::string::npos);

        r = run("/proc/self/mem", allow); // exists, mode 0600, but cannot be read from the start
        CHECK(r.status == 2);
        CHECK(r.err.find("'/proc/self/mem'") != std::string::npos);

        const fs::path short_key = dir / "short.key_secret";
        std::ofstream(short_key) << "abc\n";
        fs::permissions(short_key, fs::perms::owner_read | fs::perms::owner_write);
        r = run(short_key.string(), allow);
        CHECK(r.status == 2);
        CHECK(r.err.find("'" + short_key.string() + "': wrong length") != std::string::npos);

        const fs::path open_secret = dir / "viewer.key_secret";
        REQUIRE(::chmod(open_secret.c_str(), 0644) == 0);
        r = run(open_secret.string(), allow);
        CHECK(r.status == 2);
        CHECK(r.err.find("'" + open_secret.string() + "' is open to group or others") !=
              std::string::npos);
        REQUIRE(::chmod(open_secret.c_str(), 0600) == 0);

        const fs::path empty_dir = dir / "nobody";
        fs::create_directories(empty_dir);
        r = run(open_secret.string(), ",allow=" + empty_dir.string());
        CHECK(r.status == 2);
        CHECK(r.err.find("'" + empty_dir.string() + "' has no public keys") != std::string::npos);
        std::error_code ec;
        fs::remove_all(dir, ec);
    }

    TEST_CASE("curve: zmq configure takes curve with allow and refuses the combinations that "
              "authenticate nobody") {
        const fs::path dir = fresh_path("curve_configure");
        make_keys(dir);
        const std::string secret = (dir / "viewer.key_secret").string();
        const std::string allowed = (dir / "allowed").string();
        auto configure = [](const rtv::ProducerConfig& config) {
            rtv::producers::ZmqInput input;
            return input.configure(config);
        };
        // Beyond loopback with CURVE: no insecure=1 needed.
        CHECK(configure({{"bind", "tcp://0.0.0.0:*"}, {"curve", secret}, {"allow", allowed}})
                  .is_ok());
        CHECK(has(configure({{"bind", "tcp://127.0.0.1:*"}, {"curve", secret}}),
                  "curve= needs allow="));
        CHECK(has(configure({{"bind", "tcp://127.0.0.1:*"}, {"allow", allowed}}),
                  "allow= needs curve="));
        CHECK(has(configure({{"bind", "tcp://0.0.0.0:*"},
                             {"curve", secret},
                             {"allow", allowed},
                             {"insecure", "1"}}),
                  "insecure=1 is for plain text"));
        // A viewer connecting to a CURVE broker is its client.
        const std::string server_key = (dir / "viewer.key").string();
        const std::string key = (dir / "cam1.key_secret").string();
        CHECK(
            configure({{"connect", "tcp://broker:5556"}, {"server_key", server_key}, {"key", key}})
                .is_ok());
        CHECK(has(configure({{"connect", "tcp://127.0.0.1:5556"}, {"server_key", server_key}}),
                  "server_key= needs key="));
        CHECK(has(
            configure({{"bind", "tcp://127.0.0.1:*"}, {"server_key", server_key}, {"key", key}}),
            "are for connect="));
        CHECK(has(configure({{"connect", "tcp://127.0.0.1:5556"},
                             {"server_key", server_key},
                             {"key", key},
                             {"curve", secret},
                             {"allow", allowed}}),
                  "expected one pair"));
        std::error_code ec;
        fs::remove_all(dir, ec);
    }

} // TEST_SUITE
