// Unit tests of where the API key comes from: key file, then systemd credential, then the
// environment; no message contains the key.
#include "nv/config/settings.hpp"
#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

const std::filesystem::path tmp_dir = nv::test::make_temp_dir("config-key");

void write_file(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

/// Sets or clears the variables read_api_key() looks at, for the real environment.
void set_env(const char* credentials_dir, const char* api_key) {
  if (credentials_dir)
    ::setenv("CREDENTIALS_DIRECTORY", credentials_dir, 1);
  else
    ::unsetenv("CREDENTIALS_DIRECTORY");
  if (api_key)
    ::setenv("NVIMPORT_API_KEY", api_key, 1);
  else
    ::unsetenv("NVIMPORT_API_KEY");
}

auto read_key(std::string_view file) {
  return nv::config::read_api_key(file, [](const char* name) { return std::getenv(name); });
}

}  // namespace

TEST_CASE("the key file wins over the credential and the environment") {
  const auto creds = tmp_dir / "creds1";
  write_file(creds / "api_key", "from-credential\n");
  write_file(tmp_dir / "key.txt", "from-file  \nsecond line\n");
  set_env(creds.c_str(), "from-env");
  auto key = read_key((tmp_dir / "key.txt").string());
  REQUIRE(key.has_value());
  CHECK(key->source == nv::config::key_source::key_file);
  CHECK(key->secret == "from-file");
  CHECK(key->describe() == "key file " + (tmp_dir / "key.txt").string());
}

TEST_CASE("without a key file the systemd credential wins over the environment") {
  const auto creds = tmp_dir / "creds2";
  write_file(creds / "api_key", "from-credential\n");
  set_env(creds.c_str(), "from-env");
  auto key = read_key("");
  REQUIRE(key.has_value());
  CHECK(key->source == nv::config::key_source::credential);
  CHECK(key->secret == "from-credential");
  CHECK(key->describe() == "systemd credential " + (creds / "api_key").string());
}

TEST_CASE("a credentials directory without api_key falls back to the environment") {
  const auto creds = tmp_dir / "creds3";
  std::filesystem::create_directories(creds);
  set_env(creds.c_str(), "from-env");
  auto key = read_key("");
  REQUIRE(key.has_value());
  CHECK(key->source == nv::config::key_source::environment);
  CHECK(key->secret == "from-env");
  CHECK(key->describe() == "environment NVIMPORT_API_KEY");
}

TEST_CASE("no key anywhere, an unreadable or empty key file are errors without the key") {
  set_env(nullptr, nullptr);
  auto none = read_key("");
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().message ==
        "no API key: set api_key_file, a systemd credential api_key, or NVIMPORT_API_KEY");

  set_env(nullptr, "from-env");
  auto missing = read_key("/nonexistent/key");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message == "cannot read the API key from key file /nonexistent/key");

  write_file(tmp_dir / "empty.txt", "\n");
  auto empty = read_key((tmp_dir / "empty.txt").string());
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().message == "key file " + (tmp_dir / "empty.txt").string() + " is empty");
}
