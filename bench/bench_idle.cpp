// 8. Idle cost and input, windowed under Xvfb (an X server without a display: no vsync). The
// real rtviewer in a window, as a user runs it (--redraw auto: draw on change), against the same
// viewer forced to redraw every pass (--redraw always: what it did before), in the same run:
//  - CPU use (user + system time of the viewer process over 8 s) once its only producer has
//    finished, and with a producer that sends one frame a second (VisPy's sweep:interval=1);
//  - the time from a key press (xdotool: S, the screenshot key) to the screenshot file, while
//    idle: the key wakes the loop, which draws a frame and writes it.
// Needs Xvfb and xdotool (scripts/debian-packages.txt); without them the results say so.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/harness.hpp"

extern char** environ;

namespace rtv::bench {

namespace {

namespace fs = std::filesystem;

// A child process started with posix_spawn, its output to a file; killed on destruction.
class Process {
public:
    Process(const std::vector<std::string>& argv, const fs::path& dir, const fs::path& output) {
        std::vector<char*> args;
        for (const std::string& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
        posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        if (posix_spawnp(&m_pid, args[0], &actions, nullptr, args.data(), environ) != 0) m_pid = -1;
        posix_spawn_file_actions_destroy(&actions);
    }
    ~Process() {
        if (m_pid > 0) {
            kill(m_pid, SIGTERM);
            int status = 0;
            waitpid(m_pid, &status, 0);
        }
    }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
    pid_t pid() const { return m_pid; }

private:
    pid_t m_pid = -1;
};

// User + system CPU seconds of a process so far, from /proc/PID/stat.
double cpu_seconds(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t close = text.rfind(')');
    if (close == std::string::npos) return -1.0;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) { // field 3 is the state
        if (i == 14) utime = std::stod(field);
        if (i == 15) stime = std::stod(field);
    }
    return (utime + stime) / double(sysconf(_SC_CLK_TCK));
}

bool file_contains(const fs::path& p, const std::string& what) {
    std::ifstream in(p);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.find(what) != std::string::npos;
}

// Polls `ready` every millisecond for up to `seconds`.
template <class F> bool wait_for(double seconds, F ready) {
    const auto t0 = Clock::now();
    while (!ready()) {
        if (seconds_since(t0) > seconds) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

// ":N" once Xvfb has written its display number N (a line of digits) to `log`, else "".
std::string display_of(const fs::path& log) {
    std::ifstream in(log);
    for (std::string line; std::getline(in, line) && !in.eof();) // whole lines only
        if (!line.empty() && line.find_first_not_of("0123456789") == std::string::npos)
            return ":" + line;
    return "";
}

struct IdleRun {
    double cpu_percent = 0.0; // of one core
    double key_ms = 0.0;      // key press to screenshot file
    std::string error;
};

// One windowed viewer, its files in `dir`: waits until it has started (its start line, however
// long that takes on a busy machine), then `settle` s, measures its CPU over `window` s, then
// (when `key`) presses S and times the screenshot.
IdleRun idle_viewer(const Config& c, const std::string& producer, const std::string& redraw,
                    double settle, double window, bool key, const fs::path& dir) {
    IdleRun out;
    const fs::path log = dir / "out.txt";
    // The viewer runs until this function's end (Process's destructor); --duration only ends an
    // orphan.
    Process viewer({c.viewer, "--producer", producer, "--redraw", redraw, "--duration",
                    std::to_string(settle + window + 3 * kHangGuardS)},
                   dir, log);
    if (viewer.pid() <= 0) {
        out.error = "cannot start " + c.viewer;
        return out;
    }
    if (!wait_for(kHangGuardS, [&] { return file_contains(log, "rtviewer: running"); })) {
        out.error = "the windowed viewer did not start within " + std::to_string(int(kHangGuardS)) +
                    " s: " + log.string();
        return out;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(settle));
    const double cpu0 = cpu_seconds(viewer.pid());
    const auto t0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(window));
    const double cpu1 = cpu_seconds(viewer.pid());
    out.cpu_percent = 100.0 * (cpu1 - cpu0) / seconds_since(t0);
    if (key) {
        // The pointer over the window gives it the keyboard (no window manager in Xvfb); let that
        // motion's frames pass, then time the key alone.
        if (std::system("xdotool mousemove 900 400") != 0) out.error = "xdotool failed";
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        const fs::path shot = dir / "rtviewer-screenshot-1.png";
        const auto k0 = Clock::now();
        if (std::system("xdotool key s") != 0) out.error = "xdotool failed";
        if (!wait_for(kHangGuardS, [&] { return fs::exists(shot) && fs::file_size(shot) > 0; }))
            out.error = "no screenshot within " + std::to_string(int(kHangGuardS)) +
                        " s of the key: " + log.string();
        out.key_ms = seconds_since(k0) * 1e3;
    }
    return out;
}

// One windowed viewer in a directory of its own (per process: another benchmark running at
// once has its own), removed afterwards unless the run failed (its output is then kept).
IdleRun idle_run(const Config& c, const std::string& producer, const std::string& redraw,
                 double settle, double window, bool key) {
    const fs::path dir =
        fs::temp_directory_path() / ("rtv_bench_idle_" + std::to_string(::getpid()) + "_" + redraw);
    fs::remove_all(dir);
    fs::create_directories(dir);
    const IdleRun out = idle_viewer(c, producer, redraw, settle, window, key, dir);
    if (out.error.empty()) fs::remove_all(dir);
    return out;
}

} // namespace

void bench_idle(const Config& c, Report& report) {
    const double settle = c.quick ? 1.0 : 3.0, window = c.quick ? 1.0 : 8.0;
    const auto skipped = [&](const std::string& why) {
        Result r = compare("idle", "windowed under Xvfb", "CPU % of a core", 0, "", 0, why);
        r.ok = false;
        r.error = why;
        report.add(r);
    };
    if (std::system("command -v Xvfb >/dev/null && command -v xdotool >/dev/null") != 0)
        return skipped("Xvfb or xdotool is not installed (bash scripts/deps.sh installs them)");
    // Xvfb picks a free display itself (-displayfd: it takes the display's lock, so two
    // benchmarks at once cannot pick the same) and writes its number, once it accepts clients,
    // to its standard output: the readiness signal.
    const fs::path xvfb_log =
        fs::temp_directory_path() / ("rtv_bench_xvfb_" + std::to_string(::getpid()) + ".txt");
    Process xvfb({"Xvfb", "-displayfd", "1", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"},
                 fs::temp_directory_path(), xvfb_log);
    std::string name;
    if (!wait_for(kHangGuardS, [&] { return !(name = display_of(xvfb_log)).empty(); }))
        return skipped("Xvfb did not start within " + std::to_string(int(kHangGuardS)) +
                       " s: " + xvfb_log.string());
    setenv("DISPLAY", name.c_str(), 1);
    // The benchmarks run with SDL_VIDEODRIVER=offscreen; these viewers need the X server.
    const char* driver = std::getenv("SDL_VIDEODRIVER");
    const std::string saved_driver = driver ? driver : "";
    unsetenv("SDL_VIDEODRIVER");
    const char* finished = "sweep:interval=0.016,iterations=60"; // about a second of frames
    const char* slow = "sweep:interval=1,iterations=0";          // VisPy's 1 s timer
    struct Case {
        const char* name;
        const char* producer;
        const char* note;
    };
    for (const Case k : {Case{"producer finished", finished, "target: <= 3 % of a core"},
                         Case{"sweep:interval=1", slow, "target: <= 5 % of a core"}}) {
        const bool key = k.producer == finished;
        const IdleRun changes = idle_run(c, k.producer, "changes", settle, window, key);
        const IdleRun always = idle_run(c, k.producer, "always", settle, window, key);
        Result r = compare("idle", std::string("windowed, ") + k.name, "CPU % of a core",
                           changes.cpu_percent, "redraw every pass (--redraw always)",
                           always.cpu_percent, k.note);
        r.metrics = {{"draw on change", changes.cpu_percent, "% of a core"},
                     {"redraw always", always.cpu_percent, "% of a core"}};
        r.error = !changes.error.empty() ? changes.error : always.error;
        r.ok = r.error.empty();
        report.add(r);
        if (!key) continue;
        Result i = compare("idle", "key press to screenshot, while idle", "ms", changes.key_ms,
                           "the same with --redraw always", always.key_ms,
                           "the key wakes the loop: about 1 (the PNG write is most of it)");
        i.metrics = {{"draw on change", changes.key_ms, "ms"},
                     {"redraw always", always.key_ms, "ms"}};
        i.error = r.error;
        i.ok = r.ok;
        report.add(i);
    }
    unsetenv("DISPLAY");
    if (!saved_driver.empty()) setenv("SDL_VIDEODRIVER", saved_driver.c_str(), 1);
    std::error_code ec;
    fs::remove(xvfb_log, ec); // Xvfb still writes to it until it ends: harmless
}

} // namespace rtv::bench
