// --record DIR and the replay producer, end to end with the real binary (headless).

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <unistd.h>

#include "app/e2e_files.hpp"
#include "wire/npy.hpp"

namespace fs = std::filesystem;
using rtv::test::fresh_path;
using rtv::test::Json;
using rtv::test::read_json;
using rtv::test::slurp;

namespace {

int run(const std::string& args, const fs::path& err) {
    const std::string cmd =
        std::string(RTV_VIEWER_PATH) + " " + args + " >/dev/null 2>" + err.string();
    const int raw = std::system(cmd.c_str());
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

std::vector<std::string> lines_of(const fs::path& p) {
    std::vector<std::string> out;
    std::ifstream in(p);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

// The .npy file an index line names, parsed (the test fails if it does not parse).
rtv::wire::NpyArray frame_of(const fs::path& dir, const std::string& index_line,
                             std::string& bytes) {
    const std::string file = index_line.substr(index_line.rfind('\t') + 1);
    bytes = slurp(dir / file);
    rtv::wire::NpyArray a;
    REQUIRE(
        rtv::wire::parse_npy({reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()}, a)
            .is_ok());
    return a;
}

const Json& stream(const Json& j, const std::string& name) {
    const Json* s = rtv::test::find_stream(j, name);
    REQUIRE_MESSAGE(s, "no stream " << name);
    return *s;
}

// 20 frame sets of a small sweep, none dropped (policy=wait), recorded.
constexpr const char* kSweep = "sweep:iterations=20,interval=0.001,width=16,height=8,policy=wait";

} // namespace

TEST_SUITE("app") {

    TEST_CASE("record: every frame of every stream becomes an indexed .npy file") {
        const fs::path dir = fresh_path("all"), stats = fresh_path("all.json"),
                       err = fresh_path("err");
        REQUIRE(run("--headless --exit-when-done --producer " + std::string(kSweep) + " --record " +
                        dir.string() + " --stats-json " + stats.string(),
                    err) == 0);
        const auto index = lines_of(dir / "index.tsv");
        REQUIRE(index.size() == 1 + 40); // header + 20 images + 20 lines, superseded ones too
        CHECK(index[0] == "frame\tstream\tkind\trows\tcols\tformat\tt_ns\tfile");
        int images = 0, lines = 0;
        for (std::size_t i = 1; i < index.size(); ++i) {
            CAPTURE(index[i]);
            const bool image =
                index[i].find("\tsweep/image\timage\t8\t16\tf32\t") != std::string::npos;
            const bool line =
                index[i].find("\tsweep/line\tlines\t1\t200\txy32f\t") != std::string::npos;
            REQUIRE((image || line));
            images += image;
            lines += line;
            std::string bytes; // the array's data points into it
            const rtv::wire::NpyArray a = frame_of(dir, index[i], bytes);
            CHECK(a.shape[0] == (image ? 8u : 200u));
            CHECK(a.shape[1] == (image ? 16u : 2u));
        }
        CHECK(images == 20);
        CHECK(lines == 20);
        const Json j = read_json(stats);
        CHECK(j.at("record").at("frames").get<double>() == 40);
        CHECK(j.at("record").at("dropped").get<double>() == 0);
        CHECK_FALSE(j.at("record").at("limit_reached").get<bool>());
    }

    TEST_CASE("record: a write error stops the recording with its reason and counts what it lost") {
        const fs::path dir = fresh_path("efbig"), stats = fresh_path("efbig.json"),
                       err = fresh_path("err");
        // A file size limit of 64 KiB (SIGXFSZ ignored, so writes past it fail with EFBIG):
        // index.tsv fits, no 256 KiB frame does.
        const std::string cmd =
            "sh -c 'trap \"\" XFSZ; ulimit -f 64; exec " + std::string(RTV_VIEWER_PATH) +
            " --headless --exit-when-done --producer "
            "sweep:iterations=10,interval=0.001,width=256,height=256,"
            "policy=wait --record " +
            dir.string() + " --stats-json " + stats.string() + "' >/dev/null 2>" + err.string();
        const int raw = std::system(cmd.c_str());
        REQUIRE(WIFEXITED(raw));
        CHECK(WEXITSTATUS(raw) == 0); // the viewer goes on
        const Json j = read_json(stats);
        const Json& rec = j.at("record");
        CHECK(rec.at("frames") == 0);
        CHECK(rec.at("error") == "rtviewer: --record: cannot write " + dir.string() +
                                     ": File too large; recording stopped");
        // The frame being written and any still in the ring are counted as lost.
        CHECK(rec.at("discarded").get<double>() >= 1);
    }

    TEST_CASE("record: recording stops at the size limit and says so") {
        const fs::path dir = fresh_path("limit"), stats = fresh_path("limit.json"),
                       err = fresh_path("err");
        // 256x256 float images are 256 KiB: about four fit in 1 MB.
        REQUIRE(run("--headless --exit-when-done --producer "
                    "sweep:iterations=20,interval=0.001,width=256,height=256,policy=wait "
                    "--record " +
                        dir.string() + " --record-limit 1 --stats-json " + stats.string(),
                    err) == 0);
        const Json j = read_json(stats);
        CHECK(j.at("record").at("limit_reached").get<bool>());
        CHECK(j.at("record").at("frames").get<double>() >= 2);
        CHECK(j.at("record").at("frames").get<double>() < 40);
        CHECK(j.at("record").at("bytes").get<double>() <= 1024.0 * 1024.0 + 40 * 128.0);
        CHECK(lines_of(dir / "index.tsv").size() ==
              std::size_t(j.at("record").at("frames").get<double>()) + 1);
    }

    TEST_CASE("replay: a recording plays back its streams and loops on request") {
        const fs::path dir = fresh_path("replay"), err = fresh_path("err");
        REQUIRE(run("--headless --exit-when-done --producer " + std::string(kSweep) + " --record " +
                        dir.string(),
                    err) == 0);
        const fs::path once = fresh_path("once.json");
        REQUIRE(run("--headless --exit-when-done --producer replay:path=" + dir.string() +
                        ",policy=wait --stats-json " + once.string(),
                    err) == 0);
        const Json a = read_json(once);
        for (const char* name : {"sweep/image", "sweep/line"}) {
            CAPTURE(name);
            const Json& s = stream(a, name);
            CHECK(s.at("produced").get<double>() == 20);
            CHECK(s.at("rejected").get<double>() == 0);
            CHECK(s.at("displayed").get<double>() >= 1);
        }
        CHECK(a.at("producers").at(0).at("state").get<std::string>() == "finished");
        // loop=1 goes round the 40 recorded frames until iterations stops it.
        const fs::path looped = fresh_path("loop.json");
        REQUIRE(run("--headless --exit-when-done --producer replay:path=" + dir.string() +
                        ",loop=1,iterations=100,interval=0.0005,policy=wait --stats-json " +
                        looped.string(),
                    err) == 0);
        const Json b = read_json(looped);
        CHECK(stream(b, "sweep/image").at("produced").get<double>() == 50);
        CHECK(stream(b, "sweep/line").at("produced").get<double>() == 50);
    }

    TEST_CASE("replay: a frame file gone bad is rejected on its stream and the rest plays") {
        const fs::path dir = fresh_path("bad"), err = fresh_path("err"),
                       stats = fresh_path("bad.json");
        REQUIRE(run("--headless --exit-when-done --producer " + std::string(kSweep) + " --record " +
                        dir.string(),
                    err) == 0);
        std::ofstream(dir / "frames" / "000000000.npy", std::ios::trunc) << "garbage";
        REQUIRE(run("--headless --exit-when-done --producer replay:path=" + dir.string() +
                        ",policy=wait --stats-json " + stats.string(),
                    err) == 0);
        const Json j = read_json(stats);
        // Frame 0's stream: the second field of the index's first frame line.
        const std::string line = lines_of(dir / "index.tsv")[1];
        const std::size_t tab = line.find('\t');
        const Json& first = stream(j, line.substr(tab + 1, line.find('\t', tab + 1) - tab - 1));
        CHECK(first.at("rejected").get<double>() == 1);
        CHECK(first.at("produced").get<double>() == 20);
        CHECK(first.at("last_error").get<std::string>().find("bad magic") != std::string::npos);
    }

    TEST_CASE("record and replay: uint16 and RGBA frames keep their format and bytes") {
        const fs::path dir = fresh_path("formats"), err = fresh_path("err"),
                       stats = fresh_path("formats.json");
        REQUIRE(run("--headless --exit-when-done --producer "
                    "camera:iterations=5,interval=0.001,width=32,height=24,policy=wait "
                    "--producer transparency:iterations=5,interval=0.001,width=20,height=16,"
                    "policy=wait --record " +
                        dir.string(),
                    err) == 0);
        const auto index = lines_of(dir / "index.tsv");
        REQUIRE(index.size() == 1 + 15);
        int cam = 0, back = 0, front = 0;
        for (std::size_t i = 1; i < index.size(); ++i) {
            CAPTURE(index[i]);
            std::string bytes; // the array's data points into it
            const rtv::wire::NpyArray a = frame_of(dir, index[i], bytes);
            if (index[i].find("\tcamera/image\timage\t24\t32\tu16\t") != std::string::npos) {
                ++cam;
                CHECK(a.type == rtv::wire::NpyType::U2);
                CHECK(a.dims == 2);
            } else if (index[i].find("\ttransparency/back\timage\t16\t20\trgba32f\t") !=
                       std::string::npos) {
                ++back;
                CHECK(a.type == rtv::wire::NpyType::F4);
                CHECK(a.dims == 3);
                CHECK(a.shape[2] == 4);
            } else if (index[i].find("\ttransparency/front\timage\t16\t20\trgba8\t") !=
                       std::string::npos) {
                ++front;
                CHECK(a.type == rtv::wire::NpyType::U1);
                CHECK(a.shape[2] == 4);
            }
        }
        CHECK(cam == 5);
        CHECK(back == 5);
        CHECK(front == 5);
        REQUIRE(run("--headless --exit-when-done --producer replay:path=" + dir.string() +
                        ",policy=wait --stats-json " + stats.string(),
                    err) == 0);
        const Json j = read_json(stats);
        for (const auto& [name, format] :
             {std::pair{"camera/image", "u16"}, std::pair{"transparency/back", "rgba32f"},
              std::pair{"transparency/front", "rgba8"}}) {
            CAPTURE(name);
            const Json& s = stream(j, name);
            CHECK(s.at("format").get<std::string>() == format);
            CHECK(s.at("produced").get<double>() == 5);
            CHECK(s.at("rejected").get<double>() == 0);
        }
    }

    TEST_CASE("replay: a recording from before pixel formats (no format column) plays as float32") {
        const fs::path dir = fresh_path("legacy"), err = fresh_path("err"),
                       stats = fresh_path("legacy.json");
        fs::create_directories(dir / "frames");
        std::vector<std::byte> npy;
        rtv::wire::write_npy(npy, std::vector<float>(12, 0.5f), 3, 4);
        std::ofstream(dir / "frames" / "000000000.npy", std::ios::binary)
            .write(reinterpret_cast<const char*>(npy.data()), std::streamsize(npy.size()));
        std::ofstream(dir / "index.tsv") << "frame\tstream\tkind\trows\tcols\tt_ns\tfile\n"
                                         << "0\told/image\timage\t3\t4\t1000\tframes/"
                                            "000000000.npy\n";
        REQUIRE(run("--headless --exit-when-done --producer replay:path=" + dir.string() +
                        " --stats-json " + stats.string(),
                    err) == 0);
        const Json j = read_json(stats);
        const Json& s = stream(j, "old/image");
        CHECK(s.at("format").get<std::string>() == "f32");
        CHECK(s.at("produced").get<double>() == 1);
        CHECK(s.at("rejected").get<double>() == 0);
    }

    TEST_CASE("replay and record: bad arguments exit 2 with their message") {
        const fs::path err = fresh_path("err");
        CHECK(run("--headless --producer replay:path=/nonexistent/rec", err) == 2);
        CHECK(slurp(err) == "rtviewer: --producer: replay: cannot read /nonexistent/rec/index.tsv: "
                            "No such file or directory (is it a directory written by --record?)\n");
        CHECK(run("--headless --producer replay", err) == 2);
        CHECK(slurp(err) ==
              "rtviewer: --producer: replay: path is required, e.g. replay:path=recording\n");
        CHECK(run("--headless --record-limit 0 --record /tmp/x", err) == 2);
        CHECK(slurp(err) == "rtviewer: --record-limit: must be a whole number of megabytes in "
                            "1..1000000, got '0'\n");
    }
}
