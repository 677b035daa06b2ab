// Delivers one batch: retry with backoff, bisection, throttling and read-back of queued batches.
#include "nv/deliver/batch_deliverer.hpp"

#include "nv/deliver/queued_check.hpp"

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace nv::deliver {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

batch_deliverer::batch_deliverer(api::client& client, delivery_options options,
                                 delivery_counters& counters, reject_sink rejects)
    : client_(client),
      options_(options),
      counters_(counters),
      rejects_(std::move(rejects)),
      backoff_(options.retry) {}

asio::awaitable<void> batch_deliverer::deliver(std::shared_ptr<const batch::batch> b) {
  ++counters_.batches;
  const auto count = b->size();
  tallies_[b.get()] = {count, false};
  if (co_await send_range(b, 0, count) == range_end::queued) co_await settle_queued(b, 0, count);
}

asio::awaitable<void> batch_deliverer::settle_queued(std::shared_ptr<const batch::batch> b,
                                                     std::size_t first, std::size_t count) {
  if (!options_.verify_queued) {
    counters_.unverified += count;
    mark_delivered(*b, count);
    co_return;
  }
  // The read-back waits for the server to process the batch; the sender goes on meanwhile.
  ++pending_;
  auto executor = co_await asio::this_coro::executor;
  // Every user must end somewhere: a read-back that dies (cancelled at shutdown, a bug) rejects
  // its users as delivery_failed rather than leaving them uncounted.
  asio::co_spawn(executor, verify_queued(b, first, count),
                 [this, b, first, count](std::exception_ptr escaped) {
                   if (escaped) {
                     reject_range(*b, first, count, record::reject_code::delivery_failed,
                                  "queued batch not verified: the read-back was interrupted");
                   }
                   --pending_;
                   if (pending_ == 0 && drained_) drained_->cancel();
                 });
}

asio::awaitable<void> batch_deliverer::drain() {
  if (pending_ == 0) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor, clock::time_point::max());
  drained_ = &timer;
  boost::system::error_code ignored;
  while (pending_ > 0)
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  drained_ = nullptr;
}

asio::awaitable<batch_deliverer::range_end> batch_deliverer::send_range(
    std::shared_ptr<const batch::batch> b, std::size_t first, std::size_t count) {
  std::string body;
  b->build_body(first, count, body);
  const auto started = clock::now();
  std::uint32_t attempt = 0;
  for (;;) {
    if (stopping_) {
      mark_not_sent(*b, count);
      co_return range_end::settled;
    }
    auto answer = co_await client_.send_create(body);
    ++counters_.requests;
    ++attempt;
    auto age = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started);
    const auto& result = answer.result;
    switch (result.kind) {
      case api::outcome_kind::ok:
        mark_delivered(*b, count);
        co_return range_end::settled;
      case api::outcome_kind::queued:
        ++counters_.queued;
        co_return range_end::queued;
      case api::outcome_kind::throttled:
        // The client has paused the endpoint; waiting is the limiter's job, not a failure.
        ++counters_.throttled;
        if (age >= options_.retry.max_age) {
          reject_range(*b, first, count, record::reject_code::delivery_failed,
                       fmt::format("still throttled after {} s", age.count() / 1000));
          co_return range_end::settled;
        }
        continue;
      case api::outcome_kind::retry: {
        if (answer.transport_error == http::error_kind::tls) {
          // A certificate that does not verify will not verify on the next attempt either.
          stop_run(result.message);
          mark_not_sent(*b, count);
          co_return range_end::settled;
        }
        auto delay = backoff_.next_delay(attempt, age);
        if (!delay) {
          last_failure_ = result.message;
          reject_range(*b, first, count, record::reject_code::delivery_failed,
                       fmt::format("gave up after {} attempts: {}", attempt, result.message));
          co_return range_end::settled;
        }
        ++counters_.retries;
        co_await wait(*delay);
        continue;
      }
      case api::outcome_kind::permanent:
        co_await bisect(b, first, count, result.message);
        co_return range_end::settled;
      case api::outcome_kind::auth_failed:
        auth_failed_ = true;
        stop_run(fmt::format("the API refused the credentials: {}", result.message));
        mark_not_sent(*b, count);
        co_return range_end::settled;
    }
  }
}

