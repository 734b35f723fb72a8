/* rtviewer producer plugins: the whole contract between the viewer and a plugin, in C99.
 *
 * A plugin is a shared library that exports one function, rtv_plugin_entry(), returning a
 * static description of the plugin and the producers (frame sources) it offers. The viewer loads
 * the library at start (--plugin FILE.so, RTV_PLUGIN_PATH, lib/rtviewer/plugins), lists its
 * producers beside the built-in ones (--list-producers), and runs one like a built-in:
 *
 *   rtviewer --plugin ./libtestcard.so --producer testcard:pattern=bars,interval=0.02
 *
 * Compatibility rules, so that a plugin built years apart keeps loading:
 *   - The viewer loads a plugin whose abi_major equals RTV_PLUGIN_ABI_MAJOR and whose abi_minor
 *     is not newer than the viewer's RTV_PLUGIN_ABI_MINOR.
 *   - Every struct starts with `size`, the sizeof the plugin (or the host) was built with. A
 *     struct only ever grows at its end, within one major; a reader takes the fields that fit in
 *     `size` and the documented default (zero, NULL) for the rest. Set `size` with sizeof.
 *   - No C++ types, no allocation across the boundary: the plugin owns what it returns (static
 *     strings, its own state), the host owns frames and the host table.
 *
 * ABI 1.1 added, each at the end of its struct: rtv_setting.flags (RTV_SETTING_LIVE: a setting the
 * user may change while the producer runs), rtv_host_api.set_info() and next_change() (rows the
 * producer shows about itself; the live changes it takes), and rtv_producer_desc.discover() (the
 * devices a producer can open now, for `rtviewer --list-cameras` and the panel's Cameras list).
 *
 * Threads: entry(), create(), configure(), stream() and destroy() run on one thread of the
 * viewer's at a time, before the producer runs (destroy: after it ended): the main thread, or,
 * for a producer started from the panel's Cameras list, the panel's worker thread (so that a
 * configure() that opens a camera does not stall the window). tick() or run() runs on the thread
 * the viewer gives the producer. The host functions may be called from that thread or from threads
 * the plugin starts itself (a camera SDK's callback thread), serialised by the host; they never
 * touch the GUI. A plugin must not call exit(), and should return from run() promptly once
 * stop_requested() says so: the viewer waits a stated deadline and then goes on without it.
 *
 * Frames: lease() hands the plugin a slot of the stream's pool (the viewer's memory: fill it in
 * place, no copy), commit() gives it to the viewer with its sequence number and time, abandon()
 * gives it back unused. A slot never committed or abandoned is given back when the producer ends.
 * Each slot's `data` stays at one address for the stream's life, so a plugin may hand the slots
 * to a camera SDK as its buffers once and match leases to them by address.
 * An empty pool makes lease() fail (the frame counted as dropped, or, with policy=wait, lease()
 * waits for a slot, stop-aware): the plugin is throttled like any producer and cannot make the
 * viewer allocate. Images are row-major and tightly packed, samples of the stream's type in the
 * machine's byte order, channels interleaved (RGBRGB...); lines are x, y float pairs, line after
 * line.
 */
#ifndef RTVIEWER_PLUGIN_H
#define RTVIEWER_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTV_PLUGIN_ABI_MAJOR 1
#define RTV_PLUGIN_ABI_MINOR 1

#if defined(_WIN32)
#define RTV_PLUGIN_EXPORT __declspec(dllexport)
#else
#define RTV_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* Results of host functions and of a producer's tick(). */
#define RTV_OK 0     /* done as asked */
#define RTV_DONE 1   /* tick(): the source has ended (a file at its end): stop, not failed */
#define RTV_EMPTY 2  /* lease(): no free slot (dropped and counted) or stop requested */
#define RTV_ERROR -1 /* a refusal or failure; the host says why on the producer's row */

/* Stream kinds, modes and sample types (uint32_t fields, not enums: their size is fixed). */
#define RTV_KIND_IMAGE 0u
#define RTV_KIND_LINES 1u
#define RTV_MODE_REPLACE 0u /* the newest frame supersedes older ones */
#define RTV_MODE_APPEND 1u  /* lines: each frame extends the line's history, in order */
#define RTV_SAMPLE_U8 0u
#define RTV_SAMPLE_U16 1u
#define RTV_SAMPLE_I16 2u
#define RTV_SAMPLE_F32 3u

/* Log levels for rtv_host_api.log(). */
#define RTV_LOG_INFO 0
#define RTV_LOG_WARNING 1

/* rtv_setting.flags (ABI 1.1). */
#define RTV_SETTING_LIVE 1u /* the panel lets the user change it while the producer runs */

/* One setting a producer accepts: shown by --list-producers and in the viewer's panel. */
typedef struct rtv_setting {
    uint32_t size;
    const char* key;           /* [a-z0-9_]+, not one of the common settings (interval, ...) */
    const char* default_value; /* as text, e.g. "bars" */
    const char* description;   /* one line */
    /* ABI 1.1: RTV_SETTING_* bits; 0 (and a 1.0 plugin's shorter struct): none. With
     * RTV_SETTING_LIVE the panel shows the setting as a field the user may edit while the
     * producer runs; each edit reaches the producer through rtv_host_api.next_change(). A
     * setting without it can only be given at start. */
    uint32_t flags;
} rtv_setting;

