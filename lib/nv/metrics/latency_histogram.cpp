// A fixed-bucket histogram of durations in seconds, cheap enough to observe every request.
#include "nv/metrics/latency_histogram.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace nv::metrics {
namespace {

// Fast answers of a healthy API land in the first buckets; the long tail up to 30 s shows
// retries, throttling and the request timeout without a bucket per second.
constexpr std::array<double, 12> standard_bounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                 0.5,   1,    2.5,   5,    10,  30};

}  // namespace

std::span<const double> latency_histogram::default_bounds() {
  return standard_bounds;
}

latency_histogram::latency_histogram() : latency_histogram(default_bounds()) {}

latency_histogram::latency_histogram(std::span<const double> upper_bounds)
    : bounds_(upper_bounds.begin(), upper_bounds.end()), buckets_(upper_bounds.size() + 1, 0) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && !(bounds_[i - 1] < bounds_[i])))
      throw std::invalid_argument("latency_histogram: upper bounds must be finite and increasing");
  }
}

void latency_histogram::observe(double seconds) {
  if (std::isnan(seconds)) return;
  // le means "less than or equal": the first bound not below the value takes it.
  auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin();
  ++buckets_[static_cast<std::size_t>(bucket)];
  sum_ += seconds;
  ++count_;
}

void latency_histogram::write(prometheus_writer& writer, std::string_view name,
                              std::string_view help, label_list labels) const {
  writer.histogram(name, help, view(), labels);
}

}  // namespace nv::metrics
