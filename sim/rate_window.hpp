// The server-side rate limit of one endpoint of one brand, sliding or fixed window.
#pragma once

#include "sim/options.hpp"

#include <chrono>
#include <cstdint>
#include <deque>

namespace nv::sim {

/// What the limiter decided for one request.
struct rate_decision {
  bool admitted = true;
  std::chrono::seconds retry_after{0};  ///< Whole seconds until admitted again, when throttled.
};

/// Counts arrivals in a window and throttles over the limit. Every arrival counts, throttled or
/// not, as the real API counts them. Not thread-safe: nvsim runs one thread.
class rate_window {
 public:
  using clock = std::chrono::steady_clock;

  /// Creates a limiter for `limit` (limit.requests == 0 admits everything).
  explicit rate_window(rate_limit limit) : limit_(limit) {}

  /// Records an arrival at `now` and returns whether it is admitted.
  rate_decision arrive(clock::time_point now);

  /// Forgets all arrivals.
  void clear();

 private:
  rate_decision arrive_sliding(clock::time_point now);
  rate_decision arrive_fixed(clock::time_point now);

  rate_limit limit_;
  std::deque<clock::time_point> arrivals_;  // Sliding: arrivals in the last window, oldest first.
  std::int64_t fixed_index_ = -1;           // Fixed: the window the count belongs to.
  std::uint64_t fixed_count_ = 0;
};

/// Keeps the exact largest number of arrivals seen in any window of a given length.
class window_peak {
 public:
  /// Tracks windows of length `window`.
  explicit window_peak(std::chrono::nanoseconds window) : window_(window) {}

  /// Records an arrival at `now` (non-decreasing) and updates the peak.
  void arrive(std::chrono::steady_clock::time_point now);

  /// Returns the largest number of arrivals in any window so far.
  std::uint64_t peak() const { return peak_; }

  /// Forgets all arrivals and the peak.
  void clear() {
    arrivals_.clear();
    peak_ = 0;
  }

 private:
  std::chrono::nanoseconds window_;
  std::deque<std::chrono::steady_clock::time_point> arrivals_;
  std::uint64_t peak_ = 0;
};

/// Rounds a positive duration up to whole seconds, at least one.
std::chrono::seconds ceil_seconds(std::chrono::nanoseconds d);

}  // namespace nv::sim
