// The strict sliding-window arithmetic: a ring of the last N start times.
#include "nv/limit/window_schedule.hpp"

#include <algorithm>
#include <stdexcept>

namespace nv::limit {

window_schedule::window_schedule(rate_spec spec, std::chrono::milliseconds margin)
    : spec_(spec), margin_(margin) {
  // Configuration edge: a zero budget or a negative margin is a bug in the caller.
  if (spec_.requests == 0 || spec_.window <= std::chrono::milliseconds::zero())
    throw std::invalid_argument("window_schedule: the budget must allow at least one request");
  if (margin_ < std::chrono::milliseconds::zero())
    throw std::invalid_argument("window_schedule: the margin must not be negative");
  ring_.reserve(spec_.requests);
}

window_schedule::time_point window_schedule::next_start(time_point now) const {
  time_point earliest = now;
  if (ring_.size() == spec_.requests)
    earliest = std::max(earliest, ring_[next_] + spec_.window + margin_);
  if (paused_until_) earliest = std::max(earliest, *paused_until_);
  return earliest;
}

void window_schedule::record_start(time_point at) {
  ++starts_;
  if (ring_.size() < spec_.requests) {
    ring_.push_back(at);
    return;
  }
  ring_[next_] = at;
  next_ = (next_ + 1) % spec_.requests;
}

void window_schedule::pause_until(time_point until) {
  if (!paused_until_ || until > *paused_until_) paused_until_ = until;
}

window_schedule::time_point window_schedule::room_after_throttle(time_point now) const {
  // The oldest of our starts still inside (now - W, now]: when it leaves, the window has room.
  const auto window_start = now - spec_.window;
  std::optional<time_point> oldest_inside;
  for (const auto start : ring_) {
    if (start > window_start && (!oldest_inside || start < *oldest_inside)) oldest_inside = start;
  }
  if (!oldest_inside) return now + spec_.window + margin_;
  return *oldest_inside + spec_.window + margin_;
}

}  // namespace nv::limit
