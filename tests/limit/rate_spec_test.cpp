// Tests for the "N/W" rate budget syntax.
#include "nv/limit/rate_spec.hpp"

#include <doctest/doctest.h>

#include <string>

using nv::limit::parse_rate_spec;
using nv::limit::rate_spec;
using namespace std::chrono_literals;

TEST_CASE("rate_spec: parses the documented forms") {
  CHECK(parse_rate_spec("500/60s").value() == rate_spec{500, 60s});
  CHECK(parse_rate_spec("50/1s").value() == rate_spec{50, 1s});
  CHECK(parse_rate_spec("100/2s").value() == rate_spec{100, 2s});
  CHECK(parse_rate_spec("1000/1m").value() == rate_spec{1000, 60s});
  CHECK(parse_rate_spec("5/250ms").value() == rate_spec{5, 250ms});
  CHECK(parse_rate_spec("7/1h").value() == rate_spec{7, 3600s});
  CHECK(parse_rate_spec("3/10").value() == rate_spec{3, 10s});
}

TEST_CASE("rate_spec: the default is the API's budget") {
  CHECK(rate_spec{} == rate_spec{500, 60s});
}

TEST_CASE("rate_spec: refuses broken text with a message naming the text and the rule") {
  struct bad_case {
    const char* text;
    const char* why;
  };
  const bad_case cases[] = {
      {"500", "no '/' between count and window"},
      {"/60s", "the count is not a whole number"},
      {"x/60s", "the count is not a whole number"},
      {"5x/60s", "the count is not a whole number"},
      {"-5/60s", "the count is not a whole number"},
      {"0/60s", "the count must be 1 or more"},
      {"500/", "the window is not a whole number"},
      {"500/s", "the window is not a whole number"},
      {"500/60y", "the window unit must be ms, s, m or h"},
      {"500/60s ", "the window unit must be ms, s, m or h"},
      {"500/0s", "the window must be longer than zero"},
      {"500/9999999h", "the window is longer than a week"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto parsed = parse_rate_spec(c.text);
    REQUIRE(parsed.has_error());
    CHECK(parsed.error().message == std::string("bad rate \"") + c.text + "\": " + c.why +
                                        " (expected N/W such as 500/60s, 50/1s, 1000/1m)");
  }
}

TEST_CASE("rate_spec: value() on an error throws invalid_argument with the message") {
  CHECK_THROWS_AS(parse_rate_spec("nope").value(), std::invalid_argument);
}

TEST_CASE("rate_spec: prints canonically and round-trips") {
  CHECK(to_string(rate_spec{500, 60s}) == "500/60s");
  CHECK(to_string(rate_spec{5, 250ms}) == "5/250ms");
  for (const char* text : {"500/60s", "50/1s", "5/250ms"})
    CHECK(to_string(parse_rate_spec(text).value()) == text);
}

TEST_CASE("the default margin is 0.2% of the window, 5 to 250 ms") {
  using namespace std::chrono_literals;
  CHECK(nv::limit::default_margin({500, 60s}) == 120ms);
  CHECK(nv::limit::default_margin({500, 10min}) == 250ms);
  CHECK(nv::limit::default_margin({100, 5s}) == 10ms);
  CHECK(nv::limit::default_margin({100, 2s}) == 5ms);
  CHECK(nv::limit::default_margin({50, 1s}) == 5ms);
  CHECK(nv::limit::default_margin({10, 50ms}) == 5ms);
}
