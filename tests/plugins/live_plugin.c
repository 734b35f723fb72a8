/* A test plugin for ABI 1.1: a producer "livecam" that shows rows about itself (set_info), takes
 * a live setting while it runs (next_change) and lists two devices (discover).
 *
 * Each tick makes an 8x4 uint8 frame with every pixel `level`. Settings: level (0..255, live;
 * a change outside it is refused with a row saying so), serial (the row "serial"), rows=N (adds
 * rows extra0..extraN-1, to run past the host's 24), iterations as any producer. The row "pid"
 * (its process, set last: past the 24th with rows=20 or more) tells one helper process from the
 * next, and a change of "exit" (not a setting) ends the process with status 3: how the isolated
 * tests start a helper again. */
#include <rtviewer/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct livecam {
    unsigned level;
    unsigned rows;
    char serial[32];
} livecam;

static const rtv_setting s_level = {sizeof(rtv_setting), "level", "10",
                                    "every pixel's value, 0..255", RTV_SETTING_LIVE};
static const rtv_setting s_serial = {sizeof(rtv_setting), "serial", "A1", "its serial number", 0};
static const rtv_setting s_rows = {sizeof(rtv_setting), "rows", "0", "extra rows to show", 0};
static const rtv_setting* const s_settings[] = {&s_level, &s_serial, &s_rows};

static int parse_level(const char* text, unsigned* out) {
    char* end = NULL;
    const long v = strtol(text, &end, 10);
    if (!*text || *end || v < 0 || v > 255) return 0;
    *out = (unsigned)v;
    return 1;
}

static void* create(void* context) {
    livecam* c = calloc(1, sizeof *c);
    (void)context;
    if (c) {
        c->level = 10;
        strcpy(c->serial, "A1");
    }
    return c;
}
static void destroy(void* self) {
    free(self);
}
static int configure(void* self, const rtv_setting_value* v, uint32_t n, char* e, uint32_t es) {
    livecam* c = self;
    uint32_t i;
    for (i = 0; i < n; ++i) {
        if (!strcmp(v[i].key, "level") && !parse_level(v[i].value, &c->level)) {
            snprintf(e, es, "level is out of range, got '%s', expected 0..255", v[i].value);
            return RTV_ERROR;
        }
        if (!strcmp(v[i].key, "serial")) snprintf(c->serial, sizeof c->serial, "%s", v[i].value);
        if (!strcmp(v[i].key, "rows")) c->rows = (unsigned)strtoul(v[i].value, NULL, 10);
    }
    return RTV_OK;
}
static uint32_t stream_count(void* self) {
    (void)self;
    return 1;
}
static int stream(void* self, uint32_t index, rtv_stream_request* r) {
    (void)self;
    (void)index;
    r->name = "livecam/image";
    r->kind = RTV_KIND_IMAGE;
    r->width = 8;
    r->height = 4;
    r->channels = 1;
    r->sample = RTV_SAMPLE_U8;
    return RTV_OK;
}
static int tick(void* self, rtv_host* host, const rtv_host_api* api, uint64_t n) {
    livecam* c = self;
    char key[32], value[128], text[160];
    rtv_frame f;
    if (n == 0) { /* the rows that do not change */
        char big[300];
        unsigned i;
        snprintf(text, sizeof text, "%u", c->level);
        api->set_info(host, "level", text);
        api->set_info(host, "model", "Live Test Camera");
        api->set_info(host, "serial", c->serial);
        memset(big, 'x', sizeof big - 1); /* longer than a row takes: cut to 127 */
        big[sizeof big - 1] = '\0';
        api->set_info(host, "long", big);
        api->set_info(host, "gone", "removed again");
        api->set_info(host, "gone", NULL);
        for (i = 0; i < c->rows; ++i) {
            char k[16];
            snprintf(k, sizeof k, "extra%u", i);
            api->set_info(host, k, "x");
        }
        snprintf(text, sizeof text, "%ld", (long)getpid());
        api->set_info(host, "pid", text);
    }
    while (api->next_change(host, key, sizeof key, value, sizeof value)) {
        unsigned level = 0;
        if (!strcmp(key, "exit")) {
            exit(3);
        } else if (strcmp(key, "level") != 0) {
            snprintf(text, sizeof text, "not a live setting: %s", key);
            api->set_info(host, "error", text);
        } else if (parse_level(value, &level)) {
            c->level = level;
            snprintf(text, sizeof text, "%u", c->level);
            api->set_info(host, "level", text);
        } else {
            snprintf(text, sizeof text, "%u (%s refused: expected 0..255)", c->level, value);
            api->set_info(host, "level", text);
        }
    }
    memset(&f, 0, sizeof f);
    f.size = sizeof f;
    if (api->lease(host, 0, &f) != RTV_OK) return RTV_OK; /* no free slot: counted */
    memset(f.data, (int)c->level, (size_t)f.bytes);
    return api->commit(host, &f, n, 0) == RTV_OK ? RTV_OK : RTV_ERROR;
}

/* Two devices, as a camera plugin would list what it sees. */
static uint32_t discover(void* context, void (*found)(void*, const char*, const char*),
                         void* user) {
    (void)context;
    found(user, "livecam:serial=A1", "Live Test Camera, serial A1, 127.0.0.1");
    found(user, "livecam:serial=B2,level=200", "Live Test Camera, serial B2, 127.0.0.2");
    return 2;
}

static const rtv_producer_desc s_livecam = {sizeof(rtv_producer_desc),
                                            "livecam",
                                            "a test camera with rows, a live setting, discovery",
                                            s_settings,
                                            3,
                                            0.01,
                                            0,
                                            create,
                                            configure,
                                            stream_count,
                                            stream,
                                            tick,
                                            NULL,
                                            destroy,
                                            NULL,
                                            discover};
static const rtv_producer_desc* const s_producers[] = {&s_livecam};
static const rtv_plugin s_plugin = {
    sizeof(rtv_plugin), RTV_PLUGIN_ABI_MAJOR, RTV_PLUGIN_ABI_MINOR, "live", "1", s_producers, 1};

RTV_PLUGIN_EXPORT const rtv_plugin* rtv_plugin_entry(void) {
    return &s_plugin;
}
