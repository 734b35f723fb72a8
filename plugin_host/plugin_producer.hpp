#pragma once
// A plugin's producer as the viewer runs it: a Producer whose calls go through the C ABI of
// sdk/rtviewer/plugin.h, and the host table (rtv_host_api) the plugin calls back, bound to the
// producer's FrameSink. Pacing, pool policy and every counter are the built-in path's: tick() is
// called by Producer::run's schedule, leases are FrameSink leases, commits are submits.
//
// Threads: configure() and streams() on the main thread (or the panel's worker, for a producer
// started from its Cameras list); tick()/run() on the producer's thread; the host functions from
// that thread or any the plugin starts (serialised by a mutex, so a camera SDK's callback thread
// may commit while the producer's thread sleeps). The board (set_info's rows, the panel's live
// changes) is read and written from any thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/frame_sink.hpp"
#include "core/producer.hpp"
#include "core/producer_board.hpp"
#include "producers/settings.hpp"
#include "sdk/rtviewer/plugin.h"

namespace rtv::plugins {

// One producer type a loaded plugin offers: its descriptor read field by field within its size
// (fields past it left zero), and what the registry lists. Lives as long as the process (a
// plugin is never unloaded).
struct PluginType {
    rtv_producer_desc desc{};
    std::string file;   // the plugin's file, as loaded
    std::string origin; // "plugin FILE (NAME VERSION, ABI x.y)"
    std::vector<producers::SettingInfo> settings;
    std::vector<std::string> live;         // the keys of its RTV_SETTING_LIVE settings (ABI 1.1)
    std::vector<std::string> descriptions; // its settings' descriptions, live ones marked
};

class PluginProducer final : public Producer {
public:
    explicit PluginProducer(const PluginType& type);
    ~PluginProducer() override;
    PluginProducer(const PluginProducer&) = delete;
    PluginProducer& operator=(const PluginProducer&) = delete;

    // Whether create() gave an instance.
    bool created() const { return m_self != nullptr; }
    // A stream request as the plugin wrote it (fields past its size zero), checked for what the
    // C form can get wrong (kind, mode, sample type); validate() checks the ranges.
    static Status to_request(const rtv_stream_request& c, StreamRequest& out);

    ProducerInfo info() const override;
    Status configure(const ProducerConfig& config) override;
    std::vector<StreamRequest> streams() const override;
    void tick(FrameSink& sink, std::uint64_t n) override;
    void run(std::stop_token stop, FrameSink& sink) override;
    void abandon() override;
    ProducerBoard* board() const override { return &m_board; }

    // The C host functions' bodies (public for the static trampolines in the .cpp).
    int host_lease(std::uint32_t stream, rtv_frame* frame);
    int host_commit(rtv_frame* frame, std::uint64_t sequence, std::int64_t timestamp_ns);
    void host_abandon(rtv_frame* frame);
    int host_open_stream(const rtv_stream_request* request, std::uint32_t* index);
    int host_stop_requested();
    int host_sleep(double seconds);
    void host_report_error(const char* message);
    void host_log(int level, const char* message);
    void host_reject(std::uint32_t stream, const char* why);
    void host_set_info(const char* key, const char* value);
    int host_next_change(char* key, std::uint32_t key_size, char* value, std::uint32_t value_size);

private:
    // A host call from the plugin: counted in flight so that abandon() can wait for it to leave,
    // and refused once the gate is closed.
    class Call;
    struct Held {
        FrameLease lease;
        std::uint32_t generation = 0;
        std::uint32_t stream = 0; // the index it was leased from
        bool used = false;
    };
    // Throws the failure the plugin reported (or `fallback`), if any: Producer's exception path.
    void throw_if_failed(const char* fallback, int result);
    // The slot of a frame's handle, or nullptr (not leased, or given back already).
    Held* held_of(const rtv_frame* frame);
    void grow_held(std::size_t more);

    const PluginType& m_type;
    void* m_self = nullptr;
    FrameSink* m_sink = nullptr; // set as the producer's thread starts
    std::mutex m_mutex;          // serialises the sink's use among the plugin's threads
    std::vector<Held> m_held;    // leased slots; sized from the streams' pools (grows on open)
    std::vector<std::optional<std::uint64_t>> m_last_sequence; // per stream, the plugin's
    std::string m_error;                                       // guarded by m_mutex
    bool m_failed = false;                                     // guarded by m_mutex
    std::atomic<int> m_in_flight{0};
    std::atomic<bool> m_closed{false};
    std::vector<StreamRequest> m_streams; // read from the plugin by configure()
    std::stop_source* m_done = nullptr;   // tick() returned RTV_DONE: the schedule ends
    mutable ProducerBoard m_board;        // set_info's rows, the panel's live changes
    // Closes the gate (no host call touches the sink after it) and waits for the calls in
    // flight to leave; then gives back every slot still leased.
    void close_gate();
};

// The host table the viewer gives every plugin (the same functions for all; the rtv_host* says
// which producer).
const rtv_host_api& host_api();

} // namespace rtv::plugins
