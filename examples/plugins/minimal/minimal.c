/* A whole producer plugin: a 256x256 float32 image that scrolls, one frame per tick. */
#include <rtviewer/plugin.h>
#include <stdlib.h>

static void* create(void* context) {
    (void)context;
    return malloc(1);
}
static void destroy(void* self) {
    free(self);
}
static uint32_t stream_count(void* self) {
    (void)self;
    return 1;
}
static int stream(void* self, uint32_t index, rtv_stream_request* r) {
    (void)self;
    (void)index;
    r->name = "minimal/image";
    r->kind = RTV_KIND_IMAGE;
    r->width = 256;
    r->height = 256;
    r->channels = 1;
    r->sample = RTV_SAMPLE_F32;
    return RTV_OK;
}
static int tick(void* self, rtv_host* host, const rtv_host_api* api, uint64_t n) {
    rtv_frame f = {.size = sizeof(rtv_frame)};
    uint32_t i;
    (void)self;
    if (api->lease(host, 0, &f) != RTV_OK) return RTV_OK; /* pool empty: counted as dropped */
    for (i = 0; i < 256 * 256; ++i)
        ((float*)f.data)[i] = (float)((i % 256 + n) % 256) / 255.0f;
    return api->commit(host, &f, n, 0) == RTV_OK ? RTV_OK : RTV_ERROR;
}
static const rtv_producer_desc minimal = {.size = sizeof minimal,
                                          .name = "minimal",
                                          .description = "a scrolling ramp",
                                          .default_interval_s = 1.0 / 30,
                                          .create = create,
                                          .stream_count = stream_count,
                                          .stream = stream,
                                          .tick = tick,
                                          .destroy = destroy}; /* no settings: configure NULL */
static const rtv_producer_desc* const producers[] = {&minimal};
static const rtv_plugin plugin = {
    sizeof plugin, RTV_PLUGIN_ABI_MAJOR, RTV_PLUGIN_ABI_MINOR, "minimal", "1.0", producers, 1};
RTV_PLUGIN_EXPORT const rtv_plugin* rtv_plugin_entry(void) {
    return &plugin;
}
