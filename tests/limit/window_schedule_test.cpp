// Tests for the pure sliding-window arithmetic, with a clock the test drives.
#include "nv/limit/window_schedule.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <vector>

using nv::limit::rate_spec;
using nv::limit::window_schedule;
using namespace std::chrono_literals;
using time_point = window_schedule::time_point;

namespace {

const time_point t0 = time_point{} + 1000h;  // far from the epoch so "now - W" stays meaningful

// Serves requests arriving at `arrivals` (sorted) first come, first served; returns start times.
std::vector<time_point> serve(window_schedule& schedule, const std::vector<time_point>& arrivals) {
  std::vector<time_point> starts;
  time_point previous{};
  for (const auto arrival : arrivals) {
    const auto start = schedule.next_start(std::max(arrival, previous));
    schedule.record_start(start);
    starts.push_back(start);
    previous = start;
  }
  return starts;
}

// Returns the largest number of starts inside any half-open window [t, t + w).
std::size_t busiest_window(std::vector<time_point> starts, std::chrono::milliseconds w) {
  std::sort(starts.begin(), starts.end());
  std::size_t most = 0;
  std::size_t first = 0;
  for (std::size_t last = 0; last < starts.size(); ++last) {
    while (starts[last] - starts[first] >= w) ++first;
    most = std::max(most, last - first + 1);
  }
  return most;
}

}  // namespace

TEST_CASE("window_schedule: the first N start at once, the next waits for the first to leave") {
  window_schedule schedule(rate_spec{3, 1s}, 0ms);
  for (int i = 0; i < 3; ++i) {
    CHECK(schedule.next_start(t0) == t0);
    schedule.record_start(t0 + std::chrono::milliseconds(i * 10));
  }
  CHECK(schedule.next_start(t0 + 20ms) == t0 + 1s);
  schedule.record_start(t0 + 1s);
  CHECK(schedule.next_start(t0 + 1s) == t0 + 1s + 10ms);
  CHECK(schedule.starts() == 4);
}

TEST_CASE("window_schedule: the margin is added to every window") {
  window_schedule schedule(rate_spec{1, 1s}, 100ms);
  CHECK(schedule.next_start(t0) == t0);
  schedule.record_start(t0);
  CHECK(schedule.next_start(t0) == t0 + 1100ms);
  CHECK(schedule.next_start(t0 + 2s) == t0 + 2s);
}

TEST_CASE("window_schedule: a burst after a quiet spell may use the whole budget at once") {
  window_schedule schedule(rate_spec{4, 1s}, 0ms);
  const std::vector<time_point> arrivals(4, t0);
  serve(schedule, arrivals);
  const std::vector<time_point> later(4, t0 + 5s);
  const auto starts = serve(schedule, later);
  CHECK(std::all_of(starts.begin(), starts.end(), [](auto s) { return s == t0 + 5s; }));
}

TEST_CASE("window_schedule: a full token bucket's 2N-in-one-window pattern cannot happen") {
  // N at the end of one minute and N more right after: a bucket that starts full allows both.
  window_schedule schedule(rate_spec{500, 60s}, 0ms);
  std::vector<time_point> arrivals(500, t0 + 59s);
  arrivals.insert(arrivals.end(), 500, t0 + 61s);
  const auto starts = serve(schedule, arrivals);
  CHECK(busiest_window(starts, 60s) == 500);
  CHECK(starts[500] == t0 + 119s);
}

