// aravis: an rtviewer producer plugin for GenICam cameras (GigE Vision, USB3 Vision) through
// Aravis 0.8. configure() runs on the viewer's main thread and opens the camera (its size and
// pixel format are the stream's); run() runs on the producer's thread and owns the acquisition.
// Built against <rtviewer/plugin.h> alone; only rtv_plugin_entry is exported.
//
//   rtviewer --producer aravis:camera=Aravis-Fake-GV01,pixel_format=Mono8,exposure_us=2000
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <arv.h>
#include <rtviewer/plugin.h>

#include "unpack.hpp"

namespace {

using rtv::aravis::Format;
using rtv::aravis::Layout;

enum class Trigger : std::uint8_t { Off, Software, Line1 };

struct Settings {
    std::string camera;       // an Aravis device id; empty: the first found
    std::string pixel_format; // empty: the camera's own
    std::optional<std::int64_t> width, height, offset_x, offset_y;
    std::optional<double> exposure_us, gain, frame_rate;
    std::uint32_t buffers = 8;
    std::optional<std::int64_t> packet_size;
    Trigger trigger = Trigger::Off;
    bool debayer = false;
    bool reconnect = false;
    std::uint64_t frames = 0; // 0: forever
};

const rtv_setting kCamera{sizeof(rtv_setting), "camera", "(the first found)",
                          "an Aravis device id (arv-tool-0.8 lists them); Fake_1: Aravis' "
                          "built-in fake camera",
                          0};
const rtv_setting kPixelFormat{sizeof(rtv_setting), "pixel_format", "(the camera's)",
                               "Mono8, Mono10, Mono12, Mono16, Mono10p, Mono12p, Mono10Packed, "
                               "Mono12Packed, RGB8, BayerRG8, BayerGR8, BayerGB8 or BayerBG8",
                               0};
const rtv_setting kWidth{sizeof(rtv_setting), "width", "(the camera's)",
                         "region of interest width, pixels", 0};
const rtv_setting kHeight{sizeof(rtv_setting), "height", "(the camera's)",
                          "region of interest height, pixels", 0};
const rtv_setting kOffsetX{sizeof(rtv_setting), "offset_x", "(the camera's)",
                           "region of interest left edge, pixels", 0};
const rtv_setting kOffsetY{sizeof(rtv_setting), "offset_y", "(the camera's)",
                           "region of interest top edge, pixels", 0};
const rtv_setting kExposure{sizeof(rtv_setting), "exposure_us", "(the camera's)",
                            "exposure time, microseconds", RTV_SETTING_LIVE};
const rtv_setting kGain{sizeof(rtv_setting), "gain", "(the camera's)", "gain, the camera's units",
                        RTV_SETTING_LIVE};
const rtv_setting kFrameRate{sizeof(rtv_setting), "frame_rate", "(the camera's)",
                             "frames a second (trigger=software: the plugin's trigger rate)",
                             RTV_SETTING_LIVE};
const rtv_setting kBuffers{sizeof(rtv_setting), "buffers", "8",
                           "frames in flight, 2..64: the stream's pool and Aravis' buffers", 0};
const rtv_setting kPacketSize{sizeof(rtv_setting), "packet_size", "(the camera's)",
                              "GigE Vision packet size in bytes (576..9000), or 'auto' to probe "
                              "the largest the network carries",
                              0};
const rtv_setting kTrigger{sizeof(rtv_setting), "trigger", "off",
                           "off (free running), software (the plugin triggers at frame_rate) or "
                           "line1 (the camera's Line1 input)",
                           0};
const rtv_setting kDebayer{sizeof(rtv_setting), "debayer", "0",
                           "1: Bayer*8 frames as rgb8 (bilinear); 0: the raw mosaic, mono", 0};
const rtv_setting kReconnect{sizeof(rtv_setting), "reconnect", "0",
                             "1: a camera lost mid-stream is waited for and the stream resumes; "
                             "0: the producer fails",
                             0};
const rtv_setting kFrames{sizeof(rtv_setting), "frames", "0",
                          "end after this many frames from the camera; 0 = forever", 0};
const rtv_setting* const kSettings[] = {
    &kCamera,    &kPixelFormat, &kWidth,      &kHeight,  &kOffsetX, &kOffsetY,   &kExposure, &kGain,
    &kFrameRate, &kBuffers,     &kPacketSize, &kTrigger, &kDebayer, &kReconnect, &kFrames};

// Aravis' device list is process-wide: a search (discover(), a camera opened by a producer's
// configure() or its reconnection) is one at a time.
std::mutex& device_list_mutex() {
    static std::mutex m;
    return m;
}

// Aravis' buffer status, by its enum's name.
const char* status_name(ArvBufferStatus status) {
    switch (status) {
    case ARV_BUFFER_STATUS_SUCCESS:
        return "success";
    case ARV_BUFFER_STATUS_CLEARED:
        return "cleared";
    case ARV_BUFFER_STATUS_TIMEOUT:
        return "timeout";
    case ARV_BUFFER_STATUS_MISSING_PACKETS:
        return "missing-packets";
    case ARV_BUFFER_STATUS_WRONG_PACKET_ID:
        return "wrong-packet-id";
    case ARV_BUFFER_STATUS_SIZE_MISMATCH:
        return "size-mismatch";
    case ARV_BUFFER_STATUS_FILLING:
        return "filling";
    case ARV_BUFFER_STATUS_ABORTED:
        return "aborted";
    default:
        return "unknown";
    }
}

// An error message into the viewer's buffer; false, so that `return fail(...)` reads well.
bool fail(std::string& error, const std::string& message) {
    error = message;
    return false;
}

bool parse_int(const char* text, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(text, &end, 10);
    if (!*text || *end || errno || v < lo || v > hi) return false;
    out = v;
    return true;
}

bool parse_double(const char* text, double& out) {
    char* end = nullptr;
    const double v = std::strtod(text, &end);
    if (!*text || *end || !std::isfinite(v)) return false;
    out = v;
    return true;
}

std::string take_error(GError*& e) {
    std::string m = e && e->message ? e->message : "unknown Aravis error";
    g_clear_error(&e);
    return m;
}

std::string format_double(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// One slot of the stream's pool lent to Aravis (zero copy): Aravis fills `data` in place.
struct Lent {
    void* data = nullptr;
    ArvBuffer* buffer = nullptr; // our reference; Aravis holds another while it is queued
    rtv_frame frame{};           // the lease
    bool leased = false;
};

struct Instance {
    Settings s;
    ArvCamera* camera = nullptr;
    ArvStream* stream = nullptr;
    gulong lost_handler = 0;
    std::atomic<bool> control_lost{false};

    // What configure() found: the stream's shape, and the camera's rows for the panel.
    std::string device_id, summary;
    std::string vendor, model, serial, address, roi;
    const Format* format = nullptr;
    std::uint32_t width = 0, height = 0;
    std::uint32_t id_bits = 16; // GigE Vision and the fake cameras: 16-bit frame ids (1..65535)
    double rate_hz = 0;         // the camera's frame rate read back (software trigger: ours)

    // Acquisition state (run()'s thread).
    bool direct = false;
    std::vector<Lent> lent;        // zero copy: one entry per pool slot lent to Aravis
    std::vector<ArvBuffer*> own;   // copy: Aravis' buffers of our own
    std::uint32_t lent_target = 0; // slots kept in Aravis' input queue
    std::uint64_t frames_seen = 0; // buffers popped (complete or not), for frames=N
    std::uint64_t unwrapped = 0;   // frame id, unwrapped, from the first frame
    std::uint64_t uncounted = 0;   // frames rejected or dropped here: not gaps
    std::uint64_t last_id = 0;
    bool have_id = false;
    std::uint64_t sequence_base = 0; // after a reconnection: where the new ids start

    ~Instance() { close_camera(); }

    void close_camera() {
        if (camera && lost_handler)
            g_signal_handler_disconnect(arv_camera_get_device(camera), lost_handler);
        lost_handler = 0;
        if (camera) g_object_unref(camera);
        camera = nullptr;
    }
};

void on_control_lost(ArvDevice*, gpointer self) {
    static_cast<Instance*>(self)->control_lost.store(true);
}

void* create(void*) {
    return new (std::nothrow) Instance;
}

void destroy(void* self) {
    delete static_cast<Instance*>(self);
}

bool parse_settings(Settings& s, const rtv_setting_value* values, std::uint32_t count,
                    std::string& error) {
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::string key = values[i].key;
        const char* v = values[i].value;
        std::int64_t n = 0;
        double d = 0;
        const auto bad = [&](const char* expected) {
            return fail(error, key + " is out of range, got '" + v + "', expected " + expected);
        };
        if (key == "camera") {
            s.camera = v;
        } else if (key == "pixel_format") {
            if (!rtv::aravis::find_format(v))
                return fail(error, std::string("pixel_format must be one of: ") +
                                       rtv::aravis::format_names() + ", got '" + v + "'");
            s.pixel_format = v;
        } else if (key == "width" || key == "height") {
            if (!parse_int(v, 1, 16384, n)) return bad("1..16384");
            (key == "width" ? s.width : s.height) = n;
        } else if (key == "offset_x" || key == "offset_y") {
            if (!parse_int(v, 0, 16383, n)) return bad("0..16383");
            (key == "offset_x" ? s.offset_x : s.offset_y) = n;
        } else if (key == "exposure_us") {
            if (!parse_double(v, d) || d <= 0) return bad("a number of microseconds above 0");
            s.exposure_us = d;
        } else if (key == "gain") {
            if (!parse_double(v, d)) return bad("a number");
            s.gain = d;
        } else if (key == "frame_rate") {
            if (!parse_double(v, d) || d <= 0 || d > 100000) return bad("0..100000 (above 0)");
            s.frame_rate = d;
        } else if (key == "buffers") {
            if (!parse_int(v, 2, 64, n)) return bad("2..64");
            s.buffers = static_cast<std::uint32_t>(n);
        } else if (key == "packet_size") {
            if (!std::strcmp(v, "auto"))
                s.packet_size = 0;
            else if (!parse_int(v, 576, 9000, n))
                return bad("576..9000 or auto");
            else
                s.packet_size = n;
        } else if (key == "trigger") {
            if (!std::strcmp(v, "off"))
                s.trigger = Trigger::Off;
            else if (!std::strcmp(v, "software"))
                s.trigger = Trigger::Software;
            else if (!std::strcmp(v, "line1"))
                s.trigger = Trigger::Line1;
            else
                return fail(error, std::string("trigger must be one of: off, software, line1, "
                                               "got '") +
                                       v + "'");
        } else if (key == "debayer" || key == "reconnect") {
            if (std::strcmp(v, "0") && std::strcmp(v, "1"))
                return fail(error, key + " must be one of: 0, 1, got '" + v + "'");
            (key == "debayer" ? s.debayer : s.reconnect) = *v == '1';
        } else if (key == "frames") {
            if (!parse_int(v, 0, INT64_MAX, n)) return bad("0.. (0 = forever)");
            s.frames = static_cast<std::uint64_t>(n);
        }
    }
    return true;
}

// Device ids Aravis sees now, for messages.
std::string device_list() {
    std::string out;
    for (unsigned i = 0; i < arv_get_n_devices(); ++i)
        out += (out.empty() ? "" : ", ") + std::string(arv_get_device_id(i));
    return out.empty() ? "none" : out;
}

// Opens the camera the settings name (the first found without one). Blocks up to about a second
// (Aravis' GigE Vision discovery).
bool open_camera(Instance& in, std::string& error) {
    in.close_camera();
    std::lock_guard lock(device_list_mutex());
    if (in.s.camera.starts_with("Fake_")) arv_enable_interface("Fake"); // Aravis' own test camera
    std::string id = in.s.camera;
    // Discovery first (about a second), the fake camera aside: a GigE Vision camera opened by
    // name without it streams nothing from a thread of its own (seen with Aravis 0.8.26).
    if (!id.starts_with("Fake_")) arv_update_device_list();
    if (id.empty()) {
        if (arv_get_n_devices() == 0)
            return fail(error, "no camera found (Aravis found no GigE Vision or USB3 Vision "
                               "device; camera=Fake_1 is Aravis' fake camera)");
        id = arv_get_device_id(0);
    }
    if (!id.starts_with("Fake_")) { // not listed just now: opening it would search again
        bool listed = false;
        for (unsigned i = 0; i < arv_get_n_devices(); ++i)
            listed = listed || id == arv_get_device_id(i);
        if (!listed)
            return fail(error, "no camera '" + id + "', expected one of: " + device_list());
    }
    GError* e = nullptr;
    in.camera = arv_camera_new(id.c_str(), &e);
    if (!in.camera) {
        const std::string why = take_error(e);
        if (id.starts_with("Fake_")) arv_update_device_list(); // the others: listed just now
        return fail(error, "camera '" + id + "' cannot be opened: " + why +
                               " (cameras found: " + device_list() + ")");
    }
    in.device_id = id;
    in.address.clear();
    for (unsigned i = 0; i < arv_get_n_devices(); ++i)
        if (id == arv_get_device_id(i) && arv_get_device_address(i))
            in.address = arv_get_device_address(i);
    in.control_lost.store(false);
    in.lost_handler = g_signal_connect(arv_camera_get_device(in.camera), "control-lost",
                                       G_CALLBACK(on_control_lost), &in);
    return true;
}

// Applies the settings to the open camera and reads back what it does; the stream's shape.
bool apply_settings(Instance& in, std::string& error) {
    ArvCamera* cam = in.camera;
    const Settings& s = in.s;
    GError* e = nullptr;
    const std::string who = "camera '" + in.device_id + "': ";
    arv_camera_stop_acquisition(cam, nullptr); // a camera left running by an earlier program
    if (!s.pixel_format.empty()) {
        guint n = 0;
        const char** offered = arv_camera_dup_available_pixel_formats_as_strings(cam, &n, &e);
        if (e) return fail(error, who + "its pixel formats cannot be read: " + take_error(e));
        std::string list;
        bool found = false;
        for (guint i = 0; i < n; ++i) {
            list += (i ? ", " : "") + std::string(offered[i]);
            found = found || s.pixel_format == offered[i];
        }
        g_free(offered);
        if (!found)
            return fail(error, who + "pixel_format " + s.pixel_format +
                                   " is not offered, it offers: " + list);
        arv_camera_set_pixel_format_from_string(cam, s.pixel_format.c_str(), &e);
        if (e) return fail(error, who + "pixel_format " + s.pixel_format + ": " + take_error(e));
    }
    const char* pf = arv_camera_get_pixel_format_as_string(cam, &e);
    if (e) return fail(error, who + "its pixel format cannot be read: " + take_error(e));
    in.format = rtv::aravis::find_format(pf ? pf : "");
    if (!in.format)
        return fail(error, who + "its pixel format " + (pf ? pf : "(none)") +
                               " is not one this plugin takes; set pixel_format to one of: " +
                               rtv::aravis::format_names());
    if (s.width || s.height || s.offset_x || s.offset_y) {
        gint x = 0, y = 0, w = 0, h = 0;
        arv_camera_get_region(cam, &x, &y, &w, &h, &e);
        if (e) return fail(error, who + "its region cannot be read: " + take_error(e));
        const std::int64_t nw = s.width.value_or(w), nh = s.height.value_or(h);
        const std::int64_t nx = s.offset_x.value_or(x), ny = s.offset_y.value_or(y);
        gint wmin = 0, wmax = 0, hmin = 0, hmax = 0, sw = 0, sh = 0;
        arv_camera_get_width_bounds(cam, &wmin, &wmax, nullptr);
        arv_camera_get_height_bounds(cam, &hmin, &hmax, nullptr);
        arv_camera_get_sensor_size(cam, &sw, &sh, nullptr);
        if (nw < wmin || nw > wmax)
            return fail(error, who + "width is out of range, got " + std::to_string(nw) +
                                   ", expected " + std::to_string(wmin) + ".." +
                                   std::to_string(wmax));
        if (nh < hmin || nh > hmax)
            return fail(error, who + "height is out of range, got " + std::to_string(nh) +
                                   ", expected " + std::to_string(hmin) + ".." +
                                   std::to_string(hmax));
        if (sw > 0 && nx + nw > sw)
            return fail(error, who + "offset_x + width is out of range, got " +
                                   std::to_string(nx + nw) + ", expected at most the sensor's " +
                                   std::to_string(sw));
        if (sh > 0 && ny + nh > sh)
            return fail(error, who + "offset_y + height is out of range, got " +
                                   std::to_string(ny + nh) + ", expected at most the sensor's " +
                                   std::to_string(sh));
        arv_camera_set_region(cam, gint(nx), gint(ny), gint(nw), gint(nh), &e);
        if (e) return fail(error, who + "region: " + take_error(e));
    }
    const auto set_float = [&](const char* name, const std::optional<double>& value, auto bounds,
                               auto setter) {
        if (!value) return true;
        double lo = 0, hi = 0;
        bounds(cam, &lo, &hi, &e);
        if (e) return fail(error, who + name + " cannot be set: " + take_error(e));
        if (*value < lo || *value > hi)
            return fail(error, who + name + " is out of range, got " + format_double(*value) +
                                   ", expected " + format_double(lo) + ".." + format_double(hi));
        setter(cam, *value, &e);
        if (e) return fail(error, who + name + ": " + take_error(e));
        return true;
    };
    if (!set_float("exposure_us", s.exposure_us, arv_camera_get_exposure_time_bounds,
                   arv_camera_set_exposure_time) ||
        !set_float("gain", s.gain, arv_camera_get_gain_bounds, arv_camera_set_gain))
        return false;
    if (s.frame_rate && s.trigger != Trigger::Software &&
        !set_float("frame_rate", s.frame_rate, arv_camera_get_frame_rate_bounds,
                   arv_camera_set_frame_rate))
        return false;
    if (s.trigger == Trigger::Off) {
        arv_camera_clear_triggers(cam, &e);
        if (e) g_clear_error(&e); // a camera without triggers is free running already
    } else {
        const char* source = s.trigger == Trigger::Software ? "Software" : "Line1";
        guint n = 0;
        const char** offered = arv_camera_dup_available_trigger_sources(cam, &n, &e);
        if (e) return fail(error, who + "its trigger sources cannot be read: " + take_error(e));
        std::string list;
        bool found = false;
        for (guint i = 0; i < n; ++i) {
            list += (i ? ", " : "") + std::string(offered[i]);
            found = found || !std::strcmp(source, offered[i]);
        }
        g_free(offered);
        if (!found)
            return fail(error, who + "trigger source " + source +
                                   " is not offered, it offers: " + (list.empty() ? "none" : list));
        arv_camera_set_trigger(cam, source, &e);
        if (e) return fail(error, who + "trigger " + source + ": " + take_error(e));
    }
    if (s.packet_size && arv_camera_is_gv_device(cam)) {
        if (*s.packet_size == 0)
            arv_camera_gv_auto_packet_size(cam, &e);
        else
            arv_camera_gv_set_packet_size(cam, gint(*s.packet_size), &e);
        if (e) return fail(error, who + "packet_size: " + take_error(e));
    }
    // Read back what the camera does now.
    gint x = 0, y = 0, w = 0, h = 0;
    arv_camera_get_region(cam, &x, &y, &w, &h, &e);
    if (e) return fail(error, who + "its region cannot be read: " + take_error(e));
    if (w < 1 || h < 1 || w > 16384 || h > 16384)
        return fail(error, who + "its region is " + std::to_string(w) + "x" + std::to_string(h) +
                               ", expected 1..16384 each way");
    in.width = std::uint32_t(w);
    in.height = std::uint32_t(h);
    const double exposure = arv_camera_get_exposure_time(cam, nullptr);
    const double gain = arv_camera_get_gain(cam, nullptr);
    in.rate_hz = s.trigger == Trigger::Software && s.frame_rate
                     ? *s.frame_rate
                     : arv_camera_get_frame_rate(cam, nullptr);
    if (!(in.rate_hz > 0)) in.rate_hz = 10; // a camera that does not say: trigger at 10 Hz
    in.id_bits = 16;
    if (!arv_camera_is_gv_device(cam) && !in.device_id.starts_with("Fake_")) in.id_bits = 64;
    if (arv_camera_is_gv_device(cam) &&
        arv_camera_is_feature_available(cam, "GevGVSPExtendedIDMode", nullptr)) {
        const char* mode = arv_camera_get_string(cam, "GevGVSPExtendedIDMode", nullptr);
        if (mode && !std::strcmp(mode, "On")) in.id_bits = 64;
    }
    const char* model = arv_camera_get_model_name(cam, nullptr);
    const char* vendor = arv_camera_get_vendor_name(cam, nullptr);
    const char* serial = arv_camera_get_device_serial_number(cam, nullptr);
    char line[640];
    std::snprintf(line, sizeof line,
                  "camera %s (%s %s, serial %s): %s %ux%u at (%d, %d), exposure %s us, gain %s, "
                  "frame rate %s Hz, trigger %s",
                  in.device_id.c_str(), vendor ? vendor : "?", model ? model : "?",
                  serial ? serial : "?", in.format->name.data(), in.width, in.height, x, y,
                  format_double(exposure).c_str(), format_double(gain).c_str(),
                  format_double(in.rate_hz).c_str(),
                  s.trigger == Trigger::Off        ? "off"
                  : s.trigger == Trigger::Software ? "software"
                                                   : "line1");
    in.summary = line;
    in.vendor = vendor ? vendor : "";
    in.model = model ? model : "";
    in.serial = serial ? serial : "";
    in.roi = std::to_string(in.width) + "x" + std::to_string(in.height) + " at (" +
             std::to_string(x) + ", " + std::to_string(y) + ")";
    if (arv_camera_is_gv_device(cam))
        in.summary +=
            ", packet size " + std::to_string(arv_camera_gv_get_packet_size(cam, nullptr)) + " B";
    return true;
}

int configure(void* self, const rtv_setting_value* values, std::uint32_t count, char* error,
              std::uint32_t error_size) {
    Instance& in = *static_cast<Instance*>(self);
    std::string why;
    if (!parse_settings(in.s, values, count, why) || !open_camera(in, why) ||
        !apply_settings(in, why)) {
        std::snprintf(error, error_size, "%s", why.c_str());
        in.close_camera();
        return RTV_ERROR;
    }
    return RTV_OK;
}

std::uint32_t stream_count(void*) {
    return 1;
}

int stream(void* self, std::uint32_t, rtv_stream_request* r) {
    const Instance& in = *static_cast<const Instance*>(self);
    if (!in.format) return RTV_ERROR; // not configured
    r->name = "aravis/image";
    r->kind = RTV_KIND_IMAGE;
    r->width = in.width;
    r->height = in.height;
    r->channels = rtv::aravis::channels(in.format->layout, in.s.debayer);
    r->sample = rtv::aravis::sample_bytes(in.format->layout) == 1 ? RTV_SAMPLE_U8 : RTV_SAMPLE_U16;
    r->slots = in.s.buffers;
    return RTV_OK;
}

// ---- acquisition (run()'s thread) ----

struct Run {
    Instance& in;
    rtv_host* host;
    const rtv_host_api* api;

