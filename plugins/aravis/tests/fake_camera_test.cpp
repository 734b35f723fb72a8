// The aravis plugin on Aravis' in-process fake camera (arv_enable_interface("Fake"): no network),
// loaded and run as the viewer runs it. The fake camera draws a diagonal ramp that moves one step
// a frame: at its default exposure and gain, Mono8 pixel (x, y) of frame id n is (x + y + n) mod
// 256 (Mono16: that value in the high byte); every format moves the same way.
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <arv.h>
#include <doctest/doctest.h>

#include "core/producer_board.hpp"
#include "core/producer_host.hpp"
#include "plugin_host/plugin_loader.hpp"
#include "producers/harness.hpp"
#include "stderr_capture.hpp"

using namespace rtv;

namespace {

void ensure_loaded() {
    static bool loaded = false;
    if (loaded) return;
    const Status s = plugins::load_plugin(RTV_ARAVIS_PLUGIN);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    loaded = true;
}

// The fake camera's pixel formats, asked of Aravis itself.
std::vector<std::string> offered_formats() {
    arv_enable_interface("Fake");
    GError* e = nullptr;
    ArvCamera* cam = arv_camera_new("Fake_1", &e);
    REQUIRE_MESSAGE(cam != nullptr, (e ? e->message : "no camera"));
    guint n = 0;
    const char** names = arv_camera_dup_available_pixel_formats_as_strings(cam, &n, nullptr);
    std::vector<std::string> out(names, names + n);
    g_free(names);
    g_object_unref(cam);
    return out;
}

// Sample s (of `bytes` bytes) at pixel (x, y), channel c.
unsigned sample(const test::Captured& f, std::uint32_t width, std::uint32_t channels,
                std::uint32_t bytes, std::uint32_t x, std::uint32_t y, std::uint32_t c) {
    const std::size_t i = ((std::size_t{y} * width + x) * channels + c) * bytes;
    if (bytes == 1) return std::to_integer<unsigned>(f.bytes[i]);
    std::uint16_t v = 0;
    std::memcpy(&v, &f.bytes[i], 2);
    return v;
}

std::string run_error(const std::string& spec) {
    producers::CreatedProducer made;
    const Status s = producers::create(spec, made);
    REQUIRE_FALSE(s.is_ok());
    return s.message();
}

} // namespace

