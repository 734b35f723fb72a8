#include "render/line_layer.hpp"

#include <algorithm>
#include <utility>

#include <glad/gl.h>

#include "render/decimate.hpp"
#include "render/gl.hpp"

namespace rtv::render {

LineLayer::LineLayer(LineLayer&& o) noexcept
    : m_vao(std::exchange(o.m_vao, 0))
    , m_buffer(std::exchange(o.m_buffer, 0))
    , m_capacity(std::exchange(o.m_capacity, 0))
    , m_firsts(std::move(o.m_firsts))
    , m_counts(std::move(o.m_counts))
    , m_draws(std::exchange(o.m_draws, 0))
    , m_bounds(o.m_bounds)
    , m_history_uploaded(o.m_history_uploaded)
    , m_source(std::move(o.m_source))
    , m_source_lines(o.m_source_lines)
    , m_source_points(o.m_source_points)
    , m_source_fresh(o.m_source_fresh)
    , m_scratch(std::move(o.m_scratch))
    , m_decimated(o.m_decimated)
    , m_fit_x0(o.m_fit_x0)
    , m_fit_x1(o.m_fit_x1)
    , m_fit_columns(o.m_fit_columns) {
}

LineLayer& LineLayer::operator=(LineLayer&& o) noexcept {
    if (this != &o) {
        LineLayer taken(std::move(o)); // our old GL objects die with `taken`
        std::swap(m_vao, taken.m_vao);
        std::swap(m_buffer, taken.m_buffer);
        std::swap(m_capacity, taken.m_capacity);
        std::swap(m_firsts, taken.m_firsts);
        std::swap(m_counts, taken.m_counts);
        std::swap(m_draws, taken.m_draws);
        std::swap(m_bounds, taken.m_bounds);
        std::swap(m_history_uploaded, taken.m_history_uploaded);
        std::swap(m_source, taken.m_source);
        std::swap(m_source_lines, taken.m_source_lines);
        std::swap(m_source_points, taken.m_source_points);
        std::swap(m_source_fresh, taken.m_source_fresh);
        std::swap(m_scratch, taken.m_scratch);
        std::swap(m_decimated, taken.m_decimated);
        std::swap(m_fit_x0, taken.m_fit_x0);
        std::swap(m_fit_x1, taken.m_fit_x1);
        std::swap(m_fit_columns, taken.m_fit_columns);
    }
    return *this;
}

LineLayer::~LineLayer() {
    if (m_buffer) glDeleteBuffers(1, &m_buffer);
    if (m_vao) glDeleteVertexArrays(1, &m_vao);
}

Status LineLayer::ensure_capacity(std::size_t vertices, std::size_t draws) {
    if (m_vao == 0) {
        glGenVertexArrays(1, &m_vao);
        glGenBuffers(1, &m_buffer);
        glBindVertexArray(m_vao);
        glBindBuffer(GL_ARRAY_BUFFER, m_buffer);
        glEnableVertexAttribArray(0);
        glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, sizeof(LinePoint), nullptr);
        glBindVertexArray(0);
    }
    glBindBuffer(GL_ARRAY_BUFFER, m_buffer);
    if (draws > m_firsts.size()) {
        m_firsts.resize(draws);
        m_counts.resize(draws);
    }
    if (vertices > m_capacity) {
        glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(vertices * sizeof(LinePoint)),
                     nullptr, GL_DYNAMIC_DRAW);
        m_capacity = vertices;
        return check_gl("line layer buffer"); // GL_OUT_OF_MEMORY shows here
    }
    return check_gl_debug("line layer buffer");
}

Status LineLayer::upload(std::uint32_t lines, std::uint32_t per_line,
                         std::span<const LinePoint> pts) {
    const std::size_t n = std::size_t{lines} * per_line;
    if (pts.size() < n)
        return Status::error("line layer: frame is shorter than its shape, got " +
                             std::to_string(pts.size()) + " points, expected " + std::to_string(n));
    pts = pts.first(n);
    if (n > 0) {
        Rect b{pts[0].x, pts[0].y, pts[0].x, pts[0].y};
        for (const LinePoint& p : pts) {
            b.x0 = std::min<double>(b.x0, p.x);
            b.x1 = std::max<double>(b.x1, p.x);
            b.y0 = std::min<double>(b.y0, p.y);
            b.y1 = std::max<double>(b.y1, p.y);
        }
        m_bounds = b;
    }
    bool sorted = per_line > kDecimateAbove;
    for (std::uint32_t l = 0; sorted && l < lines; ++l)
        sorted = x_is_sorted(pts.subspan(std::size_t{l} * per_line, per_line));
    if (sorted) { // long: kept here; fit_to_view (called by the renderer) fills the buffer
        if (m_source.size() < n) m_source.resize(n); // allocates: when frames grow
        std::copy(pts.begin(), pts.end(), m_source.begin());
        m_source_lines = lines;
        m_source_points = per_line;
        m_source_fresh = true;
        m_decimated = false;
        if (Status s = ensure_capacity(0, lines); !s) return s;
        m_draws = lines;
        return Status::ok();
    }
    m_source_lines = m_source_points = 0;
    m_decimated = false;
    if (Status s = ensure_capacity(n, lines); !s) return s;
    glBufferSubData(GL_ARRAY_BUFFER, 0, static_cast<GLsizeiptr>(pts.size_bytes()), pts.data());
    for (std::uint32_t l = 0; l < lines; ++l) {
        m_firsts[l] = static_cast<std::int32_t>(std::size_t{l} * per_line);
        m_counts[l] = static_cast<std::int32_t>(per_line);
    }
    m_draws = lines;
    return check_gl_debug("line layer upload");
}

