#include <doctest/doctest.h>

#include "core/stream_stats.hpp"

TEST_SUITE("core") {

    TEST_CASE("StreamStats: counters and in-flight frames and the last error") {
        rtv::StreamStats stats;
        for (int i = 0; i < 5; ++i)
            stats.add_produced();
        stats.add_dropped_pool();
        stats.add_displayed(1000);
        stats.add_superseded();
        stats.add_rejected("s: frame rejected");
        const rtv::StatsSnapshot s = stats.read();
        CHECK(s.produced == 5);
        CHECK(s.dropped() == 1);
        CHECK(s.in_flight() == 1);
        CHECK(s.latency_max_ns == 1000);
        std::string message;
        CHECK(stats.last_error(message));
        CHECK(message == "s: frame rejected");
    }

    TEST_CASE("RateMeter: rates over the window from successive snapshots") {
        rtv::RateMeter meter(1.0);
        rtv::StatsSnapshot s;
        meter.update(s, 0);
        s.produced = 100;
        s.displayed = 50;
        meter.update(s, 500'000'000); // inside the window: no new rate yet
        CHECK(meter.produced_per_s() == 0.0);
        s.produced = 200;
        s.displayed = 60;
        s.dropped_pool = 20;
        meter.update(s, 2'000'000'000);
        CHECK(meter.produced_per_s() == doctest::Approx(100.0));
        CHECK(meter.displayed_per_s() == doctest::Approx(30.0));
        CHECK(meter.dropped_per_s() == doctest::Approx(10.0));
    }

    TEST_CASE("ProducerStatus: failing keeps the message") {
        rtv::ProducerStatus status;
        CHECK(status.state() == rtv::ProducerState::Starting);
        status.set_failed("p: boom");
        CHECK(status.state() == rtv::ProducerState::Failed);
        std::string m;
        CHECK(status.message(m));
        CHECK(m == "p: boom");
        CHECK(std::string(rtv::to_string(rtv::ProducerState::Failed)) == "failed");
    }

} // TEST_SUITE
