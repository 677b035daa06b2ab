// Tests for the async limiter on a real io_context: recorded starts checked against the rule.
#include "nv/limit/sliding_window_limiter.hpp"

#include <doctest/doctest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
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

TEST_CASE(
    "sliding_window_limiter: a lower budget set while callers wait serves each once, in "
    "order, and no window ending after the change holds more than the new N") {
  asio::io_context io;
  sliding_window_limiter limiter(io.get_executor(), rate_spec{4, 100ms}, 0ms);
  limiter.keep_start_log(true);
  std::vector<int> order;
  clock_type::time_point changed{};
  for (int id = 0; id < 12; ++id) {
    asio::co_spawn(
        io,
        [&, id]() -> asio::awaitable<void> {
          co_await limiter.acquire();
          order.push_back(id);
          if (id != 5) co_return;
          // Six callers still wait, the head on its timer, when the budget drops.
          CHECK(limiter.stats().waiting == 6);
          changed = clock_type::now();
          limiter.reconfigure(rate_spec{2, 150ms}, 10ms);
        },
        asio::detached);
  }
  io.run();

  std::vector<int> expected(12);
  for (int id = 0; id < 12; ++id) expected[static_cast<std::size_t>(id)] = id;
  CHECK(order == expected);
  const auto& starts = limiter.start_log();
  REQUIRE(starts.size() == 12);
  CHECK(starts[5] <= changed);
  CHECK(starts[6] >= changed);
  for (std::size_t k = 4; k < 6; ++k) CHECK(starts[k] - starts[k - 4] >= 100ms);
  // Starts 4 and 5, made under the old budget, count against the new one.
  for (std::size_t k = 6; k < starts.size(); ++k) CHECK(starts[k] - starts[k - 2] >= 160ms);
  const auto stats = limiter.stats();
  CHECK(stats.starts == 12);
  CHECK(stats.waiting == 0);
  CHECK(limiter.spec() == rate_spec{2, 150ms});
}

TEST_CASE("sliding_window_limiter: a higher budget wakes the head waiter from its timer") {
  asio::io_context io;
  sliding_window_limiter limiter(io.get_executor(), rate_spec{1, 400ms}, 0ms);
  limiter.keep_start_log(true);
  std::vector<int> order;
  for (int id = 0; id < 4; ++id) asio::co_spawn(io, take(limiter, id, order), asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        // Handlers run in the order they were queued: once caller 0 has started, a few more
        // turns let caller 1 take the head and arm its timer for 400 ms.
        while (limiter.start_log().empty()) co_await asio::post(io, asio::use_awaitable);
        for (int turn = 0; turn < 4; ++turn) co_await asio::post(io, asio::use_awaitable);
        CHECK(limiter.stats().waiting == 3);
        limiter.reconfigure(rate_spec{4, 400ms}, 0ms);
      },
      asio::detached);
  io.run();

  CHECK(order == std::vector<int>{0, 1, 2, 3});
  const auto& starts = limiter.start_log();
  REQUIRE(starts.size() == 4);
  CHECK(starts[3] - starts[0] < 200ms);
  CHECK(limiter.stats().starts == 4);
}

TEST_CASE("sliding_window_limiter: a throttled pause outlives a new budget") {
  asio::io_context io;
  sliding_window_limiter limiter(io.get_executor(), rate_spec{10, 1s}, 0ms);
  limiter.keep_start_log(true);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await limiter.acquire();
        limiter.throttled(std::chrono::milliseconds(150));
        limiter.reconfigure(rate_spec{100, 1s}, 0ms);
        co_await limiter.acquire();
      },
      asio::detached);
  io.run();

  const auto& starts = limiter.start_log();
  REQUIRE(starts.size() == 2);
  CHECK(starts[1] - starts[0] >= 150ms);
  CHECK(limiter.stats().throttles == 1);
  CHECK(limiter.stats().starts == 2);
}

TEST_CASE("sliding_window_limiter: the start N places on waits for the answer, then a window") {
  asio::io_context io;
  sliding_window_limiter limiter(io.get_executor(), rate_spec{1, 50ms}, 5ms);
  limiter.keep_start_log(true);
  clock_type::time_point answered_at{};
  std::size_t waiting_before_answer = 0, unsettled_before_answer = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto ticket = co_await limiter.acquire();
        // The request travels for 120 ms, longer than the window: the next start must not go
        // at 55 ms, when the server may not even have counted this one yet.
        asio::steady_timer travel(io, 120ms);
        co_await travel.async_wait(asio::use_awaitable);
        waiting_before_answer = limiter.stats().waiting;
        unsettled_before_answer = limiter.stats().unsettled;
        answered_at = clock_type::now();
        ticket.answered();
        ticket.answered();  // once only
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto ticket = co_await limiter.acquire();
        CHECK(ticket.index() == 1);
      },  // dropping the ticket answers it
      asio::detached);
  io.run();

  CHECK(waiting_before_answer == 1);
  CHECK(unsettled_before_answer == 1);
  const auto& starts = limiter.start_log();
  REQUIRE(starts.size() == 2);
  CHECK(starts[1] - answered_at >= 55ms);
  const auto stats = limiter.stats();
  CHECK(stats.starts == 2);
  CHECK(stats.unsettled == 0);
  CHECK(stats.longest_wait >= 175ms);
}