    void log(int level, const std::string& m) const { api->log(host, level, m.c_str()); }

    // ---- what the panel shows (ABI 1.1: set_info, next_change) ----

    bool has_board() const {
        return api->size >= offsetof(rtv_host_api, next_change) + sizeof api->next_change;
    }
    void info(const char* key, const std::string& value) const {
        if (has_board()) api->set_info(host, key, value.c_str());
    }
    // The camera's rows: who it is, and what it does now (read back from it). "streaming" comes
    // last: whoever reads that state finds every other row there too (the row itself keeps its
    // place at the top, set to "starting" before the first start).
    void show_camera() const {
        info("device id", in.device_id);
        info("vendor", in.vendor);
        info("model", in.model);
        info("serial", in.serial);
        if (!in.address.empty()) info("address", in.address);
        info("pixel format", std::string(in.format->name));
        info("roi", in.roi);
        show_exposure_gain_rate();
        info("trigger", in.s.trigger == Trigger::Off        ? "off"
                        : in.s.trigger == Trigger::Software ? "software"
                                                            : "line1");
        if (arv_camera_is_gv_device(in.camera))
            info("packet size",
                 std::to_string(arv_camera_gv_get_packet_size(in.camera, nullptr)) + " B");
        info("state", "streaming");
    }
    void show_exposure_gain_rate() const {
        info("exposure_us", format_double(arv_camera_get_exposure_time(in.camera, nullptr)));
        info("gain", format_double(arv_camera_get_gain(in.camera, nullptr)));
        info("frame_rate", format_double(in.rate_hz));
    }

