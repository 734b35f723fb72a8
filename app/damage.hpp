#pragma once
// Damage tracking: which parts of the frame a pass draws again. Where the back buffer keeps its
// pixels across a swap, a frame draws only the regions whose content changed (a view's data
// area, its margins, the timeline, the panel) and leaves the rest as the previous frame drew it;
// anywhere else, and after anything that may have disturbed the buffer, the whole frame.
//
// Whether the buffer is kept is not something SDL can ask (no buffer age through SDL, and
// llvmpipe under Xvfb keeps it without saying so): BackBufferProbe finds out over the first
// frames, and again after every window event that may change the surface (resize, expose,
// restore). It writes a marker pixel before a swap and reads it back after; two different
// markers read back in a row say the buffer is the one just shown, not an older one of a chain.
// Those frames are drawn whole, and the marker (one pixel in the panel's corner, written after
// any screenshot) is covered by the next frame. Thread: main (GL context).

#include <cstdint>

namespace rtv::app {

// What damage tracking drew, for the statistics (--stats-json "redraw") and the tests.
struct DamageCounts {
    std::uint64_t full = 0, partial = 0; // frames drawn whole, and in parts
    // Parts drawn (in whole frames too): views' data areas, their margins, the timeline, the panel.
    std::uint64_t views = 0, margins = 0, timelines = 0, panels = 0;
    std::uint64_t panel_live = 0; // of the panels drawn, those drawn live (not from PanelCache)
    std::uint64_t panel_left = 0; // frames that left the panel as the last one drew it
    std::uint64_t margins_laid_out = 0; // margin lists built (their text laid out)
    // Partial frames checked against the whole frame, and those that differed (a bug).
    std::uint64_t verified = 0, mismatched = 0;
};

class BackBufferProbe {
public:
    enum class State : std::uint8_t { Unchecked, FirstMark, SecondMark, Kept, NotKept };

    // Checks again from the next frame (a window event may have replaced the surface).
    void restart() {
        if (m_state != State::NotKept || m_restarts_left > 0) m_state = State::Unchecked;
        if (m_restarts_left > 0) --m_restarts_left;
    }
    // Before the frame draws anything: reads the marker the last frame left (when checking).
    void before_draw();
    // After the frame is drawn (and any screenshot taken), before the swap: writes a marker.
    void before_swap();
    // Whether partial frames may be drawn: the buffer was found kept, and no check is under way.
    bool kept() const { return m_state == State::Kept; }
    State state() const { return m_state; }
    const char* name() const;

private:
    State m_state = State::Unchecked;
    std::uint32_t m_written = 0; // the marker as read back before the swap
    bool m_marked = false;       // a marker was written before the last swap
    int m_restarts_left = 8;     // a buffer found not kept is checked again only so often
};

} // namespace rtv::app
