// A fixed-bucket histogram of durations in seconds, cheap enough to observe every request.
#pragma once

#include "nv/metrics/prometheus_writer.hpp"

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

namespace nv::metrics {

/// Counts durations into buckets with fixed upper bounds, plus their sum and count. observe()
/// never allocates: the buckets are sized once, at construction. Use from one thread (the
/// io_context's, where requests complete).
class latency_histogram {
 public:
  /// Returns the default upper bounds in seconds, for HTTP requests to a remote API: 5 ms to 30 s.
  static std::span<const double> default_bounds();

  /// Creates a histogram with the default bounds.
  latency_histogram();
  /// Creates a histogram with `upper_bounds` (seconds, strictly increasing, finite; the +Inf
  /// bucket is implicit). Throws std::invalid_argument when they are not.
  explicit latency_histogram(std::span<const double> upper_bounds);

  /// Counts one duration of `seconds`; a NaN is ignored (it would poison the sum forever).
  void observe(double seconds);
  /// Counts one duration.
  template <class Rep, class Period>
  void observe(std::chrono::duration<Rep, Period> elapsed) {
    observe(std::chrono::duration<double>(elapsed).count());
  }

  /// Returns the number of durations observed.
  std::uint64_t count() const { return count_; }
  /// Returns the sum of the durations observed, in seconds.
  double sum() const { return sum_; }

  /// Returns the buckets as the writer takes them (valid until the next observe()).
  histogram_view view() const { return {bounds_, buckets_, sum_}; }

  /// Writes this histogram as one sample set of family `name` with `labels` (e.g.
  /// endpoint="create"); the family starts unless it is the writer's current one.
  void write(prometheus_writer& writer, std::string_view name, std::string_view help,
             label_list labels = {}) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> buckets_;  // per bucket, not cumulated; the last is above every bound
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace nv::metrics
