// Lending pooled connections with a bounded, fair wait.
#include "nv/http/connection_pool.hpp"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <stdexcept>

namespace nv::http {

namespace asio = boost::asio;

connection_pool::lease::~lease() {
  if (connection_) pool_->give_back(connection_);
}

connection_pool::connection_pool(asio::any_io_executor executor, tls_client_context* tls,
                                 pool_options options)
    : executor_(std::move(executor)), tls_(tls), options_(std::move(options)) {
  if (options_.size == 0) throw std::invalid_argument("connection_pool: size must be 1 or more");
  if (options_.connection.url.tls && tls == nullptr)
    throw std::invalid_argument("connection_pool: an https:// URL needs a TLS context");
  for (std::size_t i = 0; i < options_.size; ++i) {
    connections_.push_back(
        std::make_unique<connection>(executor_, tls, options_.connection, counters_));
    idle_.push_back(connections_.back().get());
  }
}

asio::awaitable<boost::system::result<connection_pool::lease, http_error>>
connection_pool::acquire() {
  if (!idle_.empty()) {
    connection* free = idle_.back();
    idle_.pop_back();
    co_return lease(*this, free);
  }
  ++waited_;
  waiter self{asio::steady_timer(executor_, options_.acquire_timeout)};
  waiters_.push_back(&self);
  // Unlinks on every exit unless give_back already did (it hands over and unlinks at once).
  struct unlink {
    connection_pool& pool;
    waiter& self;
    std::list<waiter*>::iterator position;
    ~unlink() {
      if (!self.given) pool.waiters_.erase(position);
    }
  } guard{*this, self, std::prev(waiters_.end())};
  co_await self.timer.async_wait(asio::as_tuple(asio::use_awaitable));
  if (self.given) co_return lease(*this, self.given);
  const auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
  if (cancelled != asio::cancellation_type::none)
    co_return http_error{error_kind::cancelled, "cancelled while waiting for a connection"};
  ++exhausted_;
  co_return http_error{error_kind::pool_exhausted,
                       fmt::format("no connection to {} free within {} ms (pool of {})",
                                   options_.connection.url.authority(),
                                   options_.acquire_timeout.count(), options_.size)};
}

void connection_pool::give_back(connection* returned) {
  // After a shrink the pool holds more connections than its size until enough come back; the
  // waiters then keep waiting, as they would for a full pool of the new size.
  if (connections_.size() > options_.size) {
    retire(returned);
    return;
  }
  lend_or_park(returned);
}

void connection_pool::lend_or_park(connection* free) {
  if (waiters_.empty()) {
    idle_.push_back(free);
    return;
  }
  waiter* next = waiters_.front();
  waiters_.pop_front();
  next->given = free;
  next->timer.cancel();
}

void connection_pool::retire(connection* surplus) {
  surplus->close();
  // Safe to destroy: it is neither idle nor lent (no exchange runs on it), and close() has
  // already let go of its streams.
  std::erase_if(connections_, [surplus](const auto& owned) { return owned.get() == surplus; });
}

void connection_pool::resize(std::size_t size) {
  if (size == 0) throw std::invalid_argument("connection_pool: size must be 1 or more");
  options_.size = size;
  while (connections_.size() > options_.size && !idle_.empty()) {
    connection* coldest = idle_.front();  // idle_ ends with the most recently returned
    idle_.erase(idle_.begin());
    retire(coldest);
  }
  while (connections_.size() < options_.size) {
    connections_.push_back(
        std::make_unique<connection>(executor_, tls_, options_.connection, counters_));
    lend_or_park(connections_.back().get());
  }
}

asio::awaitable<http_result> connection_pool::send(http_request request) {
  auto lent = co_await acquire();
  if (!lent) co_return lent.error();
  auto result = co_await (*lent)->send(std::move(request));
  co_return result;
}

pool_stats connection_pool::stats() const {
  pool_stats stats;
  stats.counters = counters_;
  stats.waited = waited_;
  stats.exhausted = exhausted_;
  stats.size = options_.size;
  stats.idle = idle_.size();
  stats.waiting = waiters_.size();
  stats.lent = connections_.size() - idle_.size();
  return stats;
}

void connection_pool::close_idle() {
  for (connection* free : idle_) free->close();
}

}  // namespace nv::http
