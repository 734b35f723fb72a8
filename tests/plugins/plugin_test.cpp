// Producer plugins, loaded for real: test plugins built from tests/plugins/test_plugin.c (one per
// variant) and the example plugins (testcard, misbehave) from examples/plugins/.
#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "app/e2e_files.hpp"
#include "core/frame_router.hpp"
#include "core/memory_budget.hpp"
#include "core/producer_board.hpp"
#include "core/producer_host.hpp"
#include "plugin_host/plugin_loader.hpp"
#include "plugin_host/plugin_producer.hpp"
#include "plugin_host/shm_pool.hpp"
#include "producers/harness.hpp"
#include "producers/registry.hpp"
#include "producers/shm_reader.hpp"

using namespace rtv;

namespace {

std::string test_plugin(const char* variant) {
    return std::string(RTV_TEST_PLUGIN_DIR) + "/" + variant + ".so";
}
std::string example_plugin(const char* name) {
    return std::string(RTV_EXAMPLE_PLUGIN_DIR) + "/" + name + ".so";
}

// Loads a plugin once per process (the registry keeps what loaded).
void ensure_loaded(const std::string& file) {
    static std::vector<std::string> loaded;
    for (const std::string& f : loaded)
        if (f == file) return;
    const Status s = plugins::load_plugin(file);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    loaded.push_back(file);
}

// The message of a plugin that must not load.
std::string refusal(const char* variant) {
    const std::string file = test_plugin(variant);
    const Status s = plugins::load_plugin(file);
    REQUIRE_FALSE(s.is_ok());
    CHECK(s.message().starts_with(file + ": ")); // one line naming the file
    CHECK(s.message().find('\n') == std::string::npos);
    return s.message();
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The viewer run to its end (tests/app/e2e_files.hpp's viewer()), its stdout and stderr
// together, and how it ended. `env`: variables for it, such as "RTV_PLUGIN_PATH=DIR".
struct Run {
    int exit_code = -1; // -1: killed by a signal
    std::string output;
};
Run run_viewer(const std::vector<std::string>& args, const std::string& env = "") {
    std::string line;
    for (const std::string& a : args) // one shell word each (no argument holds a quote)
        line += " '" + a + "'";
    const test::Run r = test::viewer(line, env);
    return {r.status, test::slurp(test::work_dir() / "stdout.txt") + r.err + "\n"};
}

// The helper processes the viewer said it started for `kind`, in order.
std::vector<pid_t> helper_pids(const std::string& output, const std::string& kind) {
    std::vector<pid_t> out;
    const std::string key = "rtviewer: " + kind + ": started ";
    for (std::size_t at = output.find(key); at != std::string::npos;
         at = output.find(key, at + 1)) {
        const std::size_t pid_at = output.find("(pid ", at);
        if (pid_at != std::string::npos) out.push_back(pid_t(std::atoi(&output[pid_at + 5])));
    }
    return out;
}

bool process_exists(pid_t pid) {
    return ::kill(pid, 0) == 0 || errno != ESRCH;
}

// Shared-memory rings named after `pid` (the clients' "rtv-PID-...") in /dev/shm.
int shm_segments_of(pid_t pid) {
    int n = 0;
    const std::string prefix = "rtv-" + std::to_string(pid) + "-";
    for (const auto& e : std::filesystem::directory_iterator("/dev/shm"))
        n += e.path().filename().string().starts_with(prefix);
    return n;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

// testcard's ground truth (examples/plugins/testcard/testcard.c): v in 0..1.
double testcard_truth(const std::string& pattern, std::uint32_t width, std::uint32_t speed,
                      std::uint64_t n, std::uint32_t x, std::uint32_t y) {
    const std::uint64_t u = x + n * speed;
    if (pattern == "ramp") return double(u % width) / double(width - 1);
    if (pattern == "bars") return double((u * 8 / width) % 8) / 7.0;
    return double((u / 32 + y / 32) % 2);
}

// Pixels of a captured testcard image (`format` u8, u16 or f32) that are not frame n's truth;
// -1 when the frame has another size.
int wrong_pixels(const test::Captured& f, const std::string& pattern, const std::string& fmt,
                 std::uint32_t width, std::uint32_t height, std::uint64_t n) {
    const std::size_t bytes = fmt == "u8" ? 1 : fmt == "u16" ? 2 : 4;
    if (f.bytes.size() != std::size_t{width} * height * bytes) return -1;
    int wrong = 0;
    for (std::uint32_t y = 0; y < height; ++y) {
        for (std::uint32_t x = 0; x < width; ++x) {
            const double v = testcard_truth(pattern, width, 3, n, x, y);
            const std::size_t i = std::size_t{y} * width + x;
            double got = 0, want = 0;
            if (fmt == "u8") {
                got = double(std::to_integer<int>(f.bytes[i]));
                want = double(int(v * 255.0 + 0.5));
            } else if (fmt == "u16") {
                std::uint16_t s = 0;
                std::memcpy(&s, &f.bytes[2 * i], 2);
                got = s;
                want = double(int(v * 65535.0 + 0.5));
            } else {
                float s = 0;
                std::memcpy(&s, &f.bytes[4 * i], 4);
                got = s;
                want = double(float(v));
            }
            wrong += got != want;
        }
    }
    return wrong;
}

// livecam (tests/plugins/live_plugin.c), or any producer, started as the viewer starts one
// (isolate=process and restart=N applied), with its frames taken off the queue as they come.
struct LivecamRun {
    FrameQueue queue = make_frame_queue();
    ProducerHost host{queue};
    moodycamel::ConsumerToken token{queue};
    int last_pixel = -1; // of the newest image taken
    std::array<char, ProducerBoard::kValueBytes> value{};

    explicit LivecamRun(const std::string& spec) {
        producers::CreatedProducer made;
        REQUIRE(producers::create(spec, made).is_ok());
        REQUIRE(plugins::apply_process_settings(made).is_ok());
        REQUIRE(host.start(made.type, std::move(made.producer), made.schedule).is_ok());
        REQUIRE(host.producer(0).board() != nullptr);
    }
    ProducerBoard& board() { return *host.producer(0).board(); }
    // Takes frames until `done()` holds; false after `seconds`.
    template <class F> bool until(F done, int seconds = 30) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
        while (!done()) {
            FrameMsg msg;
            while (queue.try_dequeue(token, msg)) {
                Stream& s = host.stream(msg.stream);
                if (s.kind() == FrameKind::Image)
                    last_pixel = std::to_integer<int>(s.pool().data(msg.slot)[0]);
                s.count_taken();
                s.pool().release(msg.slot);
            }
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(2)); // the poll's period
        }
        return true;
    }
    // The row `key` on its board, or "(none)".
    std::string row(const char* key) {
        return board().value_of(key, value) ? std::string(value.data()) : std::string("(none)");
    }
};

// The viewer run headless with livecam:serial=B2,level=200 (and `more` settings) writes the
// producer's rows into --stats-json `file` (in the test's work directory); returns that JSON.
nlohmann::json check_rows_in_stats(const std::string& more, const std::string& file) {
    const std::string json = test::work_dir() / file;
    const Run viewer = run_viewer({"--headless", "--exit-when-done", "--stats-json", json,
                                   "--plugin", RTV_LIVE_PLUGIN, "-p",
                                   "livecam:serial=B2,level=200,iterations=5,policy=wait" + more},
                                  "RTV_PLUGIN_DIR=");
    CHECK(viewer.exit_code == 0);
    nlohmann::json stats = nlohmann::json::parse(test::slurp(json));
    const nlohmann::json& info = stats.at("producers").at(0).at("info");
    CAPTURE(info.dump());
    CHECK(info.at("model") == "Live Test Camera");
    CHECK(info.at("serial") == "B2");
    CHECK(info.at("level") == "200");
    return stats;
}

// livecam with rows=30, in process or isolated: its rows reach the host's board (the first 24
// keys set, a row set to NULL gone, values cut to fit), and a live change pushed on that board
// is taken on the producer's thread, applied (its pixels) and answered with its row, a bad
// value refused with the reason; no change is left waiting.
void check_live_rows_and_change(LivecamRun& run, int seconds) {
    REQUIRE(run.until(
        [&] { return run.row("model") == "Live Test Camera" && run.last_pixel == 10; }, seconds));
    std::array<ProducerBoard::Row, 32> rows{};
    CHECK(run.board().copy(rows) == ProducerBoard::kMaxRows);
    CHECK(run.row("level") == "10");
    CHECK(run.row("serial") == "A1");
    CHECK(run.row("long") == std::string(ProducerBoard::kValueBytes - 1, 'x')); // cut to fit
    CHECK(run.row("gone") == "(none)");
    CHECK(run.row("extra19") == "x");
    CHECK(run.row("extra20") == "(none)"); // the 25th key
    REQUIRE(run.board().push_change("level", "7"));
    CHECK(run.until([&] { return run.row("level") == "7" && run.last_pixel == 7; }, seconds));
    REQUIRE(run.board().push_change("level", "999"));
    CHECK(
        run.until([&] { return run.row("level") == "7 (999 refused: expected 0..255)"; }, seconds));
    CHECK(run.board().changes_waiting() == 0);
}

} // namespace

TEST_SUITE("plugins") {

    TEST_CASE("plugins: a plugin built for another ABI major is refused naming both versions") {
        const std::string m = refusal("bad_major");
        CHECK(contains(m, "built for plugin ABI 2.1, this viewer takes ABI major 1 (1.1)"));
        CHECK(producers::find("bad_major") == nullptr);
    }

    TEST_CASE("plugins: a plugin built for a newer minor is refused") {
        CHECK(contains(refusal("newer_minor"),
                       "built for plugin ABI 1.2, newer than this viewer's 1.1"));
        CHECK(producers::find("newer_minor") == nullptr);
    }

    TEST_CASE("plugins: a shared library without the entry symbol is refused") {
        CHECK(contains(refusal("no_entry"), "has no entry symbol rtv_plugin_entry"));
    }

    TEST_CASE("plugins: an entry returning NULL is refused") {
        CHECK(contains(refusal("null_entry"), "rtv_plugin_entry() returned NULL"));
    }

    TEST_CASE("plugins: a file that is not a shared library is refused with dlopen's reason") {
        CHECK(contains(refusal("not_a_plugin"), "cannot be loaded as a shared library: "));
    }

    TEST_CASE("plugins: a plugin offering two producers of one name is refused whole") {
        CHECK(contains(refusal("dup_names"), "offers two producers named 'dup_names'"));
        CHECK(producers::find("dup_names") == nullptr);
    }

    TEST_CASE("plugins: a producer with a built-in's name is refused and the built-in stays") {
        CHECK(contains(refusal("shadow"), "its producer 'sweep' has the name of a built-in"));
        REQUIRE(producers::find("sweep") != nullptr);
        CHECK(producers::find("sweep")->origin.empty());
    }

    TEST_CASE("plugins: a setting named like one every producer has is refused") {
        CHECK(contains(refusal("bad_setting"), "its setting 'interval' is one every producer has"));
        CHECK(producers::find("bad_setting") == nullptr);
    }

    TEST_CASE("plugins: a plugin loaded twice is refused the second time naming the first") {
        ensure_loaded(test_plugin("older"));
        const Status s = plugins::load_plugin(test_plugin("older"));
        REQUIRE_FALSE(s.is_ok());
        CHECK(contains(s.message(), "its producer 'older' has the name of one offered by plugin " +
                                        test_plugin("older")));
    }

    TEST_CASE("plugins: a descriptor shorter than today's loads and runs to RTV_DONE") {
        ensure_loaded(test_plugin("older"));
        const producers::ProducerEntry* e = producers::find("older");
        REQUIRE(e != nullptr);
        CHECK(contains(std::string(e->origin), "(test 0, ABI 1.0)"));
        test::Capture c;
        REQUIRE(c.run("older:policy=wait,interval=0"));
        CHECK(c.host.producer_status(0).state() == ProducerState::Finished); // not failed
        CHECK_FALSE(c.host.stream(0).pool().lendable()); // a declared stream: pinned
        REQUIRE(c.frames.size() == 3);
        for (std::size_t n = 0; n < 3; ++n) {
            CHECK(c.frames[n].sequence == n);
            REQUIRE(c.frames[n].bytes.size() == 8 * 4);
            for (std::byte b : c.frames[n].bytes)
                CHECK(std::to_integer<int>(b) == int(n) + 1);
        }
    }

    TEST_CASE("plugins: run() opens a stream at run time and its skipped numbers are gaps, and its "
              "slots never move") {
        ensure_loaded(test_plugin("runner"));
        test::Capture c;
        REQUIRE(c.run("runner:policy=wait"));
        CHECK(c.host.producer_status(0).state() == ProducerState::Finished);
        REQUIRE(c.host.stream_count() == 1);
        CHECK(c.host.stream(0).request().name == "runner/line");
        // A plugin may keep the slots' addresses (plugin.h): its pools never move a slot's
        // buffer, whether the stream was declared or opened at run time.
        CHECK(c.host.stream(0).request().fixed_slots);
        CHECK_FALSE(c.host.stream(0).pool().lendable());
        const StatsSnapshot s = c.host.stream(0).stats().read();
        CHECK(s.produced == 4);
        CHECK(s.gaps == 3); // numbered 0, 1, 5, 6
        REQUIRE(c.frames.size() == 4);
        CHECK(c.frames[2].line_points.size() == 4);
        CHECK(c.frames[2].line_points[3].x == 3.0f);
        CHECK(c.frames[2].line_points[3].y == 5.0f);
    }

    TEST_CASE("plugins: testcard's frames equal its published ground truth in every format") {
        ensure_loaded(example_plugin("testcard"));
        for (const char* pattern : {"ramp", "bars", "checker"}) {
            for (const char* format : {"u8", "u16", "f32"}) {
                CAPTURE(pattern);
                CAPTURE(format);
                test::Capture c;
                REQUIRE(c.run(std::string("testcard:width=70,height=40,speed=3,iterations=4,") +
                              "policy=wait,interval=0,pattern=" + pattern + ",format=" + format));
                REQUIRE(c.frames.size() == 8); // an image and a profile per tick
                for (const test::Captured& f : c.frames) {
                    const std::uint64_t n = f.sequence;
                    if (f.stream == 1) { // the profile: row height / 2
                        REQUIRE(f.line_points.size() == 70);
                        for (std::uint32_t x = 0; x < 70; ++x)
                            CHECK(f.line_points[x].y ==
                                  float(testcard_truth(pattern, 70, 3, n, x, 20)));
                        continue;
                    }
                    CHECK(wrong_pixels(f, pattern, format, 70, 40, n) == 0);
                }
            }
        }
    }

    TEST_CASE(
        "plugins: the smallest plugin (docs/plugins.md) scrolls its ramp and has no settings") {
        ensure_loaded(example_plugin("minimal"));
        test::Capture c;
        REQUIRE(c.run("minimal:iterations=2,policy=wait,interval=0"));
        REQUIRE(c.frames.size() == 2);
        REQUIRE(c.frames[1].pixels.size() == 256 * 256);
        CHECK(c.frames[1].pixels[0] == 1.0f / 255.0f); // (x + n) % 256 / 255 at x 0, n 1
        CHECK(c.frames[1].pixels[256 + 255] == 0.0f);  // row 1, x 255: wrapped
        producers::CreatedProducer made;
        const Status s = producers::create("minimal:speed=2", made);
        REQUIRE_FALSE(s.is_ok());
        CHECK(contains(s.message(), "unknown setting 'speed'"));
    }

    TEST_CASE("plugins: a setting the plugin refuses fails with the plugin's own message") {
        ensure_loaded(example_plugin("testcard"));
        producers::CreatedProducer made;
        const Status s = producers::create("testcard:pattern=zigzag", made);
        REQUIRE_FALSE(s.is_ok());
        CHECK(s.message() == "testcard: pattern must be one of: ramp, bars, checker, got 'zigzag'");
        const Status unknown = producers::create("testcard:colour=red", made);
        REQUIRE_FALSE(unknown.is_ok());
        CHECK(contains(unknown.message(), "unknown setting 'colour', expected one of: "));
        CHECK(contains(unknown.message(), "width, height, pattern, speed, format"));
    }

    TEST_CASE("plugins: a frame committed with another width is rejected and counted") {
        ensure_loaded(example_plugin("misbehave"));
        test::Capture c;
        REQUIRE(c.run("misbehave:bad_commit_after=2,iterations=5,policy=wait,interval=0"));
        const StatsSnapshot s = c.host.stream(0).stats().read();
        CHECK(s.produced == 5);
        CHECK(s.rejected == 3);
        CHECK(c.frames.size() == 2);
        std::string why;
        REQUIRE(c.host.stream(0).stats().last_error(why));
        CHECK(contains(why, "misbehave/image: frame committed as 63x64"));
        CHECK(c.host.producer_status(0).state() == ProducerState::Finished);
    }

    TEST_CASE("plugins: an error the plugin reports marks it failed with its message") {
        ensure_loaded(example_plugin("misbehave"));
        test::Capture c;
        REQUIRE(c.run("misbehave:error_after=3,policy=wait,interval=0"));
        CHECK(c.host.producer_status(0).state() == ProducerState::Failed);
        std::string message;
        REQUIRE(c.host.producer_status(0).message(message));
        CHECK(message == "misbehave: error reported on purpose at frame 3");
        CHECK(c.frames.size() == 3);
    }

    TEST_CASE("plugins: slots leased and never committed run the pool dry within the budget") {
        ensure_loaded(example_plugin("misbehave"));
        MemoryBudget budget(64 << 20);
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue, &budget);
        producers::CreatedProducer made;
        REQUIRE(producers::create("misbehave:hoard=1,iterations=20,interval=0.001,slots=3", made)
                    .is_ok());
        REQUIRE(host.start("misbehave", std::move(made.producer), made.schedule).is_ok());
        const std::uint64_t reserved = budget.used();
        host.join_all();
        const StatsSnapshot s = host.stream(0).stats().read();
        CHECK(s.produced == 17);     // 3 leased and held, then every lease failed
        CHECK(s.dropped_pool == 17); // counted as dropped, like any producer's
        CHECK(budget.used() == reserved);
        CHECK(host.stream(0).pool().in_use() == 0); // given back when the producer ended
    }

