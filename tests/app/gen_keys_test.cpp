// rtviewer --gen-keys NAME (app/cli.cpp): writes the pair, says where, exits 0; 2 naming the file.

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <sys/stat.h>

#include "app/cli.hpp"
#include "wire/curve.hpp"

namespace fs = std::filesystem;

namespace {
rtv::app::ParseOutcome parse(std::vector<const char*> args) {
    args.insert(args.begin(), "rtviewer");
    rtv::app::Options options;
    return rtv::app::parse_command_line(static_cast<int>(args.size()), args.data(), options);
}
} // namespace

TEST_SUITE("app") {

    TEST_CASE("cli: --gen-keys writes a key pair and names both files then refuses to overwrite") {
        std::string pattern = (fs::temp_directory_path() / "rtv-gen-keys-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        const std::string name = pattern + "/cam1";
        const auto made = parse({"--gen-keys", name.c_str()});
        CHECK_FALSE(made.run);
        CHECK(made.exit_code == 0);
        CHECK(made.error.empty());
        CHECK(made.output == "rtviewer: public key " + name +
                                 ".key (give it to the other side)\nrtviewer: secret key " + name +
                                 ".key_secret (mode 0600, keep it private)\n");
        std::string pub, sec, derived;
        REQUIRE(rtv::curve::load_public_key(name + ".key", pub));
        REQUIRE(rtv::curve::load_secret_key(name + ".key_secret", sec));
        REQUIRE(rtv::curve::public_key_of(sec, derived));
        CHECK(derived == pub);

        const auto again = parse({"--gen-keys", name.c_str()});
        CHECK_FALSE(again.run);
        CHECK(again.exit_code == 2);
        CHECK(again.output.empty());
        CHECK(again.error == "rtviewer: --gen-keys: '" + name +
                                 ".key' already exists; a key file is never overwritten (choose "
                                 "another NAME or remove it)");
        const auto empty = parse({"--gen-keys", ""});
        CHECK(empty.exit_code == 2);
        CHECK(empty.error == "rtviewer: --gen-keys: the key pair's NAME is empty, expected e.g. "
                             "viewer (writes viewer.key and viewer.key_secret)");
        std::error_code ec;
        fs::remove_all(pattern, ec);
    }

} // TEST_SUITE
