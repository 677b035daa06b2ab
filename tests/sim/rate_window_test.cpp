// Tests for nvsim's rate windows and the exact peak statistic, on a synthetic clock.
#include "sim/rate_window.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using nv::sim::rate_limit;
using nv::sim::rate_mode;
using nv::sim::rate_window;

namespace {
const rate_window::clock::time_point t0{std::chrono::hours(1000)};
}

TEST_CASE("sliding: request N+1 within the window is throttled, every arrival counts") {
  rate_window w(rate_limit{3, 1s, rate_mode::sliding});
  CHECK(w.arrive(t0).admitted);
  CHECK(w.arrive(t0 + 100ms).admitted);
  CHECK(w.arrive(t0 + 200ms).admitted);
  auto fourth = w.arrive(t0 + 300ms);
  CHECK_FALSE(fourth.admitted);
  CHECK(fourth.retry_after == 1s);
  // At t0+1s the first arrival has left, but the throttled one still counts: 3 remain.
  CHECK_FALSE(w.arrive(t0 + 1000ms).admitted);
  // By t0+1.3s arrivals at 0.1, 0.2 (and 0.3) have left; 1.0 remains with fewer than 3.
  CHECK(w.arrive(t0 + 1300ms).admitted);
}

TEST_CASE("sliding: Retry-After is whole seconds, rounded up, until the window admits") {
  rate_window w(rate_limit{2, 10s, rate_mode::sliding});
  CHECK(w.arrive(t0).admitted);
  CHECK(w.arrive(t0 + 4s).admitted);
  // Throttled at 9.5 s: the arrivals at 4 s and 9.5 s both count, so the one at 4 s must
  // leave (at 14 s) before fewer than 2 remain.
  CHECK(w.arrive(t0 + 9500ms).retry_after == 5s);
  // Throttled again at 10.5 s: now 4 s, 9.5 s and 10.5 s count; 9.5 s leaves at 19.5 s.
  CHECK(w.arrive(t0 + 10500ms).retry_after == 9s);
}

TEST_CASE("fixed: the count restarts at each window boundary") {
  rate_window w(rate_limit{2, 1s, rate_mode::fixed});
  auto start = rate_window::clock::time_point{std::chrono::seconds(5000)};
  CHECK(w.arrive(start + 100ms).admitted);
  CHECK(w.arrive(start + 200ms).admitted);
  auto third = w.arrive(start + 900ms);
  CHECK_FALSE(third.admitted);
  CHECK(third.retry_after == 1s);
  CHECK(w.arrive(start + 1000ms).admitted);
}

TEST_CASE("a limit of zero admits everything") {
  rate_window w(rate_limit{0, 1s, rate_mode::sliding});
  for (int i = 0; i < 1000; ++i) CHECK(w.arrive(t0).admitted);
}

TEST_CASE("window_peak finds the busiest window exactly") {
  nv::sim::window_peak peak(1s);
  for (auto t : {0ms, 100ms, 900ms, 1000ms, 1050ms, 1899ms, 2950ms}) peak.arrive(t0 + t);
  // The window ending at 1.899 s holds 0.9, 1.0, 1.05 and 1.899; none other holds more.
  CHECK(peak.peak() == 4);
  peak.clear();
  CHECK(peak.peak() == 0);
}

TEST_CASE("parse_rate reads N/W and off") {
  auto r = nv::sim::parse_rate("50/1s");
  REQUIRE(r);
  CHECK(r->requests == 50);
  CHECK(r->window == 1s);
  CHECK(nv::sim::parse_rate("500/60s")->window == 60s);
  CHECK(nv::sim::parse_rate("10/500ms")->window == 500ms);
  CHECK(nv::sim::parse_rate("off")->requests == 0);
  CHECK(nv::sim::parse_rate("0")->requests == 0);
  CHECK_FALSE(nv::sim::parse_rate("50"));
  CHECK_FALSE(nv::sim::parse_rate("50/0s"));
  CHECK_FALSE(nv::sim::parse_rate("x/1s"));
}
