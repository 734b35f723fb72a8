#include "app/decor.hpp"

#include <algorithm>

#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

namespace rtv::app {

namespace {

// An empty list ready for a build: the font texture bound, clipped to `clip` (what ImGui does
// with its own lists at each new frame).
void reset_list(std::unique_ptr<ImDrawList>& list, ClipBox clip) {
    if (!list) list = std::make_unique<ImDrawList>(ImGui::GetDrawListSharedData());
    list->_ResetForNewFrame();
    list->PushTextureID(ImGui::GetIO().Fonts->TexID);
    list->PushClipRect({clip.x0, clip.y0}, {clip.x1, clip.y1}, false);
}

void render_one(const ImDrawData& frame, ImDrawList& list) {
    ImDrawData part = frame;
    ImDrawList* lists[1] = {&list};
    part.CmdLists = lists;
    part.CmdListsCount = 1;
    part.TotalVtxCount = list.VtxBuffer.Size;
    part.TotalIdxCount = list.IdxBuffer.Size;
    ImGui_ImplOpenGL3_RenderDrawData(&part);
}

} // namespace

ClipBox clip_box_of(const render::Viewport& vp, int fb_height, float scale) {
    const float top = float(fb_height - vp.y - vp.height) * scale;
    return {float(vp.x) * scale, top, float(vp.x + vp.width) * scale,
            top + float(vp.height) * scale};
}

ViewDecor::ViewDecor() = default;
ViewDecor::~ViewDecor() = default;

void ViewDecor::resize(std::size_t views) {
    if (m_views.size() < views) m_views.resize(views);
}

ImDrawList& ViewDecor::begin_margin(std::size_t i, ClipBox clip, std::uint64_t key) {
    Lists& l = m_views[i];
    reset_list(l.margin, clip);
    l.margin_key = key;
    ++m_built;
    return *l.margin;
}

ImDrawList& ViewDecor::begin_inner(std::size_t i, ClipBox clip) {
    Lists& l = m_views[i];
    reset_list(l.inner, clip);
    return *l.inner;
}

void ViewDecor::clear_inner(std::size_t i) {
    if (i < m_views.size() && m_views[i].inner) reset_list(m_views[i].inner, {});
}

void render_clipped(const ImDrawData& frame, ImDrawList& list, std::span<const ClipBox> boxes) {
    if (list.CmdBuffer.Size == 0 || list.VtxBuffer.Size == 0) return;
    // The commands' own rectangles (x0, y0, x1, y1), put back after: the main thread's only,
    // its capacity kept (no allocation once grown).
    static std::vector<ImVec4> saved;
    saved.clear();
    for (const ImDrawCmd& c : list.CmdBuffer)
        saved.push_back(c.ClipRect);
    for (const ClipBox& b : boxes) {
        for (int i = 0; i < list.CmdBuffer.Size; ++i) {
            const ImVec4& r = saved[std::size_t(i)];
            list.CmdBuffer[i].ClipRect = {std::max(r.x, b.x0), std::max(r.y, b.y0),
                                          std::min(r.z, b.x1), std::min(r.w, b.y1)};
        }
        render_one(frame, list);
    }
    for (int i = 0; i < list.CmdBuffer.Size; ++i)
        list.CmdBuffer[i].ClipRect = saved[std::size_t(i)];
}

void render_lists(const ImDrawData& frame, int first, int last) {
    if (first >= last) return;
    ImDrawData part = frame;
    part.CmdLists = frame.CmdLists + first;
    part.CmdListsCount = last - first;
    part.TotalVtxCount = part.TotalIdxCount = 0;
    for (int i = 0; i < part.CmdListsCount; ++i) {
        part.TotalVtxCount += part.CmdLists[i]->VtxBuffer.Size;
        part.TotalIdxCount += part.CmdLists[i]->IdxBuffer.Size;
    }
    ImGui_ImplOpenGL3_RenderDrawData(&part);
}

} // namespace rtv::app
