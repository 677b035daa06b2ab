// Tests for the connection pool: keep-alive reuse, bounds, fair hand-over.
#include "nv/http/connection_pool.hpp"
#include "http/test_client.hpp"
#include "nv/http/tls_client_context.hpp"

#include <doctest/doctest.h>
#include <boost/asio/post.hpp>

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

TEST_CASE("connection_pool: growing hands the new connections to the waiting callers in order") {
  asio::io_context io;
  test_server server(io, nullptr);
  connection_pool pool(io.get_executor(), nullptr, pool_for(server, false, 1));
  std::vector<int> order;
  std::size_t ok = 0;
  run_client(io, server, [&]() -> asio::awaitable<void> {
    auto done = std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
    int left = 3;
    {
      auto held = co_await pool.acquire();
      REQUIRE(held.has_value());
      for (int id = 0; id < 3; ++id) {
        asio::co_spawn(
            io,
            [&, id, done]() -> asio::awaitable<void> {
              auto lent = co_await pool.acquire();
              if (lent) {
                order.push_back(id);
                auto result = co_await (*lent)->send(post("/g", std::to_string(id)));
                if (result && result->status == 200) ++ok;
              }
              if (--left == 0) done->cancel();
            },
            asio::detached);
      }
      while (pool.stats().waiting < 3) co_await asio::post(io, asio::use_awaitable);
      pool.resize(3);
      // The two new connections went to the two longest waiters before anything else ran.
      const auto grown = pool.stats();
      CHECK(grown.size == 3);
      CHECK(grown.waiting == 1);
      CHECK(grown.lent == 3);
      CHECK(grown.idle == 0);
    }  // the held connection goes to the last waiter
    co_await done->async_wait(asio::as_tuple(asio::use_awaitable));
  });
  CHECK(order == std::vector<int>{0, 1, 2});
  CHECK(ok == 3);
  const auto stats = pool.stats();
  CHECK(stats.counters.connects == 3);  // new connections open on first use
  CHECK(stats.counters.requests == 3);
  CHECK(stats.counters.failures == 0);
  CHECK(stats.waited == 3);
  CHECK(stats.exhausted == 0);
  CHECK(stats.idle == 3);
  CHECK(stats.lent == 0);
  CHECK(server.requests.size() == 3);
}

TEST_CASE("connection_pool: shrinking closes lent connections only when they come back") {
  asio::io_context io;
  test_server server(io, nullptr);
  connection_pool pool(io.get_executor(), nullptr, pool_for(server, false, 3));
  std::vector<std::string> outcomes;
  std::vector<nv::http::pool_stats> seen;
  run_client(io, server, [&]() -> asio::awaitable<void> {
    auto done = std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
    {
      auto a = co_await pool.acquire();
      auto b = co_await pool.acquire();
      auto c = co_await pool.acquire();
      REQUIRE((a && b && c));
      for (auto* lent : {&*a, &*b, &*c}) {
        auto result = co_await (*lent)->send(post("/s", "before"));
        outcomes.push_back(result ? "ok" : result.error().message);
      }
      pool.resize(1);
      seen.push_back(pool.stats());  // nothing closed: all three are lent
      asio::co_spawn(
          io,
          [&, done]() -> asio::awaitable<void> {
            auto result = co_await pool.send(post("/s", "waiter"));
            outcomes.push_back(result ? "ok" : result.error().message);
            done->cancel();
          },
          asio::detached);
      while (pool.stats().waiting < 1) co_await asio::post(io, asio::use_awaitable);
      { auto back = std::move(*a); }
      seen.push_back(pool.stats());  // a retired, the waiter still waits: the pool is full
      { auto back = std::move(*b); }
      seen.push_back(pool.stats());
    }  // c is within the new size: it goes to the waiter
    co_await done->async_wait(asio::as_tuple(asio::use_awaitable));
    for (int i = 0; i < 5; ++i) {
      auto result = co_await pool.send(post("/s", fmt::format("after-{}", i)));
      outcomes.push_back(result ? "ok" : result.error().message);
    }
  });
  CHECK(outcomes == std::vector<std::string>(9, "ok"));
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].size == 1);
  CHECK(seen[0].lent == 3);
  CHECK(seen[0].idle == 0);
  CHECK(seen[1].lent == 2);
  CHECK(seen[1].idle == 0);
  CHECK(seen[1].waiting == 1);
  CHECK(seen[2].lent == 1);
  CHECK(seen[2].idle == 0);
  CHECK(seen[2].waiting == 1);
  const auto stats = pool.stats();
  CHECK(stats.counters.connects == 3);  // the waiter and the five after reuse c's connection
  CHECK(stats.counters.requests == 9);
  CHECK(stats.counters.reuses == 6);
  CHECK(stats.counters.failures == 0);
  CHECK(stats.size == 1);
  CHECK(stats.idle == 1);
  CHECK(stats.lent == 0);
  CHECK(server.connections == 3);
  CHECK(server.requests.size() == 9);
}

