// Tests for full-jitter exponential backoff and its bounds.
#include "nv/deliver/backoff.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using nv::deliver::backoff;
using nv::deliver::backoff_policy;

TEST_CASE("delays stay within base·2^(n-1) and the cap") {
  backoff b({.base = 100ms, .cap = 1000ms, .max_attempts = 100, .max_age = 1h}, 42);
  for (std::uint32_t attempt = 1; attempt <= 12; ++attempt) {
    std::chrono::milliseconds ceiling = std::min(1000ms, 100ms * (1 << (attempt - 1)));
    std::chrono::milliseconds largest{0};
    for (int i = 0; i < 2000; ++i) {
      auto d = b.next_delay(attempt, 0ms);
      REQUIRE(d.has_value());
      CHECK(*d >= 0ms);
      CHECK(*d <= ceiling);
      largest = std::max(largest, *d);
    }
    // Full jitter uses the whole range: over 2000 draws the largest is near the ceiling.
    CHECK(largest >= ceiling * 9 / 10);
  }
}

TEST_CASE("the attempt bound ends retrying") {
  backoff b({.base = 10ms, .cap = 100ms, .max_attempts = 3, .max_age = 1h}, 1);
  CHECK(b.next_delay(1, 0ms).has_value());
  CHECK(b.next_delay(2, 0ms).has_value());
  CHECK_FALSE(b.next_delay(3, 0ms).has_value());
}

TEST_CASE("the age bound ends retrying and caps the last wait") {
  backoff b({.base = 10'000ms, .cap = 60'000ms, .max_attempts = 50, .max_age = 5000ms}, 7);
  CHECK_FALSE(b.next_delay(1, 5000ms).has_value());
  for (int i = 0; i < 500; ++i) {
    auto d = b.next_delay(4, 4900ms);
    REQUIRE(d.has_value());
    CHECK(*d <= 100ms);
  }
}

TEST_CASE("huge attempt numbers do not overflow") {
  backoff b({.base = 1000ms, .cap = 5000ms, .max_attempts = 1000, .max_age = 1h}, 3);
  auto d = b.next_delay(999, 0ms);
  REQUIRE(d.has_value());
  CHECK(*d <= 5000ms);
}
