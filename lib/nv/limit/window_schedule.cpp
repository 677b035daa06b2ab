// The strict sliding-window arithmetic: a ring of the last N start times.
#include "nv/limit/window_schedule.hpp"

#include <algorithm>
#include <stdexcept>

namespace nv::limit {
namespace {

// Configuration edge: a zero budget or a negative margin is a bug in the caller.
void require_valid(const rate_spec& spec, std::chrono::milliseconds margin) {
  if (spec.requests == 0 || spec.window <= std::chrono::milliseconds::zero())
    throw std::invalid_argument("window_schedule: the budget must allow at least one request");
  if (margin < std::chrono::milliseconds::zero())
    throw std::invalid_argument("window_schedule: the margin must not be negative");
}

}  // namespace

window_schedule::window_schedule(rate_spec spec, std::chrono::milliseconds margin)
    : spec_(spec), margin_(margin) {
  require_valid(spec_, margin_);
  ring_.reserve(spec_.requests);
}

window_schedule::time_point window_schedule::next_start(time_point now) const {
  if (awaiting_answer()) return time_point::max();
  time_point earliest = now;
  // Start k = starts_ must wait for the settled start k - N to leave the window. The ring
  // holds the last ring_.size() settled starts, so k - N is at offset ring_.size() - N +
  // unsettled: inside it, since fewer than N are unsettled.
  const std::size_t needed = spec_.requests - unresolved_.size();  // settled starts counted back
  if (needed <= ring_.size()) {
    const auto oldest = ring_.size() == spec_.requests ? next_ : 0;
    const auto edge = ring_[(oldest + ring_.size() - needed) % ring_.size()];
    earliest = std::max(earliest, edge + spec_.window + margin_);
  }
  if (paused_until_) earliest = std::max(earliest, *paused_until_);
  return earliest;
}

std::uint64_t window_schedule::record_start() {
  unresolved_.emplace_back();
  return starts_++;
}

void window_schedule::record_answer(std::uint64_t index, time_point at) {
  const std::uint64_t first_unsettled = starts_ - unresolved_.size();
  if (index < first_unsettled || index >= starts_) return;
  auto& answer = unresolved_[static_cast<std::size_t>(index - first_unsettled)];
  if (answer) return;
  answer = at;
  settle_front();
}

void window_schedule::settle_front() {
  while (!unresolved_.empty() && unresolved_.front()) {
    const auto answered = *unresolved_.front();
    unresolved_.pop_front();
    // An answer earlier than one before it does not move the edge back: the server may have
    // counted the earlier start last.
    latest_answer_ = latest_answer_ ? std::max(*latest_answer_, answered) : answered;
    push_settled(*latest_answer_);
  }
}

void window_schedule::push_settled(time_point edge) {
  if (ring_.size() < spec_.requests) {
    ring_.push_back(edge);
    return;
  }
  forgotten_until_ = ring_[next_];  // the newest settled start to leave the ring
  ring_[next_] = edge;
  next_ = (next_ + 1) % spec_.requests;
}

// Why the new ring is enough. Start k is allowed only once the edge of the settled start N
// places before it (its answer, or a later one before it) is more than W + margin old, so a
// window of W + margin holds at most N of our requests as the server counts them. Under the
// new budget start k must be checked against the start N' places before it, so the ring must
// hold, for each of the last N' settled starts, its edge or a later time (a later time only
// delays the next start, it never lets one more through). The unsettled starts stay as they are.
// - N' <= N: the last N' settled starts are in the ring; every older one is further back than
//   the start N' places before any new start, which has already left the window, so they
//   cannot count. The rest of the ring is dropped.
// - N' > N: the ring knows only the last N settled starts, yet the ones before them can still
//   be in a new, longer window (10/1s to 20/10s: the last 10 s may hold 100 starts). Keeping
//   only min(N, N') would let a burst through; instead each forgotten start is stood in for by
//   the edge of the newest forgotten one, an upper bound of its own. When the new window is no
//   longer than the old one this costs nothing in practice: the newest forgotten start was
//   pushed out by one that waited until it had left the window.
// The pause and the start count are not part of the budget and stay as they are.
void window_schedule::reconfigure(rate_spec spec, std::chrono::milliseconds margin) {
  require_valid(spec, margin);
  std::vector<time_point> known;  // oldest first
  known.reserve(ring_.size());
  for (std::size_t i = 0; i < ring_.size(); ++i) known.push_back(ring_[(next_ + i) % ring_.size()]);

  const std::size_t keep = std::min(known.size(), spec.requests);
  if (keep < known.size()) forgotten_until_ = known[known.size() - keep - 1];
  const std::uint64_t forgotten = starts_ - unresolved_.size() - keep;
  const auto stand_ins =
      static_cast<std::size_t>(std::min<std::uint64_t>(spec.requests - keep, forgotten));

  std::vector<time_point> rebuilt;
  rebuilt.reserve(stand_ins + keep);
  if (stand_ins > 0) rebuilt.assign(stand_ins, *forgotten_until_);
  rebuilt.insert(rebuilt.end(), known.end() - static_cast<std::ptrdiff_t>(keep), known.end());
  ring_ = std::move(rebuilt);
  next_ = 0;  // chronological again: ring_[0] is the oldest
  spec_ = spec;
  margin_ = margin;
}

void window_schedule::pause_until(time_point until) {
  if (!paused_until_ || until > *paused_until_) paused_until_ = until;
}

window_schedule::time_point window_schedule::room_after_throttle(time_point now) const {
  // The oldest of our settled requests still inside (now - W, now]: when it leaves, the window
  // has room.
  const auto window_start = now - spec_.window;
  std::optional<time_point> oldest_inside;
  for (const auto start : ring_) {
    if (start > window_start && (!oldest_inside || start < *oldest_inside)) oldest_inside = start;
  }
  if (!oldest_inside) return now + spec_.window + margin_;
  return *oldest_inside + spec_.window + margin_;
}

}  // namespace nv::limit
