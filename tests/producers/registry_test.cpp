#include <doctest/doctest.h>

#include "producers/registry.hpp"

using namespace rtv;

TEST_SUITE("producers") {

    TEST_CASE("registry: valid specs give the producer with its own settings and its schedule") {
        producers::CreatedProducer made;
        REQUIRE(producers::create("sweep", made).is_ok());
        CHECK(made.type == "sweep");
        CHECK(made.schedule.iterations == 1000);
        CHECK(made.producer->info().name == "sweep");

        REQUIRE(producers::create("sweep:interval=auto", made).is_ok());
        CHECK(made.schedule.interval_s == 0.0);
        REQUIRE(producers::create(
                    "sweep:latency=3,jitter=0.5,seed=9,policy=wait,slots=5,iterations=0", made)
                    .is_ok());
        CHECK(made.schedule.latency_s == 3.0);
        CHECK(made.schedule.jitter_s == 0.5);
        CHECK(made.schedule.seed == 9);
        CHECK(made.schedule.policy == PoolPolicy::Wait);
        CHECK(made.schedule.slots == 5);
        CHECK(made.schedule.iterations == 0);
        REQUIRE(producers::create("sweep:width=100,height=50,points=10", made).is_ok());
        const auto streams = made.producer->streams();
        REQUIRE(streams.size() == 2);
        CHECK(streams[0].image == ImageDesc{100, 50});
        CHECK(streams[1].lines.max_points == 10);
        // key="value": commas inside the quotes belong to the value.
        const Status quoted = producers::create("replay:path=\"/nonexistent,dir\",loop=1", made);
        CHECK(quoted.message().find("cannot read /nonexistent,dir/index.tsv") != std::string::npos);
        CHECK(producers::create("replay:path=\"/nonexistent", made).message() ==
              "replay: setting 'path' opens a quote it does not close, expected "
              "path=\"value\"");
        for (const auto& e : producers::registry()) {
            CAPTURE(e.name);
            const Status s = producers::create(std::string(e.name), made);
            if (e.name == "replay") // the producers that need a setting: their recording
                CHECK(s.message() == "replay: path is required, e.g. replay:path=recording");
            else if (e.name == "hdf5")
                CHECK(s.message() == "hdf5: path is required, e.g. hdf5:path=run.h5");
            else
                CHECK(s.is_ok());
            CHECK(!e.description.empty());
        }
    }

    TEST_CASE("registry: bad specs are rejected with a message naming the valid choices") {
        struct Case {
            const char* spec;
            const char* message;
        };
        const Case cases[] = {
            {"", "producer spec is empty, expected name[:key=value,...] with name one of: sweep, "
                 "waves, blobs, camera, transparency, sensor, replay, hdf5, zmq"},
            {"foo", "unknown producer 'foo', expected one of: sweep, waves, blobs, camera, "
                    "transparency, sensor, replay, hdf5, zmq"},
            {"foo:interval=1", "unknown producer 'foo', expected one of: sweep, waves, blobs, "
                               "camera, transparency, sensor, replay, hdf5, zmq"},
            {"sweep:colour=red",
             "sweep: unknown setting 'colour', expected one of: interval, "
             "latency, jitter, iterations, seed, "
             "policy, slots, fail_after, isolate, restart, answer_timeout, name, width, "
             "height, points"},
            {"sweep:name=a/b", "sweep: name must be 1 to 32 of A-Z a-z 0-9 _ - . #, got 'a/b'"},
            {"sweep:name=", "sweep: name must be 1 to 32 of A-Z a-z 0-9 _ - . #, got ''"},
            {"sweep:interval=-1",
             "sweep: interval must be a number of seconds in 0..86400 or 'auto', got '-1'"},
            {"sweep:interval=abc",
             "sweep: interval must be a number of seconds in 0..86400 or 'auto', got 'abc'"},
            {"sweep:latency=auto",
             "sweep: latency must be a number of seconds in 0..86400, got 'auto'"},
            {"sweep:width=0", "sweep: width is out of range, got 0, expected 1..16384"},
            {"sweep:width=100000", "sweep: width is out of range, got 100000, expected 1..16384"},
            {"sweep:width=12px", "sweep: width must be a whole number, got '12px'"},
            {"sweep:points=0", "sweep: points is out of range, got 0, expected 1..1000000"},
            {"sweep:policy=block", "sweep: policy must be one of: drop, wait, got 'block'"},
            {"sweep:slots=0", "sweep: slots is out of range, got 0, expected 1..64"},
            {"sweep:width", "sweep: setting 'width' has no value, expected width=value"},
            {"sweep:width=8,width=9", "sweep: setting 'width' is given twice"},
            {"sweep:", "sweep: no settings after ':', expected key=value[,key=value...]"},
            {"sweep:width=8,", "sweep: empty setting after ',', expected key=value"},
            {"sweep:=5", "sweep: setting '=5' has no key, expected key=value"},
            {"waves:lines=4096,points=1000000",
             "waves: lines x points is out of range, got 4096000000, expected 1..16000000"},
            {"sensor:rate=0", "sensor: rate is out of range, got 0, expected 1..1e+06"},
            {"blobs:sigma=nan", "blobs: sigma must be a number, got 'nan'"},
        };
        for (const Case& c : cases) {
            CAPTURE(c.spec);
            producers::CreatedProducer made;
            const Status s = producers::create(c.spec, made);
            CHECK(s.message() == c.message);
            CHECK(made.producer == nullptr);
        }
    }

    TEST_CASE("registry: the listing names every producer and setting with its default") {
        const std::string text = producers::describe_all();
        for (const auto& e : producers::registry()) {
            CHECK(text.find(std::string(e.name)) != std::string::npos);
            for (const auto& s : e.settings)
                CHECK(text.find(std::string(s.key)) != std::string::npos);
        }
        CHECK(text.find("policy") != std::string::npos);
    }

    TEST_CASE("registry: producers are named after their kind then KIND#2 or by name=") {
        std::vector<producers::CreatedProducer> made(4);
        REQUIRE(producers::create("sweep", made[0]).is_ok());
        REQUIRE(producers::create("sweep:name=left", made[1]).is_ok());
        REQUIRE(producers::create("sweep", made[2]).is_ok());
        REQUIRE(producers::create("blobs", made[3]).is_ok());
        REQUIRE(producers::instance_names(made).is_ok());
        CHECK(made[0].name == "sweep");
        CHECK(made[1].name == "left");
        CHECK(made[2].name == "sweep#3");
        CHECK(made[3].name == "blobs");
    }

    TEST_CASE("registry: two producers given one name are refused with a message naming it") {
        std::vector<producers::CreatedProducer> made(2);
        REQUIRE(producers::create("sweep:name=cam", made[0]).is_ok());
        REQUIRE(producers::create("blobs:name=cam", made[1]).is_ok());
        CHECK(producers::instance_names(made).message() ==
              "two producers are named 'cam' (producers 1 and 2): give one another name with "
              "name=...");
    }

} // TEST_SUITE