    TEST_CASE("plugins: frames made on the plugin's own thread arrive and the thread stops") {
        ensure_loaded(example_plugin("misbehave"));
        FrameQueue queue = make_frame_queue();
        ProducerHost host(queue);
        FrameRouter router(queue, host);
        producers::CreatedProducer made;
        REQUIRE(producers::create("misbehave:thread=1,interval=0.01", made).is_ok());
        REQUIRE(host.start("misbehave", std::move(made.producer), made.schedule).is_ok());
        std::size_t delivered = 0;
        while (delivered < 5) { // a hang here is ctest's timeout: frames never came
            router.drain();
            delivered += router.deliver([](const FrameView&) { return Status::ok(); });
            std::this_thread::yield();
        }
        host.stop_all(); // the producer ends; its gate closes; the plugin's thread sees stop
        CHECK(host.producer_status(0).state() == ProducerState::Stopped);
        CHECK(host.stream(0).stats().read().rejected == 0);
    }

    TEST_CASE("plugins: RTV_PLUGIN_PATH directories give every .so file sorted by name") {
        const std::vector<std::string> files =
            plugins::plugin_files_in(std::string("/nonexistent:") + RTV_TEST_PLUGIN_DIR + ":");
        REQUIRE(files.size() == 10);
        CHECK(files.front() == test_plugin("bad_major"));
        CHECK(std::is_sorted(files.begin(), files.end()));
    }

