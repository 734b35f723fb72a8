// gst: an rtviewer producer plugin that shows the video of any GStreamer pipeline (a webcam, an
// RTSP camera, a video file), built against <rtviewer/plugin.h> and GStreamer alone.
//
// Threads: create(), configure(), stream() and destroy() run on the viewer's main thread;
// configure() builds the pipeline and starts it (prerolls it, or plays a live source until its
// caps are known), so a pipeline that does not parse, names an element that is not installed or
// fails at once is refused before any window opens, and the stream's shape is declared up front.
// run() runs on the producer's thread: it pulls samples from the appsink (a timed pull, so that
// it sees stop within kPollNs), copies or converts each into a leased slot and commits it, and
// polls the pipeline's bus for errors (no GLib main loop). A pad probe on the appsink's sink pad
// numbers every buffer that reaches it (in the buffer's offset field), so buffers the appsink
// dropped because the viewer was slow arrive as gaps in the sequence numbers.
//
//   rtviewer --producer 'gst:pipeline=v4l2src ! videoconvert'
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <rtviewer/plugin.h>

#include "convert.hpp"

namespace {

using rtv::gst::Component;
using rtv::gst::Plane;

constexpr GstClockTime kPollNs = 50 * GST_MSECOND; // the longest run() goes without seeing stop
constexpr std::uint32_t kMaxSide = 16384;          // rtv_stream_request's limit
constexpr int kMaxWarningsLogged = 20;
constexpr std::int64_t kOffsetRenewNs = 10'000'000'000; // see GstSource::frame_time

// How a format reaches the stream's layout.
enum class Route : std::uint8_t {
    Copy,    // the stream's own layout: rows copied
    Reorder, // packed RGB-family bytes in another order
    Yuv      // YUV converted to RGB
};

struct Format {
    const char* name; // GStreamer's name, also the format= setting's value
    GstVideoFormat gst;
    Route route;
    std::uint32_t channels; // of the stream
    std::uint32_t sample;   // RTV_SAMPLE_*
    std::uint32_t in_bytes; // Reorder: bytes a pixel
    std::uint8_t order[4];  // Reorder: the input byte of R, G, B and A
};

// The formats gst takes, in the order the appsink's caps prefer them (format=auto).
constexpr Format kFormats[] = {
    {"RGB", GST_VIDEO_FORMAT_RGB, Route::Copy, 3, RTV_SAMPLE_U8, 3, {0, 1, 2, 0}},
    {"RGBA", GST_VIDEO_FORMAT_RGBA, Route::Copy, 4, RTV_SAMPLE_U8, 4, {0, 1, 2, 3}},
    {"GRAY8", GST_VIDEO_FORMAT_GRAY8, Route::Copy, 1, RTV_SAMPLE_U8, 1, {0, 0, 0, 0}},
    {"GRAY16_LE", GST_VIDEO_FORMAT_GRAY16_LE, Route::Copy, 1, RTV_SAMPLE_U16, 2, {0, 0, 0, 0}},
    {"BGR", GST_VIDEO_FORMAT_BGR, Route::Reorder, 3, RTV_SAMPLE_U8, 3, {2, 1, 0, 0}},
    {"BGRx", GST_VIDEO_FORMAT_BGRx, Route::Reorder, 3, RTV_SAMPLE_U8, 4, {2, 1, 0, 0}},
    {"RGBx", GST_VIDEO_FORMAT_RGBx, Route::Reorder, 3, RTV_SAMPLE_U8, 4, {0, 1, 2, 0}},
    {"xRGB", GST_VIDEO_FORMAT_xRGB, Route::Reorder, 3, RTV_SAMPLE_U8, 4, {1, 2, 3, 0}},
    {"xBGR", GST_VIDEO_FORMAT_xBGR, Route::Reorder, 3, RTV_SAMPLE_U8, 4, {3, 2, 1, 0}},
    {"BGRA", GST_VIDEO_FORMAT_BGRA, Route::Reorder, 4, RTV_SAMPLE_U8, 4, {2, 1, 0, 3}},
    {"ARGB", GST_VIDEO_FORMAT_ARGB, Route::Reorder, 4, RTV_SAMPLE_U8, 4, {1, 2, 3, 0}},
    {"ABGR", GST_VIDEO_FORMAT_ABGR, Route::Reorder, 4, RTV_SAMPLE_U8, 4, {3, 2, 1, 0}},
    {"I420", GST_VIDEO_FORMAT_I420, Route::Yuv, 3, RTV_SAMPLE_U8, 0, {0, 0, 0, 0}},
    {"YV12", GST_VIDEO_FORMAT_YV12, Route::Yuv, 3, RTV_SAMPLE_U8, 0, {0, 0, 0, 0}},
    {"NV12", GST_VIDEO_FORMAT_NV12, Route::Yuv, 3, RTV_SAMPLE_U8, 0, {0, 0, 0, 0}},
    {"NV21", GST_VIDEO_FORMAT_NV21, Route::Yuv, 3, RTV_SAMPLE_U8, 0, {0, 0, 0, 0}},
    {"YUY2", GST_VIDEO_FORMAT_YUY2, Route::Yuv, 3, RTV_SAMPLE_U8, 0, {0, 0, 0, 0}},
    {"UYVY", GST_VIDEO_FORMAT_UYVY, Route::Yuv, 3, RTV_SAMPLE_U8, 0, {0, 0, 0, 0}},
};

const Format* format_of(GstVideoFormat f) {
    for (const Format& k : kFormats)
        if (k.gst == f) return &k;
    return nullptr;
}

std::string format_names() {
    std::string out = "auto";
    for (const Format& k : kFormats)
        out += std::string(", ") + k.name;
    return out;
}

// [SECTION] Settings

// Descriptions stay short: --list-producers prints each setting on one line.
const rtv_setting s_pipeline = {sizeof(rtv_setting), "pipeline", "videotestsrc",
                                "a gst-launch-1.0 description, in double quotes if it has commas "
                                "(caps); gst adds an appsink or uses the one named rtv",
                                0};
const rtv_setting s_format = {sizeof(rtv_setting), "format", "auto",
                              "the appsink's format: auto, RGB, RGBA, GRAY8, GRAY16_LE, BGR, BGRx, "
                              "RGBx, xRGB, xBGR, BGRA, ARGB, ABGR, I420, YV12, NV12, NV21, YUY2, "
                              "UYVY",
                              0};
const rtv_setting s_width = {sizeof(rtv_setting), "width", "0",
                             "the width the appsink asks for, 1..16384; 0: any", 0};
const rtv_setting s_height = {sizeof(rtv_setting), "height", "0",
                              "the height the appsink asks for, 1..16384; 0: any", 0};
const rtv_setting s_max_buffers = {sizeof(rtv_setting), "max_buffers", "2",
                                   "buffers the appsink queues for the producer, 1..1000", 0};
const rtv_setting s_drop = {sizeof(rtv_setting), "drop", "1",
                            "1: a full appsink queue drops its oldest buffer (counted as gaps); 0: "
                            "it holds the pipeline back",
                            0};
const rtv_setting s_sync = {
    sizeof(rtv_setting), "sync", "1",
    "1: frames come at their time on the pipeline clock (a file plays at its rate); 0: at once", 0};
const rtv_setting s_loop = {sizeof(rtv_setting), "loop", "0",
                            "1: at the end of the stream seek back to its start; 0: finish", 0};
const rtv_setting s_timeout = {
    sizeof(rtv_setting), "timeout", "10",
    "seconds the pipeline may take to start and give its video format, 0.1..3600", 0};
const rtv_setting* const s_settings[] = {&s_pipeline, &s_format,      &s_width,
                                         &s_height,   &s_max_buffers, &s_drop,
                                         &s_sync,     &s_loop,        &s_timeout};

struct Settings {
    std::string pipeline = "videotestsrc";
    const Format* format = nullptr; // nullptr: auto
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::uint32_t max_buffers = 2;
    bool drop = true;
    bool sync = true;
    bool loop = false;
    double timeout_s = 10.0;
};

bool read_uint(const char* text, unsigned long lo, unsigned long hi, std::uint32_t& out) {
    char* end = nullptr;
    errno = 0;
    const unsigned long v = std::strtoul(text, &end, 10);
    if (!*text || *end || errno != 0 || v < lo || v > hi || *text == '-' || *text == '+')
        return false;
    out = static_cast<std::uint32_t>(v);
    return true;
}

bool read_flag(const char* text, bool& out) {
    if (!std::strcmp(text, "0") || !std::strcmp(text, "1")) {
        out = *text == '1';
        return true;
    }
    return false;
}

// [SECTION] Small GStreamer helpers

void init_gstreamer(std::string& error) {
    static std::once_flag once;
    static std::string failure;
    std::call_once(once, [] {
        GError* err = nullptr;
        if (!gst_is_initialized() && !gst_init_check(nullptr, nullptr, &err)) {
            failure = std::string("GStreamer could not be initialised: ") +
                      (err && err->message ? err->message : "gst_init_check failed");
            g_clear_error(&err);
        }
    });
    error = failure;
}

// The part of an error's debug text after its location line ("gstfilesrc.c(532): ...:\nNo such
// file"), which says what went wrong in words; empty if there is none.
std::string debug_detail(const char* debug) {
    if (!debug) return {};
    const char* nl = std::strrchr(debug, '\n');
    return nl && nl[1] ? std::string(nl + 1) : std::string();
}

// An error message from the bus as one line: the element's name, GStreamer's message and its
// detail, and a hint where GStreamer's own words do not say what to do.
std::string describe_error(GstMessage* msg) {
    GError* err = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(msg, &err, &debug);
    std::string out = std::string(GST_MESSAGE_SRC_NAME(msg) ? GST_MESSAGE_SRC_NAME(msg) : "?") +
                      ": " + (err && err->message ? err->message : "unknown error");
    const std::string detail = debug_detail(debug);
    if (!detail.empty()) out += " (" + detail + ")";
    if (detail.find("not-negotiated") != std::string::npos)
        out += "; the video's format or size is not one the appsink takes: add videoconvert (and "
               "videoscale) before it, or change format, width or height (formats: " +
               format_names() + ")";
    g_clear_error(&err);
    g_free(debug);
    for (char& c : out)
        if (c == '\n' || c == '\r') c = ' ';
    return out;
}

// The numbers the probe below gives buffers. The mutex guards the offset field it writes, read
// on the producer's thread: GStreamer hands buffers between its threads (and recycles them
// through pools) with its own atomics, which ThreadSanitizer does not see; an uncontended lock
// per frame costs nothing next to the frame.
struct Numbering {
    std::mutex mutex;
    std::uint64_t next = 0; // buffers that reached the appsink
};

// Numbers every buffer that reaches the appsink in its offset field, from 0: the appsink drops
// buffers silently (drop=1), so a jump in these numbers is what counts them.
GstPadProbeReturn number_buffers(GstPad*, GstPadProbeInfo* info, gpointer user) {
    auto* numbering = static_cast<Numbering*>(user);
    std::lock_guard lock(numbering->mutex);
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
        GstBuffer* b = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
        GST_BUFFER_OFFSET(b) = numbering->next++;
        info->data = b;
    } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
        GstBufferList* list = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
        const guint n = gst_buffer_list_length(list);
        for (guint i = 0; i < n; ++i)
            GST_BUFFER_OFFSET(gst_buffer_list_get_writable(list, i)) = numbering->next++;
        info->data = list;
    }
    return GST_PAD_PROBE_OK;
}

