#pragma once
// Lines on the GPU: one vertex buffer per stream, sized once (grown only when a frame needs more
// room), drawn with one glMultiDrawArrays call for all its lines, as the VisPy FAQ advises.
//  - replace streams: upload() writes the frame's lines * points vertices;
//  - append streams: upload_history() mirrors the consumer's LineHistory ring, writing only the
//    samples added since the last call, and draws each line as two runs of the ring (the ring
//    keeps a copy of its first sample after its last so the two runs join without a gap).
// Replace frames with lines far longer than a view is wide (more than kDecimateAbove points per
// line, x sorted) are kept on the CPU and decimated to min/max per pixel column when drawn
// (fit_to_view, called by the renderer): a million-point line costs a few thousand vertices.
// Thread: main (GL context).

#include <cstdint>
#include <span>
#include <vector>

#include "core/frame.hpp"
#include "core/line_history.hpp"
#include "core/status.hpp"
#include "render/camera.hpp"

namespace rtv::render {

class LineLayer {
public:
    LineLayer() = default;
    LineLayer(LineLayer&& other) noexcept;
    LineLayer& operator=(LineLayer&& other) noexcept;
    LineLayer(const LineLayer&) = delete;
    LineLayer& operator=(const LineLayer&) = delete;
    ~LineLayer();

    // `points` holds `lines` lines of `points_per_line` points, line after line.
    // Allocates: only when the frame is larger than any before (buffer and draw lists).
    Status upload(std::uint32_t lines, std::uint32_t points_per_line,
                  std::span<const LinePoint> points);
    // Brings the buffer up to date with `history`. Allocates: on the first call only.
    Status upload_history(const LineHistory& history);

    // Lines longer than this (points per line) are decimated for the view they are drawn in.
    static constexpr std::uint32_t kDecimateAbove = 4096;
    // Makes the buffer hold the last replace frame decimated for a view showing x0..x1 over
    // `columns` pixels. Does nothing unless the frame is long enough; re-decimates only when the
    // frame or the view changed. A long frame is drawn only after this (Renderer::draw calls it).
    // Allocates: only when more columns are needed than before.
    Status fit_to_view(double x0, double x1, int columns);
    // Whether the buffer holds a decimated copy of the frame (for tests).
    bool decimated() const { return m_decimated; }

    bool empty() const { return m_draws == 0; }
    // Bounds of the last replace frame's points, or of every sample a history has shown since
    // it was last overwritten whole (fitting a view to its data).
    const Rect& bounds() const { return m_bounds; }

    // For the renderer: the vertex array and the multi-draw lists.
    std::uint32_t gl_vertex_array() const { return m_vao; }
    std::span<const std::int32_t> firsts() const { return {m_firsts.data(), m_draws}; }
    std::span<const std::int32_t> counts() const { return {m_counts.data(), m_draws}; }

private:
    Status ensure_capacity(std::size_t vertices, std::size_t draws);

    std::uint32_t m_vao = 0;    // GLuint
    std::uint32_t m_buffer = 0; // GLuint
    std::size_t m_capacity = 0; // vertices
    std::vector<std::int32_t> m_firsts, m_counts;
    std::size_t m_draws = 0;
    Rect m_bounds{};
    std::uint64_t m_history_uploaded = 0; // samples of the history already in the buffer
    bool m_history_bounds = false;        // m_bounds holds a history sample

    // Decimation of long replace frames: the frame kept on the CPU, and what the buffer holds.
    std::vector<LinePoint> m_source; // lines x points of the last long frame
    std::uint32_t m_source_lines = 0, m_source_points = 0;
    bool m_source_fresh = false;      // arrived since the last fit_to_view
    std::vector<LinePoint> m_scratch; // decimated lines, each decimated_capacity(columns) long
    bool m_decimated = false;
    double m_fit_x0 = 0.0, m_fit_x1 = 0.0;
    int m_fit_columns = 0;
};

} // namespace rtv::render
