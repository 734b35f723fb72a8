// CURVE on the viewer's zmq producer end to end (docs/security.md): rtviewer runs headless as a
// CURVE server on a free loopback port with an allow-list of one publisher; an unknown key, a
// plain-text publisher and one with the wrong server key are refused (each waited for on the
// viewer's stdout, where every new refusal is said), then the allowed C++ publisher's frames
// arrive and the viewer quits (--exit-when-done). Its --stats-json has the refusals with their
// addresses, on zmq/messages and under the producer's "curve". Bad key files exit 2 naming them.

#include <filesystem>
#include <fstream>
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