// [SECTION] The producer

// One shape of video the producer feeds a stream with (a caps change to another shape opens
// another stream).
struct Shape {
    std::uint32_t width = 0, height = 0, channels = 0, sample = 0;
    bool operator==(const Shape&) const = default;
};

class GstSource {
public:
    GstSource() { init_gstreamer(m_init_error); }
    ~GstSource() { close(); }
    GstSource(const GstSource&) = delete;
    GstSource& operator=(const GstSource&) = delete;

    // Applies the settings, builds the pipeline and starts it until the video's caps are known
    // (at most `timeout` seconds). False with a one-line reason in `error`.
    // Thread: main. Allocates: yes.
    bool configure(const rtv_setting_value* values, std::uint32_t count, std::string& error);
    // The stream the caps describe. Thread: main. Allocates: never.
    void request(rtv_stream_request& r) const;
    // Plays the pipeline until it ends (RTV_DONE), fails (RTV_ERROR, reported) or stop is
    // requested (RTV_OK), then sets it to NULL. Thread: the producer's. Allocates: GStreamer
    // does, per frame (samples); the plugin itself only when the caps change or on errors.
    int run(rtv_host* host, const rtv_host_api* api);

private:
    int play(rtv_host* host, const rtv_host_api* api);
    bool apply(const char* key, const char* value, std::string& error);
    bool build(std::string& error);
    bool start(std::string& error);
    GstCaps* sink_caps() const;
    bool pop_error(GstClockTime wait, std::string& error);
    bool check_bus(rtv_host* host, const rtv_host_api* api);
    bool learn(GstCaps* caps, std::string& error);
    int deliver(GstSample* sample, rtv_host* host, const rtv_host_api* api);
    void show(rtv_host* host, const rtv_host_api* api, const char* state) const;
    void fill(const GstVideoFrame& frame, std::uint8_t* out) const;
    std::int64_t frame_time(GstSample* sample, rtv_host* host, const rtv_host_api* api);
    void close();

