// The local strict sliding-window rate limiter: a window_schedule driven by steady timers.
#pragma once

#include "nv/limit/rate_limiter.hpp"
#include "nv/limit/window_schedule.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <list>

namespace nv::limit {

/// Never lets more than N requests into any window of W (plus margin) as the server counts them
/// (see window_schedule: a request stays in the window until W after its answer); waiters are
/// served first come, first served. Use from one thread (the io_context's); it must outlive every
/// acquire() in flight.
class sliding_window_limiter final : public rate_limiter {
 public:
  /// Creates a limiter for `spec` whose timers run on `executor`.
  sliding_window_limiter(boost::asio::any_io_executor executor, rate_spec spec,
                         std::chrono::milliseconds margin = std::chrono::milliseconds(250));

  boost::asio::awaitable<start_ticket> acquire() override;
  void answered(std::uint64_t index) override;
  void pause_until(clock::time_point until) override;
  void throttled(std::optional<std::chrono::milliseconds> retry_after) override;
  void reconfigure(rate_spec spec, std::chrono::milliseconds margin) override;
  limiter_stats stats() const override;

  /// Returns the budget in force now.
  const rate_spec& spec() const { return schedule_.spec(); }

  /// Returns every start time recorded so far when recording is on (tests check the invariant).
  const std::vector<clock::time_point>& start_log() const { return start_log_; }

  /// Keeps every start time in start_log() (off by default: it grows without bound).
  void keep_start_log(bool on) { keep_log_ = on; }

 private:
  struct waiter;

  void wake_head();
  std::uint64_t record(clock::time_point arrived, clock::time_point started);

  boost::asio::any_io_executor executor_;
  window_schedule schedule_;
  std::list<waiter*> queue_;  // FIFO; only the head waits for a time, the rest for their turn
  limiter_stats stats_;
  bool keep_log_ = false;
  std::vector<clock::time_point> start_log_;
};

}  // namespace nv::limit