Status LineLayer::fit_to_view(double x0, double x1, int columns) {
    if (m_source_points == 0 || columns <= 0 || !(x1 > x0)) return Status::ok();
    if (!m_source_fresh && x0 == m_fit_x0 && x1 == m_fit_x1 && columns == m_fit_columns)
        return Status::ok();
    m_source_fresh = false;
    m_fit_x0 = x0;
    m_fit_x1 = x1;
    m_fit_columns = columns;
    const std::size_t cap = decimated_capacity(static_cast<std::size_t>(columns));
    const std::size_t need = cap * m_source_lines;
    if (m_scratch.size() < need) m_scratch.resize(need); // allocates: when the view widens
    std::size_t total = 0;
    for (std::uint32_t l = 0; l < m_source_lines; ++l) {
        const std::span<const LinePoint> line{m_source.data() + std::size_t{l} * m_source_points,
                                              m_source_points};
        const std::size_t n = decimate(line, x0, x1, static_cast<std::size_t>(columns),
                                       std::span<LinePoint>(m_scratch).subspan(total, cap));
        m_firsts[l] = static_cast<std::int32_t>(total);
        m_counts[l] = static_cast<std::int32_t>(n);
        total += n;
    }
    if (Status s = ensure_capacity(total, m_source_lines); !s) return s;
    glBufferSubData(GL_ARRAY_BUFFER, 0, static_cast<GLsizeiptr>(total * sizeof(LinePoint)),
                    m_scratch.data());
    m_draws = m_source_lines;
    m_decimated = true;
    return check_gl_debug("line layer decimation");
}

Status LineLayer::upload_history(const LineHistory& h) {
    m_source_lines = m_source_points = 0; // histories are drawn in full
    const std::uint32_t cap = h.capacity();
    const std::size_t stride = std::size_t{cap} + 1; // the ring, then a copy of ring[0]
    if (Status s = ensure_capacity(stride * h.lines(), std::size_t{2} * h.lines()); !s) return s;
    const std::uint64_t fresh = h.written() - m_history_uploaded;
    if (fresh == 0 && m_draws != 0) return Status::ok();
    if (m_history_uploaded == 0 || fresh >= cap) m_history_bounds = false;
    auto write = [&](std::uint32_t line, std::uint32_t from, std::uint32_t count) {
        const auto ring = h.ring(line);
        for (std::uint32_t i = from; i < from + count; ++i) { // the bounds grow with new samples
            const LinePoint p = ring[i];
            if (!m_history_bounds) m_bounds = {p.x, p.y, p.x, p.y};
            m_history_bounds = true;
            m_bounds = m_bounds.united({p.x, p.y, p.x, p.y});
        }
        glBufferSubData(GL_ARRAY_BUFFER,
                        static_cast<GLintptr>((line * stride + from) * sizeof(LinePoint)),
                        static_cast<GLsizeiptr>(count * sizeof(LinePoint)), ring.data() + from);
    };
    for (std::uint32_t l = 0; l < h.lines(); ++l) {
        if (fresh >= cap) {
            write(l, 0, cap);
        } else { // ring positions [head - fresh, head), possibly wrapping
            const auto n = static_cast<std::uint32_t>(fresh);
            const std::uint32_t start = (h.head() + cap - n) % cap;
            const std::uint32_t first = std::min(n, cap - start);
            write(l, start, first);
            if (n > first) write(l, 0, n - first);
        }
        const LinePoint mirror = h.ring(l)[0];
        glBufferSubData(GL_ARRAY_BUFFER,
                        static_cast<GLintptr>((l * stride + cap) * sizeof(LinePoint)),
                        sizeof(LinePoint), &mirror);
    }
    m_history_uploaded = h.written();
    // Draw lists: oldest run [head, cap] (through the mirrored first sample), then [0, head).
    m_draws = 0;
    const std::uint32_t size = h.size();
    for (std::uint32_t l = 0; l < h.lines(); ++l) {
        const auto base = static_cast<std::int32_t>(l * stride);
        if (h.written() < cap) {
            m_firsts[m_draws] = base;
            m_counts[m_draws++] = static_cast<std::int32_t>(size);
            continue;
        }
        const std::uint32_t head = h.head();
        m_firsts[m_draws] = base + static_cast<std::int32_t>(head);
        m_counts[m_draws++] = static_cast<std::int32_t>(cap - head + (head > 0 ? 1 : 0));
        if (head > 0) {
            m_firsts[m_draws] = base;
            m_counts[m_draws++] = static_cast<std::int32_t>(head);
        }
    }
    return check_gl_debug("line layer history upload");
}

} // namespace rtv::render
