#include "core/stream.hpp"

#include <algorithm>

namespace rtv {

namespace {
std::size_t slot_floats(const StreamRequest& r) {
    if (r.kind == FrameKind::Image) return std::max<std::size_t>(r.image.pixel_count(), 1);
    return std::max<std::size_t>(r.lines.point_capacity() * 2, 1);
}
} // namespace

Stream::Stream(std::uint16_t id, StreamRequest request, std::uint16_t producer,
               const ProducerStatus& owner)
    : m_id(id)
    , m_request(std::move(request))
    , m_pool(slot_floats(m_request), m_request.slots)
    , m_producer(producer)
    , m_owner(owner) {
    if (m_request.kind == FrameKind::Image) m_quantile_scratch.resize(ImageStats::kQuantileSample);
}

} // namespace rtv