TEST_CASE("window_schedule: property: no window of W holds more than N starts, none waits idly") {
  std::mt19937_64 random(20240521);
  for (int round = 0; round < 200; ++round) {
    const std::size_t n = 1 + random() % 20;
    const auto w = std::chrono::milliseconds(1 + random() % 2000);
    const auto margin = std::chrono::milliseconds(random() % 3 == 0 ? 0 : random() % 50);
    window_schedule schedule(rate_spec{n, w}, margin);
    // Bursts and gaps: most arrivals close together, some after long pauses.
    std::vector<time_point> arrivals;
    auto at = t0;
    for (int i = 0; i < 300; ++i) {
      const auto step = random() % 10 == 0 ? random() % 5000 : random() % 20;
      at += std::chrono::milliseconds(step);
      arrivals.push_back(at);
    }
    const auto starts = serve(schedule, arrivals);
    CAPTURE(n);
    CAPTURE(w.count());
    CAPTURE(margin.count());
    REQUIRE(busiest_window(starts, w + margin) <= n);
    // The schedule is tight: each start is the latest of its arrival, the previous start, and
    // the start N places before it leaving the window. Budget is never left unused.
    for (std::size_t k = 0; k < starts.size(); ++k) {
      auto expected = arrivals[k];
      if (k > 0) expected = std::max(expected, starts[k - 1]);
      if (k >= n) expected = std::max(expected, starts[k - n] + w + margin);
      REQUIRE(starts[k] == expected);
    }
    // The first N arriving together start together.
    window_schedule fresh(rate_spec{n, w}, margin);
    const auto burst = serve(fresh, std::vector<time_point>(n, t0));
    CHECK(std::all_of(burst.begin(), burst.end(), [](auto s) { return s == t0; }));
  }
}

TEST_CASE("window_schedule: a pause holds every start and only extends") {
  window_schedule schedule(rate_spec{10, 1s}, 0ms);
  schedule.pause_until(t0 + 500ms);
  CHECK(schedule.next_start(t0) == t0 + 500ms);
  schedule.pause_until(t0 + 200ms);
  CHECK(schedule.paused_until() == t0 + 500ms);
  CHECK(schedule.next_start(t0 + 600ms) == t0 + 600ms);
}

TEST_CASE("window_schedule: after a throttled answer the window has room when our oldest leaves") {
  window_schedule schedule(rate_spec{10, 1s}, 50ms);
  schedule.record_start(t0);
  schedule.record_start(t0 + 300ms);
  schedule.record_start(t0 + 400ms);
  // At t0 + 1200ms only the starts at 300 and 400 ms are still inside the window.
  CHECK(schedule.room_after_throttle(t0 + 1200ms) == t0 + 1350ms);
  // None of ours inside: someone else filled it; wait a whole window.
  CHECK(schedule.room_after_throttle(t0 + 5s) == t0 + 6050ms);
}

TEST_CASE("window_schedule: refuses a budget of zero") {
  CHECK_THROWS_AS(window_schedule(rate_spec{0, 1s}, 0ms), std::invalid_argument);
  CHECK_THROWS_AS(window_schedule(rate_spec{1, 0ms}, 0ms), std::invalid_argument);
}

TEST_CASE("window_schedule: a lower budget keeps the recent starts and counts them at once") {
  window_schedule schedule(rate_spec{3, 1s}, 0ms);
  schedule.record_start(t0);
  schedule.record_start(t0 + 100ms);
  schedule.record_start(t0 + 200ms);
  schedule.reconfigure(rate_spec{2, 1s}, 0ms);
  // The last two starts fill the new budget: the one at 100 ms must leave first.
  CHECK(schedule.next_start(t0 + 300ms) == t0 + 1100ms);
  schedule.record_start(t0 + 1100ms);
  CHECK(schedule.next_start(t0 + 1100ms) == t0 + 1200ms);
  CHECK(schedule.starts() == 4);
  CHECK(schedule.spec() == rate_spec{2, 1s});
}

TEST_CASE("window_schedule: a longer window and a larger margin count the starts already made") {
  window_schedule schedule(rate_spec{2, 1s}, 0ms);
  schedule.record_start(t0);
  schedule.record_start(t0 + 400ms);
  schedule.reconfigure(rate_spec{2, 3s}, 100ms);
  CHECK(schedule.next_start(t0 + 1s) == t0 + 3100ms);
  CHECK(schedule.margin() == 100ms);
}

TEST_CASE("window_schedule: a higher budget in the same window lets the difference go at once") {
  window_schedule schedule(rate_spec{2, 1s}, 0ms);
  schedule.record_start(t0);
  schedule.record_start(t0 + 100ms);
  CHECK(schedule.next_start(t0 + 200ms) == t0 + 1s);
  schedule.reconfigure(rate_spec{4, 1s}, 0ms);
  CHECK(schedule.next_start(t0 + 200ms) == t0 + 200ms);
  schedule.record_start(t0 + 200ms);
  schedule.record_start(t0 + 200ms);
  CHECK(schedule.next_start(t0 + 200ms) == t0 + 1s);
}

