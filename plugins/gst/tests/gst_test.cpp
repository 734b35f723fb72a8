// The gst producer plugin, loaded for real (build/lib/rtviewer/plugins/gst.so): its frames are
// compared with what GStreamer itself makes of the same pipeline in this process (the reference),
// its refusals and failures are checked word for word where GStreamer's words are stable, the
// viewer runs it as a child process where only a whole run shows the behaviour (exit 2 before
// any window, isolate=process), and an RTSP camera is a small RTSP server of the test's own on
// 127.0.0.1. Nothing waits by sleeping: frames come off the host's queue as they are made, and
// the one wait for the source (a file growing) is an inotify watch with a deadline.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/e2e_files.hpp"
#include "core/producer_board.hpp"
#include "core/producer_host.hpp"
#include "plugin_host/plugin_loader.hpp"
#include "producers/harness.hpp"
#include "producers/registry.hpp"

using namespace rtv;

// LeakSanitizer (the ASan build): GLib never frees its first block of quarks when the table
// outgrows it (readers may still hold it, lock-free); the RTSP and RTP elements register enough
// quarks for that. The block is allocated by GLib's library constructor, so exactly that is
// suppressed: a leak whose allocation ran inside _dl_init. Seeing that frame needs the slow
// unwinder (GLib has no frame pointers). Used only when the test is built with ASan.
extern "C" const char* __asan_default_options() {
    return "fast_unwind_on_malloc=0";
}
extern "C" const char* __lsan_default_suppressions() {
    return "leak:_dl_init\n";
}

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

void load_gst() {
    static const bool loaded = [] {
        const Status s = plugins::load_plugin(RTV_GST_PLUGIN);
        REQUIRE_MESSAGE(s.is_ok(), s.message());
        return true;
    }();
    (void)loaded;
    if (!gst_is_initialized()) gst_init(nullptr, nullptr);
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A frame as the viewer should hold it: tightly packed rows of the stream's layout.
struct Expected {
    Bytes bytes;
    bool padded = false; // the source's rows were longer than the pixels in them
    GstVideoColorMatrix matrix = GST_VIDEO_COLOR_MATRIX_UNKNOWN; // of the source's caps
    GstClockTime pts = GST_CLOCK_TIME_NONE;                      // the buffer's
};

// The viewer's layout of one mapped frame, computed here independently of the plugin: RGB-family
// formats by GStreamer's own component offsets, YUV by the formula docs/gstreamer.md states.
Bytes expected_of(const GstVideoFrame& f) {
    const GstVideoInfo& info = f.info;
    const GstVideoFormatInfo* fi = info.finfo;
    const int w = GST_VIDEO_INFO_WIDTH(&info), h = GST_VIDEO_INFO_HEIGHT(&info);
    Bytes out;
    auto comp = [&](int c, int x, int y) {
        const auto* base = static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_COMP_DATA(&f, c));
        const int row = y >> GST_VIDEO_FORMAT_INFO_H_SUB(fi, c);
        const int col = x >> GST_VIDEO_FORMAT_INFO_W_SUB(fi, c);
        return int(base[row * GST_VIDEO_FRAME_COMP_STRIDE(&f, c) +
                        col * GST_VIDEO_FRAME_COMP_PSTRIDE(&f, c)]);
    };
    const GstVideoFormat format = GST_VIDEO_INFO_FORMAT(&info);
    if (format == GST_VIDEO_FORMAT_GRAY16_LE) {
        const auto* base = static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&f, 0));
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < 2 * w; ++x)
                out.push_back(base[y * GST_VIDEO_FRAME_PLANE_STRIDE(&f, 0) + x]);
    } else if (GST_VIDEO_FORMAT_INFO_IS_GRAY(fi)) {
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                out.push_back(std::uint8_t(comp(0, x, y)));
    } else if (GST_VIDEO_FORMAT_INFO_IS_RGB(fi)) {
        const bool alpha = GST_VIDEO_FORMAT_INFO_HAS_ALPHA(fi);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                for (int c : {GST_VIDEO_COMP_R, GST_VIDEO_COMP_G, GST_VIDEO_COMP_B, 3})
                    if (c != 3 || alpha) out.push_back(std::uint8_t(comp(c, x, y)));
    } else { // YUV, in doubles: round(65536 * coefficient), then the integer formula
        gdouble kr = 0, kb = 0;
        REQUIRE(gst_video_color_matrix_get_Kr_Kb(info.colorimetry.matrix, &kr, &kb));
        const bool full = info.colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
        const double s = full ? 1.0 : 255.0 / 219.0, k = full ? 1.0 : 255.0 / 224.0;
        const double kg = 1.0 - kr - kb;
        const long gain = std::lround(65536 * s), vr = std::lround(65536 * k * 2 * (1 - kr)),
                   ub = std::lround(65536 * k * 2 * (1 - kb)),
                   ug = std::lround(65536 * k * 2 * (1 - kb) * kb / kg),
                   vg = std::lround(65536 * k * 2 * (1 - kr) * kr / kg);
        const long y0 = full ? 0 : 16;
        auto level = [](long v) {
            const long l = (v + 32768) >> 16;
            return std::uint8_t(l < 0 ? 0 : l > 255 ? 255 : l);
        };
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const long Y = gain * (comp(GST_VIDEO_COMP_Y, x, y) - y0);
                const long U = comp(GST_VIDEO_COMP_U, x, y) - 128;
                const long V = comp(GST_VIDEO_COMP_V, x, y) - 128;
                out.push_back(level(Y + vr * V));
                out.push_back(level(Y - ug * U - vg * V));
                out.push_back(level(Y + ub * U));
            }
    }
    return out;
}

