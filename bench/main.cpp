// rtv_bench: rtviewer's benchmarks, each against a baseline measured in the same run.
//   rtv_bench [--quick] [--only NAME[,NAME...]] [--json FILE] [--viewer PATH]
//   rtv_bench --limit-window WIDTHxHEIGHT SECONDS  (the limit loop in a window: bench/cost.py)
// NAME: handoff, pool, pipeline, render, e2e, scaling, display, formats, history, feed, idle,
// startup, plugins (the default set), soak (10 minutes, on request: --only soak
// [--soak-seconds N]). Exit status 1 if a benchmark's own check failed (a lost frame, an
// allocation in steady state), 2 on a bad command line.

#include <cstdio>
#include <fstream>
#include <string>

#include <CLI/CLI.hpp>

#include "alloc/count_allocations.hpp"
#include "bench/harness.hpp"
#include "bench/limit_loop.hpp"

std::uint64_t rtv::bench::allocations() {
    return rtv::test::allocation_count();
}

int main(int argc, char** argv) {
    using namespace rtv::bench;
    if (argc > 1 && std::string(argv[1]) == "--zmq-publish") return zmq_publish_main(argc, argv);
    if (argc > 1 && std::string(argv[1]) == "--feed-publish") return feed_publish_main(argc, argv);
    if (argc > 1 && std::string(argv[1]) == "--limit-window") return limit_window_main(argc, argv);
    CLI::App cli{"rtviewer's benchmarks: each figure against a baseline measured in the same run",
                 "rtv_bench"};
    Config config;
    std::string
        only = "handoff,pool,pipeline,render,e2e,scaling,display,formats,history,feed,idle,startup,"
               "plugins,record",
        json;
    config.viewer = RTV_VIEWER_PATH;
    config.self = "/proc/self/exe";
    cli.add_flag("--quick", config.quick, "Run each case for a fraction of a second (smoke test)");
    cli.add_option(
        "--only", only,
        "Comma-separated: handoff, pool, pipeline, render, e2e, scaling, display, "
        "formats, history, feed, idle, startup, plugins, record (these the default), soak (10 "
        "minutes, "
        "on request)");
    cli.add_option("--soak-seconds", config.soak_seconds, "Length of the soak benchmark");
    cli.add_option("--json", json, "Write the results as JSON to FILE");
    cli.add_option("--viewer", config.viewer, "The rtviewer binary for the end-to-end bench");
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e) == 0 ? 0 : 2;
    }
    struct Entry {
        const char* name;
        void (*run)(const Config&, Report&);
    };
    const Entry entries[] = {
        {"handoff", bench_handoff}, {"pool", bench_pool},       {"pipeline", bench_pipeline},
        {"render", bench_render},   {"e2e", bench_end_to_end},  {"scaling", bench_scaling},
        {"display", bench_display}, {"formats", bench_formats}, {"history", bench_history},
        {"feed", bench_feed},       {"idle", bench_idle},       {"soak", bench_soak},
        {"startup", bench_startup}, {"plugins", bench_plugins}, {"record", bench_record}};
    std::string rest = only;
    std::vector<const Entry*> chosen;
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        const std::string name = rest.substr(0, comma);
        rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
        const Entry* found = nullptr;
        for (const Entry& e : entries)
            if (name == e.name) found = &e;
        if (!found) {
            std::fprintf(stderr,
                         "rtv_bench: --only: unknown benchmark '%s', expected one of: handoff, "
                         "pool, pipeline, render, e2e, scaling, display, formats, history, feed, "
                         "idle, startup, plugins, record, soak\n",
                         name.c_str());
            return 2;
        }
        chosen.push_back(found);
    }
    Report report;
    for (const Entry* e : chosen) {
        std::fprintf(stderr, "rtv_bench: %s ...\n", e->name);
        e->run(config, report);
    }
    report.print_table();
    if (!json.empty()) {
        std::ofstream out(json);
        out << report.json(config);
        if (!out) {
            std::fprintf(stderr, "rtv_bench: cannot write %s\n", json.c_str());
            return 1;
        }
    }
    return report.all_ok() ? 0 : 1;
}
