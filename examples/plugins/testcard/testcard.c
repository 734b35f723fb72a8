/* testcard: an rtviewer producer plugin, built against <rtviewer/plugin.h> alone.
 *
 * A moving test pattern with a known ground truth: frame n's pixel (x, y) is
 *   u = x + n * speed (the pattern moves left by `speed` pixels a frame), and
 *   ramp:    v = (u mod width) / (width - 1)
 *   bars:    v = (floor(8 u / width) mod 8) / 7            (8 grey levels)
 *   checker: v = (floor(u / 32) + floor(y / 32)) mod 2      (32-pixel squares)
 * stored as float32 v, or uint16/uint8 floor(v * max + 0.5). A line stream carries row height/2 of
 * the image (x = column, y = v), so the line view shows the profile the image should have.
 *
 *   rtviewer --plugin ./testcard.so --producer testcard:pattern=bars,format=u16,interval=0.02
 */
#include <rtviewer/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum pattern { RAMP, BARS, CHECKER };

typedef struct testcard {
    uint32_t width, height, speed, sample;
    enum pattern pattern;
} testcard;

static const rtv_setting s_width = {sizeof(rtv_setting), "width", "640", "image width, 2..8192", 0};
static const rtv_setting s_height = {sizeof(rtv_setting), "height", "480", "image height, 1..8192",
                                     0};
static const rtv_setting s_pattern = {sizeof(rtv_setting), "pattern", "ramp",
                                      "ramp, bars or checker", 0};
static const rtv_setting s_speed = {sizeof(rtv_setting), "speed", "2",
                                    "pixels the pattern moves left per frame, 0..1000", 0};
static const rtv_setting s_format = {sizeof(rtv_setting), "format", "f32",
                                     "sample type: u8, u16 or f32", 0};
static const rtv_setting* const s_settings[] = {&s_width, &s_height, &s_pattern, &s_speed,
                                                &s_format};

/* The ground truth: v in 0..1 at column x, row y of frame n. */
static double truth(const testcard* t, uint64_t n, uint32_t x, uint32_t y) {
    const uint64_t u = x + n * t->speed;
    switch (t->pattern) {
    case RAMP:
        return (double)(u % t->width) / (double)(t->width - 1);
    case BARS:
        return (double)((u * 8 / t->width) % 8) / 7.0;
    default:
        return (double)((u / 32 + y / 32) % 2);
    }
}

static void* create(void* context) {
    testcard* t = calloc(1, sizeof *t);
    (void)context;
    if (t) {
        t->width = 640;
        t->height = 480;
        t->speed = 2;
        t->sample = RTV_SAMPLE_F32;
        t->pattern = RAMP;
    }
    return t;
}

static int read_number(const char* text, unsigned long lo, unsigned long hi, uint32_t* out) {
    char* end = NULL;
    unsigned long v = strtoul(text, &end, 10);
    if (!*text || *end || v < lo || v > hi) return 0;
    *out = (uint32_t)v;
    return 1;
}

static int configure(void* self, const rtv_setting_value* values, uint32_t count, char* error,
                     uint32_t error_size) {
    testcard* t = self;
    uint32_t i;
    for (i = 0; i < count; ++i) {
        const char* k = values[i].key;
        const char* v = values[i].value;
        int ok = 1;
        if (!strcmp(k, "width"))
            ok = read_number(v, 2, 8192, &t->width);
        else if (!strcmp(k, "height"))
            ok = read_number(v, 1, 8192, &t->height);
        else if (!strcmp(k, "speed"))
            ok = read_number(v, 0, 1000, &t->speed);
        else if (!strcmp(k, "pattern")) {
            if (!strcmp(v, "ramp"))
                t->pattern = RAMP;
            else if (!strcmp(v, "bars"))
                t->pattern = BARS;
            else if (!strcmp(v, "checker"))
                t->pattern = CHECKER;
            else {
                snprintf(error, error_size, "pattern must be one of: ramp, bars, checker, got '%s'",
                         v);
                return RTV_ERROR;
            }
        } else if (!strcmp(k, "format")) {
            if (!strcmp(v, "u8"))
                t->sample = RTV_SAMPLE_U8;
            else if (!strcmp(v, "u16"))
                t->sample = RTV_SAMPLE_U16;
            else if (!strcmp(v, "f32"))
                t->sample = RTV_SAMPLE_F32;
            else {
                snprintf(error, error_size, "format must be one of: u8, u16, f32, got '%s'", v);
                return RTV_ERROR;
            }
        }
        if (!ok) {
            snprintf(error, error_size, "%s is out of range, got '%s' (see --list-producers)", k,
                     v);
            return RTV_ERROR;
        }
    }
    return RTV_OK;
}