asio::awaitable<void> batch_deliverer::bisect(std::shared_ptr<const batch::batch> b,
                                              std::size_t first, std::size_t count,
                                              std::string message) {
  if (count == 1) {
    reject_range(*b, first, 1, record::reject_code::server_rejected, message);
    co_return;
  }
  // Halves until the refused users are alone: log2(100) < 7 levels, and every good user is
  // delivered on the way.
  ++counters_.bisections;
  auto half = count / 2;
  for (auto [from, n] : {std::pair{first, half}, std::pair{first + half, count - half}}) {
    if (co_await send_range(b, from, n) == range_end::queued) co_await settle_queued(b, from, n);
  }
}

asio::awaitable<void> batch_deliverer::verify_queued(std::shared_ptr<const batch::batch> b,
                                                     std::size_t first, std::size_t count) {
  for (std::uint32_t resend = 0;; ++resend) {
    co_await wait(options_.verify_delay);
    if (co_await read_back_matches(*b, first, count)) co_return;
    if (resend == options_.max_resends) {
      reject_range(*b, first, count, record::reject_code::delivery_failed,
                   fmt::format("queued batch not stored after {} resends", resend));
      co_return;
    }
    ++counters_.resends;
    if (co_await send_range(b, first, count) == range_end::settled) co_return;
  }
}

asio::awaitable<bool> batch_deliverer::read_back_matches(const batch::batch& b, std::size_t first,
                                                         std::size_t count) {
  // Anonymous users cannot be read back by userID: pick the first user that has one.
  for (std::size_t i = first; i < first + count; ++i) {
    auto id = wire_user_id(b.wire(i));
    if (!id) continue;
    ++counters_.verifications;
    auto answer = co_await client_.user_data(*id);
    if (answer.result.kind == api::outcome_kind::ok &&
        stored_matches_sent(b.wire(i), answer.body.data)) {
      mark_delivered(b, count);
      co_return true;
    }
    ++counters_.verify_failed;
    co_return false;
  }
  counters_.unverified += count;
  mark_delivered(b, count);
  co_return true;
}

void batch_deliverer::stop_run(std::string reason) {
  if (!stopping_) fatal_message_ = std::move(reason);
  stopping_ = true;
}

asio::awaitable<void> batch_deliverer::wait(std::chrono::milliseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
}

void batch_deliverer::reject_range(const batch::batch& b, std::size_t first, std::size_t count,
                                   record::reject_code code, const std::string& message) {
  record::reject reason{code, message};
  for (std::size_t i = first; i < first + count; ++i) rejects_(b, i, reason);
  if (code == record::reject_code::server_rejected) {
    counters_.rejected_by_server += count;
  } else {
    counters_.failed += count;
  }
  settle(b, count, true);
}

void batch_deliverer::mark_delivered(const batch::batch& b, std::size_t count) {
  counters_.delivered += count;
  settle(b, count, true);
}

void batch_deliverer::mark_not_sent(const batch::batch& b, std::size_t count) {
  counters_.not_sent += count;
  settle(b, count, false);
}

void batch_deliverer::settle(const batch::batch& b, std::size_t count, bool sent) {
  auto tally = tallies_.find(&b);
  if (tally == tallies_.end()) return;
  tally->second.incomplete |= !sent;
  tally->second.unsettled -= count;
  if (tally->second.unsettled > 0) return;
  const bool complete = !tally->second.incomplete;
  tallies_.erase(tally);
  if (settled_) settled_(b, complete);
}

}  // namespace nv::deliver
