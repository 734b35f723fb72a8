// The aravis plugin on a real network camera: Aravis' fake GigE Vision camera
// (arv-fake-gv-camera-0.8, package aravis-tools) on 127.0.0.1, started and killed by each test.
// It binds GVCP's UDP port 3956, so these tests run one at a time (RESOURCE_LOCK), and a test
// finding the port taken by another process cannot run (skipped, exit 77, saying why).
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include <doctest/doctest.h>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/producer_board.hpp"
#include "core/producer_host.hpp"
#include "plugin_host/plugin_loader.hpp"
#include "producers/registry.hpp"
#include "stderr_capture.hpp"

using namespace rtv;

namespace {

constexpr const char* kCameraId = "Aravis-Fake-GV01";

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Whether a UDP socket is bound to port 3956 (hex 0F74) on this machine.
bool gvcp_port_bound(const char* address_hex = nullptr) {
    for (const char* table : {"/proc/net/udp", "/proc/net/udp6"}) {
        const std::string text = slurp(table);
        const std::string key = address_hex ? std::string(address_hex) + ":0F74 " : ":0F74 ";
        if (contains(text, key)) return true;
    }
    return false;
}

// The fake camera process: started on 127.0.0.1, ready once its GVCP socket is bound.
class FakeGvCamera {
public:
    explicit FakeGvCamera(int lost_per_thousand = 0)
        : m_lost(lost_per_thousand) {
        if (!*RTV_ARAVIS_FAKE_GV) {
            std::printf("SKIPPED: arv-fake-gv-camera-0.8 not found (package aravis-tools)\n");
            std::exit(77);
        }
        if (gvcp_port_bound()) {
            std::printf("SKIPPED: UDP port 3956 (GVCP) is bound by another process (a fake "
                        "GigE camera left running?): a second camera would answer too\n");
            std::exit(77);
        }
        start();
    }
    ~FakeGvCamera() { kill(); }
    FakeGvCamera(const FakeGvCamera&) = delete;
    FakeGvCamera& operator=(const FakeGvCamera&) = delete;

    void start() {
        m_pid = ::fork();
        REQUIRE(m_pid >= 0);
        if (m_pid == 0) {
            // It goes with the test: a test killed by ctest's timeout leaves no camera bound
            // to GVCP's port (the next tests would be skipped).
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            const int null = ::open("/dev/null", O_WRONLY);
            ::dup2(null, STDOUT_FILENO);
            ::dup2(null, STDERR_FILENO);
            const std::string lost = std::to_string(m_lost);
            ::execl(RTV_ARAVIS_FAKE_GV, RTV_ARAVIS_FAKE_GV, "-i", "127.0.0.1", "-r", lost.c_str(),
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        // Ready when its socket on 127.0.0.1:3956 is bound; polled, up to 10 s.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!gvcp_port_bound("0100007F")) {
            int status = 0;
            REQUIRE_MESSAGE(::waitpid(m_pid, &status, WNOHANG) == 0,
                            "the fake camera exited at start");
            REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline,
                            "the fake camera did not bind 127.0.0.1:3956 within 10 s");
            std::this_thread::sleep_for(std::chrono::milliseconds(5)); // the poll's period
        }
    }
    void kill() {
        if (m_pid <= 0) return;
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
        m_pid = -1;
    }

private:
    int m_lost = 0;
    pid_t m_pid = -1;
};

void ensure_loaded() {
    static bool loaded = false;
    if (loaded) return;
    const Status s = plugins::load_plugin(RTV_ARAVIS_PLUGIN);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    loaded = true;
}

// A producer run in this process as the viewer runs it; the test takes its frames off the queue
// (and gives the slots back) while it waits for something.
struct Running {
    FrameQueue queue = make_frame_queue();
    ProducerHost host{queue};
    moodycamel::ConsumerToken token{queue};

    explicit Running(const std::string& spec) {
        producers::CreatedProducer made;
        const Status s = producers::create(spec, made);
        REQUIRE_MESSAGE(s.is_ok(), s.message());
        REQUIRE(host.start(made.type, std::move(made.producer), made.schedule).is_ok());
    }
    ~Running() { host.stop_all(); }

    void drain() {
        FrameMsg msg;
        while (queue.try_dequeue(token, msg)) {
            host.stream(msg.stream).count_taken();
            host.stream(msg.stream).pool().release(msg.slot);
        }
    }
    StatsSnapshot stats() { return host.stream(0).stats().read(); }
    ProducerState state() { return host.producer_status(0).state(); }
    // Takes frames until `done()` holds; false after `seconds`.
    template <class F> bool until(F done, double seconds) {
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        while (!done()) {
            drain();
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(2)); // the poll's period
        }
        return true;
    }
};

} // namespace

