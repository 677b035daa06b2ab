// Tests for one connection: TLS verification, timeouts, broken connections, plain HTTP.
#include "nv/http/connection.hpp"
#include "http/test_client.hpp"
#include "nv/http/tls_client_context.hpp"

#include <doctest/doctest.h>

using namespace nv::test;
using namespace std::chrono_literals;
using nv::http::connection;
using nv::http::connection_counters;
using nv::http::error_kind;
using nv::http::http_result;
using nv::http::tls_client_context;

namespace {

// Sends one request on a fresh connection to `server` and returns the result.
http_result send_once(asio::io_context& io, test_server& server, tls_client_context* tls,
                      nv::http::connection_options options, connection_counters& counters) {
  http_result result = nv::http::http_error{error_kind::cancelled, "not run"};
  run_client(io, server, [&]() -> asio::awaitable<void> {
    connection conn(io.get_executor(), tls, options, counters);
    result = co_await conn.send(post("/api/v1/user/create", R"({"nv":[]})"));
  });
  return result;
}

}  // namespace

TEST_CASE("connection: verification succeeds with the CA that signed the server") {
  asio::io_context io;
  auto server_context = server_tls();
  test_server server(io, &server_context);
  server.behaviour.headers = {{"Retry-After", "7"}};
  tls_client_context tls({certs().ca, false});
  connection_counters counters;
  const auto result = send_once(io, server, &tls, options_for(server, true), counters);
  REQUIRE_MESSAGE(result.has_value(), result.error().message);
  CHECK(result->status == 200);
  CHECK(result->body == R"({"response":{"status":"success","message":"ok"}})");
  CHECK(result->retry_after == 7s);
  CHECK(result->content_type == "application/json");
  REQUIRE(server.requests.size() == 1);
  CHECK(server.requests[0].target == "/api/v1/user/create");
  CHECK(server.requests[0].body == R"({"nv":[]})");
  CHECK(server.requests[0].headers["host"] == fmt::format("localhost:{}", server.port()));
  CHECK(server.requests[0].headers["content-type"] == "application/json");
  CHECK(counters.handshakes == 1);
  CHECK(counters.connects == 1);
}

TEST_CASE("connection: a server signed by another CA is refused with the verification reason") {
  asio::io_context io;
  auto server_context = server_tls();
  test_server server(io, &server_context);
  tls_client_context tls({certs().other_ca, false});
  connection_counters counters;
  const auto result = send_once(io, server, &tls, options_for(server, true), counters);
  REQUIRE(result.has_error());
  CHECK(result.error().kind == error_kind::tls);
  CHECK(result.error().message ==
        fmt::format("TLS handshake with localhost:{} failed: certificate verify failed (SSL "
                    "routines): unable to get local issuer certificate",
                    server.port()));
  CHECK_FALSE(result.error().request_sent);
  CHECK(server.requests.empty());
  CHECK(counters.handshakes == 0);
  CHECK(counters.failures == 1);
}

TEST_CASE("connection: a certificate for another host name is refused") {
  asio::io_context io;
  auto server_context = server_tls();
  test_server server(io, &server_context);
  tls_client_context tls({certs().ca, false});
  connection_counters counters;
  // The certificate names localhost only; 127.0.0.1 is the same server under another name.
  const auto result = send_once(io, server, &tls, options_for(server, true, "127.0.0.1"), counters);
  REQUIRE(result.has_error());
  CHECK(result.error().kind == error_kind::tls);
  CHECK(result.error().message ==
        fmt::format("TLS handshake with 127.0.0.1:{} failed: certificate verify failed (SSL "
                    "routines): hostname mismatch",
                    server.port()));
  CHECK(server.requests.empty());
}

TEST_CASE("connection: --insecure accepts any certificate") {
  asio::io_context io;
  auto server_context = server_tls();
  test_server server(io, &server_context);
  tls_client_context tls({certs().other_ca, true});
  connection_counters counters;
  const auto result = send_once(io, server, &tls, options_for(server, true, "127.0.0.1"), counters);
  REQUIRE_MESSAGE(result.has_value(), result.error().message);
  CHECK(result->status == 200);
}

TEST_CASE("connection: a missing CA file is a start-up error naming the file") {
  CHECK_THROWS_WITH(tls_client_context({"/nonexistent/ca.pem", false}),
                    doctest::Contains("cannot load CA file \"/nonexistent/ca.pem\""));
}

TEST_CASE("connection: a server that never answers times out on read; the request was sent") {
  asio::io_context io;
  auto server_context = server_tls();
  test_server server(io, &server_context);
  server.behaviour.never_answer = true;
  tls_client_context tls({certs().ca, false});
  connection_counters counters;
  auto options = options_for(server, true);
  options.timeouts.read = 150ms;
  const auto began = std::chrono::steady_clock::now();
  const auto result = send_once(io, server, &tls, options, counters);
  const auto took = std::chrono::steady_clock::now() - began;
  REQUIRE(result.has_error());
  CHECK(result.error().kind == error_kind::timeout);
  CHECK(result.error().message ==
        fmt::format("timed out reading the answer with localhost:{}", server.port()));
  CHECK(result.error().request_sent);
  CHECK(server.requests.size() == 1);
  CHECK(took >= 150ms);
  CHECK(took < 3s);
}

