// Tests for credentials: sources, headers, and that the secret never appears in text.
#include "nv/api/credentials.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>

using nv::api::credentials;

namespace {

credentials::env_lookup env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> const char* {
    const auto it = values.find(name);
    return it == values.end() ? nullptr : it->second.c_str();
  };
}

const std::string secret = "sk_live_SECRET_123";

}  // namespace

TEST_CASE("credentials: key and brand from the environment become the two headers") {
  const auto creds = credentials::from_environment(
                         env({{"NVIMPORT_API_KEY", secret}, {"NVIMPORT_BRAND_ID", "4242"}}))
                         .value();
  using headers = std::vector<std::pair<std::string, std::string>>;
  CHECK(creds.headers() == headers{{"x-api-key", secret}, {"x-brand-id", "4242"}});
  CHECK(creds.brand_id() == "4242");
  CHECK_FALSE(creds.is_bearer());
}

TEST_CASE("credentials: the secret is redacted in to_string and fmt") {
  const auto key = credentials::from_key(secret, "7").value();
  CHECK(key.to_string() == "api key *** for brand 7");
  CHECK(fmt::format("{}", key) == "api key *** for brand 7");
  const auto bearer = credentials::from_bearer(secret).value();
  CHECK(fmt::format("using {}", bearer) == "using bearer token ***");
  using headers = std::vector<std::pair<std::string, std::string>>;
  CHECK(bearer.headers() == headers{{"authorization", "Bearer " + secret}});
}

TEST_CASE("credentials: missing or broken values are errors that never show the key") {
  const auto messages = std::vector<std::pair<std::map<std::string, std::string>, std::string>>{
      {{}, "NVIMPORT_API_KEY is not set (or use --api-key-file)"},
      {{{"NVIMPORT_API_KEY", secret}}, "NVIMPORT_BRAND_ID is not set"},
      {{{"NVIMPORT_API_KEY", secret}, {"NVIMPORT_BRAND_ID", "brand"}},
       "the brand id \"brand\" is not a positive integer"},
      {{{"NVIMPORT_API_KEY", secret}, {"NVIMPORT_BRAND_ID", "0"}},
       "the brand id \"0\" is not a positive integer"},
      {{{"NVIMPORT_API_KEY", "  "}, {"NVIMPORT_BRAND_ID", "1"}}, "the API key is empty"},
      {{{"NVIMPORT_API_KEY", secret + "\r\nx-evil: 1"}, {"NVIMPORT_BRAND_ID", "1"}},
       "the API key contains a control character"},
  };
  for (const auto& [values, message] : messages) {
    const auto made = credentials::from_environment(env(values));
    REQUIRE(made.has_error());
    CHECK(made.error().message == message);
    CHECK(made.error().message.find(secret) == std::string::npos);
  }
}

TEST_CASE("credentials: the key file's first line, trimmed, is the key") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(NV_TEST_TMP_DIR) / "api-credentials";
  fs::create_directories(dir);
  const auto file = (dir / "key").string();
  std::ofstream(file) << secret << "\n";
  const auto creds = credentials::from_key_file(file, "12").value();
  CHECK(creds.headers()[0].second == secret);

  std::ofstream(file) << "\n";
  const auto empty = credentials::from_key_file(file, "12");
  REQUIRE(empty.has_error());
  CHECK(empty.error().message == "the API key file \"" + file + "\" is empty");

  const auto missing = credentials::from_key_file((dir / "nope").string(), "12");
  REQUIRE(missing.has_error());
  CHECK(missing.error().message ==
        "cannot read the API key file \"" + (dir / "nope").string() + "\"");
}
