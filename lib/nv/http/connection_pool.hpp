// A fixed set of keep-alive connections lent to coroutines one exchange at a time.
#pragma once

#include "nv/http/connection.hpp"

#include <boost/asio/steady_timer.hpp>

#include <list>
#include <memory>
#include <vector>

namespace nv::http {

/// How many connections and how long a caller may wait for one.
struct pool_options {
  std::size_t size = 8;
  std::chrono::milliseconds acquire_timeout{std::chrono::seconds(30)};
  connection_options connection;
};

/// What the pool has done so far; handshakes == size after many requests means reuse works.
struct pool_stats {
  connection_counters counters;
  std::uint64_t waited = 0;     ///< acquires that had to wait for a connection
  std::uint64_t exhausted = 0;  ///< acquires that gave up after acquire_timeout
  std::size_t size = 0;         ///< connections the pool may hold (lent ones beyond it retire)
  std::size_t idle = 0;         ///< connections free now
  std::size_t lent = 0;         ///< connections lent out now
  std::size_t waiting = 0;      ///< callers waiting now
};

/// Lends up to `size` connections, first come first served, with a bounded wait. A connection
/// that broke is closed and reopened on its next use. The size may change while connections are
/// lent (resize). Use from one thread; the pool must outlive every lease and every send() in
/// flight.
class connection_pool {
 public:
  /// A connection on loan; gives it back when destroyed.
  class lease {
   public:
    lease(lease&& other) noexcept : pool_(other.pool_), connection_(other.connection_) {
      other.connection_ = nullptr;
    }
    lease& operator=(lease&&) = delete;
    ~lease();
    connection& operator*() const { return *connection_; }
    connection* operator->() const { return connection_; }

   private:
    friend class connection_pool;
    lease(connection_pool& pool, connection* lent) : pool_(&pool), connection_(lent) {}
    connection_pool* pool_;
    connection* connection_;
  };

  /// Creates `options.size` closed connections; `tls` is null for an http:// URL and must
  /// outlive the pool. Throws std::invalid_argument when the URL needs TLS and none is given.
  connection_pool(boost::asio::any_io_executor executor, tls_client_context* tls,
                  pool_options options);

  /// Waits up to acquire_timeout for a free connection; errors: pool_exhausted, cancelled.
  boost::asio::awaitable<boost::system::result<lease, http_error>> acquire();

  /// Borrows a connection, sends `request` on it and gives it back.
  boost::asio::awaitable<http_result> send(http_request request);

  /// Returns the counters and the current occupancy.
  pool_stats stats() const;

  /// Closes every idle connection (shutdown).
  void close_idle();

  /// Changes how many connections the pool holds (a configuration reload). Growing adds closed
  /// connections, opened on first use, and hands them to the longest waiters at once. Shrinking
  /// closes idle connections beyond `size` now (the least recently used first) and lent ones
  /// when they are given back, never one in the middle of an exchange. Throws
  /// std::invalid_argument when `size` is 0 (a configuration bug).
  void resize(std::size_t size);

 private:
  struct waiter {
    boost::asio::steady_timer timer;
    connection* given = nullptr;
  };

  void give_back(connection* returned);
  void lend_or_park(connection* free);
  void retire(connection* surplus);

  boost::asio::any_io_executor executor_;
  tls_client_context* tls_;  // null for http://; outlives the pool
  pool_options options_;
  connection_counters counters_;
  std::vector<std::unique_ptr<connection>> connections_;
  std::vector<connection*> idle_;  // most recently returned last: reused first while warm
  std::list<waiter*> waiters_;
  std::uint64_t waited_ = 0;
  std::uint64_t exhausted_ = 0;
};

}  // namespace nv::http
