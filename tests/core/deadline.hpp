#pragma once
// Hang detection for tests of stop-aware waits: a call that should return at once is run on its
// own thread and given a generous deadline. If it hangs, the test says so and the process ends
// (the hung thread cannot be joined), rather than waiting for ctest's timeout to fail it
// silently. The deadline is a hang detector, not a timing measurement: the calls it guards
// return in microseconds.

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace rtv::test {

inline constexpr std::chrono::seconds kHangDeadline{30};

template <class F> void must_finish(const char* what, F&& f) {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    std::thread worker([&] {
        f();
        std::lock_guard lock(m);
        done = true;
        cv.notify_one();
    });
    std::unique_lock lock(m);
    if (!cv.wait_for(lock, kHangDeadline, [&] { return done; })) {
        std::fprintf(stderr, "FAILED: %s did not return within %lld s: it hangs\n", what,
                     static_cast<long long>(kHangDeadline.count()));
        std::fflush(stderr);
        std::_Exit(1);
    }
    lock.unlock();
    worker.join();
}

} // namespace rtv::test