    TEST_CASE(
        "plugins: the viewer runs a plugin's producer from --plugin and lists where it is from") {
        const Run list = run_viewer({"--plugin", test_plugin("older"), "--plugin",
                                     test_plugin("bad_major"), "--list-producers"});
        CHECK(list.exit_code == 0);
        CHECK(contains(list.output, "\n  older  a test producer\n      from plugin " +
                                        test_plugin("older") + " (test 0, ABI 1.0)\n"));
        CHECK(contains(list.output, "Plugins that did not load:\n  plugin " +
                                        test_plugin("bad_major") + ": built for plugin ABI 2.1"));
        const Run run =
            run_viewer({"--headless", "--exit-when-done", "-p", "testcard:iterations=5,policy=wait",
                        "--plugin", example_plugin("testcard")});
        CHECK(run.exit_code == 0);
        CHECK(contains(run.output, "testcard/image"));
        CHECK(contains(run.output, "produced 5, displayed"));
    }

    TEST_CASE("plugins: a plugin that does not load is reported and the viewer goes on") {
        const Run r =
            run_viewer({"--headless", "--frames", "5", "--plugin", test_plugin("not_a_plugin")});
        CHECK(r.exit_code == 0);
        CHECK(contains(r.output, "rtviewer: plugin " + test_plugin("not_a_plugin") +
                                     ": cannot be loaded as a shared library: "));
    }