/* A key=value pair of the user's settings, passed to configure(). */
typedef struct rtv_setting_value {
    uint32_t size;
    const char* key;
    const char* value;
} rtv_setting_value;

/* One stream a producer feeds: filled in by the producer's stream() (the host zeroes it and
 * sets `size` first) or passed to open_stream(). The names of a producer's streams start with
 * the producer's name and a slash ("testcard/image"); the viewer renames them for a second
 * instance ("testcard#2/image"). */
typedef struct rtv_stream_request {
    uint32_t size;
    const char* name;
    uint32_t kind;       /* RTV_KIND_IMAGE or RTV_KIND_LINES */
    uint32_t mode;       /* RTV_MODE_REPLACE, or RTV_MODE_APPEND (lines only) */
    uint32_t width;      /* images: 1..16384 */
    uint32_t height;     /* images: 1..16384 */
    uint32_t channels;   /* images: 1 (mono, colormapped), 3 (RGB) or 4 (RGBA) */
    uint32_t sample;     /* images: RTV_SAMPLE_* (RGB/RGBA: not I16) */
    uint32_t max_lines;  /* lines: lines per frame, 1..4096 */
    uint32_t max_points; /* lines: points per line */
    uint32_t history;    /* append streams: points kept per line */
    uint32_t slots;      /* frames in flight (the pool), 1..64; 0: the default (3) */
} rtv_stream_request;

/* A leased frame slot. lease() fills it; the producer writes `data` and, for lines, sets
 * `lines` and `points` (the shape used, within max_lines x max_points; 0 means the whole
 * capacity: max_lines, max_points); then commit() or abandon(). Change nothing else: a frame
 * committed with a width, height, channels or sample other than its stream's is rejected and
 * counted. */
typedef struct rtv_frame {
    uint32_t size;
    uint32_t stream; /* the index of the stream (the order of stream(), then open_stream()) */
    void* data;      /* the slot: bytes of pixels, or max_lines * max_points x, y float pairs */
    uint64_t bytes;  /* the slot's size in bytes */
    uint32_t kind;   /* RTV_KIND_* */
    uint32_t width, height, channels, sample; /* images */
    uint32_t max_lines, max_points;           /* lines: the capacity */
    uint32_t lines, points;                   /* lines: the shape used (set by the producer) */
    uint64_t handle;                          /* the host's; do not change */
} rtv_frame;

typedef struct rtv_host rtv_host; /* opaque: the producer's place in the viewer */

/* What the viewer offers a running producer. Every function takes the rtv_host* the producer
 * was given. size: the host's sizeof; a plugin built against an older minor reads fewer. */
typedef struct rtv_host_api {
    uint32_t size;
    uint32_t abi_major, abi_minor; /* the viewer's */
    /* A free slot of stream `stream` into *frame (frame->size set by the caller). RTV_OK, or
     * RTV_EMPTY (no free slot: dropped and counted; or stop requested), or RTV_ERROR (no such
     * stream, a stream refused). Never allocates. */
    int (*lease)(rtv_host* host, uint32_t stream, rtv_frame* frame);
    /* Hands the frame to the viewer. `sequence`: the source's frame number (a jump counts the
     * frames between as gaps); `timestamp_ns`: when it was made, on now_ns()'s clock, or 0 for
     * now (latency is measured from it). RTV_OK, or RTV_ERROR when the frame was rejected (its
     * shape or format changed, a handle not leased): counted, the slot goes back. */
    int (*commit)(rtv_host* host, rtv_frame* frame, uint64_t sequence, int64_t timestamp_ns);
    /* Gives a leased slot back unused (not counted). */
    void (*abandon)(rtv_host* host, rtv_frame* frame);
    /* Opens a stream at run time (a source learning its shape), its index in *index. RTV_OK or
     * RTV_ERROR (a bad request, over the memory budget: the reason on the producer's row). */
    int (*open_stream)(rtv_host* host, const rtv_stream_request* request, uint32_t* index);
    /* Nonzero once the viewer asked the producer to stop. */
    int (*stop_requested)(rtv_host* host);
    /* Sleeps up to `seconds`, waking at once on stop: 0 when the producer must stop (stop was
     * requested, or the producer has ended), else 1 (it may return early, e.g. when the user
     * changes the producer's interval: check the time if it matters). */
    int (*sleep)(rtv_host* host, double seconds);
    /* Marks the producer failed with `message` (shown on its row, in the log and the stats);
     * the producer should then return from tick()/run() with RTV_ERROR. */
    void (*report_error)(rtv_host* host, const char* message);
    /* One line to the viewer's log, prefixed with the producer's name. */
    void (*log)(rtv_host* host, int level, const char* message);
    /* The viewer's clock (steady, nanoseconds): for commit()'s timestamp. */
    int64_t (*now_ns)(rtv_host* host);
    /* Counts a frame the producer itself found bad (an unreadable file), with the reason. */
    void (*reject)(rtv_host* host, uint32_t stream, const char* why);

    /* ABI 1.1 (check api->size before use in a plugin that also runs in a 1.0 viewer: a 1.1
     * plugin never does, the viewer refuses it). */

    /* Sets a read-only row the producer shows about itself, under its row in the panel and in
     * --stats-json (producers[].info): its model, serial, address, pixel format, the exposure
     * the camera reports... A row of an existing key changes its value; a value of NULL removes
     * the row. The host copies both: at most 24 rows, a key of at most 31 bytes and a value of
     * at most 127 (longer text is cut); a new key past the 24th is ignored (said once in the
     * log). Thread: any (the producer's, or one it started). Never allocates. */
    void (*set_info)(rtv_host* host, const char* key, const char* value);
    /* Takes the oldest change the user made to a live setting (RTV_SETTING_LIVE) that is still
     * waiting: 1 with its key and value (as text, cut to fit, NUL-terminated) in the buffers,
     * or 0 when none waits. Several edits of one setting before the producer looks keep only
     * the newest. The producer applies it on its own thread and answers with set_info() (the
     * value now in effect, or why it was refused). Thread: the producer's. Never allocates. */
    int (*next_change)(rtv_host* host, char* key, uint32_t key_size, char* value,
                       uint32_t value_size);
} rtv_host_api;