TEST_SUITE("plugins") {

    TEST_CASE("aravis: every pixel format the fake camera offers arrives in its own depth") {
        ensure_loaded();
        const std::vector<std::string> formats = offered_formats();
        REQUIRE(formats.size() == 7);      // Mono8, Mono16, RGB8 and four Bayer mosaics
        const std::uint32_t w = 21, h = 9; // an odd region of interest
        for (const std::string& format : formats) {
            CAPTURE(format);
            test::Capture c;
            REQUIRE(c.run("aravis:camera=Fake_1,frame_rate=1000,frames=5,policy=wait,width=" +
                          std::to_string(w) + ",height=" + std::to_string(h) +
                          ",offset_x=3,offset_y=2,pixel_format=" + format));
            CHECK(c.host.producer_status(0).state() == ProducerState::Finished);
            const ImageDesc& d = c.host.stream(0).request().image;
            CHECK(d.width == w);
            CHECK(d.height == h);
            const bool rgb = format == "RGB8", wide = format == "Mono16";
            const bool bayer = format.starts_with("Bayer");
            CHECK(d.format.channels == (rgb ? 3 : 1));
            CHECK(d.format.sample == (wide ? SampleType::U16 : SampleType::U8));
            REQUIRE(c.frames.size() == 5);
            const StatsSnapshot st = c.host.stream(0).stats().read();
            CHECK(st.gaps == 0);
            CHECK(st.rejected == 0);
            const std::uint32_t ch = rgb ? 3 : 1, bytes = wide ? 2 : 1;
            int wrong = 0;
            for (std::size_t k = 0; k < c.frames.size(); ++k) {
                const test::Captured& f = c.frames[k];
                CHECK(f.sequence == c.frames[0].sequence + k); // frame ids continuous
                REQUIRE(f.bytes.size() == std::size_t{w} * h * ch * bytes);
                // The ramp depends on x + y only (a mosaic: on x + y within each colour), and
                // moves one step (a mosaic: two) a frame.
                const std::uint32_t step = bayer ? 2 : 1;
                for (std::uint32_t y = 0; y + step < h; ++y)
                    for (std::uint32_t x = 0; x + step < w; ++x)
                        for (std::uint32_t cc = 0; cc < ch; ++cc)
                            wrong += sample(f, w, ch, bytes, x + step, y, cc) !=
                                     sample(f, w, ch, bytes, x, y + step, cc);
                if (k + step < c.frames.size()) {
                    const test::Captured& later = c.frames[k + step];
                    for (std::uint32_t y = 0; y < h; ++y)
                        for (std::uint32_t x = 0; x + step < w; ++x)
                            for (std::uint32_t cc = 0; cc < ch; ++cc)
                                wrong += sample(later, w, ch, bytes, x, y, cc) !=
                                         sample(f, w, ch, bytes, x + step, y, cc);
                }
                if (format == "Mono8" || wide) { // the ramp's own values, one apart
                    const unsigned v0 = sample(f, w, 1, bytes, 0, 0, 0);
                    for (std::uint32_t x = 1; x < w; ++x) {
                        const unsigned v = sample(f, w, 1, bytes, x, 0, 0);
                        wrong += wide ? (v >> 8) != (((v0 >> 8) + x) & 255u) || (v & 255u) != 255
                                      : v != ((v0 + x) & 255u);
                    }
                }
            }
            CHECK(wrong == 0);
        }
    }

    TEST_CASE("aravis: frame ids run on across the 16-bit wrap with no gap") {
        // The fake camera numbers frames from 65401; 65535 is followed by 1.
        ensure_loaded();
        test::Capture c;
        REQUIRE(c.run("aravis:camera=Fake_1,frame_rate=1000,frames=150,policy=wait,width=8,"
                      "height=2,pixel_format=Mono8"));
        REQUIRE(c.frames.size() == 150);
        int out_of_order = 0;
        for (std::size_t k = 1; k < c.frames.size(); ++k) {
            out_of_order += c.frames[k].sequence != c.frames[k - 1].sequence + 1;
        }
        CHECK(out_of_order == 0); // a 65535 -> 1 step read as 2 would show here and as a gap
        CHECK(c.host.stream(0).stats().read().gaps == 0);
    }

    TEST_CASE("aravis: exposure and the region reach the camera and are logged at start") {
        ensure_loaded();
        double mean[2] = {0, 0};
        const char* exposures[2] = {"10000", "40000"};
        for (int i = 0; i < 2; ++i) {
            test::StderrCapture err;
            test::Capture c;
            REQUIRE(c.run(std::string("aravis:camera=Fake_1,frame_rate=1000,frames=2,") +
                          "policy=wait,width=16,height=6,offset_x=5,offset_y=4,gain=0,"
                          "pixel_format=Mono8,exposure_us=" +
                          exposures[i]));
            REQUIRE(c.frames.size() == 2);
            for (std::byte b : c.frames[1].bytes)
                mean[i] += std::to_integer<unsigned>(b);
            mean[i] /= double(c.frames[1].bytes.size());
            CHECK(err.wait_for(std::string("rtviewer: aravis: camera Fake_1 (Aravis Fake, serial "
                                           "1): Mono8 16x6 at (5, 4), exposure ") +
                                   exposures[i] + " us, gain 0, frame rate 1000 Hz, trigger off",
                               5));
            CHECK(err.wait_for("acquiring, zero copy into 8 buffers", 5));
        }
        CHECK(mean[1] > mean[0]); // a longer exposure brightens the fake camera's picture
    }

    TEST_CASE("aravis: software trigger makes one frame per trigger with continuous ids") {
        ensure_loaded();
        test::StderrCapture err;
        test::Capture c;
        REQUIRE(c.run("aravis:camera=Fake_1,trigger=software,frame_rate=200,frames=6,policy=wait,"
                      "width=12,height=4,pixel_format=Mono8"));
        CHECK(err.wait_for("frame rate 200 Hz, trigger software", 5));
        REQUIRE(c.frames.size() == 6);
        for (std::size_t k = 1; k < c.frames.size(); ++k)
            CHECK(c.frames[k].sequence == c.frames[k - 1].sequence + 1);
        CHECK(c.host.stream(0).stats().read().gaps == 0);
    }

    TEST_CASE("aravis: debayer=1 turns a Bayer mosaic into rgb8 frames of the same size") {
        ensure_loaded();
        test::Capture c;
        REQUIRE(c.run("aravis:camera=Fake_1,frame_rate=1000,frames=3,policy=wait,width=11,"
                      "height=5,pixel_format=BayerRG8,debayer=1"));
        const ImageDesc& d = c.host.stream(0).request().image;
        CHECK(d.format.channels == 3);
        CHECK(d.format.sample == SampleType::U8);
        REQUIRE(c.frames.size() == 3);
        CHECK(c.frames[2].bytes.size() == 11u * 5u * 3u);
        CHECK(c.frames[2].bytes != c.frames[1].bytes); // the ramp moved
    }

    TEST_CASE("aravis: bad settings are refused naming the valid choices") {
        ensure_loaded();
        CHECK(run_error("aravis:camera=Fake_1,pixel_format=Mono9") ==
              "aravis: pixel_format must be one of: Mono8, Mono10, Mono12, Mono16, Mono10p, "
              "Mono12p, Mono10Packed, Mono12Packed, RGB8, BayerRG8, BayerGR8, BayerGB8, "
              "BayerBG8, got 'Mono9'");
        CHECK(run_error("aravis:camera=Fake_1,pixel_format=Mono12p") ==
              "aravis: camera 'Fake_1': pixel_format Mono12p is not offered, it offers: "
              "BayerBG8, BayerGB8, BayerGR8, BayerRG8, Mono8, RGB8, Mono16");
        CHECK(run_error("aravis:camera=Fake_1,trigger=line1") ==
              "aravis: camera 'Fake_1': trigger source Line1 is not offered, it offers: Line0, "
              "Software");
        CHECK(run_error("aravis:camera=Fake_1,trigger=hardware") ==
              "aravis: trigger must be one of: off, software, line1, got 'hardware'");
        CHECK(run_error("aravis:camera=Fake_1,width=4000") ==
              "aravis: camera 'Fake_1': width is out of range, got 4000, expected 1..2048");
        CHECK(run_error("aravis:camera=Fake_1,exposure_us=1") ==
              "aravis: camera 'Fake_1': exposure_us is out of range, got 1, expected "
              "10..1e+07");
        CHECK(run_error("aravis:camera=Fake_1,buffers=1") ==
              "aravis: buffers is out of range, got '1', expected 2..64");
        // The cameras Aravis found (the fake one is on: this test opened it above).
        const std::string missing = run_error("aravis:camera=NoSuchCamera");
        CHECK(missing.starts_with("aravis: no camera 'NoSuchCamera', expected one of: "));
        CHECK(missing.find("Fake_1") != std::string::npos);
    }

    TEST_CASE("aravis: exposure and gain change live and the camera's values come back as rows") {
        ensure_loaded();
        FrameQueue queue = make_frame_queue();
        ProducerHost host{queue};
        moodycamel::ConsumerToken token{queue};
        producers::CreatedProducer made;
        REQUIRE(producers::create("aravis:camera=Fake_1,frame_rate=200,width=16,height=8,"
                                  "exposure_us=2000",
                                  made)
                    .is_ok());
        REQUIRE(host.start(made.type, std::move(made.producer), made.schedule).is_ok());
        ProducerBoard* board = host.producer(0).board();
        REQUIRE(board != nullptr);
        std::array<char, ProducerBoard::kValueBytes> value{};
        const auto row = [&](const char* key) {
            return board->value_of(key, value) ? std::string(value.data()) : std::string("(none)");
        };
        const auto until = [&](auto done) { // takes frames (slots go back) while it waits
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
            while (!done()) {
                FrameMsg msg;
                while (queue.try_dequeue(token, msg)) {
                    host.stream(msg.stream).count_taken();
                    host.stream(msg.stream).pool().release(msg.slot);
                }
                if (std::chrono::steady_clock::now() > deadline) return false;
                std::this_thread::sleep_for(std::chrono::milliseconds(2)); // the poll's period
            }
            return true;
        };
        REQUIRE(until([&] { return row("state") == "streaming"; }));
        CHECK(row("device id") == "Fake_1");
        CHECK(row("pixel format") == "Mono8");
        CHECK(row("roi") == "16x8 at (0, 0)");
        CHECK(row("exposure_us") == "2000");
        // Applied on the producer's thread; the row is the camera's value read back.
        REQUIRE(board->push_change("exposure_us", "5000"));
        CHECK(until([&] { return row("exposure_us") == "5000"; }));
        REQUIRE(board->push_change("gain", "3"));
        CHECK(until([&] { return row("gain") == "3"; }));
        // Refused: the value in effect stays, with the reason.
        REQUIRE(board->push_change("exposure_us", "-1"));
        CHECK(until(
            [&] { return row("exposure_us").starts_with("5000 (-1 refused: out of range"); }));
        REQUIRE(board->push_change("gain", "loud"));
        CHECK(until([&] { return row("gain") == "3 (loud refused: not a number: 'loud')"; }));
        const std::uint64_t before = host.stream(0).stats().read().produced;
        CHECK(until([&] { return host.stream(0).stats().read().produced > before + 3; }));
        CHECK(host.producer_status(0).state() == ProducerState::Running);
        host.stop_all();
    }
}
