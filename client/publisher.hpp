#pragma once
// rtviewer's C++ client: feeds a running viewer's zmq producer from another program.
//
//     rtv::client::Publisher pub;
//     if (rtv::Status s = pub.open("tcp://127.0.0.1:5555"); !s) { /* no viewer: s.message() */ }
//     pub.send("cam", pixels, {height, width});   // std::span<const std::uint16_t> etc.
//     pub.close();                                 // what was sent leaves before this returns
//
// Each message is rtviewer's wire format ([stream name, header, array as .npy], see
// wire/message.hpp), written by the same codec the viewer reads it with; an array the viewer
// would refuse is refused here, before sending, with the viewer's own reason. The header numbers
// each stream's frames (the viewer counts lost ones as `gaps`) and carries the send time (the
// viewer's latency on the same machine). open() waits for the viewer's subscription (an XPUB
// socket), so no frame is lost to ZeroMQ's slow joiner. send() never waits for the viewer: a
// frame that finds the send queue full (`hwm` messages) is dropped and counted (dropped()), and
// the viewer sees the gap. With `shm`, images go through a shared-memory ring on this machine
// and only a small descriptor through ZeroMQ (lines stay inline); a frame that finds every slot
// still unread by the viewer is dropped the same way (client/shm_ring.hpp).
// A gap shows only when a later frame arrives, so the publisher also tells the viewer the last
// number it used on each stream (a sequence mark, wire/message.hpp): close() sends one per
// stream after the last frame, and after drops a publisher idle for kIdleMarkSeconds sends one
// for each stream whose last numbers did not leave (from a thread of its own, started at the
// first drop). So `produced + gaps` on the viewer is what the publisher numbered, even when the
// last frames of a burst were dropped. A catalogue of the streams sent goes with the frames
// (before a stream's first frame, then about once a second; wire/catalogue.hpp): a viewer that
// takes only some streams lists the others. Link: rtv::client (CMake). Thread: one thread per
// Publisher (its idle thread shares the socket under a mutex).

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "wire/npy.hpp"

namespace rtv::wire {
struct ShmDescriptor;
}

namespace rtv::client {

struct PublisherOptions {
    bool shm = false;            // images through a shared-memory ring (same machine only)
    std::uint32_t shm_slots = 4; // the ring's slots: frames the viewer may be behind
    int hwm = 64;                // messages queued for the viewer before send() drops
    // CURVE (docs/security.md), open() only: the viewer's (or broker's) public key and this
    // publisher's secret key, each a file or the 40-character Z85 text; both or neither. Errors
    // name the file (missing, unreadable, wrong length, a secret others may read). A bound
    // publisher (bind()) takes neither: it serves viewers on loopback or ipc:// only, or in
    // plain text beyond this machine.
    std::string server_key;
    std::string key;
};

class Publisher {
public:
    Publisher();
    ~Publisher(); // close()
    Publisher(const Publisher&) = delete;
    Publisher& operator=(const Publisher&) = delete;

    // Connects to the viewer at `endpoint` and waits up to `wait_s` seconds for its
    // subscription: an error naming the endpoint when no viewer is there. An empty endpoint is
    // RTV_ENDPOINT's (set by a viewer that started this program as its exec producer), else
    // tcp://127.0.0.1:5555 (`rtviewer --producer zmq`).
    Status open(const std::string& endpoint = {}, double wait_s = 10.0,
                const PublisherOptions& options = {});

    // Binds `endpoint` (e.g. tcp://*:5556, ipc:///tmp/cam.sock; port * picks a free one, see
    // endpoint()) and serves every viewer that connects to it (`rtviewer --producer
    // zmq:connect=ENDPOINT`, or rtviewer-broker), however many, as they come and go: it never
    // waits for a viewer, and frames sent while none is connected go nowhere. Each viewer has
    // its own queue of `hwm` messages: a slow one loses frames there (it counts them as gaps)
    // without slowing the others or send(), so dropped() counts nothing here. Frames travel
    // inline (options.shm is refused: shared memory is for a viewer on this machine that the
    // publisher connects to).
    Status bind(const std::string& endpoint, const PublisherOptions& options = {});
    // Where it is bound (port * resolved) or connected; empty when closed.
    std::string endpoint() const;