/* A producer the plugin offers: a type, of which the user may run several instances. */
typedef struct rtv_producer_desc {
    uint32_t size;
    const char* name;                   /* [a-z0-9_]+, unique, not a built-in's ("sweep", ...) */
    const char* description;            /* one line */
    const rtv_setting* const* settings; /* its own settings, NULL or `setting_count` pointers */
    uint32_t setting_count;
    double default_interval_s;   /* seconds between ticks; 0: auto (as the display takes them) */
    uint64_t default_iterations; /* ticks before it ends; 0: forever */
    /* A new instance (its state), or NULL on failure. `context`: this desc's `context`. */
    void* (*create)(void* context);
    /* Applies the user's settings (only the producer's own: the common ones the viewer keeps).
     * RTV_OK, or RTV_ERROR with a one-line reason in error[0..error_size) naming the valid
     * choices: the viewer exits 2 with it. NULL for a producer without settings of its own. */
    int (*configure)(void* self, const rtv_setting_value* values, uint32_t count, char* error,
                     uint32_t error_size);
    /* The number of streams the producer feeds from the start, and each one's request. */
    uint32_t (*stream_count)(void* self);
    int (*stream)(void* self, uint32_t index, rtv_stream_request* request);
    /* Makes frame set number n: the viewer paces the calls (interval, latency, jitter,
     * iterations, interval=auto) as for a built-in producer. RTV_OK, RTV_DONE or RTV_ERROR. */
    int (*tick)(void* self, rtv_host* host, const rtv_host_api* api, uint64_t n);
    /* Or, instead of tick (NULL), the producer's own loop (an event-driven source): runs until
     * the source ends (RTV_DONE or RTV_OK) or fails (RTV_ERROR) or stop_requested(). */
    int (*run)(void* self, rtv_host* host, const rtv_host_api* api);
    /* Frees the instance. */
    void (*destroy)(void* self);
    void* context; /* passed to create() */
    /* ABI 1.1, optional (NULL: the producer finds no devices). Lists the devices this producer
     * can open now: calls found() once per device with a producer spec the viewer can start
     * (e.g. "aravis:camera=Aravis-Fake-GV01") and one line describing it (e.g. "Aravis Fake
     * camera, serial GV01, 127.0.0.1"), and returns how many it found. Both strings need only
     * be valid during the call. It may block for a while (a network search: about a second)
     * and runs on a thread of the viewer's (not necessarily the main one), never twice at once
     * for one descriptor, possibly while instances of the producer run. `context`: this desc's
     * `context`. Used by `rtviewer --list-cameras` and the panel's Cameras list. */
    uint32_t (*discover)(void* context,
                         void (*found)(void* user, const char* spec, const char* description),
                         void* user);
} rtv_producer_desc;

/* What rtv_plugin_entry() returns: static, valid while the library is loaded. */
typedef struct rtv_plugin {
    uint32_t size;
    uint32_t abi_major;                        /* RTV_PLUGIN_ABI_MAJOR the plugin was built with */
    uint32_t abi_minor;                        /* RTV_PLUGIN_ABI_MINOR the plugin was built with */
    const char* name;                          /* the plugin's name, for messages */
    const char* version;                       /* its own version, for --list-producers */
    const rtv_producer_desc* const* producers; /* `producer_count` pointers */
    uint32_t producer_count;
} rtv_plugin;

/* The one symbol a plugin exports. */
typedef const rtv_plugin* (*rtv_plugin_entry_fn)(void);
#define RTV_PLUGIN_ENTRY_SYMBOL "rtv_plugin_entry"
RTV_PLUGIN_EXPORT const rtv_plugin* rtv_plugin_entry(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* RTVIEWER_PLUGIN_H */
