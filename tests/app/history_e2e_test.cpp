// History through the real rtviewer binary, headless: --history-export writes the moment a
// second before the end, and each stream's frame in it must be exactly the one current then:
// checked against --record of the same run (every frame the router took, with its submit time).
// Also the history's depth in --stats-json and the command line's bad values.

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "app/e2e_files.hpp"
#include "wire/npy.hpp"

namespace fs = std::filesystem;
using rtv::test::fresh_path;
using rtv::test::Json;
using rtv::test::read_json;
using rtv::test::Run;
using rtv::test::slurp;
using rtv::test::viewer;

namespace {

struct Row {
    std::string stream, kind, format, file;
    std::uint32_t rows = 0, cols = 0;
    std::int64_t t_ns = 0;
};

// index.tsv, as the recorder and the export write it.
std::vector<Row> read_index(const fs::path& dir) {
    std::vector<Row> out;
    std::ifstream in(dir / "index.tsv");
    std::string line;
    std::getline(in, line); // the header
    while (std::getline(in, line)) {
        std::istringstream f(line);
        Row r;
        std::string frame;
        f >> frame >> r.stream >> r.kind >> r.rows >> r.cols >> r.format >> r.t_ns >> r.file;
        out.push_back(r);
    }
    return out;
}

// The data bytes of a .npy file.
std::string npy_data(const fs::path& file) {
    const std::string bytes = slurp(file);
    rtv::wire::NpyArray a;
    REQUIRE(
        rtv::wire::parse_npy({reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()}, a)
            .is_ok());
    return {reinterpret_cast<const char*>(a.data.data()), a.data.size()};
}

} // namespace

TEST_SUITE("app") {

    TEST_CASE("history: the exported moment holds each stream's frame current then and the "
              "append history as it was") {
        const fs::path rec = fresh_path("hist_rec"), exp = fresh_path("hist_exp"),
                       json = fresh_path("hist.json");
        const Run run = viewer("--headless --duration 3 --producer "
                               "sweep:interval=0.02,iterations=0,width=64,height=48,policy=wait "
                               "--producer camera:interval=0.03,width=32,height=24 "
                               "--producer sensor:rate=2000,history=500 --record " +
                               rec.string() + " --history-export 1.0 " + exp.string() +
                               " --stats-json " + json.string());
        REQUIRE_MESSAGE(run.status == 0, run.err);
        const Json moment = read_json(exp / "moment.json");
        const std::int64_t t = moment.at("t_ns").get<std::int64_t>();
        CHECK(moment.at("seconds_ago").get<double>() >= 1.0);
        CHECK(fs::file_size(exp / "screenshot.png") > 0);
        const std::vector<Row> recorded = read_index(rec), exported = read_index(exp);
        REQUIRE(exported.size() == 4);
        // The recording holds every frame taken; the stats say none was skipped by it.
        REQUIRE(read_json(json).at("record").at("dropped").get<double>() == 0);
        for (const Row& e : exported) {
            CAPTURE(e.stream);
            CHECK(e.t_ns <= t);
            if (e.stream == "sensor/samples") continue; // below
            // The newest recorded frame of the stream at or before t is the one exported.
            const Row* current = nullptr;
            for (const Row& r : recorded)
                if (r.stream == e.stream && r.t_ns <= t) current = &r;
            REQUIRE(current);
            CHECK(current->t_ns == e.t_ns);
            // sweep waits for slots (policy=wait): its k-th frame has sequence number k.
            if (e.stream.rfind("sweep/", 0) == 0) {
                std::uint32_t k = 0;
                for (const Row& r : recorded)
                    if (r.stream == e.stream && r.t_ns < e.t_ns) ++k;
                std::int64_t sequence = -1;
                for (const Json& s : moment.at("streams"))
                    if (s.at("stream") == e.stream) sequence = s.at("sequence").get<std::int64_t>();
                CHECK(sequence == k);
            }
            CHECK(current->format == e.format);
            CHECK(npy_data(rec / current->file) == npy_data(exp / e.file));
        }
        // The append stream: the samples of every chunk submitted at or before t, the newest
        // 500 (its history) of them, in order.
        std::string samples;
        for (const Row& r : recorded)
            if (r.stream == "sensor/samples" && r.t_ns <= t) samples += npy_data(rec / r.file);
        const std::size_t point = 2 * sizeof(float);
        if (samples.size() > 500 * point) samples = samples.substr(samples.size() - 500 * point);
        const Row* sensor = nullptr;
        for (const Row& e : exported)
            if (e.stream == "sensor/samples") sensor = &e;
        REQUIRE(sensor);
        CHECK(sensor->cols == samples.size() / point);
        CHECK(npy_data(exp / sensor->file) == samples);
        // Depth in the statistics: frames and seconds held.
        const Json stats = read_json(json);
        const Json* image = rtv::test::find_stream(stats, "sweep/image");
        REQUIRE(image);
        CHECK(image->at("history").at("frames").get<double>() > 100);
        CHECK(image->at("history").at("seconds").get<double>() > 2.0);
        CHECK(image->at("history").at("skipped").get<double>() == 0);
    }

    TEST_CASE("history: a stream whose frames are larger than its history has none and says so") {
        const fs::path json = fresh_path("hist_big.json");
        // Ten frames of each stream, then the viewer exits (not a count of display frames, which
        // a loaded machine could draw before the first line frame came).
        const Run run = viewer("--headless --exit-when-done --producer "
                               "sweep:width=1024,height=1024,iterations=10 "
                               "--history sweep/image=2 --stats-json " +
                               json.string());
        REQUIRE_MESSAGE(run.status == 0, run.err);
        const Json stats = read_json(json);
        const Json& h = rtv::test::find_stream(stats, "sweep/image")->at("history");
        CHECK(h.at("frames").get<double>() == 0);
        CHECK(h.at("note").get<std::string>() ==
              "no history: a frame is 4.0 MB, more than its history of 2.0 MB");
        CHECK(rtv::test::find_stream(stats, "sweep/line")->at("history").at("frames") > 0);
    }

    TEST_CASE("history: bad --history and --history-export values exit 2 naming the numbers") {
        const Run over = viewer("--headless --memory-limit 100 --history 500");
        CHECK(over.status == 2);
        CHECK(over.err.find("rtviewer: --history: 500 MB is more than the memory limit of 100 MB "
                            "(--memory-limit)") != std::string::npos);
        const Run bad = viewer("--headless --history lots");
        CHECK(bad.status == 2);
        CHECK(bad.err.find("--history: expected MB or NAME=MB (whole megabytes), got 'lots'") !=
              std::string::npos);
        const Run when = viewer("--headless --history-export -3 /tmp/x");
        CHECK(when.status == 2);
        CHECK(when.err.find("--history-export: SECONDS must be a number in [0, 86400], got "
                            "'-3'") != std::string::npos);
        const Run none = viewer("--headless --history 0 --history-export 1 /tmp/x");
        CHECK(none.status == 2);
        CHECK(none.err.find("--history-export: needs a history, but --history is 0") !=
              std::string::npos);
    }

} // TEST_SUITE