// Runs `description` (ending in an element that feeds an appsink) in this process and returns
// each frame as the viewer should hold it. `caps`: the appsink's caps.
std::vector<Expected> reference(const std::string& description, const std::string& caps) {
    GError* err = nullptr;
    GstElement* p =
        gst_parse_launch_full((description + " ! appsink name=out sync=false caps=" + caps).c_str(),
                              nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &err);
    REQUIRE_MESSAGE(err == nullptr, (err ? err->message : ""));
    GstElement* sink = gst_bin_get_by_name(GST_BIN(p), "out");
    REQUIRE(gst_element_set_state(p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
    std::vector<Expected> out;
    // Ends at EOS; a pipeline that stalls is ctest's timeout.
    while (GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink))) {
        GstVideoInfo info;
        REQUIRE(gst_video_info_from_caps(&info, gst_sample_get_caps(sample)));
        GstVideoFrame frame;
        REQUIRE(gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample), GST_MAP_READ));
        Expected e;
        e.bytes = expected_of(frame);
        e.matrix = info.colorimetry.matrix;
        e.pts = GST_BUFFER_PTS(gst_sample_get_buffer(sample));
        e.padded = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0) >
                   GST_VIDEO_INFO_WIDTH(&info) * GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, 0);
        out.push_back(std::move(e));
        gst_video_frame_unmap(&frame);
        gst_sample_unref(sample);
    }
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(p);
    return out;
}

Bytes bytes_of(const test::Captured& c) {
    Bytes b(c.bytes.size());
    std::memcpy(b.data(), c.bytes.data(), b.size());
    return b;
}

// The one-line message with which `spec` is refused (a failed check if it is accepted).
std::string refusal(const std::string& spec) {
    producers::CreatedProducer made;
    const Status s = producers::create(spec, made);
    CHECK_MESSAGE(!s.is_ok(), spec << " was accepted");
    CHECK(s.message().find('\n') == std::string::npos); // one line
    return s.message();
}

// Runs a producer and takes its frames off the queue as a viewer would, giving each to `take`
// (which returns false to stop the producer) until the producer ends.
template <class Take> void consume(test::Capture& c, const std::string& spec, Take take) {
    producers::CreatedProducer made;
    const Status s = producers::create(spec, made);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    REQUIRE(c.host.start(made.type, std::move(made.producer), made.schedule).is_ok());
    moodycamel::ConsumerToken token(c.queue);
    bool stopping = false;
    for (;;) {
        const ProducerState state = c.host.producer_status(0).state();
        const bool ended = state != ProducerState::Starting && state != ProducerState::Running;
        FrameMsg msg;
        bool any = false;
        while (c.queue.try_dequeue(token, msg)) {
            any = true;
            if (!take(msg) && !stopping) {
                stopping = true;
                c.host.request_stop_all();
            }
        }
        if (ended && !any) break;
    }
    c.host.join_all();
}

// The bytes of an image message, its slot given back.
Bytes take_image(test::Capture& c, const FrameMsg& msg) {
    Stream& stream = c.host.stream(msg.stream);
    stream.count_taken();
    const auto raw = stream.pool().data(msg.slot).first(stream.request().image.byte_size());
    Bytes b(raw.size());
    std::memcpy(b.data(), raw.data(), b.size());
    stream.pool().release(msg.slot);
    return b;
}

std::string producer_message(const test::Capture& c) {
    std::string m;
    c.host.producer_status(0).message(m);
    return m;
}

// Waits (inotify, no polling) until `file` holds at least `size` bytes; false after `seconds`.
bool wait_for_size(const fs::path& file, std::uintmax_t size, int seconds) {
    const int fd = inotify_init1(IN_CLOEXEC);
    REQUIRE(fd >= 0);
    const int watch = inotify_add_watch(fd, file.parent_path().c_str(), IN_MODIFY | IN_CREATE);
    REQUIRE(watch >= 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    bool reached = false;
    while (!reached && std::chrono::steady_clock::now() < deadline) {
        std::error_code ec;
        reached = fs::file_size(file, ec) >= size && !ec;
        if (reached) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) > 0) { // an event (or 100 ms): look again
            char events[4096];
            [[maybe_unused]] const ssize_t n = ::read(fd, events, sizeof events);
        }
    }
    ::close(fd);
    return reached;
}

