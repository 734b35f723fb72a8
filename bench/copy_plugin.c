/* benchcopy: the bench's copy producer (pipeline_run.cpp's CopyProducer) as a plugin: one
 * prepared frame copied into each leased slot, so that the plugin ABI's own cost shows against
 * the same work built in. Settings width, height, format (f32 or u16). */
#include <rtviewer/plugin.h>
#include <stdlib.h>
#include <string.h>

typedef struct copy {
    uint32_t width, height, sample;
    unsigned char* source;
    size_t bytes;
} copy;

static const rtv_setting s_width = {sizeof(rtv_setting), "width", "800", "image width"};
static const rtv_setting s_height = {sizeof(rtv_setting), "height", "600", "image height"};
static const rtv_setting s_format = {sizeof(rtv_setting), "format", "f32", "f32 or u16"};
static const rtv_setting* const s_settings[] = {&s_width, &s_height, &s_format};

static void* create(void* context) {
    copy* c = calloc(1, sizeof *c);
    (void)context;
    if (c) {
        c->width = 800;
        c->height = 600;
        c->sample = RTV_SAMPLE_F32;
    }
    return c;
}

static int configure(void* self, const rtv_setting_value* v, uint32_t n, char* error,
                     uint32_t error_size) {
    copy* c = self;
    uint32_t i;
    size_t k;
    for (i = 0; i < n; ++i) {
        if (!strcmp(v[i].key, "width")) c->width = (uint32_t)strtoul(v[i].value, NULL, 10);
        if (!strcmp(v[i].key, "height")) c->height = (uint32_t)strtoul(v[i].value, NULL, 10);
        if (!strcmp(v[i].key, "format"))
            c->sample = !strcmp(v[i].value, "u16") ? RTV_SAMPLE_U16 : RTV_SAMPLE_F32;
    }
    c->bytes = (size_t)c->width * c->height * (c->sample == RTV_SAMPLE_U16 ? 2 : 4);
    c->source = malloc(c->bytes);
    if (!c->source) {
        strncpy(error, "out of memory", error_size);
        return RTV_ERROR;
    }
    /* The same frame as CopyProducer's: a float ramp, else bytes (float32 made of such bytes
     * would be NaNs and denormals, on which the statistics pass costs another time). */
    if (c->sample == RTV_SAMPLE_F32) {
        for (k = 0; k < c->bytes / 4; ++k) {
            const float v = (float)(k % 1000) * 0.001f;
            memcpy(c->source + 4 * k, &v, 4);
        }
    } else {
        for (k = 0; k < c->bytes; ++k)
            c->source[k] = (unsigned char)(k * 7 % 251);
    }
    return RTV_OK;
}

static uint32_t stream_count(void* self) {
    (void)self;
    return 1;
}

static int stream(void* self, uint32_t index, rtv_stream_request* r) {
    const copy* c = self;
    (void)index;
    r->name = "benchcopy/image";
    r->kind = RTV_KIND_IMAGE;
    r->width = c->width;
    r->height = c->height;
    r->channels = 1;
    r->sample = c->sample;
    return RTV_OK;
}

static int tick(void* self, rtv_host* host, const rtv_host_api* api, uint64_t n) {
    const copy* c = self;
    rtv_frame f = {.size = sizeof(rtv_frame)};
    if (api->lease(host, 0, &f) != RTV_OK) return RTV_OK;
    memcpy(f.data, c->source, c->bytes);
    return api->commit(host, &f, n, 0) == RTV_OK ? RTV_OK : RTV_ERROR;
}

static void destroy(void* self) {
    copy* c = self;
    free(c->source);
    free(c);
}

static const rtv_producer_desc s_copy = {.size = sizeof(rtv_producer_desc),
                                         .name = "benchcopy",
                                         .description = "copies a prepared frame (benchmark)",
                                         .settings = s_settings,
                                         .setting_count = 3,
                                         .create = create,
                                         .configure = configure,
                                         .stream_count = stream_count,
                                         .stream = stream,
                                         .tick = tick,
                                         .destroy = destroy};
static const rtv_producer_desc* const s_producers[] = {&s_copy};
static const rtv_plugin s_plugin = {sizeof(rtv_plugin),
                                    RTV_PLUGIN_ABI_MAJOR,
                                    RTV_PLUGIN_ABI_MINOR,
                                    "benchcopy",
                                    "1.0",
                                    s_producers,
                                    1};

RTV_PLUGIN_EXPORT const rtv_plugin* rtv_plugin_entry(void) {
    return &s_plugin;
}