    TEST_CASE("plugins: a --producer of a plugin that did not load exits 2 naming the failure") {
        const Run r = run_viewer({"--headless", "--frames", "5", "-p", "newer_minor"},
                                 std::string("RTV_PLUGIN_PATH=") + RTV_TEST_PLUGIN_DIR);
        CHECK(r.exit_code == 2);
        CHECK(contains(r.output, "--producer: unknown producer 'newer_minor', expected one of: "));
        CHECK(contains(r.output, "(plugins that did not load: plugin "));
        CHECK(contains(r.output, "; plugin " + test_plugin("newer_minor") +
                                     ": built for plugin ABI 1.2, newer than this viewer's 1.1"));
    }

    TEST_CASE("plugins: a producer that ignores stop is named and the viewer exits without it") {
        const Run r = run_viewer(
            {"--headless", "--frames", "30", "-p", "misbehave:hang_after=3", "-p", "sweep"});
        CHECK(r.exit_code == 0);
        CHECK(contains(r.output, "rtviewer: producer 'misbehave' did not stop within 2 s of "
                                 "being asked: left running"));
        CHECK(contains(r.output, "sweep/image        stopped")); // the others stopped in time
    }

    TEST_CASE(
        "plugins: an isolated plugin that segfaults is restarted then failed and leaves nothing") {
        const std::string json = std::string(RTV_TEST_PLUGIN_DIR) + "/isolated-crash.json";
        const Run r = run_viewer({"--headless", "--frames", "150", "--stats-json", json, "-p",
                                  "misbehave:crash_after=5,isolate=process,restart=1,interval=0.01",
                                  "-p", "sweep"});
        CHECK(r.exit_code == 0);
        // Twice: started, then started again after the first crash.
        const std::vector<pid_t> helpers = helper_pids(r.output, "misbehave");
        REQUIRE(helpers.size() == 2);
        CHECK(contains(r.output,
                       "rtviewer: misbehave: killed by signal 11 (SIGSEGV: "
                       "Segmentation fault); starting it again in 0.5 s (restart 1 of 1)"));
        const nlohmann::json stats = nlohmann::json::parse(test::slurp(json));
        const nlohmann::json& isolated = stats.at("producers").at(0);
        CHECK(isolated.at("name") == "misbehave");
        CHECK(isolated.at("state") == "failed");
        CHECK(isolated.at("restarts") == 1);
        CHECK(isolated.at("message") ==
              "misbehave: killed by signal 11 (SIGSEGV: Segmentation fault)");
        const nlohmann::json& sweep = stats.at("producers").at(1);
        CHECK(sweep.at("state") == "stopped"); // the viewer and the other producer went on
        CHECK(sweep.at("restarts") == 0);
        CHECK(contains(r.output, "  producer misbehave was started again 1 time\n"));
        for (const pid_t pid : helpers) { // no helper process, no shared memory left
            CHECK_FALSE(process_exists(pid));
            CHECK(shm_segments_of(pid) == 0);
        }
    }