static uint32_t stream_count(void* self) {
    (void)self;
    return 2;
}

static int stream(void* self, uint32_t index, rtv_stream_request* r) {
    const testcard* t = self;
    if (index == 0) {
        r->name = "testcard/image";
        r->kind = RTV_KIND_IMAGE;
        r->width = t->width;
        r->height = t->height;
        r->channels = 1;
        r->sample = t->sample;
    } else {
        r->name = "testcard/profile";
        r->kind = RTV_KIND_LINES;
        r->max_lines = 1;
        r->max_points = t->width;
    }
    return RTV_OK;
}

static int tick(void* self, rtv_host* host, const rtv_host_api* api, uint64_t n) {
    const testcard* t = self;
    rtv_frame f;
    uint32_t x, y;
    memset(&f, 0, sizeof f);
    f.size = sizeof f;
    if (api->lease(host, 0, &f) == RTV_OK) {
        for (y = 0; y < t->height; ++y) {
            const size_t row = (size_t)y * t->width;
            for (x = 0; x < t->width; ++x) {
                const double v = truth(t, n, x, y);
                if (t->sample == RTV_SAMPLE_F32)
                    ((float*)f.data)[row + x] = (float)v;
                else if (t->sample == RTV_SAMPLE_U16)
                    ((uint16_t*)f.data)[row + x] = (uint16_t)(v * 65535.0 + 0.5);
                else
                    ((uint8_t*)f.data)[row + x] = (uint8_t)(v * 255.0 + 0.5);
            }
        }
        api->commit(host, &f, n, 0);
    }
    memset(&f, 0, sizeof f);
    f.size = sizeof f;
    if (api->lease(host, 1, &f) == RTV_OK) {
        float* xy = f.data;
        for (x = 0; x < t->width; ++x) {
            xy[2 * x] = (float)x;
            xy[2 * x + 1] = (float)truth(t, n, x, t->height / 2);
        }
        f.lines = 1;
        f.points = t->width;
        api->commit(host, &f, n, 0);
    }
    return RTV_OK;
}

static void destroy(void* self) {
    free(self);
}

static const rtv_producer_desc s_testcard = {
    sizeof(rtv_producer_desc),
    "testcard",
    "a moving test pattern with a known ground truth (ramp, bars, checker) and its profile",
    s_settings,
    sizeof s_settings / sizeof s_settings[0],
    1.0 / 30, /* default interval: 30 frames a second */
    0,        /* forever */
    create,
    configure,
    stream_count,
    stream,
    tick,
    NULL, /* run: the viewer paces tick() */
    destroy,
    NULL,
    NULL};

static const rtv_producer_desc* const s_producers[] = {&s_testcard};

static const rtv_plugin s_plugin = {sizeof(rtv_plugin),
                                    RTV_PLUGIN_ABI_MAJOR,
                                    RTV_PLUGIN_ABI_MINOR,
                                    "testcard",
                                    "1.0",
                                    s_producers,
                                    1};

RTV_PLUGIN_EXPORT const rtv_plugin* rtv_plugin_entry(void) {
    return &s_plugin;
}