    std::string m_init_error;
    Settings m_settings;
    GstElement* m_pipeline = nullptr;
    GstAppSink* m_sink = nullptr;
    GstBus* m_bus = nullptr;
    bool m_live = false;
    bool m_playing = false;            // run() set the pipeline playing
    GstClock* m_clock = nullptr;       // the pipeline clock m_offset_ns is for
    std::int64_t m_offset_ns = 0;      // the viewer's clock minus the pipeline clock
    std::int64_t m_offset_read_ns = 0; // when it was read, on the viewer's clock
    Numbering m_numbering;             // the appsink probe's
    // The video as negotiated: its caps (compared by pointer, then by value), info and route.
    GstCaps* m_caps = nullptr;
    GstVideoInfo m_info{};
    const Format* m_format = nullptr;
    rtv::gst::YuvMatrix m_matrix{};
    Shape m_shape;
    std::uint32_t m_stream = 0;         // the stream index of m_shape
    std::vector<Shape> m_opened;        // the shape of each stream, by index
    std::uint64_t m_lease_failures = 0; // frames the pool had no slot for (the host counts them)
    bool m_delivered = false;           // a sample went through deliver() (m_last_number is set)
    std::uint64_t m_last_number = 0;    // its buffer's number
    int m_warnings = 0;
};

bool GstSource::apply(const char* key, const char* value, std::string& error) {
    const std::string k(key);
    if (k == "pipeline") {
        m_settings.pipeline = value;
        if (m_settings.pipeline.empty()) {
            error = "pipeline is empty, expected a gst-launch-1.0 description such as "
                    "'v4l2src ! videoconvert'";
            return false;
        }
    } else if (k == "format") {
        m_settings.format = nullptr;
        if (std::strcmp(value, "auto") != 0) {
            for (const Format& f : kFormats)
                if (!std::strcmp(value, f.name)) m_settings.format = &f;
            if (!m_settings.format) {
                error = "format must be one of: " + format_names() + ", got '" + value + "'";
                return false;
            }
        }
    } else if (k == "width" || k == "height") {
        if (!read_uint(value, 0, kMaxSide, k == "width" ? m_settings.width : m_settings.height)) {
            error = k + " is out of range, got '" + value + "', expected 0 (any) or 1..16384";
            return false;
        }
    } else if (k == "max_buffers") {
        if (!read_uint(value, 1, 1000, m_settings.max_buffers)) {
            error =
                std::string("max_buffers is out of range, got '") + value + "', expected 1..1000";
            return false;
        }
    } else if (k == "drop" || k == "sync" || k == "loop") {
        bool& flag = k == "drop"   ? m_settings.drop
                     : k == "sync" ? m_settings.sync
                                   : m_settings.loop;
        if (!read_flag(value, flag)) {
            error = k + " must be one of: 0, 1, got '" + value + "'";
            return false;
        }
    } else if (k == "timeout") {
        char* end = nullptr;
        const double v = std::strtod(value, &end);
        if (!*value || *end || !(v >= 0.1 && v <= 3600.0)) {
            error = std::string("timeout is out of range, got '") + value +
                    "', expected 0.1..3600 seconds";
            return false;
        }
        m_settings.timeout_s = v;
    } else {
        error = "unknown setting '" + k + "'"; // the viewer refuses unknown keys first
        return false;
    }
    return true;
}