    // Applies one live change on this thread; false with the reason.
    bool apply_change(const std::string& key, const char* text, std::string& why) {
        double v = 0;
        if (!parse_double(text, v)) return fail(why, std::string("not a number: '") + text + "'");
        GError* e = nullptr;
        double lo = 0, hi = 0;
        if (key == "exposure_us") {
            arv_camera_get_exposure_time_bounds(in.camera, &lo, &hi, &e);
        } else if (key == "gain") {
            arv_camera_get_gain_bounds(in.camera, &lo, &hi, &e);
        } else if (key == "frame_rate") {
            if (in.s.trigger == Trigger::Software) {
                lo = 1e-3; // the plugin's own trigger: any rate it can keep
                hi = 100000;
            } else {
                arv_camera_get_frame_rate_bounds(in.camera, &lo, &hi, &e);
            }
        } else {
            return fail(why, "'" + key +
                                 "' is not a live setting of aravis (exposure_us, gain, "
                                 "frame_rate)");
        }
        if (e) return fail(why, take_error(e));
        if (v < lo || v > hi)
            return fail(why,
                        "out of range, expected " + format_double(lo) + ".." + format_double(hi));
        if (key == "exposure_us") {
            arv_camera_set_exposure_time(in.camera, v, &e);
            if (!e) in.s.exposure_us = v;
        } else if (key == "gain") {
            arv_camera_set_gain(in.camera, v, &e);
            if (!e) in.s.gain = v;
        } else if (in.s.trigger == Trigger::Software) {
            in.rate_hz = v;
            in.s.frame_rate = v;
        } else {
            arv_camera_set_frame_rate(in.camera, v, &e);
            if (!e) {
                in.s.frame_rate = v;
                const double back = arv_camera_get_frame_rate(in.camera, nullptr);
                if (back > 0) in.rate_hz = back;
            }
        }
        if (e) return fail(why, take_error(e));
        return true;
    }

