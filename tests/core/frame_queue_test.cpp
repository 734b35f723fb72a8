#include <array>

#include <doctest/doctest.h>

#include "core/frame_queue.hpp"

TEST_SUITE("core") {

    TEST_CASE(
        "FrameQueue: the preallocated queue takes its minimum capacity with no enqueue refused "
        "and hands it back in order") {
        rtv::FrameQueue queue = rtv::make_frame_queue(512, 4);
        moodycamel::ProducerToken ptok(queue);
        moodycamel::ConsumerToken ctok(queue);
        std::uint32_t accepted = 0;
        for (std::uint32_t i = 0; i < 512; ++i)
            accepted += queue.try_enqueue(ptok, rtv::FrameMsg{.sequence = i}) ? 1 : 0;
        CHECK(accepted == 512);
        std::array<rtv::FrameMsg, 64> batch{};
        std::uint32_t expected = 0;
        bool in_order = true;
        while (std::size_t n = queue.try_dequeue_bulk(ctok, batch.begin(), batch.size()))
            for (std::size_t i = 0; i < n; ++i)
                in_order = in_order && batch[i].sequence == expected++;
        CHECK(in_order);
        CHECK(expected == 512);
    }

} // TEST_SUITE
