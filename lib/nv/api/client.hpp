// The typed API client: one call per endpoint, each attempt rate limited, outcomes classified.
#pragma once

#include "nv/api/answer.hpp"
#include "nv/api/credentials.hpp"
#include "nv/api/outcome.hpp"
#include "nv/api/wire.hpp"
#include "nv/http/connection_pool.hpp"
#include "nv/limit/rate_limiter.hpp"
#include "nv/limit/rate_spec.hpp"

#include <array>
#include <functional>
#include <memory>

namespace nv::api {

/// One limiter per endpoint; a shared implementation can replace the local one per endpoint.
class endpoint_limiters {
 public:
  /// Returns local sliding-window limiters, every endpoint with budget `spec`.
  static endpoint_limiters local(boost::asio::any_io_executor executor, limit::rate_spec spec,
                                 std::chrono::milliseconds margin);

  /// Replaces the limiter of one endpoint.
  void set(endpoint which, std::unique_ptr<limit::rate_limiter> limiter);

  /// Returns the limiter of an endpoint.
  limit::rate_limiter& operator[](endpoint which) const { return *limiters_[index(which)]; }

 private:
  std::array<std::unique_ptr<limit::rate_limiter>, endpoint_count> limiters_;
};

/// What one call came to: the classified outcome, the parsed answer and the HTTP status
/// (0 when the exchange failed before an answer).
struct call_result {
  outcome result;
  answer body;
  unsigned http_status = 0;
  bool request_sent = true;  ///< false only when a transport failure happened before writing
  std::optional<http::error_kind> transport_error;  ///< set when the exchange itself failed
};

/// One attempt, for metrics and health: where, whether it was sent (false: no connection could
/// be had or opened, so no budget was spent), the HTTP status (0 when no answer came), and how
/// long from its start (the limiter's grant) to its answer or failure.
struct attempt_record {
  endpoint which = endpoint::create;
  bool sent = true;
  unsigned http_status = 0;
  std::chrono::steady_clock::duration latency{};
};

/// Hears every attempt.
using attempt_observer = std::function<void(const attempt_record&)>;

/// An event query for count and profile.
struct event_query {
  std::string event_name;
  std::string start_date;  ///< YYYY-MM-DD
  std::string end_date;    ///< YYYY-MM-DD
};

/// Sends one attempt per call: acquires the endpoint's limiter, sends, parses, classifies, and
/// pauses the endpoint on a throttled answer. It never retries: the deliver stage owns that.
/// Use from the pool's thread; pool and limiters must outlive the client.
class client {
 public:
  /// Creates a client over `pool`, authenticating with `creds`.
  client(http::connection_pool& pool, credentials creds, endpoint_limiters& limiters);

  /// Sends `body` to `which` (one attempt). Throws only when the task is cancelled while
  /// waiting for rate budget.
  boost::asio::awaitable<call_result> call(endpoint which, std::string body);

  /// Calls `observer` after every attempt (metrics, health).
  void on_attempt(attempt_observer observer) { observer_ = std::move(observer); }

  /// Uploads a create body {"nv":[…]} (at most 100 users).
  boost::asio::awaitable<call_result> send_create(std::string body);

  /// Uploads a user_event body {"nv":{…}}.
  boost::asio::awaitable<call_result> send_user_event(std::string body);

  /// Deletes one user profile.
  boost::asio::awaitable<call_result> delete_user(std::string user_id);

  /// Reads one user's profile; the profile is in body.data.
  boost::asio::awaitable<call_result> user_data(std::string user_id);

  /// Counts profiles matching a query; the number is in body.count.
  boost::asio::awaitable<call_result> count(event_query query);

  /// Lists one page of profiles; the page is body.data, the next page starts at
  /// body.next_offset (none at the end).
  boost::asio::awaitable<call_result> profile(event_query query, std::uint64_t batch_size,
                                              std::uint64_t offset);

 private:
  call_result unsent(endpoint which, const http::http_error& error);
  static call_result transport_failure(const http::http_error& error);

  http::connection_pool& pool_;
  endpoint_limiters& limiters_;
  attempt_observer observer_;
  std::vector<std::pair<std::string, std::string>> headers_;  // built once
  answer_parser parser_;
};

}  // namespace nv::api