// A one-client RTSP server on 127.0.0.1, just enough for rtspsrc protocols=tcp (RFC 2326):
// OPTIONS, DESCRIBE (the SDP it is given), SETUP (RTP interleaved in the TCP connection), PLAY;
// then it sends the RTP packets it was given, each framed as interleaved data on channel 0, and
// answers whatever else comes (GET_PARAMETER, TEARDOWN) until the client closes or the server is
// destroyed. Interleaved data from the client (RTCP) is read and ignored.
class RtspServer {
public:
    RtspServer(std::vector<Bytes> packets, std::string sdp)
        : m_packets(std::move(packets))
        , m_sdp(std::move(sdp)) {
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(m_listen >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(m_listen, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(m_listen, 1) == 0);
        socklen_t len = sizeof a;
        REQUIRE(::getsockname(m_listen, reinterpret_cast<sockaddr*>(&a), &len) == 0);
        m_port = ntohs(a.sin_port);
        REQUIRE(::pipe2(m_wake, O_CLOEXEC) == 0);
        m_thread = std::thread([this] { serve(); });
    }
    ~RtspServer() {
        [[maybe_unused]] const ssize_t n = ::write(m_wake[1], "x", 1);
        m_thread.join();
        ::close(m_listen);
        ::close(m_wake[0]);
        ::close(m_wake[1]);
    }
    RtspServer(const RtspServer&) = delete;
    RtspServer& operator=(const RtspServer&) = delete;

    std::uint16_t port() const { return m_port; }
    bool played() const { return m_played.load(); }

private:
    // Waits for `fd` to be readable; false when the server is being destroyed.
    bool readable(int fd) {
        pollfd p[2] = {{fd, POLLIN, 0}, {m_wake[0], POLLIN, 0}};
        while (::poll(p, 2, -1) < 0) {
        }
        return !(p[1].revents & POLLIN);
    }
    void send_all(int fd, const std::string& data) {
        std::size_t at = 0;
        while (at < data.size()) {
            const ssize_t n = ::send(fd, data.data() + at, data.size() - at, MSG_NOSIGNAL);
            if (n <= 0) return;
            at += std::size_t(n);
        }
    }
    static std::string header(const std::string& request, const std::string& name) {
        const std::size_t at = request.find("\r\n" + name + ":");
        if (at == std::string::npos) return {};
        std::size_t from = at + 3 + name.size();
        while (from < request.size() && request[from] == ' ')
            ++from;
        return request.substr(from, request.find("\r\n", from) - from);
    }
    void answer(int fd, const std::string& request) {
        const std::string method = request.substr(0, request.find(' '));
        std::string reply = "RTSP/1.0 200 OK\r\nCSeq: " + header(request, "CSeq") + "\r\n";
        std::string body;
        if (method == "OPTIONS") {
            reply += "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER\r\n";
        } else if (method == "DESCRIBE") {
            const std::string url = request.substr(9, request.find(' ', 9) - 9);
            reply += "Content-Base: " + url + "/\r\nContent-Type: application/sdp\r\n";
            body = m_sdp;
        } else if (method == "SETUP") {
            reply += "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 4711\r\n";
        } else if (method == "PLAY" || method == "GET_PARAMETER" || method == "TEARDOWN") {
            reply += "Session: 4711\r\n";
        } else {
            reply = "RTSP/1.0 501 Not Implemented\r\nCSeq: " + header(request, "CSeq") + "\r\n";
        }
        if (!body.empty()) reply += "Content-Length: " + std::to_string(body.size()) + "\r\n";
        send_all(fd, reply + "\r\n" + body);
        if (method == "PLAY") {
            m_played.store(true);
            for (const Bytes& p : m_packets) {
                std::string frame = {'$', '\0', char(p.size() >> 8), char(p.size() & 0xff)};
                frame.append(reinterpret_cast<const char*>(p.data()), p.size());
                send_all(fd, frame);
            }
        }
    }
    void serve() {
        if (!readable(m_listen)) return;
        const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;
        std::string in;
        char buf[4096];
        while (readable(fd)) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break; // the client closed
            in.append(buf, std::size_t(n));
            for (;;) { // whole messages: interleaved data, or a request and its body
                if (!in.empty() && in[0] == '$') {
                    if (in.size() < 4) break;
                    const std::size_t len =
                        (std::size_t(std::uint8_t(in[2])) << 8) | std::uint8_t(in[3]);
                    if (in.size() < 4 + len) break;
                    in.erase(0, 4 + len);
                    continue;
                }
                const std::size_t end = in.find("\r\n\r\n");
                if (end == std::string::npos) break;
                const std::string length = header(in.substr(0, end + 2), "Content-Length");
                const std::size_t body = length.empty() ? 0 : std::stoul(length);
                if (in.size() < end + 4 + body) break;
                answer(fd, in.substr(0, end + 2));
                in.erase(0, end + 4 + body);
            }
        }
        ::close(fd);
    }

