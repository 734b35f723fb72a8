// 2. Pooled frames against a fresh buffer per frame, for the VisPy example's 600x800 float32
// image: frames/s and allocations per frame (the process counts operator new). Both fill every
// pixel of every frame, so the difference is what getting and returning the memory costs.

#include <algorithm>
#include <memory>
#include <vector>

#include "bench/harness.hpp"
#include "core/frame_pool.hpp"
#include "core/image_stats.hpp"

namespace rtv::bench {

namespace {
constexpr std::size_t kPixels = 600 * 800;

struct Rate {
    double frames_per_s = 0.0;
    double allocations_per_frame = 0.0;
};

template <class Frame> Rate measure(double seconds, Frame&& frame) {
    std::uint64_t frames = 0;
    const std::uint64_t a0 = allocations();
    const auto t0 = Clock::now();
    double elapsed = 0.0;
    do {
        for (int i = 0; i < 16; ++i)
            frame(frames++);
        elapsed = seconds_since(t0);
    } while (elapsed < seconds);
    return {double(frames) / elapsed, double(allocations() - a0) / double(frames)};
}
} // namespace

void bench_pool(const Config& c, Report& report) {
    const double seconds = 1.0 * c.scale();
    FramePool pool(kPixels * sizeof(float), 3);
    float checksum = 0.0f;
    std::vector<double> pooled_rate, fresh_rate;
    Rate pooled, fresh;
    for (int r = 0; r < (c.quick ? 1 : 3); ++r) {
        pooled = measure(seconds, [&](std::uint64_t n) {
            const auto slot = pool.try_acquire();
            if (!slot) return;
            const auto px = pool.typed<float>(*slot);
            std::fill(px.begin(), px.begin() + kPixels, float(n));
            checksum += px[n % kPixels];
            pool.release(*slot);
        });
        fresh = measure(seconds, [&](std::uint64_t n) {
            const std::unique_ptr<float[]> px(new float[kPixels]);
            std::fill(px.get(), px.get() + kPixels, float(n));
            checksum += px[n % kPixels];
        });
        pooled_rate.push_back(pooled.frames_per_s);
        fresh_rate.push_back(fresh.frames_per_s);
    }
    Result res = compare("pool", "600x800 float32", "frames/s", median(pooled_rate),
                         "new float[] per frame", median(fresh_rate), "higher is better");
    res.metrics = {{"pooled", res.subject, "frames/s"},
                   {"allocating", res.reference, "frames/s"},
                   {"pooled allocations per frame", pooled.allocations_per_frame, ""},
                   {"allocating allocations per frame", fresh.allocations_per_frame, ""},
                   {"checksum", double(checksum != 0.0f), ""}};
    res.ok = pooled.allocations_per_frame == 0.0 && fresh.allocations_per_frame >= 1.0;
    if (!res.ok) res.error = "allocation counts are not 0 (pooled) and >= 1 (allocating)";
    report.add(std::move(res));

    // What the histogram costs the producer while a panel shows it: a 600x800 frame filled and
    // its statistics computed at submit (min, max, NaN count), with and without the histogram.
    std::vector<float> pixels(kPixels);
    ImageStats stats;
    std::vector<double> with_rate, without_rate;
    std::uint64_t counted = 0;
    for (int r = 0; r < (c.quick ? 1 : 3); ++r) {
        for (const bool histogram : {true, false}) {
            const Rate rate = measure(seconds, [&](std::uint64_t n) {
                std::fill(pixels.begin(), pixels.end(), float(n % 97));
                pixels[n % kPixels] = float(n % 89) + 0.5f;
                compute_image_stats(pixels, {}, stats, histogram);
                if (histogram)
                    for (std::uint32_t b = 0; b < stats.histogram_bins; ++b)
                        counted += stats.histogram[b];
            });
            (histogram ? with_rate : without_rate).push_back(rate.frames_per_s);
        }
    }
    Result h = compare("pool", "600x800 fill + statistics with the histogram", "frames/s",
                       median(with_rate), "the same without it", median(without_rate),
                       "the histogram's cost to the producer (only while shown)");
    h.metrics = {{"with histogram", h.subject, "frames/s"}, {"without", h.reference, "frames/s"}};
    // Every pixel of every frame with a histogram is counted in it.
    h.ok = counted > 0 && counted % kPixels == 0;
    if (!h.ok) h.error = "the histograms did not count every pixel";
    report.add(std::move(h));
}

} // namespace rtv::bench
