// rtv::curve (wire/curve.hpp): key files, allow-lists, the endpoint rule, and a CURVE server
// (ZAP handler and socket monitor) against real publishers on 127.0.0.1.

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <zmq.hpp>

#include "core/deadline.hpp"
#include "wire/curve.hpp"

namespace fs = std::filesystem;
using namespace rtv::curve;

namespace {

// A fresh directory, removed at the end of the test.
struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "rtv-curve-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return static_cast<unsigned>(st.st_mode & 07777);
}

void write_file(const std::string& path, const std::string& text, unsigned mode = 0644) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << text;
        REQUIRE(out.good());
    }
    REQUIRE(::chmod(path.c_str(), mode) == 0);
}

struct KeyPair {
    std::string pub, sec;
};
KeyPair make_pair() {
    char pub[41] = {}, sec[41] = {};
    REQUIRE(zmq_curve_keypair(pub, sec) == 0);
    return {pub, sec};
}

std::string message(const rtv::Status& s) {
    return s.message();
}

// Hang guards for socket events: generous, never a timing measurement.
constexpr auto kEventWait = std::chrono::seconds(20);

} // namespace

TEST_SUITE("producers") {

    TEST_CASE("curve: generate_keys writes a 0644 public key and a 0600 secret key of one pair") {
        TempDir dir;
        const std::string name = dir / "viewer";
        REQUIRE(generate_keys(name));
        CHECK(public_key_path(name) == name + ".key");
        CHECK(secret_key_path(name) == name + ".key_secret");
        CHECK(mode_of(name + ".key") == 0644);
        CHECK(mode_of(name + ".key_secret") == 0600);
        CHECK(fs::file_size(name + ".key") == 41);
        CHECK(fs::file_size(name + ".key_secret") == 41);
        std::string pub, sec, derived;
        REQUIRE(load_public_key(name + ".key", pub));
        REQUIRE(load_secret_key(name + ".key_secret", sec));
        REQUIRE(public_key_of(sec, derived));
        CHECK(derived == pub);
        CHECK(pub != sec);
    }

    TEST_CASE("curve: generate_keys refuses to overwrite and leaves no half pair behind") {
        TempDir dir;
        const std::string name = dir / "a";
        REQUIRE(generate_keys(name));
        std::string before;
        REQUIRE(load_public_key(name + ".key", before));
        const rtv::Status again = generate_keys(name);
        CHECK(message(again) == "curve: '" + name +
                                    ".key' already exists; a key file is never overwritten (choose "
                                    "another NAME or remove it)");
        std::string after;
        REQUIRE(load_public_key(name + ".key", after));
        CHECK(after == before);

        // Only the secret exists: refused, and no public key appears beside it.
        const std::string lone = dir / "lone";
        write_file(lone + ".key_secret", "x\n", 0600);
        CHECK(message(generate_keys(lone)) ==
              "curve: '" + lone +
                  ".key_secret' already exists; a key file is never overwritten (choose another "
                  "NAME or remove it)");
        CHECK_FALSE(fs::exists(lone + ".key"));

        // A directory that does not exist: the file is named, nothing is left.
        const std::string nowhere = dir / "missing/k";
        CHECK(message(generate_keys(nowhere)) ==
              "curve: cannot create '" + nowhere + ".key_secret': No such file or directory");
        CHECK(message(generate_keys("")) ==
              "curve: the key pair's NAME is empty, expected e.g. viewer (writes viewer.key and "
              "viewer.key_secret)");
    }

    TEST_CASE("curve: key loading takes a file or the Z85 text and names the file in each error") {
        TempDir dir;
        const KeyPair k = make_pair();
        std::string got;

        SUBCASE("Z85 text itself") {
            REQUIRE(load_public_key(k.pub, got));
            CHECK(got == k.pub);
            REQUIRE(load_secret_key(k.sec, got));
            CHECK(got == k.sec);
        }
        SUBCASE("a file with CRLF or no newline") {
            write_file(dir / "crlf.key", k.pub + "\r\n");
            REQUIRE(load_public_key(dir / "crlf.key", got));
            CHECK(got == k.pub);
            write_file(dir / "bare.key_secret", k.sec, 0600);
            REQUIRE(load_secret_key(dir / "bare.key_secret", got));
            CHECK(got == k.sec);
        }
        SUBCASE("missing") {
            const std::string p = dir / "nope.key";
            CHECK(message(load_public_key(p, got)) ==
                  "curve: public key file '" + p +
                      "': No such file or directory, expected a key file or the 40-character Z85 "
                      "key");
        }
        SUBCASE("a directory") {
            CHECK(message(load_secret_key(dir.path.string(), got)) ==
                  "curve: secret key file '" + dir.path.string() +
                      "' is a directory, expected a key file");
        }
        SUBCASE("unreadable") {
            // A read that fails, for any user (root reads any file mode).
            CHECK(message(load_public_key("/proc/self/mem", got)) ==
                  "curve: public key file '/proc/self/mem': Input/output error");
            // A file mode that forbids reading, where the user is not root.
            const std::string p = dir / "locked.key";
            write_file(p, k.pub + "\n", 0000);
            if (::access(p.c_str(), R_OK) != 0)
                CHECK(message(load_public_key(p, got)) ==
                      "curve: public key file '" + p + "': Permission denied");
        }
        SUBCASE("wrong length") {
            const std::string p = dir / "short.key";
            write_file(p, k.pub.substr(0, 39) + "\n");
            CHECK(message(load_public_key(p, got)) ==
                  "curve: public key file '" + p +
                      "': wrong length, got 39 characters, expected a 40-character Z85 key");
            write_file(p, "");
            CHECK(message(load_public_key(p, got)) ==
                  "curve: public key file '" + p +
                      "': wrong length, got 0 characters, expected a 40-character Z85 key");
        }
        SUBCASE("not Z85") {
            const std::string p = dir / "bad.key";
            std::string bad = k.pub;
            bad[7] = '~';
            write_file(p, bad + "\n");
            CHECK(message(load_public_key(p, got)) ==
                  "curve: public key file '" + p +
                      "': not Z85 text, got character 8 (0x7e), expected a 40-character Z85 key");
            // Z85 characters whose group is past 2^32.
            write_file(p, std::string(40, '#') + "\n");
            CHECK(message(load_public_key(p, got)) ==
                  "curve: public key file '" + p +
                      "': not Z85 text, got characters 1..5 out of range, expected a 40-character "
                      "Z85 key");
        }
        SUBCASE("a secret key open to group or others") {
            const std::string p = dir / "open.key_secret";
            for (unsigned mode : {0640u, 0604u, 0620u}) {
                write_file(p, k.sec + "\n", mode);
                char m[8];
                std::snprintf(m, sizeof m, "%04o", mode);
                CHECK(message(load_secret_key(p, got)) ==
                      "curve: secret key file '" + p + "' is open to group or others, got mode " +
                          m + ", expected 0600 (chmod 600 " + p + ")");
            }
            // A public key file may be world-readable.
            write_file(dir / "open.key", k.pub + "\n", 0644);
            CHECK(load_public_key(dir / "open.key", got));
        }
        SUBCASE("empty") {
            CHECK(message(load_secret_key("", got)) ==
                  "curve: secret key is empty, expected a key file or the 40-character Z85 key");
        }
    }

    TEST_CASE("curve: an allow-list file skips comments and blank lines and names a bad line") {
        TempDir dir;
        const KeyPair a = make_pair(), b = make_pair();
        const std::string p = dir / "allowed";
        write_file(p, "# the lab's cameras\n\n" + a.pub + "\n  " + b.pub + "  \n# " + "end\n" +
                          a.pub + "\n");
        AllowList list;
        REQUIRE(load_allow_list(p, list));
        CHECK(list.keys.size() == 2); // the duplicate once
        CHECK(list.contains(a.pub));
        CHECK(list.contains(b.pub));
        CHECK_FALSE(list.contains(make_pair().pub));

        write_file(p, a.pub + "\nnot a key\n");
        CHECK(message(load_allow_list(p, list)) ==
              "curve: allow-list '" + p +
                  "' line 2: wrong length, got 9 characters, expected a 40-character Z85 key");
        write_file(p, "# nobody\n\n");
        CHECK(message(load_allow_list(p, list)) ==
              "curve: allow-list '" + p +
                  "' has no public keys, expected at least one (an empty list would refuse "
                  "everyone)");
        const std::string missing = dir / "none";
        CHECK(message(load_allow_list(missing, list)) ==
              "curve: allow-list '" + missing +
                  "': No such file or directory, expected a file of public keys or a directory of "
                  "*.key files");
    }

    TEST_CASE("curve: an allow-list directory takes its .key files and skips secret keys") {
        TempDir dir;
        REQUIRE(generate_keys(dir / "cam1"));
        REQUIRE(generate_keys(dir / "cam2"));
        write_file(dir / "README", "not a key\n");
        AllowList list;
        REQUIRE(load_allow_list(dir.path.string(), list));
        std::string k1, k2, s1;
        REQUIRE(load_public_key(dir / "cam1.key", k1));
        REQUIRE(load_public_key(dir / "cam2.key", k2));
        REQUIRE(load_secret_key(dir / "cam1.key_secret", s1));
        CHECK(list.keys.size() == 2);
        CHECK(list.contains(k1));
        CHECK(list.contains(k2));
        CHECK_FALSE(list.contains(s1));

        write_file(dir / "broken.key", "short\n");
        CHECK(message(load_allow_list(dir.path.string(), list)) ==
              "curve: public key file '" + (dir / "broken.key") +
                  "': wrong length, got 5 characters, expected a 40-character Z85 key (in the "
                  "allow-list directory '" +
                  dir.path.string() + "')");

        TempDir empty;
        CHECK(message(load_allow_list(empty.path.string(), list)) ==
              "curve: allow-list '" + empty.path.string() +
                  "' has no public keys, expected at least one (an empty list would refuse "
                  "everyone)");
    }

    TEST_CASE("curve: is_local_endpoint takes loopback and ipc endpoints only") {
        for (const char* e :
             {"ipc:///tmp/rtv.sock", "ipc://@abstract", "inproc://frames", "tcp://127.0.0.1:5555",
              "tcp://127.0.0.1:*", "tcp://127.255.3.4:1", "tcp://localhost:5556",
              "tcp://LocalHost:5556", "tcp://[::1]:5555", "tcp://::1:5555", "tcp://[::1]:*",
              "tcp://[0:0:0:0:0:0:0:1]:80", "tcp://[::ffff:127.0.0.1]:5555",
              "tcp://192.168.1.5;127.0.0.1:5555", "tcp://127.0.0.1:0", "tcp://127.0.0.1:65535"}) {
            INFO(e);
            CHECK(is_local_endpoint(e));
        }
        for (const char* e : {"tcp://*:5555",
                              "tcp://0.0.0.0:5555",
                              "tcp://[::]:5555",
                              "tcp://192.168.1.5:5555",
                              "tcp://10.0.0.1:*",
                              "tcp://cam1:5556",
                              "tcp://lo:5555",
                              "tcp://eth0:5555",
                              "tcp://127.0.0.1",
                              "tcp://127.0.0.1:",
                              "tcp://127.0.0.1:abc",
                              "tcp://127.0.0.1:65536",
                              "tcp://127.0.0.1:123456",
                              "tcp://127.0.0.1:5555 ",
                              "tcp://127.1:5555",
                              "tcp://127.0.0.1.example.com:5555",
                              "tcp://localhost.evil:5555",
                              "tcp://127.0.0.1:5555;192.168.1.5:5555",
                              "tcp://[fe80::1]:5555",
                              "tcp://[::1:5555",
                              "ipc://",
                              "inproc://",
                              "udp://127.0.0.1:5555",
                              "pgm://127.0.0.1;239.192.1.1:5555",
                              "TCP://127.0.0.1:5555",
                              "127.0.0.1:5555",
                              ""}) {
            INFO(e);
            CHECK_FALSE(is_local_endpoint(e));
        }
    }

    TEST_CASE("curve: the settings rule refuses CURVE without an allow-list and open plain text") {
        const std::vector<std::string> local{"tcp://127.0.0.1:5555", "ipc:///tmp/x"};
        const std::vector<std::string> open{"tcp://127.0.0.1:5555", "tcp://0.0.0.0:5555"};
        CHECK(check_server_security("zmq", {}, local));
        CHECK(check_server_security("zmq", {"v.key_secret", "keys/", false}, open));
        CHECK(check_server_security("broker", {"", "", true}, open));
        CHECK(message(check_server_security("zmq", {"v.key_secret", "", false}, local)) ==
              "zmq: curve= needs allow= (a file or directory of the client public keys to accept): "
              "CURVE without an allow-list authenticates nobody");
        CHECK(message(check_server_security("zmq", {"", "keys/", false}, local)) ==
              "zmq: allow= needs curve= (this side's secret key file)");
        CHECK(message(check_server_security("zmq", {"v.key_secret", "keys/", true}, local)) ==
              "zmq: insecure=1 is for plain text; with curve= leave it out");
        CHECK(message(check_server_security("broker", {}, open)) ==
              "broker: tcp://0.0.0.0:5555 is reachable from other machines and would carry plain "
              "text, expected a loopback or ipc:// endpoint, curve=SECRET_FILE,allow=DIR_OR_FILE, "
              "or insecure=1 to accept that (docs/security.md)");

        CHECK(check_client_security("publisher", {}, local));
        CHECK(check_client_security("publisher", {"viewer.key", "cam.key_secret", false}, open));
        CHECK(check_client_security("publisher", {"", "", true}, open));
        CHECK(message(check_client_security("publisher", {"viewer.key", "", false}, local)) ==
              "publisher: server_key= needs key= (this client's secret key file)");
        CHECK(message(check_client_security("publisher", {"", "cam.key_secret", false}, local)) ==
              "publisher: key= needs server_key= (the server's public key file)");
        CHECK(message(check_client_security("publisher", {"v.key", "c.key_secret", true}, local)) ==
              "publisher: insecure=1 is for plain text; with server_key= leave it out");
        CHECK(
            message(check_client_security("publisher", {}, open)) ==
            "publisher: tcp://0.0.0.0:5555 is reachable from other machines and would carry plain "
            "text, expected a loopback or ipc:// endpoint, server_key=PUBLIC_FILE,key=SECRET_FILE, "
            "or insecure=1 to accept that (docs/security.md)");
    }

    TEST_CASE("CurveServer: start refuses an empty allow-list and a second handler in a context") {
        zmq::context_t context(1);
        const KeyPair server = make_pair(), client = make_pair();
        CurveServer empty;
        CHECK(message(empty.start(context, server.sec, {})) ==
              "curve: the allow-list is empty; CURVE without an allow-list authenticates nobody");
        CurveServer first, second;
        REQUIRE(first.start(context, server.sec, AllowList{{client.pub}}));
        CHECK(first.public_key() == server.pub);
        CHECK(message(second.start(context, server.sec, AllowList{{client.pub}})) ==
              "curve: cannot start the ZAP handler: Address already in use (this context already "
              "has one)");
        zmq::socket_t s(context, zmq::socket_type::sub);
        CHECK(message(second.apply(s)) == "curve: apply() before start()");
        rtv::test::must_finish("CurveServer::stop", [&] { first.stop(); });
    }

    TEST_CASE("CurveServer: a context shutdown ends the handler and apply then says so") {
        zmq::context_t context(1);
        const KeyPair server = make_pair(), client = make_pair();
        CurveServer curve;
        REQUIRE(curve.start(context, server.sec, AllowList{{client.pub}}));
        context.shutdown();
        // The handler closes its sockets on shutdown, so the context's close does not wait for it.
        rtv::test::must_finish("zmq_ctx_term with a CurveServer running", [&] { context.close(); });
        rtv::test::must_finish("CurveServer::stop after the context closed", [&] { curve.stop(); });
    }

    TEST_CASE("CurveServer: an allowed key's messages arrive and unknown keys plain text and a "
              "wrong server key are refused with their addresses") {
        const KeyPair server = make_pair(), allowed = make_pair(), stranger = make_pair(),
                      other_server = make_pair();
        zmq::context_t server_context(1);
        CurveServer curve;
        REQUIRE(curve.start(server_context, server.sec, AllowList{{allowed.pub}}));
        zmq::socket_t sub(server_context, zmq::socket_type::sub);
        sub.set(zmq::sockopt::linger, 0);
        sub.set(zmq::sockopt::rcvtimeo,
                static_cast<int>(kEventWait / std::chrono::milliseconds(1)));
        REQUIRE(curve.apply(sub));
        sub.set(zmq::sockopt::subscribe, "");
        sub.bind("tcp://127.0.0.1:*");
        const std::string endpoint = sub.get(zmq::sockopt::last_endpoint);

        // The publishers live in a context of their own, as in another process.
        zmq::context_t client_context(1);
        auto publisher = [&](const std::string& server_key, const std::string& secret) {
            zmq::socket_t s(client_context, zmq::socket_type::xpub);
            s.set(zmq::sockopt::linger, 0);
            if (!secret.empty()) REQUIRE(apply_curve_client(s, server_key, secret));
            s.connect(endpoint);
            return s;
        };
        auto send = [](zmq::socket_t& s, const std::string& topic, const std::string& body) {
            (void)s.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
            (void)s.send(zmq::buffer(body), zmq::send_flags::dontwait);
        };

        // Allowed: its subscription arrives once the handshake (and ZAP) passed, then its frames.
        // The SUB attaches a new peer (and sends it the subscription) only while its own thread
        // calls into it, so both sockets are polled.
        zmq::socket_t good = publisher(server.pub, allowed.sec);
        {
            const auto until = std::chrono::steady_clock::now() + kEventWait;
            bool subscribed = false;
            while (!subscribed && std::chrono::steady_clock::now() < until) {
                zmq::pollitem_t items[] = {{good.handle(), 0, ZMQ_POLLIN, 0},
                                           {sub.handle(), 0, ZMQ_POLLIN, 0}};
                zmq::poll(items, 2, std::chrono::milliseconds(100));
                subscribed = (items[0].revents & ZMQ_POLLIN) != 0;
            }
            REQUIRE(subscribed);
            zmq::message_t subscription;
            REQUIRE(good.recv(subscription, zmq::recv_flags::dontwait));
            CHECK(subscription.to_string() == std::string(1, '\1'));
        }
        send(good, "cam", "first");
        zmq::message_t topic, body;
        REQUIRE(sub.recv(topic));
        REQUIRE(sub.recv(body));
        CHECK(topic.to_string() == "cam");
        CHECK(body.to_string() == "first");
        CHECK(std::string(body.gets("User-Id")) == allowed.pub); // what the ZAP handler said

        // Refused three ways, one after another, each closed before the next starts; each tries
        // to send. The refusals counted after a peer connected, up to the first that `mine`
        // takes for that peer's: a peer before it may still add one of its own (a plain-text
        // peer can be refused twice, the second time after its first was counted). All of them
        // when none is found within kEventWait of the last.
        auto refusals_until = [&](zmq::socket_t& peer, auto mine) {
            const std::uint64_t before = curve.snapshot().refused;
            std::vector<RefusedPeer> fresh;
            std::uint64_t counted = before;
            while (curve.wait_refused(counted + 1, kEventWait)) {
                const RefusalSnapshot now = curve.snapshot();
                counted = now.refused;
                const std::size_t n = static_cast<std::size_t>(
                    std::min<std::uint64_t>(now.refused - before, now.recent.size()));
                fresh.assign(now.recent.end() - static_cast<std::ptrdiff_t>(n), now.recent.end());
                if (std::any_of(fresh.begin(), fresh.end(), mine)) break;
            }
            send(peer, "cam", "from a refused peer");
            peer.close();
            return fresh;
        };
        auto found = [](const std::vector<RefusedPeer>& peers, auto mine) {
            const auto it = std::find_if(peers.begin(), peers.end(), mine);
            return it == peers.end() ? std::optional<RefusedPeer>() : std::optional(*it);
        };
        auto describe = [](const std::vector<RefusedPeer>& peers) {
            std::string text;
            for (const RefusedPeer& p : peers)
                text += std::string(refusal_name(p.kind)) + " " + p.address + " via " + p.via +
                        ": " + p.detail + "\n";
            return text;
        };

        zmq::socket_t unknown = publisher(server.pub, stranger.sec);
        const auto unknown_key = [](const RefusedPeer& p) { return p.kind == Refusal::UnknownKey; };
        const std::vector<RefusedPeer> by_key = refusals_until(unknown, unknown_key);
        INFO(describe(by_key));
        const std::optional<RefusedPeer> key_refusal = found(by_key, unknown_key);
        REQUIRE(key_refusal);
        CHECK(key_refusal->address == "127.0.0.1"); // ZAP names the peer
        CHECK(key_refusal->via == "zap");
        CHECK(key_refusal->detail == "key " + stranger.pub + " is not on the allow-list");

        // A plain-text peer: "not CURVE" when we read its greeting first, else it has hung up on
        // ours (it saw CURVE) and the handshake fails with a broken pipe or a reset. The monitor
        // names the peer when the connection was still open when it looked, else only the endpoint
        // it reached.
        zmq::socket_t plain = publisher("", "");
        const std::vector<RefusedPeer> by_text =
            refusals_until(plain, [](const RefusedPeer&) { return true; });
        INFO(describe(by_text));
        REQUIRE_FALSE(by_text.empty());
        for (const RefusedPeer& p : by_text) {
            CHECK(p.via == endpoint);
            CHECK((p.address == "127.0.0.1" || p.address.empty()));
            const bool mismatch = p.kind == Refusal::NotCurve &&
                                  p.detail == "the peer does not speak CURVE (plain text?)";
            const bool hung_up =
                p.kind == Refusal::Handshake &&
                (p.detail == "the handshake failed: Broken pipe (the peer hung up: plain text, or "
                             "another mechanism?)" ||
                 p.detail == "the handshake failed: Connection reset by peer (the peer hung up: "
                             "plain text, or another mechanism?)");
            CHECK((mismatch || hung_up));
        }

        // Its refusal may come after the plain-text peer's late second one (then also counted).
        zmq::socket_t wrong = publisher(other_server.pub, allowed.sec);
        const auto undecryptable = [](const RefusedPeer& p) {
            return p.kind == Refusal::Handshake &&
                   p.detail == "the client's handshake does not decrypt (a wrong server key?)";
        };
        const std::vector<RefusedPeer> by_server_key = refusals_until(wrong, undecryptable);
        INFO(describe(by_server_key));
        const std::optional<RefusedPeer> server_key_refusal = found(by_server_key, undecryptable);
        REQUIRE(server_key_refusal);
        CHECK(server_key_refusal->via == endpoint);
        CHECK((server_key_refusal->address == "127.0.0.1" || server_key_refusal->address.empty()));

        // Only the allowed publisher's frames arrive: everything up to its last one is its own.
        send(good, "cam", "last");
        std::vector<std::string> received;
        for (bool last = false; !last;) {
            REQUIRE(sub.recv(topic));
            REQUIRE(topic.more());
            REQUIRE(sub.recv(body));
            received.push_back(body.to_string());
            last = received.back() == "last";
        }
        CHECK(received == std::vector<std::string>{"last"});
        CHECK_FALSE(sub.recv(topic, zmq::recv_flags::dontwait));

        const RefusalSnapshot counts = curve.snapshot();
        CHECK(counts.accepted >= 1);
        CHECK(counts.refused >= 3);
        CHECK(counts.refused == counts.by_kind[0] + counts.by_kind[1] + counts.by_kind[2]);
        CHECK(counts.by_kind[0] >= 1);
        CHECK(counts.recent.size() <= CurveServer::kRecent);
        for (const RefusedPeer& p : counts.recent) {
            INFO(refusal_name(p.kind), " ", p.address, " via ", p.via, ": ", p.detail);
            CHECK((p.address == "127.0.0.1" || (p.address.empty() && p.via == endpoint)));
        }
        CHECK(refusal_name(Refusal::UnknownKey) == "unknown key");
        CHECK(refusal_name(Refusal::NotCurve) == "not CURVE");
        CHECK(refusal_name(Refusal::Handshake) == "bad handshake");

        good.close();
        sub.close();
        rtv::test::must_finish("CurveServer::stop", [&] { curve.stop(); });
    }

} // TEST_SUITE