bool GstSource::configure(const rtv_setting_value* values, std::uint32_t count,
                          std::string& error) {
    if (!m_init_error.empty()) {
        error = m_init_error;
        return false;
    }
    for (std::uint32_t i = 0; i < count; ++i)
        if (!apply(values[i].key, values[i].value, error)) return false;
    return build(error) && start(error);
}

GstCaps* GstSource::sink_caps() const {
    GstCaps* caps = gst_caps_new_empty();
    for (const Format& f : kFormats) {
        if (m_settings.format && m_settings.format != &f) continue;
        GstStructure* s =
            gst_structure_new("video/x-raw", "format", G_TYPE_STRING, f.name, nullptr);
        if (m_settings.width)
            gst_structure_set(s, "width", G_TYPE_INT, static_cast<int>(m_settings.width), nullptr);
        else
            gst_structure_set(s, "width", GST_TYPE_INT_RANGE, 1, static_cast<int>(kMaxSide),
                              nullptr);
        if (m_settings.height)
            gst_structure_set(s, "height", G_TYPE_INT, static_cast<int>(m_settings.height),
                              nullptr);
        else
            gst_structure_set(s, "height", GST_TYPE_INT_RANGE, 1, static_cast<int>(kMaxSide),
                              nullptr);
        gst_caps_append_structure(caps, s);
    }
    return caps;
}

// A pipeline of its own from a description; nullptr with GStreamer's reason in `error`.
GstElement* parse(const std::string& description, std::string& error) {
    GError* err = nullptr;
    GstElement* e =
        gst_parse_launch_full(description.c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &err);
    if (e && g_object_is_floating(e)) gst_object_ref_sink(e); // ours, not floating
    if (!e || err) {
        error = err && err->message ? err->message : "gst_parse_launch failed";
        g_clear_error(&err);
        if (e) gst_object_unref(e);
        return nullptr;
    }
    if (!GST_IS_PIPELINE(e)) { // one element or a bin: put in a pipeline
        GstElement* p = GST_ELEMENT(gst_object_ref_sink(gst_pipeline_new(nullptr)));
        gst_bin_add(GST_BIN(p), e); // a reference of its own
        gst_object_unref(e);
        e = p;
    }
    return e;
}

bool GstSource::build(std::string& error) {
    const std::string& text = m_settings.pipeline;
    GstElement* named = nullptr;
    // A description that may name an appsink rtv is parsed alone, to find it; any other gets
    // gst's appsink appended in the same parse (so that its elements have the names
    // gst-launch-1.0 would give them, which error messages show).
    if (text.find("rtv") != std::string::npos) {
        m_pipeline = parse(text, error);
        if (!m_pipeline) {
            error = "pipeline '" + text + "' does not parse: " + error;
            return false;
        }
        named = gst_bin_get_by_name(GST_BIN(m_pipeline), "rtv");
        if (named && !GST_IS_APP_SINK(named)) {
            GstElementFactory* f = gst_element_get_factory(named);
            error = std::string("the element named rtv in the pipeline is a ") +
                    (f ? GST_OBJECT_NAME(f) : "?") + ", expected an appsink";
            gst_object_unref(named);
            return false;
        }
        if (!named) {
            gst_object_unref(m_pipeline);
            m_pipeline = nullptr;
        }
    }
    if (!named) {
        m_pipeline = parse(text + " ! appsink name=rtv", error);
        if (!m_pipeline) {
            error = "pipeline '" + text + "' does not parse: " + error;
            return false;
        }
        named = gst_bin_get_by_name(GST_BIN(m_pipeline), "rtv");
        if (!named || !GST_IS_APP_SINK(named)) {
            error = "pipeline '" + text + "': the appsink added to it is missing";
            if (named) gst_object_unref(named);
            return false;
        }
    }
    m_sink = GST_APP_SINK(named); // the reference gst_bin_get_by_name gave
    GstCaps* own = gst_app_sink_get_caps(m_sink);
    if (own) {
        gst_caps_unref(own); // the user's appsink brought caps of its own: they stand
    } else {
        GstCaps* caps = sink_caps();
        gst_app_sink_set_caps(m_sink, caps);
        gst_caps_unref(caps);
    }
    gst_app_sink_set_max_buffers(m_sink, m_settings.max_buffers);
    gst_app_sink_set_drop(m_sink, m_settings.drop ? TRUE : FALSE);
    gst_app_sink_set_emit_signals(m_sink, FALSE);
    gst_base_sink_set_sync(GST_BASE_SINK(m_sink), m_settings.sync ? TRUE : FALSE);
    GstPad* pad = gst_element_get_static_pad(GST_ELEMENT(m_sink), "sink");
    gst_pad_add_probe(
        pad,
        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
        number_buffers, &m_numbering, nullptr);
    gst_object_unref(pad);
    m_bus = gst_element_get_bus(m_pipeline);
    return true;
}

// Takes the first error on the bus (waiting up to `wait`) into `error`; false if there is none.
bool GstSource::pop_error(GstClockTime wait, std::string& error) {
    GstMessage* msg = gst_bus_timed_pop_filtered(m_bus, wait, GST_MESSAGE_ERROR);
    if (!msg) return false;
    error = describe_error(msg);
    gst_message_unref(msg);
    return true;
}