    // Takes the live changes waiting (the panel's edits) and answers each with the value the
    // camera reports now, or why it was refused. True when the frame rate changed.
    bool take_changes() {
        if (!has_board()) return false;
        char key[64], value[128];
        bool rate = false;
        while (api->next_change(host, key, sizeof key, value, sizeof value)) {
            std::string why;
            const std::string k = key;
            const bool ok = apply_change(k, value, why);
            rate = rate || (ok && k == "frame_rate");
            const double now = k == "exposure_us" ? arv_camera_get_exposure_time(in.camera, nullptr)
                               : k == "gain"      ? arv_camera_get_gain(in.camera, nullptr)
                                                  : in.rate_hz;
            const std::string shown =
                ok ? format_double(now)
                   : format_double(now) + " (" + value + " refused: " + why + ")";
            if (k == "exposure_us" || k == "gain" || k == "frame_rate") info(key, shown);
            log(ok ? RTV_LOG_INFO : RTV_LOG_WARNING,
                k + " " + value +
                    (ok ? ": applied, the camera reports " + format_double(now)
                        : " refused: " + why));
        }
        return rate;
    }

    std::size_t pixels() const { return std::size_t{in.width} * in.height; }
    std::size_t image_bytes() const {
        return pixels() * rtv::aravis::sample_bytes(in.format->layout) *
               rtv::aravis::channels(in.format->layout, in.s.debayer);
    }

