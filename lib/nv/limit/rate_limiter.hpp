// The rate limiter interface: local today (sliding_window_limiter), shared tomorrow.
#pragma once

#include "nv/limit/rate_spec.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>

namespace nv::limit {

/// What a limiter has done so far, for metrics and tests.
struct limiter_stats {
  std::uint64_t starts = 0;                  ///< requests allowed to start
  std::uint64_t waits = 0;                   ///< starts that had to wait
  std::uint64_t throttles = 0;               ///< throttled answers reported
  std::chrono::nanoseconds waited{0};        ///< total time spent waiting in acquire()
  std::chrono::nanoseconds longest_wait{0};  ///< the longest single wait
  std::size_t waiting = 0;                   ///< callers waiting right now
};

/// Decides when a request to one endpoint may start. Every attempt, retries included, must
/// acquire() before it is sent.
class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  virtual ~rate_limiter() = default;

  /// Waits until a request may start now and records the start. Waiters are served in order.
  /// Throws boost::system::system_error(operation_aborted) when the awaiting task is cancelled;
  /// a cancelled waiter consumes no slot.
  virtual boost::asio::awaitable<void> acquire() = 0;

  /// Holds every start until `until` (a throttled answer with a known end).
  virtual void pause_until(clock::time_point until) = 0;

  /// Holds every start for `duration` from now.
  void pause_for(std::chrono::milliseconds duration) { pause_until(clock::now() + duration); }

  /// Reports a throttled answer: pauses the endpoint for `retry_after` when the server gave
  /// one, else until the window has room.
  virtual void throttled(std::optional<std::chrono::milliseconds> retry_after) = 0;

  /// Changes the budget to `spec` with `margin` from now on (a configuration reload). The starts
  /// already made count against the new budget, so no window of the new W ever holds more than
  /// the new N; waiters keep their order and see the new budget at once; an active pause and
  /// the counters stay. Throws std::invalid_argument for a zero budget or a negative margin.
  virtual void reconfigure(rate_spec spec, std::chrono::milliseconds margin) = 0;

  /// Returns the counters so far.
  virtual limiter_stats stats() const = 0;
};

}  // namespace nv::limit
