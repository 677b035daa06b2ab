// Tests for Retry-After parsing: delay-seconds and HTTP-date.
#include "nv/http/retry_after.hpp"

#include <doctest/doctest.h>

using nv::http::parse_retry_after;
using namespace std::chrono_literals;
using std::chrono::sys_days;

namespace {
// Wed, 21 Oct 2015 07:28:00 GMT
const auto base = sys_days(std::chrono::year(2015) / 10 / 21) + 7h + 28min;
}  // namespace

TEST_CASE("retry_after: delay-seconds") {
  CHECK(parse_retry_after("120", base) == 120s);
  CHECK(parse_retry_after("0", base) == 0s);
  CHECK(parse_retry_after(" 5 ", base) == 5s);
}

TEST_CASE("retry_after: HTTP-date measured from now, rounded up, zero when past") {
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", base - 90s) == 90s);
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", base - 1500ms) == 2s);
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", base + 10s) == 0s);
  CHECK(parse_retry_after("Thu, 01 Jan 2015 00:00:00 GMT",
                          sys_days(std::chrono::year(2014) / 12 / 31) + 23h + 59min) == 60s);
}

TEST_CASE("retry_after: anything else is ignored") {
  for (const char* bad : {"", "soon", "-5", "1.5", "Wed, 21 Oct 2015 07:28:00 UTC",
                          "Wed, 31 Feb 2015 07:28:00 GMT", "Wed, 21 Foo 2015 07:28:00 GMT",
                          "Wednesday, 21-Oct-15 07:28:00 GMT", "Wed, 21 Oct 2015 25:28:00 GMT"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_retry_after(bad, base).has_value());
  }
}