    std::vector<Bytes> m_packets;
    std::string m_sdp;
    int m_listen = -1;
    int m_wake[2] = {-1, -1};
    std::uint16_t m_port = 0;
    std::atomic<bool> m_played{false};
    std::thread m_thread;
};

bool has_element(const char* name) {
    GstElementFactory* f = gst_element_factory_find(name);
    if (f) gst_object_unref(f);
    return f != nullptr;
}

const char* const kPattern = "videotestsrc pattern=smpte horizontal-speed=7 num-buffers=3";

} // namespace

TEST_SUITE("plugins") {

    TEST_CASE("gst: videotestsrc frames equal the pattern in every format at 301x203") {
        load_gst();
        struct Case {
            const char* format;
            std::uint32_t channels;
            SampleType sample;
        };
        const Case cases[] = {{"GRAY8", 1, SampleType::U8}, {"GRAY16_LE", 1, SampleType::U16},
                              {"RGB", 3, SampleType::U8},   {"RGBA", 4, SampleType::U8},
                              {"BGR", 3, SampleType::U8},   {"BGRx", 3, SampleType::U8},
                              {"BGRA", 4, SampleType::U8},  {"xRGB", 3, SampleType::U8},
                              {"ARGB", 4, SampleType::U8},  {"I420", 3, SampleType::U8},
                              {"YV12", 3, SampleType::U8},  {"NV12", 3, SampleType::U8},
                              {"NV21", 3, SampleType::U8},  {"YUY2", 3, SampleType::U8},
                              {"UYVY", 3, SampleType::U8}};
        for (const Case& k : cases) {
            CAPTURE(k.format);
            const std::vector<Expected> want = reference(
                kPattern, std::string("video/x-raw,format=") + k.format + ",width=301,height=203");
            REQUIRE(want.size() == 3);
            CHECK(want[0].bytes != want[1].bytes); // the pattern moves: frames are told apart
            if (!std::strcmp(k.format, "GRAY8") || !std::strcmp(k.format, "RGB"))
                CHECK(want[0].padded); // 301 and 903 bytes of pixels in rows of 304 and 904
            test::Capture c;
            REQUIRE(c.run(std::string("gst:pipeline=") + kPattern + ",format=" + k.format +
                          ",width=301,height=203,sync=0,drop=0,policy=wait"));
            CHECK(c.host.producer_status(0).state() == ProducerState::Finished);
            const ImageDesc& desc = c.host.stream(0).request().image;
            CHECK(desc.width == 301);
            CHECK(desc.height == 203);
            CHECK(desc.format.channels == k.channels);
            CHECK(desc.format.sample == k.sample);
            REQUIRE(c.frames.size() == 3);
            for (std::size_t n = 0; n < 3; ++n) {
                CHECK(c.frames[n].sequence == n);
                CHECK(bytes_of(c.frames[n]) == want[n].bytes);
            }
        }
    }

    TEST_CASE("gst: a solid YUV colour comes back as the RGB asked for in BT.601 and BT.709") {
        // videotestsrc makes YUV from the RGB colour with the matrix its caps name (BT.601 for
        // small frames, BT.709 for HD: GStreamer's default colorimetry); the plugin must convert
        // back with that same matrix. videoconvert, GStreamer's own converter, is a second
        // opinion (its 8-bit fixed point lands up to 4 levels from the colour itself).
        load_gst();
        struct Size {
            const char* caps;
            GstVideoColorMatrix matrix;
        };
        for (const Size& size : {Size{"64,height=48", GST_VIDEO_COLOR_MATRIX_BT601},
                                 Size{"1280,height=720", GST_VIDEO_COLOR_MATRIX_BT709}}) {
            for (const char* format : {"I420", "YUY2"}) {
                CAPTURE(size.caps);
                CAPTURE(format);
                const std::string source = "videotestsrc pattern=solid-color "
                                           "foreground-color=0xff3080c0 num-buffers=1";
                const std::string yuv =
                    std::string("video/x-raw,format=") + format + ",width=" + size.caps;
                const std::vector<Expected> made = reference(source, yuv);
                REQUIRE(made.size() == 1);
                CHECK(made[0].matrix == size.matrix);
                const std::vector<Expected> converted =
                    reference(source + " ! " + yuv + " ! videoconvert", "video/x-raw,format=RGB");
                REQUIRE(converted.size() == 1);
                test::Capture c;
                REQUIRE(c.run("gst:pipeline=" + source + ",format=" + format +
                              ",width=" + size.caps + ",sync=0,drop=0,policy=wait"));
                REQUIRE(c.frames.size() == 1);
                const Bytes got = bytes_of(c.frames[0]);
                REQUIRE(got.size() == converted[0].bytes.size());
                const int asked[3] = {0x30, 0x80, 0xc0};
                int from_asked = 0, from_videoconvert = 0;
                for (std::size_t i = 0; i < got.size(); ++i) {
                    from_asked = std::max(from_asked, std::abs(int(got[i]) - asked[i % 3]));
                    from_videoconvert = std::max(
                        from_videoconvert, std::abs(int(got[i]) - int(converted[0].bytes[i])));
                }
                CHECK(from_asked <= 2);
                CHECK(from_videoconvert <= 5);
            }
        }
    }

    TEST_CASE("gst: an AVI file the test writes plays to its end and loop=1 plays it again") {
        load_gst();
        const fs::path file = test::fresh_path("clip.avi");
        const std::string source = "videotestsrc pattern=smpte horizontal-speed=5 num-buffers=12";
        const std::string caps = "video/x-raw,format=BGR,width=61,height=47";
        const std::vector<Expected> want = reference(source, caps); // BGR rows of 183 in 184
        REQUIRE(want.size() == 12);
        CHECK(want[0].padded);
        {
            GError* err = nullptr;
            GstElement* writer = gst_parse_launch_full(
                (source + " ! " + caps + " ! avimux ! filesink location=" + file.string()).c_str(),
                nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &err);
            REQUIRE(err == nullptr);
            REQUIRE(gst_element_set_state(writer, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
            GstBus* bus = gst_element_get_bus(writer);
            GstMessage* end = gst_bus_timed_pop_filtered(
                bus, GST_CLOCK_TIME_NONE,
                static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
            CHECK(GST_MESSAGE_TYPE(end) == GST_MESSAGE_EOS);
            gst_message_unref(end);
            gst_object_unref(bus);
            gst_element_set_state(writer, GST_STATE_NULL);
            gst_object_unref(writer);
        }
        const std::string play =
            "gst:pipeline=filesrc location=" + file.string() + " ! avidemux,sync=0,drop=0";
        test::Capture once;
        REQUIRE(once.run(play + ",policy=wait"));
        CHECK(once.host.producer_status(0).state() == ProducerState::Finished);
        REQUIRE(once.frames.size() == 12);
        for (std::size_t n = 0; n < 12; ++n) {
            CHECK(once.frames[n].sequence == n);
            CHECK(bytes_of(once.frames[n]) == want[n].bytes); // BGR as RGB, rows unpadded
        }
        // loop=1: after frame 11 comes frame 0 again, numbered on; stopped at 30 frames.
        test::Capture looped;
        std::vector<Bytes> got;
        consume(looped, play + ",loop=1,policy=wait", [&](const FrameMsg& msg) {
            CHECK(msg.sequence == got.size());
            got.push_back(take_image(looped, msg));
            return got.size() < 30;
        });
        CHECK(looped.host.producer_status(0).state() == ProducerState::Stopped);
        REQUIRE(got.size() >= 30);
        for (std::size_t n = 0; n < 30; ++n)
            CHECK(got[n] == want[n % 12].bytes);
        fs::remove(file);
    }

    TEST_CASE("gst: frame times are the buffers' PTS on the viewer's clock") {
        // Played in real time (sync=1), a frame is taken when its PTS comes: the times the
        // viewer gets are spaced exactly as the PTS are (the prerolled first frame, taken
        // before the pipeline plays, is stamped when it was taken).
        load_gst();
        const std::string source = "videotestsrc num-buffers=5";
        const std::vector<Expected> want =
            reference(source, "video/x-raw,format=GRAY8,width=16,height=16");
        REQUIRE(want.size() == 5);
        CHECK(want[4].pts - want[1].pts == 3 * GST_SECOND / 30); // 30 frames a second
        test::Capture c;
        std::vector<std::int64_t> times;
        consume(c,
                "gst:pipeline=" + source +
                    ",format=GRAY8,width=16,height=16,sync=1,drop=0,"
                    "policy=wait",
                [&](const FrameMsg& msg) {
                    times.push_back(msg.submit_ns);
                    take_image(c, msg);
                    return true;
                });
        REQUIRE(times.size() == 5);
        for (std::size_t n = 2; n < 5; ++n)
            CHECK(times[n] - times[1] == std::int64_t(want[n].pts - want[1].pts));
    }

    TEST_CASE("gst: buffers the appsink dropped for a slow viewer are counted as gaps") {
        // One slot, held by this consumer while the source makes all of its 51 frames: the
        // appsink (max_buffers=1, drop=1) keeps the newest and drops the rest. The tee's file
        // branch says when the source is done: once the file holds 51 frames, the tee has given
        // the appsink at least 50 (async=false: the file branch need not preroll, as the tee
        // waits in the appsink's preroll first; unbuffered: the EOS that would flush a buffered
        // file waits in the appsink until the viewer takes its frames). The pattern moves 3 pixels
        // a frame, so each frame that arrives says which of the source's frames it is.
        load_gst();
        const fs::path file = test::fresh_path("tee.gray");
        const std::string source = "videotestsrc pattern=smpte horizontal-speed=3 num-buffers=51";
        const std::vector<Expected> want =
            reference(source, "video/x-raw,format=GRAY8,width=64,height=48");
        REQUIRE(want.size() == 51);
        test::Capture c;
        std::vector<Bytes> got;
        consume(c,
                "gst:pipeline=" + source + " ! tee name=t ! appsink name=rtv t. ! queue ! " +
                    "filesink async=false buffer-mode=unbuffered location=" + file.string() +
                    ",format=GRAY8,width=64,height=48,max_buffers=1,drop=1,sync=0,slots=1," +
                    "policy=wait",
                [&](const FrameMsg& msg) {
                    if (got.empty()) // the first frame: the slot stays out until the source ends
                        CHECK(wait_for_size(file, 51u * 64 * 48, 60));
                    got.push_back(take_image(c, msg));
                    return true;
                });
        CHECK(c.host.producer_status(0).state() == ProducerState::Finished);
        const StatsSnapshot s = c.host.stream(0).stats().read();
        CHECK(s.produced == got.size());
        CHECK(s.produced + s.gaps == 51); // every frame the source made: shown or counted missing
        CHECK(s.gaps >= 40);
        // Which of the source's frames each one is: the first, the last, and the drops between
        // them exactly the gaps counted.
        std::vector<int> which;
        for (const Bytes& bytes : got) {
            int k = 0;
            while (k < 51 && want[std::size_t(k)].bytes != bytes)
                ++k;
            which.push_back(k);
        }
        REQUIRE(!which.empty());
        CHECK(which.front() == 0);
        CHECK(which.back() == 50);
        std::uint64_t between = 0;
        for (std::size_t i = 1; i < which.size(); ++i) {
            CHECK(which[i] > which[i - 1]);
            between += std::uint64_t(which[i] - which[i - 1] - 1);
        }
        CHECK(between == s.gaps);
        fs::remove(file);
    }

    TEST_CASE("gst: a size change mid-stream opens a stream of the new size") {
        // concat plays 3 frames of 320x240, then 3 with a 16-pixel border on the left (videobox).
        load_gst();
        test::Capture c;
        REQUIRE(c.run("gst:pipeline=videotestsrc num-buffers=3 ! c. videotestsrc num-buffers=3 ! "
                      "videobox left=-16 ! c. concat name=c,format=GRAY8,sync=0,drop=0,"
                      "policy=wait"));
        CHECK(c.host.producer_status(0).state() == ProducerState::Finished);
        REQUIRE(c.host.stream_count() == 2);
        CHECK(c.host.stream(0).request().name == "gst/image");
        CHECK(c.host.stream(1).request().name == "gst/image-336x240-GRAY8");
        CHECK(c.host.stream(1).request().image.width == 336);
        const auto before = c.of_stream(0), after = c.of_stream(1);
        REQUIRE(before.size() == 3);
        REQUIRE(after.size() == 3);
        int moved = 0; // pixels of the bordered frame that are not the first frame's, 16 right
        for (std::size_t y = 0; y < 240; ++y)
            for (std::size_t x = 0; x < 320; ++x)
                moved += after[0]->bytes[y * 336 + 16 + x] != before[0]->bytes[y * 320 + x];
        CHECK(moved == 0);
        for (const test::Captured& f : c.frames)
            CHECK(c.host.stream(f.stream).stats().read().gaps == 0);
        // The rows the panel shows (ABI 1.1 set_info) follow the caps to the new size.
        const ProducerBoard* board = c.host.producer(0).board();
        REQUIRE(board != nullptr);
        std::array<char, ProducerBoard::kValueBytes> v{};
        const auto row = [&](const char* key) {
            return board->value_of(key, v) ? std::string(v.data()) : std::string("(none)");
        };
        CHECK(row("state") == "ended (end of stream)");
        CHECK(row("video") == "GRAY8 336x240, 30/1 fps");
        CHECK(row("caps").starts_with("video/x-raw, format=(string)GRAY8, width=(int)336, "
                                      "height=(int)240"));
        CHECK(contains(row("source"), "videotestsrc0 (videotestsrc)"));
        CHECK(contains(row("source"), "videotestsrc1 (videotestsrc)"));
        CHECK(row("live") == "no");
    }

    TEST_CASE("gst: discover lists only video sources as gst pipelines") {
        // This machine may have no video device at all (then none is listed); every one listed
        // is a pipeline gst plays.
        load_gst();
        std::vector<std::string> searched;
        const std::vector<plugins::FoundDevice> found = plugins::discover_devices(&searched);
        CHECK(std::find(searched.begin(), searched.end(), "gst") != searched.end());
        for (const plugins::FoundDevice& d : found) {
            if (d.producer != "gst") continue;
            CAPTURE(d.spec);
            CHECK(d.spec.starts_with("gst:pipeline=\""));
            CHECK(d.spec.ends_with(" ! videoconvert\""));
            CHECK_FALSE(d.description.empty());
        }
    }

    TEST_CASE("gst: a quoted pipeline keeps its caps with their commas") {
        load_gst();
        test::Capture c;
        REQUIRE(c.run("gst:pipeline=\"videotestsrc num-buffers=2 ! "
                      "video/x-raw,format=GRAY8,width=33,height=17\",sync=0,drop=0,policy=wait"));
        REQUIRE(c.host.stream_count() == 1);
        CHECK(c.host.stream(0).request().image ==
              ImageDesc{33, 17, PixelFormat{1, SampleType::U8}});
        CHECK(c.frames.size() == 2);
    }

    TEST_CASE("gst: an error mid-stream fails the producer with the element's name and message") {
        load_gst();
        test::Capture c;
        REQUIRE(c.run("gst:pipeline=videotestsrc ! identity name=faulty error-after=5,sync=0,"
                      "drop=0,policy=wait"));
        CHECK(c.host.producer_status(0).state() == ProducerState::Failed);
        CHECK(producer_message(c) == "gst: faulty: Failed after iterations as requested.");
        CHECK(c.frames.size() >= 1); // those before the error, as many as reached the viewer
        CHECK(c.frames.size() <= 5);
    }

    TEST_CASE("gst: settings and pipelines that cannot work are refused naming the reason") {
        load_gst();
        CHECK(refusal("gst:pipeline=nosuchelement ! videoconvert") ==
              "gst: pipeline 'nosuchelement ! videoconvert' does not parse: no element "
              "\"nosuchelement\"");
        CHECK(refusal("gst:pipeline=filesrc name=src location=/nonexistent/clip.avi ! avidemux") ==
              "gst: pipeline 'filesrc name=src location=/nonexistent/clip.avi ! avidemux' did not "
              "start: src: Resource not found. (No such file \"/nonexistent/clip.avi\")");
        CHECK(contains(refusal("gst:pipeline=audiotestsrc name=tone"),
                       "did not start: tone: Internal data stream error. (streaming stopped, "
                       "reason not-negotiated (-4)); the video's format or size is not one the "
                       "appsink takes: add videoconvert"));
        CHECK(contains(refusal("gst:pipeline=videotestsrc ! fakesink name=out"),
                       "does not parse: could not link out to rtv"));
        CHECK(refusal("gst:pipeline=videotestsrc ! fakesink name=rtv") ==
              "gst: the element named rtv in the pipeline is a fakesink, expected an appsink");
        CHECK(refusal("gst:pipeline=videotestsrc num-buffers=0") ==
              "gst: pipeline 'videotestsrc num-buffers=0' ended before its first frame");
        CHECK(refusal("gst:pipeline=videotestsrc ! valve drop=1,timeout=0.2") ==
              "gst: pipeline 'videotestsrc ! valve drop=1' gave no video within 0.2 s "
              "(timeout=0.2): is its source there and sending?");
        CHECK(contains(refusal("gst:format=YUV9"),
                       "gst: format must be one of: auto, RGB, RGBA, GRAY8, GRAY16_LE, BGR, "));
        CHECK(contains(refusal("gst:format=YUV9"), ", got 'YUV9'"));
        CHECK(refusal("gst:drop=yes") == "gst: drop must be one of: 0, 1, got 'yes'");
        CHECK(refusal("gst:loop=2") == "gst: loop must be one of: 0, 1, got '2'");
        CHECK(refusal("gst:max_buffers=0") ==
              "gst: max_buffers is out of range, got '0', expected 1..1000");
        CHECK(refusal("gst:width=16385") ==
              "gst: width is out of range, got '16385', expected 0 (any) or 1..16384");
        CHECK(refusal("gst:timeout=0") ==
              "gst: timeout is out of range, got '0', expected 0.1..3600 seconds");
        CHECK(contains(refusal("gst:pipeline="), "gst: pipeline is empty"));
        CHECK(contains(refusal("gst:colour=red"), "unknown setting 'colour', expected one of: "));
    }

    TEST_CASE("gst: the viewer exits 2 with GStreamer's message before any window opens") {
        // No display and no --headless: a viewer that got as far as its window would say so.
        const std::string env = "env -u DISPLAY -u WAYLAND_DISPLAY RTV_PLUGIN_DIR=" +
                                fs::path(RTV_GST_PLUGIN).parent_path().string();
        const test::Run r = test::viewer("-p 'gst:pipeline=v4l2src ! nosuchconvert'", env);
        CHECK(r.status == 2);
        CHECK(r.err == "rtviewer: --producer: gst: pipeline 'v4l2src ! nosuchconvert' does not "
                       "parse: no element \"nosuchconvert\"");
    }

    TEST_CASE("gst: isolate=process plays the pipeline in a helper and the viewer gets every "
              "frame") {
        const fs::path json = test::fresh_path("isolated.json");
        const std::string env = "RTV_PLUGIN_DIR=" + fs::path(RTV_GST_PLUGIN).parent_path().string();
        const test::Run r = test::viewer(
            "--headless --exit-when-done --stats-json " + json.string() +
                " -p 'gst:pipeline=videotestsrc num-buffers=10,format=GRAY8,width=33,height=20,"
                "isolate=process,sync=0,drop=0,policy=wait'",
            env);
        CHECK(r.status == 0);
        const nlohmann::json stats = test::read_json(json);
        const nlohmann::json* s = test::find_stream(stats, "gst/image");
        REQUIRE(s != nullptr);
        CHECK(s->at("produced").get<int>() + s->at("gaps").get<int>() == 10);
        CHECK(s->at("rejected") == 0);
        CHECK(stats.at("producers").at(0).at("state") == "finished");
        // Its rows come from the helper (wire/rows.hpp), as in process.
        const nlohmann::json& info = stats.at("producers").at(0).at("info");
        CAPTURE(info.dump());
        CHECK(info.value("pipeline", "").starts_with("videotestsrc"));
        fs::remove(json);
    }
    TEST_CASE("gst: an RTSP camera on loopback plays through rtspsrc and decodebin") {
        // The camera is this test's own RTSP server (above) sending raw RGB over RTP (RFC 4175,
        // GStreamer's rtpvrawpay), so that the frames can be compared pixel for pixel; the
        // plugin's pipeline is the documented one, rtspsrc ! decodebin.
        load_gst();
        for (const char* element : {"rtspsrc", "rtpvrawpay", "rtpvrawdepay", "decodebin"}) {
            if (!has_element(element)) {
                std::fprintf(stderr,
                             "SKIPPED: GStreamer element %s is not installed (Debian: "
                             "gstreamer1.0-plugins-good)\n",
                             element);
                std::_Exit(test::kSkipExitCode);
            }
        }
        const std::string source = "videotestsrc pattern=smpte horizontal-speed=7 num-buffers=5";
        const std::string caps = "video/x-raw,format=RGB,width=64,height=48";
        const std::vector<Expected> want = reference(source, caps);
        REQUIRE(want.size() == 5);
        // The RTP packets of those frames, and the SDP that describes them.
        std::vector<Bytes> packets;
        std::string fmtp;
        {
            GError* err = nullptr;
            GstElement* p = gst_parse_launch_full(
                (source + " ! " + caps + " ! rtpvrawpay pt=96 ! appsink name=out sync=false")
                    .c_str(),
                nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &err);
            REQUIRE(err == nullptr);
            GstElement* sink = gst_bin_get_by_name(GST_BIN(p), "out");
            REQUIRE(gst_element_set_state(p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
            while (GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink))) {
                if (fmtp.empty()) {
                    const GstStructure* st = gst_caps_get_structure(gst_sample_get_caps(sample), 0);
                    for (const char* key :
                         {"sampling", "width", "height", "depth", "colorimetry"}) {
                        const char* v = gst_structure_get_string(st, key);
                        REQUIRE(v != nullptr);
                        fmtp += std::string(fmtp.empty() ? "" : "; ") + key + "=" + v;
                    }
                }
                GstMapInfo map;
                GstBuffer* b = gst_sample_get_buffer(sample);
                REQUIRE(gst_buffer_map(b, &map, GST_MAP_READ));
                packets.emplace_back(map.data, map.data + map.size);
                gst_buffer_unmap(b, &map);
                gst_sample_unref(sample);
            }
            gst_element_set_state(p, GST_STATE_NULL);
            gst_object_unref(sink);
            gst_object_unref(p);
        }
        REQUIRE(packets.size() >= 5);
        const std::string sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=rtviewer test camera\r\n"
                                "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\n"
                                "a=rtpmap:96 raw/90000\r\na=fmtp:96 " +
                                fmtp + "\r\na=control:stream0\r\n";
        RtspServer camera(packets, sdp);
        test::Capture c;
        std::vector<Bytes> got;
        consume(c,
                "gst:pipeline=rtspsrc location=rtsp://127.0.0.1:" + std::to_string(camera.port()) +
                    "/camera protocols=tcp latency=0 ! decodebin,sync=0,drop=0,max_buffers=10," +
                    "policy=wait",
                [&](const FrameMsg& msg) {
                    got.push_back(take_image(c, msg));
                    return got.size() < 5;
                });
        CHECK(camera.played());
        const ImageDesc& desc = c.host.stream(0).request().image;
        CHECK(desc.width == 64);
        CHECK(desc.height == 48);
        CHECK(desc.format.channels == 3);
        REQUIRE(got.size() == 5);
        for (std::size_t n = 0; n < 5; ++n)
            CHECK(got[n] == want[n].bytes);
        // The depayloader does not number its frames; the plugin does, at its appsink.
        CHECK(c.host.stream(0).stats().read().gaps == 0);
    }
}
