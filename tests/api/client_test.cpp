// Tests for the typed client against the in-test server: headers, bodies, outcomes, pausing.
#include "nv/api/client.hpp"
#include "http/test_client.hpp"
#include "nv/limit/sliding_window_limiter.hpp"

#include <doctest/doctest.h>

using namespace nv::test;
using namespace std::chrono_literals;
using namespace nv::api;

namespace {

// A plain-HTTP pool, a client, and a recording limiter on every endpoint.
struct fixture {
  asio::io_context io;
  test_server server{io, nullptr};
  nv::http::connection_pool pool{io.get_executor(), nullptr, [this] {
                                   nv::http::pool_options options;
                                   options.size = 2;
                                   options.connection = options_for(server, false);
                                   return options;
                                 }()};
  endpoint_limiters limiters =
      endpoint_limiters::local(io.get_executor(), nv::limit::rate_spec{2, 200ms}, 0ms);
  nv::limit::sliding_window_limiter* delete_limiter = nullptr;
  client api{pool, credentials::from_key("sk_test_key", "42").value(), limiters};

  fixture() {
    auto recording = std::make_unique<nv::limit::sliding_window_limiter>(
        io.get_executor(), nv::limit::rate_spec{2, 200ms}, 0ms);
    recording->keep_start_log(true);
    delete_limiter = recording.get();
    limiters.set(endpoint::delete_user, std::move(recording));
  }
};

}  // namespace

TEST_CASE("client: sends the documented headers and body, and reports ok") {
  fixture f;
  call_result result;
  run_client(f.io, f.server, [&]() -> asio::awaitable<void> {
    result = co_await f.api.send_create(R"({"nv":[{"userID":"a"}]})");
  });
  CHECK(result.result.kind == outcome_kind::ok);
  CHECK(result.http_status == 200);
  CHECK(result.body.message == "ok");
  REQUIRE(f.server.requests.size() == 1);
  const auto& seen = f.server.requests[0];
  CHECK(seen.target == "/api/v1/user/create");
  CHECK(seen.body == R"({"nv":[{"userID":"a"}]})");
  CHECK(seen.headers["x-api-key"] == "sk_test_key");
  CHECK(seen.headers["x-brand-id"] == "42");
  CHECK(seen.headers["content-type"] == "application/json");
  CHECK(seen.headers["accept"] == "application/json");
}

TEST_CASE("client: typed calls build their bodies and return their payloads") {
  fixture f;
  call_result counted;
  call_result page;
  call_result one;
  run_client(f.io, f.server, [&]() -> asio::awaitable<void> {
    f.server.behaviour.body = R"({"response":{"status":"success","count":17}})";
    // Named arguments: GCC 12 destroys braced temporaries inside co_await twice.
    const event_query query{"signup", "2024-01-01", "2024-01-31"};
    counted = co_await f.api.count(query);
    f.server.behaviour.body =
        R"({"response":{"status":"success","data":[{"userID":"u1"}],"next_offset":1}})";
    page = co_await f.api.profile(query, 1, 0);
    f.server.behaviour.body = R"({"response":{"status":"success","data":{"userID":"u\"1"}}})";
    const std::string id = "u\"1";
    one = co_await f.api.user_data(id);
  });
  CHECK(counted.body.count == 17u);
  CHECK(page.body.data == R"([{"userID":"u1"}])");
  CHECK(page.body.next_offset == 1u);
  CHECK(one.body.data == R"({"userID":"u\"1"})");
  REQUIRE(f.server.requests.size() == 3);
  CHECK(f.server.requests[0].target == "/api/v1/user/count");
  CHECK(f.server.requests[0].body ==
        R"({"event_name":"signup","start_date":"2024-01-01","end_date":"2024-01-31"})");
  CHECK(f.server.requests[1].target == "/api/v1/user/profile");
  CHECK(f.server.requests[2].target == "/api/v1/user/userData");
  CHECK(f.server.requests[2].body == R"({"userID":"u\"1"})");
}

TEST_CASE("client: a throttled answer pauses the whole endpoint until the window has room") {
  fixture f;
  std::vector<outcome_kind> kinds;
  run_client(f.io, f.server, [&]() -> asio::awaitable<void> {
    f.server.behaviour.status = 429;
    f.server.behaviour.body = R"({"response":{"status":"error","message":"Rate limit exceeded"}})";
    const std::string a = "a", b = "b", empty = "{}";
    auto first = co_await f.api.delete_user(a);
    kinds.push_back(first.result.kind);
    f.server.behaviour.status = 200;
    f.server.behaviour.body = R"({"response":{"status":"success"}})";
    auto second = co_await f.api.delete_user(b);
    kinds.push_back(second.result.kind);
    auto other = co_await f.api.send_create(empty);  // another budget: no pause
    kinds.push_back(other.result.kind);
  });
  CHECK(kinds ==
        std::vector<outcome_kind>{outcome_kind::throttled, outcome_kind::ok, outcome_kind::ok});
  const auto& starts = f.delete_limiter->start_log();
  REQUIRE(starts.size() == 2);
  // Budget 2 per 200 ms had room for the second, but the throttle held it a whole window.
  CHECK(starts[1] - starts[0] >= 200ms);
  CHECK(f.delete_limiter->stats().throttles == 1);
  CHECK(f.limiters[endpoint::create].stats().throttles == 0);
  CHECK(f.server.requests[0].body == R"({"userID":"a"})");
}

TEST_CASE("client: auth failures, refusals and transport failures are classified") {
  fixture f;
  call_result auth;
  call_result refused;
  call_result broken;
  run_client(f.io, f.server, [&]() -> asio::awaitable<void> {
    const std::string empty = "{}";
    f.server.behaviour.status = 401;
    f.server.behaviour.body = R"({"response":{"status":"error","message":"Invalid API key"}})";
    auth = co_await f.api.send_create(empty);
    f.server.behaviour.status = 200;
    f.server.behaviour.body = R"({"response":{"status":"error","message":"Error: bad user"}})";
    refused = co_await f.api.send_create(empty);
    f.server.behaviour.drop_before_answer = true;
    broken = co_await f.api.send_create(empty);
  });
  CHECK(auth.result.kind == outcome_kind::auth_failed);
  CHECK(auth.result.message == "Invalid API key");
  CHECK(refused.result.kind == outcome_kind::permanent);
  CHECK(refused.result.message == "Error: bad user");
  CHECK(broken.result.kind == outcome_kind::retry);
  CHECK(broken.http_status == 0);
  CHECK(broken.request_sent);
  CHECK(broken.result.message.starts_with("connection closed by localhost:"));
  // The key never appears in what the client reports.
  for (const auto* r : {&auth, &refused, &broken})
    CHECK(r->result.message.find("sk_test_key") == std::string::npos);
}