bool GstSource::start(std::string& error) {
    const std::string prefix = "pipeline '" + m_settings.pipeline + "' did not start: ";
    GstStateChangeReturn r = gst_element_set_state(m_pipeline, GST_STATE_PAUSED);
    if (r == GST_STATE_CHANGE_NO_PREROLL) { // a live source: data flows only when playing
        m_live = true;
        r = gst_element_set_state(m_pipeline, GST_STATE_PLAYING);
    }
    if (r == GST_STATE_CHANGE_FAILURE) {
        if (!pop_error(0, error)) error = "a state change failed";
        error = prefix + error;
        return false;
    }
    // Wait for the video's caps: a non-live pipeline has them once it prerolled (its first
    // buffer is in the appsink), a live one once they are negotiated.
    const gint64 deadline =
        g_get_monotonic_time() + static_cast<gint64>(m_settings.timeout_s * 1e6);
    GstPad* pad = gst_element_get_static_pad(GST_ELEMENT(m_sink), "sink");
    GstCaps* caps = nullptr;
    bool ready = false;
    while (!ready) {
        const auto filter = static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS |
                                                        GST_MESSAGE_ASYNC_DONE);
        GstMessage* msg = gst_bus_timed_pop_filtered(m_bus, 20 * GST_MSECOND, filter);
        if (msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
            error = prefix + describe_error(msg);
            gst_message_unref(msg);
            break;
        }
        if (msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
            error = "pipeline '" + m_settings.pipeline + "' ended before its first frame";
            gst_message_unref(msg);
            break;
        }
        if (msg) gst_message_unref(msg);
        GstState state = GST_STATE_NULL;
        const bool prerolled =
            gst_element_get_state(m_pipeline, &state, nullptr, 0) == GST_STATE_CHANGE_SUCCESS &&
            state >= GST_STATE_PAUSED;
        if (prerolled && gst_app_sink_is_eos(m_sink)) { // prerolled on the end of the stream
            error = "pipeline '" + m_settings.pipeline + "' ended before its first frame";
            break;
        }
        if (prerolled || m_live) caps = gst_pad_get_current_caps(pad);
        ready = caps != nullptr;
        if (!ready && g_get_monotonic_time() > deadline) {
            char seconds[32];
            std::snprintf(seconds, sizeof seconds, "%g", m_settings.timeout_s);
            error = "pipeline '" + m_settings.pipeline + "' gave no video within " + seconds +
                    " s (timeout=" + seconds + "): is its source there and sending?";
            break;
        }
    }
    gst_object_unref(pad);
    if (!ready) return false;
    const bool known = learn(caps, error);
    gst_caps_unref(caps);
    if (!known) return false;
    m_opened.push_back(m_shape);
    return true;
}

// Reads negotiated caps into m_info, m_format, m_shape and the conversion's layout.
bool GstSource::learn(GstCaps* caps, std::string& error) {
    GstVideoInfo info;
    if (!gst_video_info_from_caps(&info, caps)) {
        gchar* text = gst_caps_to_string(caps);
        error = std::string("the appsink got caps that are not raw video: ") + text;
        g_free(text);
        return false;
    }
    const Format* format = format_of(GST_VIDEO_INFO_FORMAT(&info));
    if (!format) {
        error = std::string("the video's format ") + GST_VIDEO_INFO_NAME(&info) +
                " is not one gst takes (" + format_names() +
                "): add videoconvert before the appsink named rtv, or give it caps";
        return false;
    }
    const auto width = static_cast<std::uint32_t>(GST_VIDEO_INFO_WIDTH(&info));
    const auto height = static_cast<std::uint32_t>(GST_VIDEO_INFO_HEIGHT(&info));
    if (width < 1 || height < 1 || width > kMaxSide || height > kMaxSide) {
        error = "the video is " + std::to_string(width) + "x" + std::to_string(height) +
                ", expected 1..16384 on each side: add videoscale and set width and height";
        return false;
    }
    m_info = info;
    m_format = format;
    m_shape = {width, height, format->channels, format->sample};
    if (format->route == Route::Yuv) {
        gdouble kr = 0.299, kb = 0.114; // BT.601 unless the caps say otherwise
        if (!gst_video_color_matrix_get_Kr_Kb(info.colorimetry.matrix, &kr, &kb)) {
            kr = 0.299;
            kb = 0.114;
        }
        m_matrix =
            rtv::gst::yuv_matrix(kr, kb, info.colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255);
    }
    if (m_caps) gst_caps_unref(m_caps);
    m_caps = gst_caps_ref(caps);
    return true;
}

void GstSource::request(rtv_stream_request& r) const {
    r.name = "gst/image";
    r.kind = RTV_KIND_IMAGE;
    r.width = m_shape.width;
    r.height = m_shape.height;
    r.channels = m_shape.channels;
    r.sample = m_shape.sample;
}