TEST_CASE("connection: a server that never handshakes times out in the handshake") {
  asio::io_context io;
  auto server_context = server_tls();
  test_server server(io, &server_context);
  server.behaviour.silent = true;
  tls_client_context tls({certs().ca, false});
  connection_counters counters;
  auto options = options_for(server, true);
  options.timeouts.handshake = 150ms;
  const auto result = send_once(io, server, &tls, options, counters);
  REQUIRE(result.has_error());
  CHECK(result.error().kind == error_kind::timeout);
  CHECK(result.error().message ==
        fmt::format("timed out in the TLS handshake with localhost:{}", server.port()));
  CHECK_FALSE(result.error().request_sent);
  CHECK(counters.connects == 1);
  CHECK(counters.handshakes == 0);
}

TEST_CASE("connection: a refused connection is a connect error") {
  asio::io_context io;
  test_server server(io, nullptr);
  auto options = options_for(server, false, "127.0.0.1");
  server.stop();  // the port is free again: nothing listens
  connection_counters counters;
  const auto result = send_once(io, server, nullptr, options, counters);
  REQUIRE(result.has_error());
  CHECK(result.error().kind == error_kind::connect);
  CHECK(result.error().message ==
        fmt::format("network error with 127.0.0.1:{} while connecting: Connection refused",
                    options.url.port));
}

TEST_CASE(
    "connection: a request already written when the connection broke is reported, not "
    "resent; the next request opens a new connection") {
  asio::io_context io;
  auto server_context = server_tls();
  test_server server(io, &server_context);
  server.behaviour.drop_before_answer = true;
  tls_client_context tls({certs().ca, false});
  connection_counters counters;
  http_result first = nv::http::http_error{error_kind::cancelled, "not run"};
  http_result second = first;
  run_client(io, server, [&]() -> asio::awaitable<void> {
    connection conn(io.get_executor(), &tls, options_for(server, true), counters);
    first = co_await conn.send(post("/a"));
    server.behaviour.drop_before_answer = false;
    second = co_await conn.send(post("/b"));
  });
  REQUIRE(first.has_error());
  CHECK(first.error().kind == error_kind::closed);
  CHECK(first.error().request_sent);
  CHECK(first.error().message.starts_with(
      fmt::format("connection closed by localhost:{} while reading the answer: ", server.port())));
  REQUIRE_MESSAGE(second.has_value(), second.error().message);
  REQUIRE(server.requests.size() == 2);
  CHECK(server.requests[0].target == "/a");
  CHECK(server.requests[1].target == "/b");
  CHECK(counters.handshakes == 2);
  CHECK(counters.failures == 1);
}

TEST_CASE("connection: an idle connection the server dropped is replaced before writing") {
  asio::io_context io;
  auto server_context = server_tls();
  test_server server(io, &server_context);
  server.behaviour.close_after = 1;
  tls_client_context tls({certs().ca, false});
  connection_counters counters;
  std::vector<unsigned> statuses;
  run_client(io, server, [&]() -> asio::awaitable<void> {
    connection conn(io.get_executor(), &tls, options_for(server, true), counters);
    for (std::size_t i = 1; i <= 3; ++i) {
      auto result = co_await conn.send(post("/x"));
      statuses.push_back(result ? result->status : 0);
      co_await server.wait_dropped(i);
    }
  });
  CHECK(statuses == std::vector<unsigned>{200, 200, 200});
  CHECK(counters.handshakes == 3);
  CHECK(counters.replaced == 2);
  CHECK(counters.failures == 0);
  CHECK(server.requests.size() == 3);
}

TEST_CASE("connection: an answer with Connection: close ends the connection cleanly") {
  asio::io_context io;
  auto server_context = server_tls();
  test_server server(io, &server_context);
  server.behaviour.connection_close = true;
  tls_client_context tls({certs().ca, false});
  connection_counters counters;
  std::vector<unsigned> statuses;
  run_client(io, server, [&]() -> asio::awaitable<void> {
    connection conn(io.get_executor(), &tls, options_for(server, true), counters);
    for (int i = 0; i < 3; ++i) {
      auto result = co_await conn.send(post("/x"));
      statuses.push_back(result ? result->status : 0);
      CHECK_FALSE(conn.is_open());
    }
  });
  CHECK(statuses == std::vector<unsigned>{200, 200, 200});
  CHECK(server.connections == 3);
  CHECK(counters.failures == 0);
  CHECK(counters.reuses == 0);
}

TEST_CASE("connection: plain http keeps one connection alive and prefixes the base path") {
  asio::io_context io;
  test_server server(io, nullptr);
  server.behaviour.status = 503;
  connection_counters counters;
  auto options = options_for(server, false);
  options.url.base_path = "/base";
  std::vector<unsigned> statuses;
  run_client(io, server, [&]() -> asio::awaitable<void> {
    connection conn(io.get_executor(), nullptr, options, counters);
    for (int i = 0; i < 3; ++i) {
      auto result = co_await conn.send(post("/api/v1/user/count"));
      statuses.push_back(result ? result->status : 0);
    }
  });
  CHECK(statuses == std::vector<unsigned>{503, 503, 503});
  CHECK(server.connections == 1);
  CHECK(counters.connects == 1);
  CHECK(counters.handshakes == 0);
  CHECK(counters.reuses == 2);
  REQUIRE(server.requests.size() == 3);
  CHECK(server.requests[2].target == "/base/api/v1/user/count");
}
