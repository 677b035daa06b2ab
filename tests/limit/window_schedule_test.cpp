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

// Records a start whose answer comes at once, at `at`: the plain rule start[k] >= start[k-N] +
// W + margin.
void start_answered(window_schedule& schedule, time_point at) {
  schedule.record_answer(schedule.record_start(), at);
}

// Serves requests arriving at `arrivals` (sorted) first come, first served, each answered at
// its start; returns start times.
std::vector<time_point> serve(window_schedule& schedule, const std::vector<time_point>& arrivals) {
  std::vector<time_point> starts;
  time_point previous{};
  for (const auto arrival : arrivals) {
    const auto start = schedule.next_start(std::max(arrival, previous));
    start_answered(schedule, start);
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
    start_answered(schedule, t0 + std::chrono::milliseconds(i * 10));
  }
  CHECK(schedule.next_start(t0 + 20ms) == t0 + 1s);
  start_answered(schedule, t0 + 1s);
  CHECK(schedule.next_start(t0 + 1s) == t0 + 1s + 10ms);
  CHECK(schedule.starts() == 4);
}

TEST_CASE("window_schedule: the margin is added to every window") {
  window_schedule schedule(rate_spec{1, 1s}, 100ms);
  CHECK(schedule.next_start(t0) == t0);
  start_answered(schedule, t0);
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
  start_answered(schedule, t0);
  start_answered(schedule, t0 + 300ms);
  start_answered(schedule, t0 + 400ms);
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
  start_answered(schedule, t0);
  start_answered(schedule, t0 + 100ms);
  start_answered(schedule, t0 + 200ms);
  schedule.reconfigure(rate_spec{2, 1s}, 0ms);
  // The last two starts fill the new budget: the one at 100 ms must leave first.
  CHECK(schedule.next_start(t0 + 300ms) == t0 + 1100ms);
  start_answered(schedule, t0 + 1100ms);
  CHECK(schedule.next_start(t0 + 1100ms) == t0 + 1200ms);
  CHECK(schedule.starts() == 4);
  CHECK(schedule.spec() == rate_spec{2, 1s});
}

TEST_CASE("window_schedule: a longer window and a larger margin count the starts already made") {
  window_schedule schedule(rate_spec{2, 1s}, 0ms);
  start_answered(schedule, t0);
  start_answered(schedule, t0 + 400ms);
  schedule.reconfigure(rate_spec{2, 3s}, 100ms);
  CHECK(schedule.next_start(t0 + 1s) == t0 + 3100ms);
  CHECK(schedule.margin() == 100ms);
}