// Copies or converts a mapped frame into a slot of the stream's layout.
void GstSource::fill(const GstVideoFrame& frame, std::uint8_t* out) const {
    auto plane = [&](int i) {
        return Plane{static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, i)),
                     GST_VIDEO_FRAME_PLANE_STRIDE(&frame, i)};
    };
    const std::uint32_t w = m_shape.width, h = m_shape.height;
    switch (m_format->route) {
    case Route::Copy:
        rtv::gst::copy_rows(plane(0), std::size_t{w} * m_format->in_bytes, h, out);
        return;
    case Route::Reorder:
        rtv::gst::reorder(plane(0), w, h, m_format->in_bytes, m_format->order, m_format->channels,
                          out);
        return;
    case Route::Yuv:
        break;
    }
    // Each component where GStreamer's format description puts it: its plane, its byte in a
    // pixel group, the bytes between its samples and its subsampling.
    const GstVideoFormatInfo* finfo = frame.info.finfo;
    auto component = [&](int c) {
        return Component{
            Plane{static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_COMP_DATA(&frame, c)),
                  GST_VIDEO_FRAME_COMP_STRIDE(&frame, c)},
            0, static_cast<std::uint32_t>(GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, c)),
            GST_VIDEO_FORMAT_INFO_W_SUB(finfo, c), GST_VIDEO_FORMAT_INFO_H_SUB(finfo, c)};
    };
    const Component y = component(GST_VIDEO_COMP_Y), u = component(GST_VIDEO_COMP_U),
                    v = component(GST_VIDEO_COMP_V);
    rtv::gst::yuv_to_rgb(y, u, v, w, h, m_matrix, out);
}

// The buffer's PTS on the pipeline clock, mapped onto the viewer's clock; 0 (now) for a buffer
// without one, for the prerolled frame (taken before the pipeline plays, when its base time is
// not set yet), or for one whose time is still to come (sync=0 runs ahead of the clock). The
// two clocks' offset is read once per pipeline clock and again every kOffsetRenewNs, so that
// frame times keep the PTS' own spacing (the system clock, the usual pipeline clock, does not
// drift from the viewer's; a device's clock may, slowly).
std::int64_t GstSource::frame_time(GstSample* sample, rtv_host* host, const rtv_host_api* api) {
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    const GstSegment* segment = gst_sample_get_segment(sample);
    if (!m_playing || !GST_BUFFER_PTS_IS_VALID(buffer) || !segment ||
        segment->format != GST_FORMAT_TIME)
        return 0;
    const guint64 running =
        gst_segment_to_running_time(segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buffer));
    GstClock* clock = gst_element_get_clock(m_pipeline);
    if (!clock || running == GST_CLOCK_TIME_NONE) {
        if (clock) gst_object_unref(clock);
        return 0;
    }
    const std::int64_t now = api->now_ns(host);
    if (clock != m_clock || now - m_offset_read_ns > kOffsetRenewNs) {
        m_offset_ns = now - static_cast<std::int64_t>(gst_clock_get_time(clock));
        m_offset_read_ns = now;
        gst_object_replace(reinterpret_cast<GstObject**>(&m_clock), GST_OBJECT(clock));
    }
    gst_object_unref(clock);
    const std::int64_t t =
        static_cast<std::int64_t>(running + gst_element_get_base_time(m_pipeline)) + m_offset_ns;
    return t > 0 && t <= now ? t : 0;
}

int GstSource::deliver(GstSample* sample, rtv_host* host, const rtv_host_api* api) {
    GstCaps* caps = gst_sample_get_caps(sample);
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    if (!caps || !buffer) return RTV_OK;
    if (caps != m_caps && gst_caps_is_equal(caps, m_caps)) { // the same caps, sent again
        gst_caps_unref(m_caps);
        m_caps = gst_caps_ref(caps);
    }
    if (caps != m_caps) { // renegotiated
        std::string error;
        if (!learn(caps, error)) {
            api->report_error(host, error.c_str());
            return RTV_ERROR;
        }
        const auto known = std::find(m_opened.begin(), m_opened.end(), m_shape);
        if (known != m_opened.end()) {
            m_stream = static_cast<std::uint32_t>(known - m_opened.begin());
        } else { // another size or format: a stream of its own
            const std::string name = "gst/image-" + std::to_string(m_shape.width) + "x" +
                                     std::to_string(m_shape.height) + "-" + m_format->name;
            rtv_stream_request r{};
            r.size = sizeof r;
            request(r);
            r.name = name.c_str();
            std::uint32_t index = 0;
            if (api->open_stream(host, &r, &index) != RTV_OK) {
                api->report_error(host,
                                  ("the video changed to " + std::to_string(m_shape.width) + "x" +
                                   std::to_string(m_shape.height) + " " + m_format->name +
                                   " and its stream " + name + " could not be opened")
                                      .c_str());
                return RTV_ERROR;
            }
            api->log(host, RTV_LOG_INFO,
                     ("the video is now " + std::to_string(m_shape.width) + "x" +
                      std::to_string(m_shape.height) + " " + m_format->name +
                      ": its frames go to " + name)
                         .c_str());
            m_opened.resize(std::max<std::size_t>(m_opened.size(), index + 1));
            m_opened[index] = m_shape;
            m_stream = index;
        }
        show(host, api, m_playing ? "playing" : "prerolled");
    }
    std::uint64_t number = 0;
    {
        std::lock_guard lock(m_numbering.mutex);
        number = GST_BUFFER_OFFSET(buffer); // the probe's
    }
    if (m_delivered && number <= m_last_number) return RTV_OK; // the preroll frame, again
    m_delivered = true;
    m_last_number = number;
    rtv_frame f{};
    f.size = sizeof f;
    const int leased = api->lease(host, m_stream, &f);
    if (leased == RTV_EMPTY) { // no free slot (the host counts it as dropped) or stop
        ++m_lease_failures;
        return RTV_OK;
    }
    if (leased != RTV_OK) {
        api->report_error(host, "lease() of the stream's slot failed");
        return RTV_ERROR;
    }
    const std::size_t need = std::size_t{m_shape.width} * m_shape.height * m_shape.channels *
                             (m_shape.sample == RTV_SAMPLE_U16 ? 2 : 1);
    GstVideoFrame frame;
    if (f.bytes < need || !gst_video_frame_map(&frame, &m_info, buffer, GST_MAP_READ)) {
        api->abandon(host, &f);
        api->reject(host, m_stream,
                    ("buffer " + std::to_string(number) +
                     " could not be mapped as the video its caps describe (too small?)")
                        .c_str());
        return RTV_OK;
    }
    fill(frame, static_cast<std::uint8_t*>(f.data));
    gst_video_frame_unmap(&frame);
    // Frames the pool had no slot for are the host's drops, not gaps: numbered past them.
    const std::uint64_t sequence = number - std::min(number, m_lease_failures);
    api->commit(host, &f, sequence, frame_time(sample, host, api));
    return RTV_OK;
}

