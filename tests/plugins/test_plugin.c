/* Test plugins: one source, built once per variant (-DVARIANT_...), each a way a plugin can be
 * wrong, or right in a way worth proving (an older, shorter struct; run() instead of tick()). */
#include <rtviewer/plugin.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Each variant uses some of what follows. */
#define UNUSED __attribute__((unused))

UNUSED static void* create(void* context) {
    (void)context;
    return calloc(1, 16);
}
UNUSED static int configure(void* self, const rtv_setting_value* v, uint32_t n, char* e,
                            uint32_t es) {
    (void)self;
    (void)v;
    (void)n;
    (void)e;
    (void)es;
    return RTV_OK;
}
UNUSED static uint32_t stream_count(void* self) {
    (void)self;
#if defined(VARIANT_RUNNER)
    return 0; /* it opens its stream at run time */
#else
    return 1;
#endif
}
UNUSED static int stream(void* self, uint32_t index, rtv_stream_request* r) {
    (void)self;
    (void)index;
    r->name = "older/image";
    r->kind = RTV_KIND_IMAGE;
    r->width = 8;
    r->height = 4;
    r->channels = 1;
    r->sample = RTV_SAMPLE_U8;
    return RTV_OK;
}
/* Frames 0, 1, 2 of 8x4 uint8 with every pixel n + 1; then the source has ended. */
UNUSED static int tick(void* self, rtv_host* host, const rtv_host_api* api, uint64_t n) {
    rtv_frame f;
    (void)self;
    if (n >= 3) return RTV_DONE;
    memset(&f, 0, sizeof f);
    f.size = sizeof f;
    if (api->lease(host, 0, &f) != RTV_OK) return RTV_ERROR;
    memset(f.data, (int)n + 1, (size_t)f.bytes);
    return api->commit(host, &f, n, 0) == RTV_OK ? RTV_OK : RTV_ERROR;
}
/* run(): opens its stream at run time (a lines stream of 1 x 4 points), commits frames numbered
 * 0, 1, 5, 6 (3 and 4 and 2 never sent: 3 gaps), then the source has ended. */
UNUSED static int run(void* self, rtv_host* host, const rtv_host_api* api) {
    const uint64_t numbers[] = {0, 1, 5, 6};
    rtv_stream_request r;
    uint32_t index = 99, i, k;
    (void)self;
    memset(&r, 0, sizeof r);
    r.size = sizeof r;
    r.name = "runner/line";
    r.kind = RTV_KIND_LINES;
    r.max_lines = 1;
    r.max_points = 4;
    if (api->open_stream(host, &r, &index) != RTV_OK) return RTV_ERROR;
    for (i = 0; i < 4; ++i) {
        rtv_frame f;
        memset(&f, 0, sizeof f);
        f.size = sizeof f;
        if (api->lease(host, index, &f) != RTV_OK) return RTV_ERROR;
        for (k = 0; k < 4; ++k) {
            ((float*)f.data)[2 * k] = (float)k;
            ((float*)f.data)[2 * k + 1] = (float)numbers[i];
        }
        f.points = 4;
        if (api->commit(host, &f, numbers[i], api->now_ns(host)) != RTV_OK) return RTV_ERROR;
    }
    return RTV_DONE;
}
UNUSED static void destroy(void* self) {
    free(self);
}

#if defined(VARIANT_BAD_SETTING)
static const rtv_setting s_interval = {sizeof(rtv_setting), "interval", "1", "clashes", 0};
static const rtv_setting* const s_settings[] = {&s_interval};
#define SETTINGS s_settings, 1
#elif defined(VARIANT_OLDER)
/* An ABI 1.0 setting: its struct ends before `flags`, so the flag set after it is not read. */
static const rtv_setting s_depth = {offsetof(rtv_setting, flags), "depth", "1", "unused",
                                    RTV_SETTING_LIVE /* past its size: never read */};
static const rtv_setting* const s_settings[] = {&s_depth};
#define SETTINGS s_settings, 1
#else
#define SETTINGS NULL, 0
#endif

#if defined(VARIANT_OLDER)
/* A plugin built before rtv_producer_desc had its last field (`context`): its struct is
 * shorter than today's, and the viewer reads the fields it has. */
#define DESC_SIZE offsetof(rtv_producer_desc, context)
#else
#define DESC_SIZE sizeof(rtv_producer_desc)
#endif

#if defined(VARIANT_RUNNER)
#define NAME1 "runner"
#define TICK NULL
#define RUN run
#else
#define TICK tick
#define RUN NULL
#if defined(VARIANT_SHADOW)
#define NAME1 "sweep"
#elif defined(VARIANT_OLDER)
#define NAME1 "older"
#else /* refused for another reason: a name of its own, so that the reason is that one */
#define NAME1 VARIANT_NAME
#endif
#endif

UNUSED static const rtv_producer_desc s_one = {
    DESC_SIZE, NAME1, "a test producer", SETTINGS, 0.0, 0, create, configure, stream_count, stream,
    TICK,      RUN,   destroy,           NULL};
UNUSED static const rtv_producer_desc s_twin = {sizeof(rtv_producer_desc),
                                                NAME1,
                                                "its twin",
                                                NULL,
                                                0,
                                                0.0,
                                                0,
                                                create,
                                                configure,
                                                stream_count,
                                                stream,
                                                tick,
                                                NULL,
                                                destroy,
                                                NULL,
                                                NULL};

#if defined(VARIANT_DUP_NAMES)
static const rtv_producer_desc* const s_producers[] = {&s_one, &s_twin};
#define COUNT 2
#else
static const rtv_producer_desc* const s_producers[] = {&s_one};
#define COUNT 1
#endif

#if defined(VARIANT_BAD_MAJOR)
#define MAJOR (RTV_PLUGIN_ABI_MAJOR + 1)
#else
#define MAJOR RTV_PLUGIN_ABI_MAJOR
#endif
#if defined(VARIANT_NEWER_MINOR)
#define MINOR (RTV_PLUGIN_ABI_MINOR + 1)
#elif defined(VARIANT_OLDER)
#define MINOR 0 /* built against ABI 1.0 */
#else
#define MINOR RTV_PLUGIN_ABI_MINOR
#endif

UNUSED static const rtv_plugin s_plugin = {sizeof(rtv_plugin), MAJOR, MINOR, "test", "0",
                                           s_producers,        COUNT};

#if defined(VARIANT_NO_ENTRY)
RTV_PLUGIN_EXPORT const rtv_plugin* not_the_entry(void) {
    return &s_plugin;
}
#elif defined(VARIANT_NULL_ENTRY)
RTV_PLUGIN_EXPORT const rtv_plugin* rtv_plugin_entry(void) {
    return NULL;
}
#else
RTV_PLUGIN_EXPORT const rtv_plugin* rtv_plugin_entry(void) {
    return &s_plugin;
}
#endif