    // Leases slots and lends them to Aravis until it holds lent_target of them. A pool with no
    // free slot (the viewer holds them) ends the attempt; the host counts it as dropped.
    void top_up() {
        std::uint32_t queued = 0;
        for (const Lent& l : in.lent)
            queued += l.leased;
        while (queued < in.lent_target) {
            rtv_frame f{};
            f.size = sizeof f;
            if (api->lease(host, 0, &f) != RTV_OK) return;
            auto it = std::find_if(in.lent.begin(), in.lent.end(),
                                   [&](const Lent& l) { return l.data == f.data; });
            if (it == in.lent.end())
                it = std::find_if(in.lent.begin(), in.lent.end(),
                                  [](const Lent& l) { return l.buffer == nullptr; });
            if (it == in.lent.end() || f.bytes < image_bytes()) { // cannot happen: pool slots
                api->abandon(host, &f);
                return;
            }
            if (!it->buffer) {
                it->data = f.data;
                it->buffer = arv_buffer_new_full(image_bytes(), f.data, &*it, nullptr);
            }
            it->frame = f;
            it->leased = true;
            ++queued;
            arv_stream_push_buffer(in.stream, ARV_BUFFER(g_object_ref(it->buffer)));
        }
    }

    // Starts acquiring from the open camera. False with a reason on failure.
    bool start(std::string& error) {
        GError* e = nullptr;
        in.stream = arv_camera_create_stream(in.camera, nullptr, nullptr, &e);
        if (!in.stream) return fail(error, "the stream cannot be opened: " + take_error(e));
        const guint payload = arv_camera_get_payload(in.camera, &e);
        if (e) return fail(error, "the payload size cannot be read: " + take_error(e));
        const std::size_t wire = rtv::aravis::wire_bytes(in.format->layout, pixels());
        // Zero copy where the camera's bytes are the viewer's and its payload is just the
        // image (no chunk data after it): Aravis fills the pool's own slots.
        in.direct = rtv::aravis::is_direct(in.format->layout, in.s.debayer) && payload == wire;
        if (in.direct) {
            in.lent.assign(in.s.buffers, Lent{});
            // Two slots stay with the viewer (the frame it shows and the one it takes next), so
            // that a lease for Aravis seldom finds the pool empty.
            in.lent_target = in.s.buffers > 2 ? in.s.buffers - 2 : 1;
            top_up();
        } else {
            in.own.clear();
            for (std::uint32_t i = 0; i < in.s.buffers; ++i) {
                in.own.push_back(arv_buffer_new_allocate(std::max<std::size_t>(payload, wire)));
                arv_stream_push_buffer(in.stream, ARV_BUFFER(g_object_ref(in.own.back())));
            }
        }
        arv_camera_set_acquisition_mode(in.camera, ARV_ACQUISITION_MODE_CONTINUOUS, &e);
        if (e) return fail(error, "acquisition mode: " + take_error(e));
        arv_camera_start_acquisition(in.camera, &e);
        if (e) return fail(error, "acquisition cannot start: " + take_error(e));
        return true;
    }