    TEST_CASE("plugins: an isolated plugin that exits or ignores stop costs its producer only") {
        const Run r =
            run_viewer({"--headless", "--frames", "90", "-p",
                        "misbehave:exit_after=5,isolate=process,interval=0.01", "-p",
                        "misbehave:hang_after=5,isolate=process,interval=0.01,answer_timeout=0",
                        "-p", "sweep"});
        CHECK(r.exit_code == 0);
        CHECK(contains(r.output, "  producer misbehave failed: misbehave: exited with status 3\n"));
        // The hung one's helper is killed: the viewer itself never waits past its deadline.
        CHECK_FALSE(contains(r.output, "did not stop within"));
        CHECK(contains(r.output, "sweep/image        stopped"));
        const std::vector<pid_t> helpers = helper_pids(r.output, "misbehave");
        REQUIRE(helpers.size() == 2);
        for (const pid_t pid : helpers) {
            CHECK_FALSE(process_exists(pid));
            CHECK(shm_segments_of(pid) == 0);
        }
    }

    TEST_CASE("plugins: an isolated producer that stops answering is ended and marked failed") {
        const Run r = run_viewer({"--headless", "--exit-when-done", "-p",
                                  "misbehave:hang_after=3,isolate=process,answer_timeout=1"});
        CHECK(r.exit_code == 0);
        CHECK(contains(r.output, "  producer misbehave failed: misbehave: exited with status 4 "
                                 "(its last line: stopped answering: a frame has taken over 1 s "
                                 "(answer_timeout))\n"));
        const std::vector<pid_t> helpers = helper_pids(r.output, "misbehave");
        REQUIRE(helpers.size() == 1);
        CHECK_FALSE(process_exists(helpers[0]));
        CHECK(shm_segments_of(helpers[0]) == 0);
    }

