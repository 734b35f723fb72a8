/* misbehave: an rtviewer producer plugin that goes wrong on demand, to show what the viewer
 * does about it (and, with isolate=process, what isolation buys). Built against
 * <rtviewer/plugin.h> alone. One 64x64 float32 image stream, "misbehave/image"; at frame N:
 *
 *   error_after=N       reports an error: the producer is marked failed, the viewer goes on
 *   hang_after=N        ignores stop from then on: the viewer waits its stop deadline, names
 *                       the producer and exits without it
 *   crash_after=N       segfaults (in the viewer's process: the viewer with it)
 *   exit_after=N        calls _exit(3) (likewise)
 *   bad_commit_after=N  commits frames whose width is not the stream's: rejected and counted
 *   hoard=1             leases slots and never commits them: its pool runs dry, the frames it
 *                       cannot lease count as dropped, and the viewer allocates nothing more
 *   thread=1            makes its frames on a thread of its own (as a camera SDK's callback
 *                       thread would), tick() only keeps time
 *
 * (fail_after=N is the viewer's own setting, for every producer: it throws in the viewer.)
 *
 *   rtviewer --plugin ./misbehave.so -p sweep -p misbehave:error_after=100
 */
#include <pthread.h>
#include <rtviewer/plugin.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct misbehave {
    uint64_t error_after, hang_after, crash_after, exit_after, bad_commit_after;
    int hoard, thread;
    /* thread=1: the plugin's own thread, started at the first tick */
    pthread_t worker;
    int worker_started;
    rtv_host* host;
    const rtv_host_api* api;
    uint64_t made;
} misbehave;

#define SETTING(key, def, text)                                                                    \
    { sizeof(rtv_setting), key, def, text, 0 }
static const rtv_setting s_error =
    SETTING("error_after", "0", "report an error at frame N; 0 = never");
static const rtv_setting s_hang = SETTING("hang_after", "0", "ignore stop from frame N; 0 = never");
static const rtv_setting s_crash = SETTING("crash_after", "0", "segfault at frame N; 0 = never");
static const rtv_setting s_exit = SETTING("exit_after", "0", "call _exit(3) at frame N; 0 = never");
static const rtv_setting s_bad =
    SETTING("bad_commit_after", "0", "commit frames of the wrong width from frame N; 0 = never");
static const rtv_setting s_hoard = SETTING("hoard", "0", "1: lease slots and never commit them");
static const rtv_setting s_thread =
    SETTING("thread", "0", "1: make the frames on the plugin's own thread");
static const rtv_setting* const s_settings[] = {&s_error, &s_hang,  &s_crash, &s_exit,
                                                &s_bad,   &s_hoard, &s_thread};

static void* create(void* context) {
    (void)context;
    return calloc(1, sizeof(misbehave));
}

static int configure(void* self, const rtv_setting_value* values, uint32_t count, char* error,
                     uint32_t error_size) {
    misbehave* m = self;
    uint32_t i;
    for (i = 0; i < count; ++i) {
        char* end = NULL;
        const unsigned long long v = strtoull(values[i].value, &end, 10);
        const char* k = values[i].key;
        if (!*values[i].value || *end) {
            snprintf(error, error_size, "%s must be a whole number, got '%s'", k, values[i].value);
            return RTV_ERROR;
        }
        if (!strcmp(k, "error_after"))
            m->error_after = v;
        else if (!strcmp(k, "hang_after"))
            m->hang_after = v;
        else if (!strcmp(k, "crash_after"))
            m->crash_after = v;
        else if (!strcmp(k, "exit_after"))
            m->exit_after = v;
        else if (!strcmp(k, "bad_commit_after"))
            m->bad_commit_after = v;
        else if (!strcmp(k, "hoard"))
            m->hoard = v != 0;
        else if (!strcmp(k, "thread"))
            m->thread = v != 0;
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
    r->name = "misbehave/image";
    r->kind = RTV_KIND_IMAGE;
    r->width = 64;
    r->height = 64;
    r->channels = 1;
    r->sample = RTV_SAMPLE_F32;
    return RTV_OK;
}

/* One frame: a diagonal ramp that moves, so that the view shows it is alive. */
static int make_frame(misbehave* m, rtv_host* host, const rtv_host_api* api, uint64_t n) {
    rtv_frame f;
    uint32_t i;
    memset(&f, 0, sizeof f);
    f.size = sizeof f;
    if (m->crash_after && n >= m->crash_after) {
        /* Dies of SIGSEGV as a wild pointer would, without undefined behaviour (and past any
         * handler a sanitizer installed). */
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
    }
    if (m->exit_after && n >= m->exit_after) _exit(3);
    if (m->error_after && n >= m->error_after) {
        char text[96];
        snprintf(text, sizeof text, "error reported on purpose at frame %llu",
                 (unsigned long long)n);
        api->report_error(host, text);
        return RTV_ERROR;
    }
    if (m->hang_after && n >= m->hang_after) {
        for (;;) { /* ignores stop_requested(), on purpose */
            const struct timespec second = {1, 0};
            nanosleep(&second, NULL);
        }
    }
    if (api->lease(host, 0, &f) != RTV_OK) return RTV_OK; /* pool empty: counted as dropped */
    for (i = 0; i < 64 * 64; ++i)
        ((float*)f.data)[i] = (float)((i % 64 + i / 64 + n) % 128) / 127.0f;
    if (m->hoard) return RTV_OK; /* never committed: the slot stays leased */
    if (m->bad_commit_after && n >= m->bad_commit_after) f.width = 63;
    api->commit(host, &f, n, 0);
    return RTV_OK;
}

static void* worker(void* arg) {
    misbehave* m = arg;
    while (!m->api->stop_requested(m->host)) {
        if (make_frame(m, m->host, m->api, m->made++) != RTV_OK) break;
        if (!m->api->sleep(m->host, 1.0 / 60)) break;
    }
    return NULL;
}

static int tick(void* self, rtv_host* host, const rtv_host_api* api, uint64_t n) {
    misbehave* m = self;
    if (!m->thread) return make_frame(m, host, api, n);
    if (!m->worker_started) {
        m->host = host;
        m->api = api;
        if (pthread_create(&m->worker, NULL, worker, m) != 0) {
            api->report_error(host, "cannot start its thread");
            return RTV_ERROR;
        }
        m->worker_started = 1;
    }
    return RTV_OK;
}

static void destroy(void* self) {
    misbehave* m = self;
    if (m->worker_started) pthread_join(m->worker, NULL); /* it sees stop_requested() */
    free(m);
}

static const rtv_producer_desc s_misbehave = {
    sizeof(rtv_producer_desc),
    "misbehave",
    "a producer that fails, hangs, crashes or hoards on demand (to see what the viewer does)",
    s_settings,
    sizeof s_settings / sizeof s_settings[0],
    1.0 / 60,
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

static const rtv_producer_desc* const s_producers[] = {&s_misbehave};

static const rtv_plugin s_plugin = {sizeof(rtv_plugin),
                                    RTV_PLUGIN_ABI_MAJOR,
                                    RTV_PLUGIN_ABI_MINOR,
                                    "misbehave",
                                    "1.0",
                                    s_producers,
                                    1};

RTV_PLUGIN_EXPORT const rtv_plugin* rtv_plugin_entry(void) {
    return &s_plugin;
}
