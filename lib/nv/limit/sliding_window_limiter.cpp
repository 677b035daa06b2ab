// The local strict sliding-window rate limiter: FIFO waiters, one timer each.
#include "nv/limit/sliding_window_limiter.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

namespace nv::limit {

namespace asio = boost::asio;

// One caller inside acquire(); lives in the caller's coroutine frame.
struct sliding_window_limiter::waiter {
  asio::steady_timer timer;
  bool woken = false;  // set by whoever cancels the timer to say "look again", not "give up"
};

sliding_window_limiter::sliding_window_limiter(asio::any_io_executor executor, rate_spec spec,
                                               std::chrono::milliseconds margin)
    : executor_(std::move(executor)), schedule_(spec, margin) {}

asio::awaitable<start_ticket> sliding_window_limiter::acquire() {
  const auto arrived = clock::now();
  waiter self{asio::steady_timer(executor_)};
  queue_.push_back(&self);
  const auto position = std::prev(queue_.end());
  // Leaves the queue on every exit, including cancellation and frame destruction, and hands
  // the turn on when this waiter was at the head: a cancelled waiter consumes no slot.
  struct leave_queue {
    sliding_window_limiter& limiter;
    std::list<waiter*>::iterator position;
    ~leave_queue() {
      const bool was_head = position == limiter.queue_.begin();
      limiter.queue_.erase(position);
      if (was_head) limiter.wake_head();
    }
  } guard{*this, position};

  for (;;) {
    const bool is_head = queue_.front() == &self;
    const auto now = clock::now();
    if (is_head) {
      const auto allowed = schedule_.next_start(now);
      if (allowed <= now) {
        start_ticket ticket(*this, record(arrived, now));
        co_return ticket;  // the guard hands the turn to the next waiter
      }
      self.timer.expires_at(allowed);  // time_point::max(): until an answer wakes it
    } else {
      self.timer.expires_at(clock::time_point::max());
    }
    self.woken = false;
    const auto [ec] = co_await self.timer.async_wait(asio::as_tuple(asio::use_awaitable));
    const auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
    if (cancelled != asio::cancellation_type::none || (ec && !self.woken))
      throw boost::system::system_error(asio::error::operation_aborted);
  }
}

void sliding_window_limiter::wake_head() {
  if (queue_.empty()) return;
  waiter* head = queue_.front();
  head->woken = true;
  head->timer.cancel();
}

void sliding_window_limiter::answered(std::uint64_t index) {
  const bool was_waiting = schedule_.awaiting_answer();
  schedule_.record_answer(index, clock::now());
  // Only a head held for an answer needs waking: any other wait has a time of its own.
  if (was_waiting && !schedule_.awaiting_answer()) wake_head();
}

std::uint64_t sliding_window_limiter::record(clock::time_point arrived, clock::time_point started) {
  const auto index = schedule_.record_start();
  ++stats_.starts;
  const auto waited = started - arrived;
  // A wait under a millisecond is only scheduling noise, not the limiter holding a request.
  if (waited >= std::chrono::milliseconds(1)) ++stats_.waits;
  stats_.waited += waited;
  if (waited > stats_.longest_wait) stats_.longest_wait = waited;
  if (keep_log_) start_log_.push_back(started);
  return index;
}

void sliding_window_limiter::pause_until(clock::time_point until) {
  // The head, if any, wakes at its old time, sees the pause and waits again.
  schedule_.pause_until(until);
}

void sliding_window_limiter::throttled(std::optional<std::chrono::milliseconds> retry_after) {
  ++stats_.throttles;
  const auto now = clock::now();
  pause_until(retry_after ? now + *retry_after : schedule_.room_after_throttle(now));
}

void sliding_window_limiter::reconfigure(rate_spec spec, std::chrono::milliseconds margin) {
  schedule_.reconfigure(spec, margin);
  // Only the head waits for a time; it looks again and re-arms its timer for the new budget,
  // sooner or later. The others keep their places and see the new budget when their turn
  // comes. A head whose timer already fired just looks once more: it is not served twice.
  wake_head();
}

limiter_stats sliding_window_limiter::stats() const {
  auto copy = stats_;
  copy.waiting = queue_.size();
  copy.unsettled = schedule_.unsettled();
  return copy;
}

}  // namespace nv::limit