    TEST_CASE("plugins: an isolated producer's frames reach the viewer through shared memory") {
        const Run r =
            run_viewer({"--headless", "--exit-when-done", "-p",
                        "testcard:isolate=process,iterations=20,policy=wait,interval=0.01,"
                        "width=256,height=128"});
        CHECK(r.exit_code == 0);
        CHECK(contains(r.output, "testcard/image     finished produced 20,"));
        CHECK(contains(r.output, "rejected 0, gaps 0"));
    }

    TEST_CASE("plugins: an isolated testcard's frames equal its ground truth in every format") {
        // Through the helper's pools in shared memory: each image is the slot its producer
        // filled, read by the viewer's side in place; a slot given back too early or read while
        // written again would show here as a frame that is no tick's truth.
        ensure_loaded(example_plugin("testcard"));
        for (const char* format : {"u8", "u16", "f32"}) {
            CAPTURE(format);
            producers::CreatedProducer made;
            REQUIRE(producers::create(std::string("testcard:width=70,height=40,speed=3,") +
                                          "iterations=6,policy=wait,interval=0,pattern=ramp,"
                                          "isolate=process,format=" +
                                          format,
                                      made)
                        .is_ok());
            REQUIRE(plugins::apply_process_settings(made).is_ok());
            test::Capture c;
            REQUIRE(c.run(std::move(made)));
            int images = 0;
            std::uint64_t next = 0; // ticks are 0..5, in order; the viewer's side may drop some
            for (const test::Captured& f : c.frames) {
                if (c.host.stream(f.stream).kind() != FrameKind::Image) continue;
                ++images;
                std::uint64_t n = next;
                while (n < 6 && wrong_pixels(f, "ramp", format, 70, 40, n) != 0)
                    ++n;
                CHECK_MESSAGE(n < 6, "image " << images << " is no tick's frame");
                next = n + 1;
            }
            CHECK(images >= 1);
            for (std::size_t id = 0; id < c.host.stream_count(); ++id) {
                const Stream& stream = c.host.stream(id);
                if (stream.kind() != FrameKind::Image) continue;
                const StatsSnapshot st = stream.stats().read();
                CHECK(st.produced + st.gaps == 6); // every tick arrived or is counted missing
                CHECK(st.rejected == 0);
                CHECK(st.produced == std::uint64_t(images) + st.dropped());
            }
        }
    }

    TEST_CASE("plugins: an isolated producer's drops for want of a slot reach the viewer as gaps") {
        // One slot in the helper, held until the viewer has copied its frame: the producer's
        // next tick finds none and drops (policy=drop). The viewer never saw those frames; it
        // must count them, so that what arrived plus the gaps is every tick.
        ensure_loaded(example_plugin("testcard"));
        producers::CreatedProducer made;
        REQUIRE(producers::create("testcard:isolate=process,iterations=40,policy=drop,interval=0,"
                                  "slots=1,width=512,height=512,format=f32",
                                  made)
                    .is_ok());
        REQUIRE(plugins::apply_process_settings(made).is_ok());
        test::Capture c;
        REQUIRE(c.run(std::move(made)));
        bool image_seen = false;
        for (std::size_t id = 0; id < c.host.stream_count(); ++id) {
            const Stream& stream = c.host.stream(static_cast<std::uint16_t>(id));
            if (stream.kind() != FrameKind::Image) continue;
            image_seen = true;
            const StatsSnapshot st = stream.stats().read();
            CHECK(st.produced + st.gaps == 40);
            CHECK(st.gaps > 0); // the helper's single slot was out with the viewer
            CHECK(st.rejected == 0);
        }
        CHECK(image_seen);
    }

    TEST_CASE("plugins: an isolated producer's rejected frames are logged and counted as gaps") {
        // The helper's own sink rejects a bad commit: the viewer never sees that frame, so the
        // helper says why on stderr (the viewer's log) and numbers it (a gap on the stream).
        const std::string json = std::string(RTV_TEST_PLUGIN_DIR) + "/isolated-rejects.json";
        const Run r = run_viewer({"--headless", "--exit-when-done", "--stats-json", json, "-p",
                                  "misbehave:bad_commit_after=3,isolate=process,iterations=8,"
                                  "policy=wait,interval=0.01"});
        CHECK(r.exit_code == 0);
        CHECK(contains(r.output, "rtviewer: misbehave: misbehave/image: "));
        CHECK(contains(r.output, " frame(s) rejected, the last: misbehave/image: frame "
                                 "committed as 63x64"));
        const nlohmann::json stats = nlohmann::json::parse(test::slurp(json));
        bool seen = false;
        for (const nlohmann::json& s : stats.at("streams")) {
            if (s.at("name") != "misbehave/image") continue;
            seen = true;
            CHECK(s.at("produced") == 3); // frames 0..2; 3..7 were rejected in the helper
            CHECK(s.at("gaps") == 5);
        }
        CHECK(seen);
    }