// Reads every message waiting on the bus: an error fails the producer with it (true), a warning
// goes to the log.
bool GstSource::check_bus(rtv_host* host, const rtv_host_api* api) {
    const auto filter = static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
    while (GstMessage* msg = gst_bus_pop_filtered(m_bus, filter)) {
        if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
            api->report_error(host, describe_error(msg).c_str());
            gst_message_unref(msg);
            return true;
        }
        if (m_warnings++ < kMaxWarningsLogged) {
            GError* err = nullptr;
            gchar* debug = nullptr;
            gst_message_parse_warning(msg, &err, &debug);
            const char* source = GST_MESSAGE_SRC_NAME(msg);
            std::string line = std::string(source ? source : "?") + ": " +
                               (err && err->message ? err->message : "warning");
            if (m_warnings == kMaxWarningsLogged) line += " (further warnings are not logged)";
            api->log(host, RTV_LOG_WARNING, line.c_str());
            g_clear_error(&err);
            g_free(debug);
        }
        gst_message_unref(msg);
    }
    return false;
}

int GstSource::run(rtv_host* host, const rtv_host_api* api) {
    const int r = play(host, api);
    // However it ended: the source stops now (a camera is released), not when the viewer
    // destroys the producer.
    gst_element_set_state(m_pipeline, GST_STATE_NULL);
    return r;
}

int GstSource::play(rtv_host* host, const rtv_host_api* api) {
    // The prerolled frame first: playing, a fast source could push it out of a dropping appsink
    // before the first pull, and frames lost before the first one shown are not counted as gaps.
    // (The appsink hands it out once more as its first sample; deliver() skips it then.)
    if (!m_live) {
        if (GstSample* sample = gst_app_sink_try_pull_preroll(m_sink, 0)) {
            const int r = deliver(sample, host, api);
            gst_sample_unref(sample);
            if (r != RTV_OK) return r;
        }
    }
    if (gst_element_set_state(m_pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        std::string error;
        if (!pop_error(0, error)) error = "the pipeline did not start playing";
        api->report_error(host, error.c_str());
        return RTV_ERROR;
    }
    m_playing = true;
    show(host, api, "playing");
    while (!api->stop_requested(host)) {
        if (check_bus(host, api)) { // the frames that came before the error are still shown
            while (GstSample* sample = gst_app_sink_try_pull_sample(m_sink, 0)) {
                deliver(sample, host, api);
                gst_sample_unref(sample);
            }
            return RTV_ERROR;
        }
        GstSample* sample = gst_app_sink_try_pull_sample(m_sink, kPollNs);
        if (sample) {
            const int r = deliver(sample, host, api);
            gst_sample_unref(sample);
            if (r != RTV_OK) return r;
            continue;
        }
        if (!gst_app_sink_is_eos(m_sink)) continue; // no frame within kPollNs
        if (check_bus(host, api)) return RTV_ERROR;
        if (!m_settings.loop) {
            show(host, api, "ended (end of stream)");
            return RTV_DONE;
        }
        const auto flags = static_cast<GstSeekFlags>(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT);
        if (!gst_element_seek_simple(m_pipeline, GST_FORMAT_TIME, flags, 0)) {
            api->report_error(host, "loop=1: the pipeline cannot seek back to its start "
                                    "(a live source, or a format without seeking)");
            return RTV_ERROR;
        }
    }
    return RTV_OK;
}

// The rows the panel shows (ABI 1.1 set_info): the video as negotiated and where it comes from.
void GstSource::show(rtv_host* host, const rtv_host_api* api, const char* state) const {
    if (api->size < offsetof(rtv_host_api, set_info) + sizeof api->set_info) return;
    api->set_info(host, "state", state);
    if (m_caps) {
        gchar* text = gst_caps_to_string(m_caps);
        api->set_info(host, "caps", text);
        g_free(text);
    }
    if (m_format) {
        char line[128];
        std::snprintf(line, sizeof line, "%s %ux%u, %d/%d fps", m_format->name, m_shape.width,
                      m_shape.height, GST_VIDEO_INFO_FPS_N(&m_info), GST_VIDEO_INFO_FPS_D(&m_info));
        api->set_info(host, "video", line);
    }
    // The source elements: those with no sink pad ("videotestsrc0 (videotestsrc)").
    std::string sources;
    GstIterator* it = gst_bin_iterate_sources(GST_BIN(m_pipeline));
    GValue item = G_VALUE_INIT;
    while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
        auto* e = GST_ELEMENT(g_value_get_object(&item));
        GstElementFactory* f = gst_element_get_factory(e);
        sources += std::string(sources.empty() ? "" : ", ") + GST_ELEMENT_NAME(e) +
                   (f ? std::string(" (") + GST_OBJECT_NAME(f) + ")" : std::string());
        g_value_reset(&item);
    }
    g_value_unset(&item);
    gst_iterator_free(it);
    if (!sources.empty()) api->set_info(host, "source", sources.c_str());
    api->set_info(host, "pipeline", m_settings.pipeline.c_str());
    api->set_info(host, "live", m_live ? "yes (a live source)" : "no");
}