    // Sends `data` (C order) of `shape` as stream `name` (a "name:image" or "name:lines" suffix
    // chooses for 2-D arrays, as the viewer documents). Returns without waiting for the viewer
    // (a full queue drops the frame: ok, counted in dropped()); with `block`, waits for room.
    // Shapes: (N,) a line, (N, 2) x-y points, (H, W) an image, (H, W, 3|4) RGB/RGBA.
    template <class T>
    Status send(std::string_view name, std::span<const T> data,
                std::initializer_list<std::uint64_t> shape, bool block = false) {
        return send_raw(name, wire::npy_type<T>(), std::as_bytes(data),
                        {shape.begin(), shape.size()}, block);
    }
    Status send_raw(std::string_view name, wire::NpyType type, std::span<const std::byte> data,
                    std::span<const std::uint64_t> shape, bool block = false);
    // An image whose `data` already lie in a shared-memory segment in the ring's layout
    // (wire/message.hpp), at `placed` (its generation already stored in the slot's control
    // word): only the descriptor travels, nothing is copied. The caller keeps the slot as it is
    // until the viewer hands it back (its `released` word), or revokes it first (an odd
    // generation). rtviewer-plugin-host sends its pools' frames so.
    Status send_placed(std::string_view name, wire::NpyType type, std::span<const std::byte> data,
                       std::span<const std::uint64_t> shape, const wire::ShmDescriptor& placed,
                       bool block = false);

    // Numbers `count` frames of stream `name` (without a kind suffix) that were made but never
    // sent (their producer found no free slot): the viewer counts them as gaps, as it does the
    // frames send() drops, once a later frame or a sequence mark arrives; counted in dropped().
    // False (nothing numbered) when no frame of the stream was sent yet: there is no array
    // header a mark could carry. rtviewer-plugin-host reports its producer's drops so.
    bool skip(std::string_view name, std::uint64_t count);

    // Sends the rows a producer shows about itself, `json` as wire::encode_rows made it
    // (wire/rows.hpp: [kRowsTopic, JSON]), without waiting: false when the queue is full or the
    // socket refused it (the caller sends them again later). rtviewer-plugin-host sends its
    // producer's board so.
    bool send_rows(std::string_view json);

    // Sends each numbered stream's sequence mark (after its last frame), lets what was sent
    // leave (up to `linger_s` seconds; with shm, until the viewer has copied it out of the
    // ring) and disconnects. False when a mark found the queue full for linger_s, or the viewer
    // had not copied every frame sent through the ring within linger_s. Idempotent. A Publisher
    // opened again numbers its streams from 0 under a new publisher id.
    bool close(double linger_s = 10.0);
    bool is_open() const;
    std::uint64_t sent() const { return m_sent; }       // frames queued for the viewer
    std::uint64_t dropped() const { return m_dropped; } // frames the full queue or ring refused
    std::uint64_t shm_reused_unread() const;            // ring slots reused before the viewer read

    // How long a publisher that dropped frames waits, sending nothing, before it tells the
    // viewer its streams' last numbers.
    static constexpr double kIdleMarkSeconds = 1.0;

private:
    struct Impl;
    struct Numbering {
        std::string topic;           // the name as last sent (with a kind suffix)
        std::uint64_t next = 0;      // the next number
        std::uint64_t told = 0;      // numbers the viewer was sent: a frame, or a mark
        std::uint64_t counted = 0;   // `next` when the last catalogue was sent (its rate)
        wire::NpyType type{};        // the last numbered frame's .npy header: what a mark
        unsigned dims = 0;           // carries, so that a viewer that received no frame of the
        std::uint64_t shape[3] = {}; // stream can open it
    };
    Status send_any(std::string_view name, wire::NpyType type, std::span<const std::byte> data,
                    std::span<const std::uint64_t> shape, bool block,
                    const wire::ShmDescriptor* placed);
    Status send_frame(std::string_view name, wire::NpyType type, std::span<const std::byte> data,
                      std::span<const std::uint64_t> shape, bool block,
                      const wire::ShmDescriptor* placed, Numbering*& numbering);
    bool send_mark(Numbering& n, bool block); // the mutex held
    // The catalogue of this publisher's streams (wire/catalogue.hpp), so that a viewer that
    // takes only some can list the others: sent before a new stream's first frame and then
    // about once a second while frames are sent; with `block` it waits for room as send(block)
    // does. The mutex held. Allocates (once a second).
    void send_catalogue(bool block);
    void watch_untold(const Numbering& n);     // the mutex held: wakes the idle thread
    void tell_when_idle(std::stop_token stop); // the idle thread
    std::unique_ptr<Impl> m_impl;
    // The buffers and the numbering: shared with the idle thread, under the Impl's mutex.
    std::vector<std::byte> m_message; // reused: no allocation per frame once grown
    std::vector<std::byte> m_header;
    std::map<std::string, Numbering, std::less<>> m_streams; // by stream name (no suffix)
    std::uint64_t m_sent = 0, m_dropped = 0;                 // the sending thread's only
    double m_wait_s = 10.0;
};

} // namespace rtv::client