    TEST_CASE("plugins: a helper's pool slot reaches the reader in place and comes back") {
        plugins::ShmPoolMemory memory;
        {
            FramePool pool(1000, 3, &memory);
            REQUIRE(pool.memory() == &memory);
            CHECK(memory.segments() == 1);
            const std::uint8_t slot = *pool.try_acquire();
            const auto bytes = pool.data(slot);
            for (std::size_t i = 0; i < bytes.size(); ++i)
                bytes[i] = std::byte(i * 7 + 1);
            wire::ShmDescriptor d;
            REQUIRE(memory.publish(pool, slot, 1000, d));
            CHECK_FALSE(memory.handed_back(d));
            // The viewer's side: one copy, out of the very slot, then handed back; read with
            // pread(2), and out of a mapping as the viewer reads its own helper's segments.
            producers::ShmReader reader, mapping;
            mapping.map_segments(true);
            std::vector<std::byte> out(1000);
            const Status read = reader.read(d, out);
            REQUIRE_MESSAGE(read.is_ok(), read.message());
            CHECK(std::equal(out.begin(), out.end(), bytes.begin()));
            CHECK(memory.handed_back(d));
            bytes[999] = std::byte{0x5A};
            REQUIRE(memory.publish(pool, slot, 1000, d));
            CHECK_FALSE(memory.handed_back(d));
            const Status mapped = mapping.read(d, out);
            REQUIRE_MESSAGE(mapped.is_ok(), mapped.message());
            CHECK(std::equal(out.begin(), out.end(), bytes.begin()));
            CHECK(out[999] == std::byte{0x5A});
            CHECK(memory.handed_back(d));
            // Published again, then taken back before the viewer read it: a late read is refused.
            wire::ShmDescriptor again;
            REQUIRE(memory.publish(pool, slot, 1000, again));
            CHECK(again.generation != d.generation);
            memory.revoke(again);
            const Status late = reader.read(again, out);
            CHECK_FALSE(late.is_ok());
            CHECK(contains(late.message(), "reused before it was read"));
            // A pool on the heap is not one of these.
            FramePool heap(1000, 1);
            CHECK_FALSE(memory.publish(heap, 0, 1000, again));
        }
        CHECK(memory.segments() == 0); // the pool's segment went with it
        CHECK(shm_segments_of(getpid()) == 0);
    }

    TEST_CASE("plugins: exec runs a Python publisher that finds the viewer by RTV_ENDPOINT") {
        const std::string script = std::string(RTV_TEST_PLUGIN_DIR) + "/exec_source.py";
        write_file(script,
                   "import sys, numpy as np, rtviewer\n"
                   "print('source starting', flush=True)\n"
                   "with rtviewer.Publisher(wait=60) as pub:\n"
                   "    for i in range(12):\n"
                   "        pub.send('py/image', np.full((8, 6), i, np.float32), block=True)\n"
                   "print('oops', file=sys.stderr, flush=True)\n"
                   "sys.exit(int(sys.argv[1]))\n");
        const std::string env = std::string("PYTHONPATH=") + RTV_PYTHON_DIR;
        const Run ok = run_viewer({"--headless", "--exit-when-done", "-p",
                                   "exec:command=/usr/bin/python3 " + script + " 0"},
                                  env);
        CHECK(ok.exit_code == 0);
        CHECK(contains(ok.output, "rtviewer: exec: source starting\n"));
        CHECK(contains(ok.output, "rtviewer: exec: oops\n"));
        CHECK(contains(ok.output, "py/image           finished produced 12,"));
        const Run failed = run_viewer({"--headless", "--exit-when-done", "-p",
                                       "exec:command=/usr/bin/python3 " + script + " 4"},
                                      env);
        CHECK(failed.exit_code == 0);
        CHECK(contains(failed.output, "py/image           failed   produced 12,"));
        const Run listing = run_viewer({"--list-producers"});
        CHECK(contains(listing.output, "\n  exec  any program as a source"));
    }

    TEST_CASE("plugins: exec counts a bad message that comes before any frame on exec/messages") {
        // A message with no stream of its own is counted on the producer's first stream; a
        // program's first message may be a bad one, before any stream was opened.
        const std::string script = std::string(RTV_TEST_PLUGIN_DIR) + "/exec_bad.py";
        write_file(script, "import os, zmq\n"
                           "s = zmq.Context().socket(zmq.XPUB)\n"
                           "s.setsockopt(zmq.LINGER, 10000)\n"
                           "s.connect(os.environ['RTV_ENDPOINT'])\n"
                           "s.recv()  # the viewer's subscription: it is listening\n"
                           "s.send_multipart([b'a', b'b', b'c', b'd'])\n"
                           "s.send_multipart([b'\\x01rtviewer-rows', b'{\"rows\": []}'])\n"
                           "s.close()\n");
        const std::string json = std::string(RTV_TEST_PLUGIN_DIR) + "/exec-bad.json";
        const Run r = run_viewer({"--headless", "--exit-when-done", "--stats-json", json, "-p",
                                  "exec:command=/usr/bin/python3 " + script});
        CHECK(r.exit_code == 0);
        const nlohmann::json stats = nlohmann::json::parse(test::slurp(json));
        REQUIRE(stats.at("streams").size() == 1);
        const nlohmann::json& messages = stats.at("streams").at(0);
        CHECK(messages.at("name") == "exec/messages");
        // Both: 4 parts, and a rows message, which only an isolated producer's helper sends.
        CHECK(messages.at("rejected") == 2);
        CHECK(stats.at("producers").at(0).at("info").empty());
    }

    // ---- ABI 1.1: rows, live settings, discovery (tests/plugins/live_plugin.c) ----