    // Ends the acquisition; `lost`: the camera is gone (no stop command is sent). Every slot
    // lent to Aravis is given back once Aravis' thread has ended.
    void stop(bool lost) {
        if (in.camera && in.stream && !lost) arv_camera_stop_acquisition(in.camera, nullptr);
        if (in.stream) {
            g_object_unref(in.stream); // the last reference: its thread ends and is joined
            in.stream = nullptr;
        }
        for (Lent& l : in.lent) {
            if (l.leased) api->abandon(host, &l.frame);
            l.leased = false;
            if (l.buffer) g_object_unref(l.buffer);
            l.buffer = nullptr;
            l.data = nullptr;
        }
        in.lent.clear();
        for (ArvBuffer* b : in.own)
            g_object_unref(b);
        in.own.clear();
    }

    // The frame id, unwrapped, less the frames counted here (rejected, dropped): what the
    // viewer numbers, so that only ids that never arrived count as gaps.
    std::uint64_t sequence_of(std::uint64_t id) {
        // A buffer may come back after a newer one (a frame Aravis gave up on late): its id is
        // behind the newest (by less than half the id range), and it neither moves the count
        // on nor counts the ids between as lost (seen at 1024x1024 Mono16 under load: each such
        // step back read as a whole 16-bit wrap of gaps).
        std::uint64_t behind = 0;
        if (in.have_id) {
            if (in.id_bits == 16) { // 1..65535, then 1 again: 0 is never an id
                const std::uint64_t a = (in.last_id % 65535), b = (id % 65535);
                const std::uint64_t ahead = (b + 65535 - a) % 65535;
                if (ahead < 65535 / 2) {
                    in.unwrapped += ahead;
                    in.last_id = id;
                } else {
                    behind = 65535 - ahead;
                }
            } else if (id >= in.last_id) {
                in.unwrapped += id - in.last_id;
                in.last_id = id;
            } else {
                behind = in.last_id - id;
            }
        } else {
            in.last_id = id;
        }
        in.have_id = true;
        const std::uint64_t at = in.sequence_base + in.unwrapped - std::min(behind, in.unwrapped);
        return at - std::min(at, in.uncounted);
    }

    std::int64_t timestamp_of(ArvBuffer* b) const {
        // Aravis' system timestamp is the host's real-time clock when the buffer completed; the
        // viewer's clock is steady. The buffer's age on the first is carried to the second.
        const std::int64_t now = api->now_ns(host);
        const std::int64_t age =
            g_get_real_time() * 1000 - std::int64_t(arv_buffer_get_system_timestamp(b));
        return age > 0 && age < now ? now - age : now;
    }