TEST_SUITE("plugins") {

    TEST_CASE("aravis: the viewer shows a lossy GigE camera's frames and rejects the incomplete") {
        // 1 packet in 1000 lost: about one 512x512 Mono8 frame in six arrives incomplete. The
        // viewer finds the plugin by itself (build/lib/rtviewer/plugins).
        FakeGvCamera camera(1);
        const std::string json = "/tmp/rtv_aravis_gige_" + std::to_string(::getpid()) + ".json";
        const std::string out = json + ".log";
        const std::string cmd = std::string(RTV_VIEWER_PATH) +
                                " --headless --exit-when-done --stats-json " + json +
                                " -p aravis:camera=" + kCameraId +
                                ",pixel_format=Mono8,frame_rate=100,frames=60 >" + out + " 2>&1";
        const int raw = std::system(cmd.c_str());
        const std::string log = slurp(out);
        CAPTURE(log);
        REQUIRE(WIFEXITED(raw));
        REQUIRE(WEXITSTATUS(raw) == 0);
        CHECK(contains(log, "rtviewer: aravis: camera Aravis-Fake-GV01 (Aravis Fake, serial "
                            "GV01): Mono8 512x512 at (0, 0)"));
        const nlohmann::json stats = nlohmann::json::parse(slurp(json));
        const nlohmann::json* image = nullptr;
        for (const nlohmann::json& s : stats.at("streams"))
            if (s.at("name") == "aravis/image") image = &s;
        REQUIRE(image != nullptr);
        CAPTURE(image->dump());
        const std::uint64_t produced = image->at("produced"), rejected = image->at("rejected");
        // Every buffer Aravis gave back is counted (shown or rejected); a slot the plugin could
        // not lend Aravis (the viewer held the rest) counts as dropped.
        CHECK(produced == 60 + std::uint64_t(image->at("dropped_pool")));
        CHECK(rejected > 0);               // some incomplete,
        CHECK(rejected < produced);        // the rest complete
        CHECK(image->at("displayed") > 0); // and shown
        CHECK(contains(image->dump(), "incomplete: Aravis buffer status missing-packets"));
        std::remove(json.c_str());
        std::remove(out.c_str());
    }

    TEST_CASE("aravis: a GigE camera killed mid-stream fails the producer with Aravis' message") {
        ensure_loaded();
        FakeGvCamera camera;
        test::StderrCapture err;
        Running run(std::string("aravis:camera=") + kCameraId +
                    ",frame_rate=50,width=64,height=32");
        REQUIRE(run.until([&] { return run.stats().produced >= 3; }, 20));
        camera.kill();
        CHECK(err.wait_for("rtviewer: aravis: warning: camera Aravis-Fake-GV01 lost: ", 20));
        // Closing a camera that is gone costs Aravis a timeout per command: one that answers
        // again closes at once.
        camera.start();
        REQUIRE(run.until([&] { return run.state() == ProducerState::Failed; }, 20));
        std::string message;
        REQUIRE(run.host.producer_status(0).message(message));
        CAPTURE(message);
        CHECK(message.starts_with("aravis: camera Aravis-Fake-GV01 lost: "));
        CHECK(
            contains(message, "timeout")); // Aravis' own words: "GigEVision read_register timeout"
    }

    TEST_CASE("aravis: with reconnect=1 a GigE camera killed and started again resumes") {
        ensure_loaded();
        FakeGvCamera camera;
        test::StderrCapture err;
        Running run(std::string("aravis:camera=") + kCameraId +
                    ",frame_rate=50,width=64,height=32,reconnect=1");
        REQUIRE(run.until([&] { return run.stats().produced >= 3; }, 20));
        camera.kill();
        CHECK(err.wait_for("waiting for it to come back", 20));
        // The panel's row says so while it waits (ABI 1.1 set_info).
        std::array<char, ProducerBoard::kValueBytes> state{};
        ProducerBoard* board = run.host.producer(0).board();
        REQUIRE(board != nullptr);
        const auto state_is = [&](const char* want) {
            return board->value_of("state", state) && std::string(state.data()) == want;
        };
        CHECK(run.until([&] { return state_is("lost, reconnecting"); }, 20));
        const std::uint64_t before = run.stats().produced;
        camera.start();
        CHECK(err.wait_for("camera Aravis-Fake-GV01 is back: resuming", 20));
        REQUIRE(run.until([&] { return run.stats().produced >= before + 3; }, 20));
        CHECK(state_is("streaming"));
        CHECK(run.state() == ProducerState::Running);
        run.host.stop_all();
        CHECK(run.state() == ProducerState::Stopped);
    }

    TEST_CASE("aravis: --list-cameras finds the fake GigE camera over loopback") {
        FakeGvCamera camera;
        const std::string out = "/tmp/rtv_aravis_list_" + std::to_string(::getpid()) + ".txt";
        // The aravis plugin alone: no other plugin's search in the listing.
        const std::string cmd = std::string("RTV_PLUGIN_DIR= RTV_PLUGIN_PATH= ") + RTV_VIEWER_PATH +
                                " --plugin " + RTV_ARAVIS_PLUGIN + " --list-cameras >" + out +
                                " 2>&1";
        const int raw = std::system(cmd.c_str());
        const std::string listing = slurp(out);
        CAPTURE(listing);
        REQUIRE(WIFEXITED(raw));
        CHECK(WEXITSTATUS(raw) == 0);
        CHECK(contains(listing, "aravis:camera=Aravis-Fake-GV01  Aravis Fake, serial GV01, "
                                "GigEVision, 127.0.0.1\n"));
        camera.kill();
        const int again = std::system(cmd.c_str());
        REQUIRE(WIFEXITED(again));
        CHECK(WEXITSTATUS(again) == 0);
        CHECK(slurp(out) == "no cameras found (searched: aravis)\n");
        std::remove(out.c_str());
    }
}
