// Tests for parsing the API's base URL.
#include "nv/http/endpoint_url.hpp"

#include <doctest/doctest.h>

using nv::http::parse_endpoint_url;

TEST_CASE("endpoint_url: https with the default port and no path") {
  const auto url = parse_endpoint_url("https://analytics.notifyvisitors.com").value();
  CHECK(url.tls);
  CHECK(url.host == "analytics.notifyvisitors.com");
  CHECK(url.port == 443);
  CHECK(url.base_path == "");
  CHECK(url.host_header() == "analytics.notifyvisitors.com");
  CHECK(url.authority() == "analytics.notifyvisitors.com:443");
  CHECK_FALSE(url.host_is_ip());
}

TEST_CASE("endpoint_url: plain http, explicit port, base path without trailing slash") {
  const auto url = parse_endpoint_url("http://127.0.0.1:8080/sim/").value();
  CHECK_FALSE(url.tls);
  CHECK(url.host == "127.0.0.1");
  CHECK(url.port == 8080);
  CHECK(url.base_path == "/sim");
  CHECK(url.host_header() == "127.0.0.1:8080");
  CHECK(url.host_is_ip());
  CHECK(parse_endpoint_url("http://h").value().port == 80);
}

TEST_CASE("endpoint_url: IPv6 literal in brackets") {
  const auto url = parse_endpoint_url("https://[::1]:8443").value();
  CHECK(url.host == "::1");
  CHECK(url.port == 8443);
  CHECK(url.host_header() == "[::1]:8443");
  CHECK(url.host_is_ip());
}

TEST_CASE("endpoint_url: refuses what a connection cannot use, naming the URL") {
  struct bad_case {
    const char* text;
    const char* why;
  };
  const bad_case cases[] = {
      {"ftp://h", "the scheme must be https:// (or http:// for a plain test server)"},
      {"analytics.notifyvisitors.com",
       "the scheme must be https:// (or http:// for a plain test server)"},
      {"https://", "no host"},
      {"https://:443", "no host"},
      {"https://h:", "empty port"},
      {"https://h:0", "the port must be a number from 1 to 65535"},
      {"https://h:65536", "the port must be a number from 1 to 65535"},
      {"https://h:44x", "the port must be a number from 1 to 65535"},
      {"https://u@h", "user info, query and fragment are not allowed"},
      {"https://h/p?q=1", "user info, query and fragment are not allowed"},
      {"https://[::1", "unclosed '[' in the host"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto parsed = parse_endpoint_url(c.text);
    REQUIRE(parsed.has_error());
    CHECK(parsed.error().message == std::string("bad API URL \"") + c.text + "\": " + c.why);
  }
}