    // Takes one buffer Aravis filled (or gave up on).
    void take(ArvBuffer* b) {
        ++in.frames_seen;
        const ArvBufferStatus status = arv_buffer_get_status(b);
        const std::uint64_t id = arv_buffer_get_frame_id(b);
        char why[256] = "";
        if (status != ARV_BUFFER_STATUS_SUCCESS) {
            std::snprintf(why, sizeof why, "frame %llu incomplete: Aravis buffer status %s",
                          static_cast<unsigned long long>(id), status_name(status));
        } else if (arv_buffer_get_payload_type(b) != ARV_BUFFER_PAYLOAD_TYPE_IMAGE &&
                   arv_buffer_get_payload_type(b) != ARV_BUFFER_PAYLOAD_TYPE_EXTENDED_CHUNK_DATA) {
            std::snprintf(why, sizeof why, "frame %llu is not an image (payload type %d)",
                          static_cast<unsigned long long>(id), int(arv_buffer_get_payload_type(b)));
        } else {
            const gint w = arv_buffer_get_image_width(b), h = arv_buffer_get_image_height(b);
            size_t size = 0;
            arv_buffer_get_image_data(b, &size);
            const std::size_t wire = rtv::aravis::wire_bytes(in.format->layout, pixels());
            if (w != gint(in.width) || h != gint(in.height) || size < wire)
                std::snprintf(why, sizeof why,
                              "frame %llu has size mismatch: %dx%d in %zu bytes, the stream is "
                              "%ux%u in %zu",
                              static_cast<unsigned long long>(id), w, h, size_t(size), in.width,
                              in.height, wire);
        }
        const std::uint64_t unwrapped_seq = sequence_of(id);
        if (*why) {
            api->reject(host, 0, why);
            ++in.uncounted;
            arv_stream_push_buffer(in.stream, b); // back to Aravis (its slot stays lent)
            return;
        }
        if (in.direct) {
            Lent& l = *static_cast<Lent*>(const_cast<void*>(arv_buffer_get_user_data(b)));
            l.leased = false;
            api->commit(host, &l.frame, unwrapped_seq, timestamp_of(b));
            g_object_unref(b); // Aravis' reference; ours stays in `lent`
            top_up();
            return;
        }
        rtv_frame f{};
        f.size = sizeof f;
        if (api->lease(host, 0, &f) != RTV_OK) { // no free slot: the host counts it dropped
            ++in.uncounted;
            arv_stream_push_buffer(in.stream, b);
            return;
        }
        size_t size = 0;
        const auto* data = static_cast<const std::uint8_t*>(arv_buffer_get_image_data(b, &size));
        auto* out16 = static_cast<std::uint16_t*>(f.data);
        switch (in.format->layout) {
        case Layout::Mono10p:
            rtv::aravis::unpack_mono10p(data, out16, pixels());
            break;
        case Layout::Mono12p:
            rtv::aravis::unpack_mono12p(data, out16, pixels());
            break;
        case Layout::Mono10Packed:
            rtv::aravis::unpack_mono10_packed(data, out16, pixels());
            break;
        case Layout::Mono12Packed:
            rtv::aravis::unpack_mono12_packed(data, out16, pixels());
            break;
        case Layout::Bayer8:
            if (in.s.debayer) {
                rtv::aravis::debayer_bilinear(data, in.width, in.height, in.format->bayer,
                                              static_cast<std::uint8_t*>(f.data));
                break;
            }
            [[fallthrough]];
        default: // a payload with chunk data after the image: the image is copied
            std::memcpy(f.data, data, image_bytes());
        }
        api->commit(host, &f, unwrapped_seq, timestamp_of(b));
        arv_stream_push_buffer(in.stream, b);
    }

    // Why the camera is gone, or empty while it answers: a register read (an Aravis error after
    // its own timeout, about 2.5 s for GigE Vision).
    std::string probe() const {
        GError* e = nullptr;
        arv_camera_get_integer(in.camera, "Width", &e);
        return e ? take_error(e) : std::string();
    }

    // Waits, stop-aware, for the camera to come back; true once it is open with the stream's
    // shape again.
    bool wait_for_camera() {
        while (!api->stop_requested(host)) {
            std::string why;
            if (open_camera(in, why) && apply_settings(in, why)) return true;
            in.close_camera();
            if (!api->sleep(host, 0.25)) break;
        }
        return false;
    }

    enum class End : std::uint8_t { Stopped, Done, Lost };

