// The rate limiter interface: local today (sliding_window_limiter), shared tomorrow.
#pragma once

#include "nv/limit/rate_spec.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>

namespace nv::limit {

/// What a limiter has done so far, for metrics and tests.
struct limiter_stats {
  std::uint64_t starts = 0;                  ///< requests allowed to start
  std::uint64_t waits = 0;                   ///< starts that had to wait
  std::uint64_t throttles = 0;               ///< throttled answers reported
  std::chrono::nanoseconds waited{0};        ///< total time spent waiting in acquire()
  std::chrono::nanoseconds longest_wait{0};  ///< the longest single wait
  std::size_t waiting = 0;                   ///< callers waiting right now
  std::size_t unsettled = 0;  ///< starts unanswered, or answered behind an unanswered one
};

class rate_limiter;

/// One request allowed to start. It stays in the window until W after its answer: call
/// answered() when the answer (or the failure) arrives; dropping the ticket does the same, so a
/// request whose caller is cancelled or throws is never left open. Move-only; must not outlive
/// its limiter.
class start_ticket {
 public:
  start_ticket() = default;
  start_ticket(rate_limiter& owner, std::uint64_t index) : owner_(&owner), index_(index) {}
  start_ticket(start_ticket&& other) noexcept
      : owner_(std::exchange(other.owner_, nullptr)), index_(other.index_) {}
  start_ticket& operator=(start_ticket&& other) noexcept;
  start_ticket(const start_ticket&) = delete;
  start_ticket& operator=(const start_ticket&) = delete;
  ~start_ticket() { answered(); }

  /// Reports that the request's answer, or its failure, arrived now (once; later calls do
  /// nothing).
  void answered();

  /// Returns the start's index (0, 1, 2, ... per limiter).
  std::uint64_t index() const { return index_; }

 private:
  rate_limiter* owner_ = nullptr;
  std::uint64_t index_ = 0;
};

/// Decides when a request to one endpoint may start. Every attempt, retries included, must
/// acquire() before it is sent.
class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  virtual ~rate_limiter() = default;

  /// Waits until a request may start now and records the start; the ticket reports its answer.
  /// Waiters are served in order. Throws boost::system::system_error(operation_aborted) when
  /// the awaiting task is cancelled; a cancelled waiter consumes no slot.
  virtual boost::asio::awaitable<start_ticket> acquire() = 0;

  /// Records that start `index` was answered (or failed) now; start_ticket calls it.
  virtual void answered(std::uint64_t index) = 0;

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