TEST_CASE("window_schedule: a busy schedule raised into a longer window lets no burst through") {
  // Under 2/1s the ring forgets older starts; under 4/10s the last 10 s already hold 6 starts.
  window_schedule schedule(rate_spec{2, 1s}, 0ms);
  const std::vector<time_point> before{t0, t0, t0 + 1s, t0 + 1s, t0 + 2s, t0 + 2s};
  auto starts = serve(schedule, before);
  REQUIRE(starts == before);
  schedule.reconfigure(rate_spec{4, 10s}, 0ms);
  // The forgotten starts stand in at the newest one's time (1 s): nothing before 11 s.
  CHECK(schedule.next_start(t0 + 2s) == t0 + 11s);
  const auto after = serve(schedule, std::vector<time_point>(4, t0 + 2s));
  starts.insert(starts.end(), after.begin(), after.end());
  // Every window of 10 s that ends at a start made after the change holds at most 4.
  for (std::size_t k = before.size(); k < starts.size(); ++k)
    CHECK(starts[k] - starts[k - 4] >= 10s);
  CHECK(after == std::vector<time_point>{t0 + 11s, t0 + 11s, t0 + 12s, t0 + 12s});
}

TEST_CASE("window_schedule: a pause survives a new budget") {
  window_schedule schedule(rate_spec{1, 1s}, 0ms);
  schedule.record_start(t0);
  schedule.pause_until(t0 + 5s);
  schedule.reconfigure(rate_spec{100, 1s}, 0ms);
  CHECK(schedule.paused_until() == t0 + 5s);
  CHECK(schedule.next_start(t0 + 2s) == t0 + 5s);
  CHECK(schedule.starts() == 1);
}

TEST_CASE("window_schedule: refuses a new budget of zero and keeps the old one") {
  window_schedule schedule(rate_spec{3, 1s}, 0ms);
  CHECK_THROWS_AS(schedule.reconfigure(rate_spec{0, 1s}, 0ms), std::invalid_argument);
  CHECK_THROWS_AS(schedule.reconfigure(rate_spec{1, 1s}, -1ms), std::invalid_argument);
  CHECK(schedule.spec() == rate_spec{3, 1s});
}

TEST_CASE("window_schedule: property: across budget changes no window breaks the budget in force") {
  std::mt19937_64 random(20240614);
  for (int round = 0; round < 300; ++round) {
    const auto random_spec = [&] {
      return rate_spec{1 + random() % 12, std::chrono::milliseconds(1 + random() % 1500)};
    };
    const auto random_margin = [&] { return std::chrono::milliseconds(random() % 40); };
    auto spec = random_spec();
    auto margin = random_margin();
    window_schedule schedule(spec, margin);
    std::vector<time_point> starts;
    std::vector<std::pair<rate_spec, std::chrono::milliseconds>> in_force;
    auto at = t0;
    for (int change = 0; change < 6; ++change) {
      for (int i = 0; i < 40; ++i) {
        at += std::chrono::milliseconds(random() % 15 == 0 ? random() % 3000 : random() % 20);
        at = std::max(at, starts.empty() ? at : starts.back());
        const auto start = schedule.next_start(at);
        schedule.record_start(start);
        starts.push_back(start);
        in_force.emplace_back(spec, margin);
      }
      spec = random_spec();
      margin = random_margin();
      schedule.reconfigure(spec, margin);
    }
    REQUIRE(schedule.starts() == starts.size());
    // A window of W + margin ending at start k holds at most N when start k - N has left it.
    for (std::size_t k = 0; k < starts.size(); ++k) {
      const auto [n, w] = in_force[k].first;
      CAPTURE(round);
      CAPTURE(k);
      if (k >= n) REQUIRE(starts[k] - starts[k - n] >= w + in_force[k].second);
    }
  }
}