    // Acquires until stop, frames=N, or the camera is lost (`why` then says how).
    End pump(std::string& why) {
        using Clock = std::chrono::steady_clock;
        Clock::duration period{}, stall{};
        const auto pace = [&] {
            period = std::chrono::duration_cast<Clock::duration>(
                std::chrono::duration<double>(1.0 / in.rate_hz));
            // No frame for this long: ask the camera whether it is still there.
            stall =
                std::max<Clock::duration>(std::chrono::milliseconds(500), period * 3 + period / 2);
        };
        pace();
        auto next_trigger = Clock::now();
        auto last_sign = Clock::now(); // of life: a frame, or an answer to a probe
        while (!api->stop_requested(host)) {
            if (take_changes()) {
                pace();
                last_sign = Clock::now();
            }
            if (in.control_lost.load()) {
                const std::string detail = probe();
                why = "control lost (Aravis: the camera stopped answering its heartbeat)" +
                      (detail.empty() ? std::string() : ": " + detail);
                return End::Lost;
            }
            if (in.s.trigger == Trigger::Software && Clock::now() >= next_trigger) {
                GError* e = nullptr;
                arv_camera_software_trigger(in.camera, &e);
                if (e) {
                    why = take_error(e);
                    return End::Lost;
                }
                next_trigger += period;
                if (next_trigger < Clock::now()) next_trigger = Clock::now() + period;
            }
            // A short wait, so that stop and the trigger's time are seen promptly.
            ArvBuffer* b = arv_stream_timeout_pop_buffer(in.stream, 20000);
            if (b) {
                last_sign = Clock::now();
                take(b);
                if (in.s.frames != 0 && in.frames_seen >= in.s.frames) return End::Done;
                continue;
            }
            if (in.direct) top_up(); // slots the viewer gave back since
            if (Clock::now() - last_sign > stall) {
                const std::string detail = probe();
                if (!detail.empty()) {
                    why = detail;
                    return End::Lost;
                }
                last_sign = Clock::now(); // it answers: a trigger that has not come, a pause
            }
        }
        return End::Stopped;
    }
};

int run(void* self, rtv_host* host, const rtv_host_api* api) {
    Instance& in = *static_cast<Instance*>(self);
    Run r{in, host, api};
    if (!in.camera) {
        api->report_error(host, "the camera is not open (configure() failed)");
        return RTV_ERROR;
    }
    r.log(RTV_LOG_INFO, in.summary);
    r.info("state", "starting");
    for (;;) {
        std::string why;
        if (!r.start(why)) {
            r.stop(false);
            const std::string m = "camera " + in.device_id + ": " + why;
            api->report_error(host, m.c_str());
            return RTV_ERROR;
        }
        r.log(RTV_LOG_INFO, std::string("acquiring, ") + (in.direct ? "zero copy" : "one copy") +
                                " into " + std::to_string(in.s.buffers) + " buffers");
        r.show_camera();
        const Run::End end = r.pump(why);
        const std::string lost = "camera " + in.device_id + " lost: " + why;
        if (end == Run::End::Lost) { // said at once: closing a lost camera takes Aravis seconds
            r.info("state", in.s.reconnect ? "lost, reconnecting" : "lost: " + why);
            r.log(RTV_LOG_WARNING, lost + (in.s.reconnect ? "; waiting for it to come back"
                                                          : "; the producer fails (reconnect=0)"));
        }
        r.stop(end == Run::End::Lost);
        if (end == Run::End::Stopped) return RTV_OK;
        if (end == Run::End::Done) return RTV_DONE;
        in.close_camera();
        if (!in.s.reconnect) {
            api->report_error(host, lost.c_str());
            return RTV_ERROR;
        }
        // Frames made while the camera was gone are unknown: the new ids continue the old ones.
        in.sequence_base += in.unwrapped - in.uncounted + 1;
        in.unwrapped = 0;
        in.uncounted = 0;
        in.have_id = false;
        const std::uint32_t width = in.width, height = in.height;
        const Layout layout = in.format->layout;
        if (!r.wait_for_camera()) return RTV_OK; // stopped while waiting
        r.info("state", "back, resuming");
        if (in.width != width || in.height != height || in.format->layout != layout) {
            const std::string m =
                "camera " + in.device_id + " came back with another image size or pixel format";
            api->report_error(host, m.c_str());
            return RTV_ERROR;
        }
        r.log(RTV_LOG_INFO, "camera " + in.device_id + " is back: resuming");
    }
}

// The GigE Vision and USB3 Vision cameras Aravis sees now (a search of about a second; Aravis'
// fake interface is left out unless something in this process enabled it).
std::uint32_t discover(void*, void (*found)(void*, const char*, const char*), void* user) {
    std::lock_guard lock(device_list_mutex());
    arv_update_device_list();
    const unsigned n = arv_get_n_devices();
    std::uint32_t count = 0;
    for (unsigned i = 0; i < n; ++i) {
        const char* id = arv_get_device_id(i);
        if (!id || !*id) continue;
        const std::string text(id);
        // A device id with a comma or a quote is given quoted, as the spec syntax takes it.
        const bool quote = text.find_first_of(",\"") != std::string::npos;
        const std::string spec = "aravis:camera=" + (quote ? "\"" + text + "\"" : text);
        const auto part = [](const char* v) { return v && *v ? std::string(v) : std::string(); };
        std::string line = part(arv_get_device_vendor(i));
        if (const std::string m = part(arv_get_device_model(i)); !m.empty())
            line += (line.empty() ? "" : " ") + m;
        if (line.empty()) line = "camera";
        if (const std::string sn = part(arv_get_device_serial_nbr(i)); !sn.empty())
            line += ", serial " + sn;
        if (const std::string p = part(arv_get_device_protocol(i)); !p.empty()) line += ", " + p;
        if (const std::string a = part(arv_get_device_address(i)); !a.empty()) line += ", " + a;
        found(user, spec.c_str(), line.c_str());
        ++count;
    }
    return count;
}

const rtv_producer_desc kProducer{sizeof(rtv_producer_desc),
                                  "aravis",
                                  "a GenICam camera (GigE Vision, USB3 Vision) through Aravis",
                                  kSettings,
                                  sizeof kSettings / sizeof kSettings[0],
                                  0, // run() paces itself on the camera's frames
                                  0,
                                  create,
                                  configure,
                                  stream_count,
                                  stream,
                                  nullptr, // no tick(): run() is the acquisition loop
                                  run,
                                  destroy,
                                  nullptr,
                                  discover};

const rtv_producer_desc* const kProducers[] = {&kProducer};

const rtv_plugin kPlugin{
    sizeof(rtv_plugin), RTV_PLUGIN_ABI_MAJOR, RTV_PLUGIN_ABI_MINOR, "aravis", "1.0", kProducers, 1};

} // namespace

extern "C" RTV_PLUGIN_EXPORT const rtv_plugin* rtv_plugin_entry(void) {
    return &kPlugin;
}
