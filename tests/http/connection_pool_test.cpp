// Tests for the connection pool: keep-alive reuse, bounds, fair hand-over.
#include "nv/http/connection_pool.hpp"
#include "http/test_client.hpp"
#include "nv/http/tls_client_context.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace nv::test;
using namespace std::chrono_literals;
using nv::http::connection_pool;
using nv::http::error_kind;
using nv::http::pool_options;
using nv::http::tls_client_context;

namespace {

pool_options pool_for(const test_server& server, bool tls, std::size_t size) {
  pool_options options;
  options.size = size;
  options.connection = options_for(server, tls);
  return options;
}

}  // namespace

TEST_CASE("connection_pool: K connections carry many concurrent requests with K handshakes") {
  asio::io_context io;
  auto server_context = server_tls();
  test_server server(io, &server_context);
  tls_client_context tls({certs().ca, false});
  connection_pool pool(io.get_executor(), &tls, pool_for(server, true, 4));
  std::size_t ok = 0;
  std::size_t most_lent = 0;
  int workers_left = 8;
  run_client(io, server, [&]() -> asio::awaitable<void> {
    auto done = std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
    for (int w = 0; w < 8; ++w) {
      asio::co_spawn(
          io,
          [&, w, done]() -> asio::awaitable<void> {
            for (int i = 0; i < 25; ++i) {
              auto result = co_await pool.send(post("/r", fmt::format("{}-{}", w, i)));
              if (result && result->status == 200) ++ok;
              most_lent = std::max(most_lent, pool.stats().lent);
            }
            if (--workers_left == 0) done->cancel();
          },
          asio::detached);
    }
    co_await done->async_wait(asio::as_tuple(asio::use_awaitable));
  });
  CHECK(ok == 200);
  CHECK(most_lent == 4);
  const auto stats = pool.stats();
  CHECK(stats.counters.handshakes == 4);
  CHECK(stats.counters.connects == 4);
  CHECK(stats.counters.requests == 200);
  CHECK(stats.counters.reuses == 196);
  CHECK(stats.counters.failures == 0);
  CHECK(stats.waited > 0);
  CHECK(stats.exhausted == 0);
  CHECK(stats.idle == 4);
  CHECK(server.handshakes == 4);
  REQUIRE(server.requests.size() == 200);
  std::set<std::string> bodies;
  for (const auto& seen : server.requests) bodies.insert(seen.body);
  CHECK(bodies.size() == 200);  // every request arrived once, none resent
}

TEST_CASE("connection_pool: the wait for a connection is bounded") {
  asio::io_context io;
  test_server server(io, nullptr);
  auto options = pool_for(server, false, 1);
  options.acquire_timeout = 100ms;
  connection_pool pool(io.get_executor(), nullptr, options);
  std::string error;
  error_kind kind = error_kind::cancelled;
  std::chrono::steady_clock::duration waited{};
  run_client(io, server, [&]() -> asio::awaitable<void> {
    auto held = co_await pool.acquire();
    REQUIRE(held.has_value());
    const auto began = std::chrono::steady_clock::now();
    auto second = co_await pool.acquire();
    waited = std::chrono::steady_clock::now() - began;
    REQUIRE(second.has_error());
    kind = second.error().kind;
    error = second.error().message;
  });
  CHECK(kind == error_kind::pool_exhausted);
  CHECK(error ==
        fmt::format("no connection to localhost:{} free within 100 ms (pool of 1)", server.port()));
  CHECK(waited >= 100ms);
  CHECK(pool.stats().exhausted == 1);
  CHECK(pool.stats().idle == 1);
  CHECK(pool.stats().waiting == 0);
}

TEST_CASE("connection_pool: a returned connection goes to the longest waiter first") {
  asio::io_context io;
  test_server server(io, nullptr);
  connection_pool pool(io.get_executor(), nullptr, pool_for(server, false, 1));
  std::vector<int> order;
  run_client(io, server, [&]() -> asio::awaitable<void> {
    auto done = std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
    int left = 3;
    for (int id = 0; id < 3; ++id) {
      asio::co_spawn(
          io,
          [&, id, done]() -> asio::awaitable<void> {
            auto result = co_await pool.send(post("/o", std::to_string(id)));
            if (result) order.push_back(id);
            if (--left == 0) done->cancel();
          },
          asio::detached);
    }
    co_await done->async_wait(asio::as_tuple(asio::use_awaitable));
  });
  CHECK(order == std::vector<int>{0, 1, 2});
  CHECK(pool.stats().waited == 2);
  CHECK(server.connections == 1);
}

TEST_CASE("connection_pool: a broken connection is replaced on its next use") {
  asio::io_context io;
  auto server_context = server_tls();
  test_server server(io, &server_context);
  tls_client_context tls({certs().ca, false});
  connection_pool pool(io.get_executor(), &tls, pool_for(server, true, 2));
  std::vector<std::string> outcomes;
  run_client(io, server, [&]() -> asio::awaitable<void> {
    server.behaviour.drop_before_answer = true;
    auto broken = co_await pool.send(post("/1"));
    outcomes.push_back(broken ? "ok" : std::string(nv::http::kind_name(broken.error().kind)));
    server.behaviour.drop_before_answer = false;
    for (int i = 0; i < 3; ++i) {
      auto result = co_await pool.send(post("/2"));
      outcomes.push_back(result ? "ok" : result.error().message);
    }
  });
  CHECK(outcomes == std::vector<std::string>{"closed", "ok", "ok", "ok"});
  CHECK(pool.stats().counters.handshakes == 2);
  CHECK(pool.stats().counters.replaced == 1);
  CHECK(server.requests.size() == 4);
}

TEST_CASE("connection_pool: an https URL without a TLS context is a start-up error") {
  asio::io_context io;
  pool_options options;
  options.connection.url = nv::http::parse_endpoint_url("https://h").value();
  CHECK_THROWS_AS(connection_pool(io.get_executor(), nullptr, options), std::invalid_argument);
  options.size = 0;
  CHECK_THROWS_AS(connection_pool(io.get_executor(), nullptr, options), std::invalid_argument);
}
