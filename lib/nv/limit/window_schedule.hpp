// The strict sliding-window arithmetic behind the limiter: pure, the clock is passed in.
#pragma once

#include "nv/limit/rate_spec.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace nv::limit {

/// Decides when the next request may start so that no window of W holds more than N starts.
/// Start k may happen only at or after start[k-N] + W + margin, so the first N go at once and
/// every later one waits for the start N places before it to leave the window. A pause (from a
/// throttled answer) holds every start until it ends. Not thread-safe.
class window_schedule {
 public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  /// Creates an empty schedule for `spec`; `margin` absorbs jitter between send and arrival.
  window_schedule(rate_spec spec, std::chrono::milliseconds margin);

  /// Returns the earliest time at or after `now` at which a start is allowed.
  time_point next_start(time_point now) const;

  /// Records a start at `at`; callers pass a time not before next_start(at) and not before the
  /// previous start (starts are recorded in order).
  void record_start(time_point at);

  /// Changes the budget to `spec` and the margin to `margin` from now on. The starts already
  /// made still count against the new budget and an active pause stays; the start count goes on.
  /// Throws std::invalid_argument for a zero budget or a negative margin (a caller's bug).
  void reconfigure(rate_spec spec, std::chrono::milliseconds margin);

  /// Holds every start until `until` (a later pause extends, an earlier one is ignored).
  void pause_until(time_point until);

  /// Returns when the window has room again after a throttled answer at `now` without
  /// Retry-After: the oldest start still inside the window leaves it (plus margin), or a full
  /// window from now when none of ours is inside (someone else filled the server's window).
  time_point room_after_throttle(time_point now) const;

  /// Returns the end of the current pause, if any was set.
  std::optional<time_point> paused_until() const { return paused_until_; }

  /// Returns the number of starts recorded.
  std::uint64_t starts() const { return starts_; }

  /// Returns the budget this schedule enforces.
  const rate_spec& spec() const { return spec_; }

  /// Returns the safety margin added to every window.
  std::chrono::milliseconds margin() const { return margin_; }

 private:
  rate_spec spec_;
  std::chrono::milliseconds margin_;
  // The last N starts, or a time at or after each (see reconfigure); ring_[next_] is the
  // oldest once full.
  std::vector<time_point> ring_;
  std::size_t next_ = 0;
  // Every start no longer in the ring happened at or before this time.
  std::optional<time_point> forgotten_until_;
  std::uint64_t starts_ = 0;
  std::optional<time_point> paused_until_;
};

}  // namespace nv::limit
