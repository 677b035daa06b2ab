// The typed API client.
#include "nv/api/client.hpp"

#include "nv/limit/sliding_window_limiter.hpp"

namespace nv::api {

namespace asio = boost::asio;

endpoint_limiters endpoint_limiters::local(asio::any_io_executor executor, limit::rate_spec spec,
                                           std::chrono::milliseconds margin) {
  endpoint_limiters made;
  for (const auto which : all_endpoints)
    made.limiters_[index(which)] =
        std::make_unique<limit::sliding_window_limiter>(executor, spec, margin);
  return made;
}

void endpoint_limiters::set(endpoint which, std::unique_ptr<limit::rate_limiter> limiter) {
  limiters_[index(which)] = std::move(limiter);
}

client::client(http::connection_pool& pool, credentials creds, endpoint_limiters& limiters)
    : pool_(pool), limiters_(limiters) {
  headers_ = {{"content-type", "application/json"}, {"accept", "application/json"}};
  for (auto& header : creds.headers()) headers_.push_back(std::move(header));
}

asio::awaitable<call_result> client::call(endpoint which, std::string body) {
  // Connection first, budget second: the moment the limiter grants a start is then the moment
  // the request is written, not that plus a wait for a connection or a TLS handshake, so the
  // server sees the spacing the limiter chose and the safety margin can stay small.
  auto lent = co_await pool_.acquire();
  if (!lent) co_return unsent(which, lent.error());
  auto open_error = co_await (*lent)->ensure_open();
  if (open_error) co_return unsent(which, *open_error);
  auto& limiter = limiters_[which];
  // Every attempt counts, retries included. The ticket reports the answer's arrival: the
  // server counted the request by then, so the limiter holds the window's edge there.
  auto ticket = co_await limiter.acquire();
  const auto started = std::chrono::steady_clock::now();
  // A named request, not a braced temporary inside co_await: GCC 12 destroys those twice.
  http::http_request request{std::string(path(which)), std::move(body), headers_};
  auto response = co_await (*lent)->send(std::move(request));
  ticket.answered();
  if (observer_) {
    const unsigned status = response ? response->status : 0;
    observer_({which, true, status, std::chrono::steady_clock::now() - started});
  }
  if (!response) co_return transport_failure(response.error());
  call_result out;
  out.http_status = response->status;
  out.body = parser_.parse(response->body);
  out.result = classify(response->status, out.body, response->retry_after);
  if (out.result.kind == outcome_kind::throttled) {
    // One throttled answer pauses the whole endpoint, not just this request.
    std::optional<std::chrono::milliseconds> pause;
    if (out.result.retry_after) pause = *out.result.retry_after;
    limiter.throttled(pause);
  }
  co_return out;
}

call_result client::unsent(endpoint which, const http::http_error& error) {
  if (observer_) observer_({which, false, 0, {}});
  return transport_failure(error);
}

call_result client::transport_failure(const http::http_error& error) {
  call_result out;
  out.result = classify(error);
  out.request_sent = error.request_sent;
  out.transport_error = error.kind;
  return out;
}

asio::awaitable<call_result> client::send_create(std::string body) {
  return call(endpoint::create, std::move(body));
}

asio::awaitable<call_result> client::send_user_event(std::string body) {
  return call(endpoint::user_event, std::move(body));
}

asio::awaitable<call_result> client::delete_user(std::string user_id) {
  return call(endpoint::delete_user, wire::user_id_body(user_id));
}

asio::awaitable<call_result> client::user_data(std::string user_id) {
  return call(endpoint::user_data, wire::user_id_body(user_id));
}

asio::awaitable<call_result> client::count(event_query query) {
  return call(endpoint::count,
              wire::count_body(query.event_name, query.start_date, query.end_date));
}

asio::awaitable<call_result> client::profile(event_query query, std::uint64_t batch_size,
                                             std::uint64_t offset) {
  return call(endpoint::profile, wire::profile_body(query.event_name, query.start_date,
                                                    query.end_date, batch_size, offset));
}

}  // namespace nv::api
