// The strict sliding-window arithmetic behind the limiter: pure, the clock is passed in.
#pragma once

#include "nv/limit/rate_spec.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace nv::limit {

/// Decides when the next request may start so that no window of W holds more than N of our
/// requests as the server counts them. The server counts a request at some moment between its
/// start and its answer, which the client cannot see; so each request is taken to be in the
/// window from its start until W after its answer. Start k may happen only at or after
/// answer[j] + W + margin for start k-N and every start before it (j <= k-N): then start k is
/// counted after all of those have left the server's window, however long each one travelled.
/// The first N go at once; a request N places back still unanswered holds the next start until
/// its answer. When every answer comes at its start this is the plain rule
/// start[k] >= start[k-N] + W + margin. A pause (from a throttled answer) holds every start
/// until it ends. Not thread-safe.
class window_schedule {
 public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  /// Creates an empty schedule for `spec`; `margin` absorbs jitter between send and arrival.
  window_schedule(rate_spec spec, std::chrono::milliseconds margin);

  /// Returns the earliest time at or after `now` at which a start is allowed, or
  /// time_point::max() while it waits for an answer (see awaiting_answer()).
  time_point next_start(time_point now) const;

  /// Records a start, made now that next_start() allows it, and returns its index (0, 1, 2, ...
  /// in order). Until its answer is recorded the start holds the one N places after it.
  std::uint64_t record_start();

  /// Records that start `index` was answered, or failed for good, at `at`: the server counted
  /// it at or before `at`, if at all. Answers may come in any order; a second answer for the
  /// same start and an unknown index are ignored.
  void record_answer(std::uint64_t index, time_point at);

  /// Returns whether the next start waits for an answer: N starts are unanswered, so the
  /// window's edge is not known yet.
  bool awaiting_answer() const { return unresolved_.size() >= spec_.requests; }

  /// Returns the number of starts not yet settled (unanswered, or answered after an
  /// unanswered one).
  std::size_t unsettled() const { return unresolved_.size(); }

  /// Changes the budget to `spec` and the margin to `margin` from now on. The starts already
  /// made still count against the new budget and an active pause stays; the start count goes on.
  /// Throws std::invalid_argument for a zero budget or a negative margin (a caller's bug).
  void reconfigure(rate_spec spec, std::chrono::milliseconds margin);

  /// Holds every start until `until` (a later pause extends, an earlier one is ignored).
  void pause_until(time_point until);

  /// Returns when the window has room again after a throttled answer at `now` without
  /// Retry-After: the oldest settled request still inside the window leaves it (plus margin),
  /// or a full window from now when none of ours is inside (someone else filled the server's
  /// window).
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
  /// Settles the unresolved starts at the front that have their answers.
  void settle_front();
  /// Appends the edge of the next settled start to the ring.
  void push_settled(time_point edge);

  // A start is settled once it and every start before it are answered. For the last N settled
  // starts the ring holds the latest answer among it and all before it (or a later time, see
  // reconfigure): the time by which the server has counted all of them. ring_[next_] is the
  // oldest once full; the newest is the start just before the first unsettled one.
  std::vector<time_point> ring_;
  std::size_t next_ = 0;
  // Every settled start no longer in the ring was answered at or before this time.
  std::optional<time_point> forgotten_until_;
  // The latest answer among the settled starts.
  std::optional<time_point> latest_answer_;
  // The starts after the settled ones, oldest first: the answer's time once it came.
  std::deque<std::optional<time_point>> unresolved_;
  std::uint64_t starts_ = 0;
  std::optional<time_point> paused_until_;
};

}  // namespace nv::limit