void GstSource::close() {
    if (m_pipeline) gst_element_set_state(m_pipeline, GST_STATE_NULL);
    if (m_caps) gst_caps_unref(m_caps);
    if (m_clock) gst_object_unref(m_clock);
    m_clock = nullptr;
    if (m_bus) gst_object_unref(m_bus);
    if (m_sink) gst_object_unref(m_sink);
    if (m_pipeline) gst_object_unref(m_pipeline);
    m_caps = nullptr;
    m_bus = nullptr;
    m_sink = nullptr;
    m_pipeline = nullptr;
}

// [SECTION] The C entry points: no exception crosses them.

void* create(void*) {
    try {
        return new GstSource();
    } catch (...) {
        return nullptr;
    }
}

void destroy(void* self) {
    delete static_cast<GstSource*>(self);
}

int configure(void* self, const rtv_setting_value* values, std::uint32_t count, char* error,
              std::uint32_t error_size) {
    std::string why;
    bool ok = false;
    try {
        ok = static_cast<GstSource*>(self)->configure(values, count, why);
    } catch (const std::exception& e) {
        why = e.what();
    }
    if (!ok && error && error_size) std::snprintf(error, error_size, "%s", why.c_str());
    return ok ? RTV_OK : RTV_ERROR;
}

std::uint32_t stream_count(void*) {
    return 1;
}

int stream(void* self, std::uint32_t, rtv_stream_request* r) {
    static_cast<GstSource*>(self)->request(*r);
    return RTV_OK;
}

int run(void* self, rtv_host* host, const rtv_host_api* api) {
    try {
        return static_cast<GstSource*>(self)->run(host, api);
    } catch (const std::exception& e) {
        api->report_error(host, e.what());
        return RTV_ERROR;
    }
}

// The video sources GStreamer's device monitor sees now (Video/Source: webcams, capture cards):
// each as a pipeline gst can play. A V4L2 device by its path; another by its element's factory
// and the device's own name where the element takes one.
std::uint32_t discover(void*, void (*found)(void*, const char*, const char*), void* user) {
    std::string init_error;
    init_gstreamer(init_error);
    if (!init_error.empty()) return 0;
    GstDeviceMonitor* monitor = gst_device_monitor_new();
    gst_device_monitor_add_filter(monitor, "Video/Source", nullptr);
    if (!gst_device_monitor_start(monitor)) { // no provider to ask
        gst_object_unref(monitor);
        return 0;
    }
    GList* devices = gst_device_monitor_get_devices(monitor);
    std::uint32_t count = 0;
    for (GList* l = devices; l; l = l->next) {
        GstDevice* d = GST_DEVICE(l->data);
        gchar* name = gst_device_get_display_name(d);
        GstStructure* props = gst_device_get_properties(d);
        const gchar* path = props ? gst_structure_get_string(props, "device.path") : nullptr;
        if (!path && props) path = gst_structure_get_string(props, "api.v4l2.path");
        std::string element;
        if (path) {
            element = std::string("v4l2src device=") + path;
        } else if (GstElement* e = gst_device_create_element(d, nullptr)) {
            GstElementFactory* f = gst_element_get_factory(e);
            if (f) element = GST_OBJECT_NAME(f);
            gst_object_unref(gst_object_ref_sink(e));
        }
        if (!element.empty()) {
            const std::string spec = "gst:pipeline=\"" + element + " ! videoconvert\"";
            std::string line = name && *name ? name : "video source";
            if (path) line += std::string(", ") + path;
            if (gchar* cls = gst_device_get_device_class(d)) {
                line += std::string(" (") + cls + ")";
                g_free(cls);
            }
            found(user, spec.c_str(), line.c_str());
            ++count;
        }
        if (props) gst_structure_free(props);
        g_free(name);
    }
    g_list_free_full(devices, gst_object_unref);
    gst_device_monitor_stop(monitor);
    gst_object_unref(monitor);
    return count;
}

const rtv_producer_desc s_gst = {
    sizeof(rtv_producer_desc),
    "gst",
    "video from a GStreamer pipeline: a webcam, an RTSP camera, a video file (docs/gstreamer.md)",
    s_settings,
    sizeof s_settings / sizeof s_settings[0],
    0.0, // run() takes frames as the pipeline makes them: no interval of its own
    0,
    create,
    configure,
    stream_count,
    stream,
    nullptr, // tick: none, run() is the producer's loop
    run,
    destroy,
    nullptr,
    discover};

const rtv_producer_desc* const s_producers[] = {&s_gst};

const rtv_plugin s_plugin = {
    sizeof(rtv_plugin), RTV_PLUGIN_ABI_MAJOR, RTV_PLUGIN_ABI_MINOR, "gst", "1.0", s_producers, 1};

} // namespace

extern "C" RTV_PLUGIN_EXPORT const rtv_plugin* rtv_plugin_entry(void) {
    return &s_plugin;
}
