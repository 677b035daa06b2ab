// Tests for the async limiter on a real io_context: recorded starts checked against the rule.
#include "nv/limit/sliding_window_limiter.hpp"

#include <doctest/doctest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/system_error.hpp>

#include <exception>
#include <vector>

namespace asio = boost::asio;
using nv::limit::rate_spec;
using nv::limit::sliding_window_limiter;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

// Acquires once and appends `id` to `order` when allowed to start.
asio::awaitable<void> take(sliding_window_limiter& limiter, int id, std::vector<int>& order) {
  co_await limiter.acquire();
  order.push_back(id);
}

// Stores whether an acquire ended with operation_aborted.
struct outcome_flag {
  bool aborted = false;
  bool other_error = false;
  void operator()(std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const boost::system::system_error& error) {
      (error.code() == asio::error::operation_aborted ? aborted : other_error) = true;
    } catch (...) {
      other_error = true;
    }
  }
};

}  // namespace

TEST_CASE("sliding_window_limiter: starts obey N per W and waiters are served in order") {
  asio::io_context io;
  sliding_window_limiter limiter(io.get_executor(), rate_spec{3, 100ms}, 10ms);
  limiter.keep_start_log(true);
  std::vector<int> order;
  for (int id = 0; id < 10; ++id) asio::co_spawn(io, take(limiter, id, order), asio::detached);
  const auto began = clock_type::now();
  io.run();

  CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  const auto& starts = limiter.start_log();
  REQUIRE(starts.size() == 10);
  for (std::size_t k = 3; k < starts.size(); ++k) CHECK(starts[k] - starts[k - 3] >= 110ms);
  // The first three go at once (the loop hands the turn on without a timer).
  CHECK(starts[2] - began < 50ms);
  const auto stats = limiter.stats();
  CHECK(stats.starts == 10);
  // Callers 3..9 are held by the budget; 1 and 2 only wait for their turn, which a loaded
  // machine may stretch past the 1 ms that counts as a wait.
  CHECK(stats.waits >= 7);
  CHECK(stats.waits <= 9);
  CHECK(stats.waiting == 0);
  // Caller 9 arrived before start 3 and starts at least two windows after it.
  CHECK(stats.longest_wait >= 220ms);
}

TEST_CASE("sliding_window_limiter: a cancelled waiter consumes no slot and passes its turn on") {
  asio::io_context io;
  sliding_window_limiter limiter(io.get_executor(), rate_spec{1, 200ms}, 0ms);
  limiter.keep_start_log(true);
  std::vector<int> order;
  asio::cancellation_signal cancel_b;
  outcome_flag b_result;

  asio::co_spawn(io, take(limiter, 0, order), asio::detached);  // A: starts at once
  asio::co_spawn(io, take(limiter, 1, order),                   // B: waits for A's window
                 asio::bind_cancellation_slot(cancel_b.slot(), std::ref(b_result)));
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        // Runs after B is parked on its timer (co_spawn posts in order).
        cancel_b.emit(asio::cancellation_type::terminal);
        co_await limiter.acquire();  // C: queued behind B until B leaves
        order.push_back(2);
      },
      asio::detached);
  io.run();

  CHECK(b_result.aborted);
  CHECK_FALSE(b_result.other_error);
  CHECK(order == std::vector<int>{0, 2});
  REQUIRE(limiter.start_log().size() == 2);
  const auto gap = limiter.start_log()[1] - limiter.start_log()[0];
  CHECK(gap >= 200ms);
  CHECK(gap < 350ms);  // C took B's slot, it did not wait a second window
  CHECK(limiter.stats().starts == 2);
}

TEST_CASE(
    "sliding_window_limiter: a pause holds every waiter, and a throttle without "
    "Retry-After waits for the window to have room") {
  asio::io_context io;
  sliding_window_limiter limiter(io.get_executor(), rate_spec{5, 150ms}, 0ms);
  limiter.keep_start_log(true);
  std::vector<int> order;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await limiter.acquire();
        limiter.pause_for(120ms);
        co_await limiter.acquire();
        limiter.throttled(std::nullopt);  // our first start leaves at +150ms
        co_await limiter.acquire();
        limiter.throttled(30ms);
        co_await limiter.acquire();
      },
      asio::detached);
  io.run();

  const auto& starts = limiter.start_log();
  REQUIRE(starts.size() == 4);
  CHECK(starts[1] - starts[0] >= 120ms);
  CHECK(starts[2] - starts[0] >= 150ms);
  CHECK(starts[3] - starts[2] >= 30ms);
  CHECK(limiter.stats().throttles == 2);
}

TEST_CASE("sliding_window_limiter: an idle limiter lets a burst of N through without waiting") {
  asio::io_context io;
  sliding_window_limiter limiter(io.get_executor(), rate_spec{50, 1s}, 250ms);
  std::vector<int> order;
  for (int id = 0; id < 50; ++id) asio::co_spawn(io, take(limiter, id, order), asio::detached);
  const auto began = clock_type::now();
  io.run();
  CHECK(order.size() == 50);
  CHECK(limiter.stats().waits == 0);
  CHECK(clock_type::now() - began < 200ms);
}