TEST_CASE("connection_pool: shrinking closes idle connections at once and keeps the rest warm") {
  asio::io_context io;
  auto server_context = server_tls();
  test_server server(io, &server_context);
  tls_client_context tls({certs().ca, false});
  connection_pool pool(io.get_executor(), &tls, pool_for(server, true, 4));
  std::size_t ok = 0;
  std::size_t most_lent = 0;
  nv::http::pool_stats shrunk;
  // Runs `workers` callers sending `each` requests; returns when all are answered.
  const auto burst = [&](int workers, int each) -> asio::awaitable<void> {
    auto done = std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
    auto left = std::make_shared<int>(workers);
    for (int w = 0; w < workers; ++w) {
      asio::co_spawn(
          io,
          [&, w, each, done, left]() -> asio::awaitable<void> {
            for (int i = 0; i < each; ++i) {
              auto result = co_await pool.send(post("/w", fmt::format("{}-{}-{}", each, w, i)));
              if (result && result->status == 200) ++ok;
              most_lent = std::max(most_lent, pool.stats().lent);
            }
            if (--*left == 0) done->cancel();
          },
          asio::detached);
    }
    co_await done->async_wait(asio::as_tuple(asio::use_awaitable));
  };
  run_client(io, server, [&]() -> asio::awaitable<void> {
    co_await burst(4, 1);
    pool.resize(2);
    shrunk = pool.stats();
    most_lent = 0;
    co_await burst(6, 5);
  });
  CHECK(shrunk.size == 2);
  CHECK(shrunk.idle == 2);
  CHECK(shrunk.lent == 0);
  CHECK(ok == 34);
  CHECK(most_lent == 2);
  const auto stats = pool.stats();
  CHECK(stats.counters.handshakes == 4);  // the two kept connections carried the second burst
  CHECK(stats.counters.requests == 34);
  CHECK(stats.counters.reuses == 30);
  CHECK(stats.counters.failures == 0);
  CHECK(stats.idle == 2);
  CHECK(server.requests.size() == 34);
}

TEST_CASE("connection_pool: resizing under load loses and repeats no request") {
  asio::io_context io;
  test_server server(io, nullptr);
  connection_pool pool(io.get_executor(), nullptr, pool_for(server, false, 2));
  std::size_t answered = 0;
  std::size_t most_lent = 0;
  std::vector<std::string> failures;
  run_client(io, server, [&]() -> asio::awaitable<void> {
    auto done = std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
    int left = 6;
    for (int w = 0; w < 6; ++w) {
      asio::co_spawn(
          io,
          [&, w, done]() -> asio::awaitable<void> {
            for (int i = 0; i < 30; ++i) {
              auto result = co_await pool.send(post("/l", fmt::format("{}-{}", w, i)));
              if (!result) failures.push_back(result.error().message);
              if (result && result->status == 200) ++answered;
              most_lent = std::max(most_lent, pool.stats().lent);
              // Reloads arrive while the other callers are mid-exchange or waiting.
              if (answered == 20) pool.resize(5);
              if (answered == 60) pool.resize(1);
              if (answered == 100) pool.resize(3);
            }
            if (--left == 0) done->cancel();
          },
          asio::detached);
    }
    co_await done->async_wait(asio::as_tuple(asio::use_awaitable));
  });
  CHECK(failures.empty());
  CHECK(answered == 180);
  CHECK(most_lent <= 5);
  const auto stats = pool.stats();
  CHECK(stats.counters.requests == 180);
  CHECK(stats.counters.failures == 0);
  CHECK(stats.exhausted == 0);
  CHECK(stats.size == 3);
  CHECK(stats.idle == 3);
  CHECK(stats.lent == 0);
  CHECK(stats.waiting == 0);
  REQUIRE(server.requests.size() == 180);
  std::set<std::string> bodies;
  for (const auto& seen : server.requests) bodies.insert(seen.body);
  CHECK(bodies.size() == 180);
}

TEST_CASE("connection_pool: resizing to zero is refused and the size stays") {
  asio::io_context io;
  pool_options options;
  options.connection.url = nv::http::parse_endpoint_url("http://h").value();
  options.size = 2;
  connection_pool pool(io.get_executor(), nullptr, options);
  CHECK_THROWS_AS(pool.resize(0), std::invalid_argument);
  CHECK(pool.stats().size == 2);
  CHECK(pool.stats().idle == 2);
}
