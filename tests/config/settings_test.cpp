// Unit tests of the configuration file: the example equals the defaults, and every error names
// the file, line and key.
#include "nv/config/settings.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

namespace {

using nv::config::load_text;
using nv::config::settings;

std::string error_of(const std::string& text) {
  auto loaded = load_text(text, "nvimport.toml");
  REQUIRE_FALSE(loaded.has_value());
  return loaded.error().message;
}

}  // namespace

TEST_CASE("the example file equals the defaults and documents every option") {
  const std::string path = NV_SOURCE_DIR "/config/nvimport.toml";
  auto loaded = nv::config::load_file(path);
  REQUIRE(loaded.has_value());
  CHECK(*loaded == settings{});

  std::string text;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) text.append(buffer, n);
  std::fclose(f);
  auto all = nv::config::options();
  CHECK(all.size() == 38);
  for (const auto& option : all) {
    auto block = "# " + std::string(option.description) + "\n" + std::string(option.key) + " = " +
                 option.default_text + "\n";
    INFO(block);
    CHECK(text.find(block) != std::string::npos);
  }
}

TEST_CASE("an empty file gives the defaults; a value replaces its default only") {
  auto empty = load_text("", "x.toml");
  REQUIRE(empty.has_value());
  CHECK(*empty == settings{});

  auto loaded = load_text(
      "[api]\nconnections = 16\nrate = \"50/1s\"\ninsecure = true\n"
      "[retry]\nattempts = 3\n[import]\nmax_batch = 10\nverify_queued = false\n"
      "[log]\nlevel = \"debug\"\n",
      "x.toml");
  REQUIRE(loaded.has_value());
  settings expected;
  expected.api.connections = 16;
  expected.api.rate = "50/1s";
  expected.api.insecure = true;
  expected.retry.attempts = 3;
  expected.import.max_batch = 10;
  expected.import.verify_queued = false;
  expected.log.level = "debug";
  CHECK(*loaded == expected);
}

TEST_CASE("a value out of range names file, line, table and key") {
  CHECK(error_of("# c\n\n[api]\nbase_url = \"https://x\"\nconnections = 0\n") ==
        "nvimport.toml:5: [api] connections: must be 1 to 256, got 0");
  CHECK(error_of("[import]\nmax_batch = 101\n") ==
        "nvimport.toml:2: [import] max_batch: must be 1 to 100, got 101");
  CHECK(error_of("[retry]\nattempts = -1\n") ==
        "nvimport.toml:2: [retry] attempts: must be 1 to 1000, got -1");
  CHECK(error_of("[import]\nmax_line_bytes = 63\n") ==
        "nvimport.toml:2: [import] max_line_bytes: must be 64 to 67108864, got 63");
}

TEST_CASE("a value of the wrong type names what was expected and what was found") {
  CHECK(error_of("[api]\nconnections = \"8\"\n") ==
        "nvimport.toml:2: [api] connections: must be an integer, got a string");
  CHECK(error_of("[api]\ninsecure = 1\n") ==
        "nvimport.toml:2: [api] insecure: must be a boolean (true or false), got an integer");
  CHECK(error_of("[api]\nbase_url = 3.5\n") ==
        "nvimport.toml:2: [api] base_url: must be a string, got a float");
  CHECK(error_of("[api]\nrate = [1]\n") ==
        "nvimport.toml:2: [api] rate: must be a string, got an array");
  CHECK(error_of("api = 3\n") == "nvimport.toml:1: [api]: must be a table");
}

TEST_CASE("unknown keys and tables are errors") {
  CHECK(error_of("[api]\nconnections = 8\ncolour = \"red\"\n") ==
        "nvimport.toml:3: [api] colour: unknown key");
  CHECK(error_of("[retry]\nconnections = 8\n") ==
        "nvimport.toml:2: [retry] connections: unknown key");
  CHECK(error_of("\n[metric]\nport = 9\n") == "nvimport.toml:2: metric: unknown table");
  CHECK(error_of("level = \"info\"\n") ==
        "nvimport.toml:1: level: unknown key (options belong in a table)");
}

TEST_CASE("a bad rate, URL or log level is refused with the reason") {
  CHECK(error_of("[api]\nrate = \"0/1s\"\n") ==
        "nvimport.toml:2: [api] rate: bad rate \"0/1s\": the count must be 1 or more "
        "(expected N/W such as 500/60s, 50/1s, 1000/1m)");
  CHECK(error_of("[api]\nrate = \"500\"\n").starts_with("nvimport.toml:2: [api] rate: "));
  CHECK(
      error_of("[api]\nbase_url = \"ftp://x\"\n").starts_with("nvimport.toml:2: [api] base_url: "));
  CHECK(
      error_of("[log]\nlevel = \"loud\"\n") ==
      "nvimport.toml:2: [log] level: must be error, warning, notice, info or debug, got \"loud\"");
}

TEST_CASE("a syntax error names file, line and column") {
  CHECK(error_of("[api]\nconnections = = 8\n") ==
        "nvimport.toml:2:15: Error while parsing value: could not determine value type");
  CHECK(error_of("[api\n") ==
        "nvimport.toml:1:5: Error while parsing table header: expected ']', saw '\\n'");
}

TEST_CASE("a file that cannot be read is an error naming it") {
  auto loaded = nv::config::load_file("/nonexistent/nvimport.toml");
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error().message == "/nonexistent/nvimport.toml: cannot read the file");
}

TEST_CASE("to_toml prints every option and redacts the key") {
  settings s;
  s.api.connections = 4;
  s.api.brand_id = "42";
  auto text = nv::config::to_toml(s, "*** (environment NVIMPORT_API_KEY)");
  CHECK(text.find("[api]\nbase_url = \"https://analytics.notifyvisitors.com\"\n") == 0);
  CHECK(text.find("brand_id = \"42\"\n") != std::string::npos);
  CHECK(text.find("connections = 4\n") != std::string::npos);
  CHECK(text.find("api_key_file = \"\"\n# api_key: *** (environment NVIMPORT_API_KEY)\n") !=
        std::string::npos);
  CHECK(text.find("\n[log]\nlevel = \"info\"\n") != std::string::npos);
  // What it prints reads back to the same settings.
  auto again = load_text(text, "again.toml");
  REQUIRE(again.has_value());
  CHECK(*again == s);
}

TEST_CASE("IP:port and octal mode values are parsed and bad ones refused") {
  using nv::config::parse_file_mode;
  using nv::config::parse_ip_port;
  auto v4 = parse_ip_port("127.0.0.1:9464");
  REQUIRE(v4);
  CHECK(v4->address == "127.0.0.1");
  CHECK(v4->port == 9464);
  auto v6 = parse_ip_port("[::1]:0");
  REQUIRE(v6);
  CHECK(v6->address == "::1");
  CHECK(v6->port == 0);
  CHECK_FALSE(parse_ip_port("localhost:80"));
  CHECK_FALSE(parse_ip_port("127.0.0.1"));
  CHECK_FALSE(parse_ip_port("127.0.0.1:65536"));
  CHECK_FALSE(parse_ip_port("127.0.0.1:x"));
  CHECK(parse_file_mode("0660") == 0660u);
  CHECK(parse_file_mode("600") == 0600u);
  CHECK_FALSE(parse_file_mode("0800"));
  CHECK_FALSE(parse_file_mode("01777"));
  CHECK_FALSE(parse_file_mode(""));
}
