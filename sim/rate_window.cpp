// Sliding and fixed window counting for nvsim's rate limits and its peak statistic.
#include "sim/rate_window.hpp"

namespace nv::sim {

std::chrono::seconds ceil_seconds(std::chrono::nanoseconds d) {
  auto s = std::chrono::ceil<std::chrono::seconds>(d);
  return s.count() < 1 ? std::chrono::seconds(1) : s;
}

rate_decision rate_window::arrive(clock::time_point now) {
  if (limit_.requests == 0) return {};
  return limit_.mode == rate_mode::sliding ? arrive_sliding(now) : arrive_fixed(now);
}

// A window (now - W, now]: arrivals at or before now - W have left it.
rate_decision rate_window::arrive_sliding(clock::time_point now) {
  while (!arrivals_.empty() && arrivals_.front() <= now - limit_.window) arrivals_.pop_front();
  bool admitted = arrivals_.size() < limit_.requests;
  arrivals_.push_back(now);
  if (admitted) return {};
  // The next request is admitted once fewer than N arrivals remain in its window, that is
  // when the arrival N places from the newest has aged out.
  auto oldest_needed = arrivals_[arrivals_.size() - limit_.requests];
  return {false, ceil_seconds(oldest_needed + limit_.window - now)};
}

rate_decision rate_window::arrive_fixed(clock::time_point now) {
  auto since = now.time_since_epoch();
  std::int64_t index = since / limit_.window;
  if (index != fixed_index_) {
    fixed_index_ = index;
    fixed_count_ = 0;
  }
  bool admitted = fixed_count_ < limit_.requests;
  ++fixed_count_;
  if (admitted) return {};
  auto window_end = limit_.window * (index + 1);
  return {false, ceil_seconds(window_end - since)};
}

void rate_window::clear() {
  arrivals_.clear();
  fixed_index_ = -1;
  fixed_count_ = 0;
}

void window_peak::arrive(std::chrono::steady_clock::time_point now) {
  while (!arrivals_.empty() && arrivals_.front() <= now - window_) arrivals_.pop_front();
  arrivals_.push_back(now);
  if (arrivals_.size() > peak_) peak_ = arrivals_.size();
}

}  // namespace nv::sim