    TEST_CASE("plugins: ABI 1.1 rows and a live change go between the panel's board and a "
              "running plugin") {
        ensure_loaded(RTV_LIVE_PLUGIN);
        ensure_loaded(test_plugin("older"));
        // Which settings are live: the flag of a 1.1 setting, never past a 1.0 setting's size.
        const std::span<const std::string> live = plugins::live_settings_of("livecam");
        REQUIRE(live.size() == 1);
        CHECK(live[0] == "level");
        CHECK(plugins::live_settings_of("older").empty());
        const producers::ProducerEntry* e = producers::find("livecam");
        REQUIRE(e != nullptr);
        REQUIRE(e->settings.size() == 3);
        CHECK(contains(std::string(e->settings[0].description), "[live: editable while it runs]"));
        CHECK_FALSE(contains(std::string(e->settings[1].description), "[live"));

        LivecamRun run("livecam:rows=30,interval=0.002");
        check_live_rows_and_change(run, 20);
        run.host.stop_all();
        CHECK(run.host.producer_status(0).state() == ProducerState::Stopped);
    }

    TEST_CASE("plugins: an isolated plugin's rows reach the viewer's board and a live change "
              "pushed there reaches the plugin") {
        // The same plugin and checks as in process (above), with isolate=process: its rows come
        // from rtviewer-plugin-host as rows messages, the change goes there on its stdin.
        ensure_loaded(RTV_LIVE_PLUGIN);
        LivecamRun run("livecam:rows=30,interval=0.002,isolate=process");
        ProducerHost& host = run.host;
        // The panel finds the live settings by the producer's name, as in process.
        CHECK(host.producer(0).info().name == "livecam");
        const std::span<const std::string> live =
            plugins::live_settings_of(host.producer(0).info().name);
        REQUIRE(live.size() == 1);
        CHECK(live[0] == "level");
        check_live_rows_and_change(run, 30); // the changes passed on to the helper
        host.stop_all();
        CHECK(host.producer_status(0).state() == ProducerState::Stopped);
        // Nothing was refused on the way: the messages stream counted nothing.
        CHECK(host.stream(0).request().name == "livecam/messages");
        CHECK(host.stream(0).stats().read().rejected == 0);

        // Through the viewer: its --stats-json shows the isolated producer's rows.
        check_rows_in_stats(",isolate=process", "livecam-isolated.json");
    }

    TEST_CASE("plugins: an isolated plugin started again shows its own rows and gets the live "
              "changes made so far") {
        ensure_loaded(RTV_LIVE_PLUGIN);
        LivecamRun run("livecam:interval=0.002,isolate=process,restart=1");
        ProducerBoard* board = &run.board();
        const auto until = [&](auto done) { return run.until(done); };
        const auto row = [&](const char* key) { return run.row(key); };
        REQUIRE(until([&] { return row("pid") != "(none)"; }));
        const std::string first = row("pid");
        REQUIRE(board->push_change("level", "7"));
        REQUIRE(until([&] { return row("level") == "7"; }));
        // Its process ends (status 3) and is started again: the board is the new one's, whose
        // spec says level=10, and whose first change is the one made before, level=7.
        REQUIRE(board->push_change("exit", "1"));
        REQUIRE(until([&] { return row("pid") != first && row("pid") != "(none)"; }));
        CHECK(until([&] { return row("level") == "7"; }));
        CHECK(run.host.producer_status(0).restarts() == 1);
        run.host.stop_all();
    }

    TEST_CASE("plugins: --list-cameras prints what discover finds and --stats-json a producer's "
              "rows") {
        // The live plugin alone (RTV_PLUGIN_DIR= : no installed plugin searches the network).
        const Run found = run_viewer({"--plugin", RTV_LIVE_PLUGIN, "--list-cameras"},
                                     "RTV_PLUGIN_DIR= RTV_PLUGIN_PATH=");
        CHECK(found.exit_code == 0);
        CHECK(found.output ==
              "livecam:serial=A1            Live Test Camera, serial A1, 127.0.0.1\n"
              "livecam:serial=B2,level=200  Live Test Camera, serial B2, "
              "127.0.0.2\n\n");
        const Run none = run_viewer({"--list-cameras"}, "RTV_PLUGIN_DIR= RTV_PLUGIN_PATH=");
        CHECK(none.exit_code == 0);
        CHECK(contains(none.output, "no cameras found (searched: nothing, no plugin that can "
                                    "search is loaded)\n"));
        // What it listed starts as listed, and its rows are in the statistics.
        const nlohmann::json stats = check_rows_in_stats("", "livecam.json");
        CHECK(stats.at("producers").at(0).at("name") == "livecam");
    }

    TEST_CASE("plugins: discover_devices asks every loaded producer that can search") {
        ensure_loaded(RTV_LIVE_PLUGIN);
        std::vector<std::string> searched;
        const std::vector<plugins::FoundDevice> found = plugins::discover_devices(&searched);
        CHECK(std::find(searched.begin(), searched.end(), "livecam") != searched.end());
        std::vector<std::string> specs;
        for (const plugins::FoundDevice& d : found)
            if (d.producer == "livecam") specs.push_back(d.spec);
        CHECK(specs ==
              std::vector<std::string>{"livecam:serial=A1", "livecam:serial=B2,level=200"});
    }
}