TEST_CASE("window_schedule: a higher budget in the same window lets the difference go at once") {
  window_schedule schedule(rate_spec{2, 1s}, 0ms);
  start_answered(schedule, t0);
  start_answered(schedule, t0 + 100ms);
  CHECK(schedule.next_start(t0 + 200ms) == t0 + 1s);
  schedule.reconfigure(rate_spec{4, 1s}, 0ms);
  CHECK(schedule.next_start(t0 + 200ms) == t0 + 200ms);
  start_answered(schedule, t0 + 200ms);
  start_answered(schedule, t0 + 200ms);
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
  start_answered(schedule, t0);
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
        start_answered(schedule, start);
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

TEST_CASE("window_schedule: a window's edge is the answer, not the start") {
  window_schedule schedule(rate_spec{2, 1s}, 10ms);
  const auto first = schedule.record_start();
  const auto second = schedule.record_start();
  CHECK(second == first + 1);
  // Both unanswered: when they leave the server's window is not known yet.
  CHECK(schedule.awaiting_answer());
  CHECK(schedule.unsettled() == 2);
  CHECK(schedule.next_start(t0) == time_point::max());
  // The first took 300 ms: the server may have counted it as late as its answer.
  schedule.record_answer(first, t0 + 300ms);
  CHECK_FALSE(schedule.awaiting_answer());
  CHECK(schedule.unsettled() == 1);
  CHECK(schedule.next_start(t0 + 300ms) == t0 + 1310ms);
  // An unknown index and a second answer change nothing.
  schedule.record_answer(first, t0 + 900ms);
  schedule.record_answer(7, t0 + 900ms);
  CHECK(schedule.next_start(t0 + 300ms) == t0 + 1310ms);
  CHECK(schedule.starts() == 2);
}

TEST_CASE("window_schedule: an earlier start answered later holds the edge of every later one") {
  window_schedule schedule(rate_spec{2, 1s}, 0ms);
  const auto slow = schedule.record_start();
  const auto quick = schedule.record_start();
  // The second is answered first: it stays unsettled behind the first, still in flight.
  schedule.record_answer(quick, t0 + 10ms);
  CHECK(schedule.unsettled() == 2);
  CHECK(schedule.next_start(t0 + 10ms) == time_point::max());
  schedule.record_answer(slow, t0 + 800ms);
  CHECK(schedule.unsettled() == 0);
  CHECK(schedule.next_start(t0 + 800ms) == t0 + 1800ms);
  start_answered(schedule, t0 + 1800ms);
  // Start 3 is checked against start 1: the server may have counted start 0, answered at
  // 800 ms, after start 1, so start 1's edge is 800 ms too.
  CHECK(schedule.next_start(t0 + 1800ms) == t0 + 1800ms);
  // Start 4 against start 2, answered at its start.
  start_answered(schedule, t0 + 1800ms);
  CHECK(schedule.next_start(t0 + 1800ms) == t0 + 2800ms);
}

namespace {

// A request served by simulate(): when it started and when its answer came.
struct served {
  time_point start;
  time_point answer;
};

// Serves requests arriving at `arrivals` (sorted), each taking `travel[k]` from its start to
// its answer, first come, first served, with answers recorded as time passes: a start waits
// for the answers it needs, as the async limiter does.
std::vector<served> simulate(window_schedule& schedule, const std::vector<time_point>& arrivals,
                             const std::vector<std::chrono::milliseconds>& travel) {
  std::vector<served> out;
  std::vector<std::pair<time_point, std::uint64_t>> pending;  // answers to come
  const auto deliver_until = [&](time_point now) {
    std::sort(pending.begin(), pending.end());
    auto due = pending.begin();
    for (; due != pending.end() && due->first <= now; ++due)
      schedule.record_answer(due->second, due->first);
    pending.erase(pending.begin(), due);
  };
  time_point previous{};
  for (std::size_t k = 0; k < arrivals.size(); ++k) {
    auto now = std::max(arrivals[k], previous);
    for (;;) {
      deliver_until(now);
      const auto allowed = schedule.next_start(now);
      if (allowed != time_point::max()) {
        now = allowed;
        break;
      }
      REQUIRE_FALSE(pending.empty());  // something must be in flight to wait for
      now = std::max(now, std::min_element(pending.begin(), pending.end())->first);
    }
    deliver_until(now);  // answers before the start do not change a settled edge
    const auto index = schedule.record_start();
    REQUIRE(index == k);
    out.push_back({now, now + travel[k]});
    pending.emplace_back(now + travel[k], index);
    previous = now;
  }
  deliver_until(time_point::max());
  return out;
}

}  // namespace

TEST_CASE(
    "window_schedule: property: however long each request travels, no window of W + margin "
    "can hold more than N as the server counts them") {
  std::mt19937_64 random(20261201);
  for (int round = 0; round < 200; ++round) {
    const std::size_t n = 1 + random() % 12;
    const auto w = std::chrono::milliseconds(1 + random() % 1500);
    const auto margin = std::chrono::milliseconds(random() % 3 == 0 ? 0 : random() % 30);
    window_schedule schedule(rate_spec{n, w}, margin);
    std::vector<time_point> arrivals;
    std::vector<std::chrono::milliseconds> travel;
    auto at = t0;
    for (int i = 0; i < 300; ++i) {
      at += std::chrono::milliseconds(random() % 10 == 0 ? random() % 4000 : random() % 20);
      arrivals.push_back(at);
      // Mostly quick, sometimes far longer than the window (a slow or timed-out request).
      travel.push_back(
          std::chrono::milliseconds(random() % 8 == 0 ? random() % 3000 : random() % 40));
    }
    const auto requests = simulate(schedule, arrivals, travel);
    CAPTURE(round);
    CAPTURE(n);
    CAPTURE(w.count());
    CAPTURE(margin.count());
    REQUIRE(schedule.unsettled() == 0);
    // Tight: start k waits only for its arrival, the start before it, and the latest answer
    // among the starts N or more places before it leaving the window.
    time_point edge{};
    for (std::size_t k = 0; k < requests.size(); ++k) {
      auto expected = arrivals[k];
      if (k > 0) expected = std::max(expected, requests[k - 1].start);
      if (k >= n) {
        edge = std::max(edge, requests[k - n].answer);
        expected = std::max(expected, edge + w + margin);
      }
      REQUIRE(requests[k].start == expected);
    }
    // Wherever in [start, answer] the server counted each request, no window of W + margin
    // holds more than N: the earliest and the latest moment, and a random one.
    for (int pick = 0; pick < 3; ++pick) {
      std::vector<time_point> counted;
      for (const auto& r : requests) {
        const auto span = (r.answer - r.start).count();
        const auto offset = pick == 0   ? 0
                            : pick == 1 ? span
                                        : static_cast<long>(random() % (span + 1));
        counted.push_back(r.start + time_point::duration(offset));
      }
      REQUIRE(busiest_window(counted, w + margin) <= n);
    }
  }
}

TEST_CASE("window_schedule: a lower budget waits for answers the new N places back") {
  window_schedule schedule(rate_spec{4, 1s}, 0ms);
  for (int i = 0; i < 3; ++i) schedule.record_start();
  schedule.reconfigure(rate_spec{2, 1s}, 0ms);
  // Three in flight, two allowed: nothing starts until the first two are answered.
  CHECK(schedule.next_start(t0) == time_point::max());
  schedule.record_answer(0, t0 + 50ms);
  CHECK(schedule.next_start(t0 + 50ms) == time_point::max());
  schedule.record_answer(1, t0 + 70ms);
  // Start 3 is checked against start 1, answered at 70 ms.
  CHECK(schedule.next_start(t0 + 70ms) == t0 + 1070ms);
}
