// Tests of metrics_server over real sockets on 127.0.0.1: the pages, status codes, HEAD,
// keep-alive, limits, timeouts, 50 clients at once, stop() with clients connected, and curl.
#include "nv/metrics/metrics_server.hpp"
#include "support/nvsim_process.hpp"
#include "support/shell_run.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;
using nv::metrics::health_report;
using nv::metrics::metrics_server;
using nv::metrics::metrics_server_options;
using nv::metrics::prometheus_writer;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using response = http::response<http::string_body>;

/// One client connection; every step is bounded, so a broken server fails a test, never hangs it.
class test_client {
 public:
  explicit test_client(asio::any_io_executor executor) : stream_(executor) {}

  /// Connects to 127.0.0.1:`port`.
  asio::awaitable<void> connect(std::uint16_t port) {
    stream_.expires_after(5s);
    asio::ip::tcp::endpoint where(asio::ip::make_address("127.0.0.1"), port);
    co_await stream_.async_connect(where, asio::use_awaitable);
  }

  /// Sends `method target` with `extra` header lines and returns the answer; throws on errors.
  asio::awaitable<response> send(http::verb method, std::string target, std::string extra = {}) {
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "127.0.0.1");
    if (!extra.empty()) request.set("x-padding", extra);
    stream_.expires_after(5s);
    co_await http::async_write(stream_, request, asio::use_awaitable);
    co_return co_await receive(method == http::verb::head);
  }

  /// Reads one answer; `head` says it answers a HEAD request (a length, no body).
  asio::awaitable<response> receive(bool head = false) {
    http::response_parser<http::string_body> parser;
    parser.skip(head);
    stream_.expires_after(5s);
    co_await http::async_read(stream_, buffer_, parser, asio::use_awaitable);
    co_return parser.release();
  }

  /// Waits until the server closes the connection; returns the error the read ended with.
  asio::awaitable<boost::system::error_code> closed_by_server() {
    char byte;
    stream_.expires_after(5s);
    auto [ec, n] = co_await stream_.async_read_some(asio::buffer(&byte, 1), use_tuple);
    co_return ec;
  }

  /// Writes raw bytes.
  asio::awaitable<void> write_raw(std::string bytes) {
    stream_.expires_after(5s);
    co_await asio::async_write(stream_, asio::buffer(bytes), asio::use_awaitable);
  }

 private:
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

/// Counts arrivals and wakes every waiter once `expected` have arrived.
class rendezvous {
 public:
  rendezvous(asio::any_io_executor executor, std::size_t expected)
      : timer_(executor, asio::steady_timer::time_point::max()), expected_(expected) {}

  /// Counts this caller and waits for the others.
  asio::awaitable<void> arrive_and_wait() {
    if (++arrived_ == expected_) timer_.cancel();
    while (arrived_ < expected_) co_await timer_.async_wait(use_tuple);
  }

 private:
  asio::steady_timer timer_;
  std::size_t expected_;
  std::size_t arrived_ = 0;
};

/// A server on 127.0.0.1:0 whose collector counts scrapes and whose health a test switches.
struct served {
  explicit served(metrics_server_options options = {}) {
    server = std::make_unique<metrics_server>(
        io.get_executor(), std::move(options),
        [this](prometheus_writer& writer) {
          ++scrapes;
          writer.counter("nv_scrapes_total", "Scrapes answered.", scrapes);
          writer.gauge("nv_spool_bytes", "Bytes in the spool.", 2048, {{"dir", "/var/spool"}});
        },
        [this] { return health; });
  }

  /// Returns the page the collector writes for scrape number `n`.
  static std::string page_for(unsigned n) {
    return fmt::format(
        "# HELP nv_scrapes_total Scrapes answered.\n# TYPE nv_scrapes_total counter\n"
        "nv_scrapes_total {}\n"
        "# HELP nv_spool_bytes Bytes in the spool.\n# TYPE nv_spool_bytes gauge\n"
        "nv_spool_bytes{{dir=\"/var/spool\"}} 2048\n",
        n);
  }

  /// Runs `body` as a client coroutine, then stops the server and runs io until all is done.
  template <class Body>
  void run(Body body) {
    std::exception_ptr failure;
    asio::co_spawn(io, std::move(body), [&](std::exception_ptr e) {
      failure = e;
      if (server) server->stop();
    });
    io.run();
    if (failure) std::rethrow_exception(failure);
  }

  asio::io_context io;
  unsigned scrapes = 0;
  health_report health;
  std::unique_ptr<metrics_server> server;
};

}  // namespace

TEST_CASE("metrics_server: GET /metrics answers the collector's page, twice on one connection") {
  served s;
  std::vector<response> answers;
  s.run([&]() -> asio::awaitable<void> {
    test_client client(s.io.get_executor());
    co_await client.connect(s.server->port());
    answers.push_back(co_await client.send(http::verb::get, "/metrics"));
    answers.push_back(co_await client.send(http::verb::get, "/metrics?name[]=x"));
  });
  REQUIRE(answers.size() == 2);
  for (unsigned i = 0; i < 2; ++i) {
    CHECK(answers[i].result_int() == 200);
    CHECK(answers[i][http::field::content_type] == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(answers[i].body() == served::page_for(i + 1));
    CHECK(answers[i].keep_alive());
  }
  CHECK(s.server->stats().accepted == 1);
  CHECK(s.server->stats().requests == 2);
  CHECK(s.server->stats().open == 0);
}

TEST_CASE("metrics_server: /healthz says ok, then 503 with the reason") {
  served s;
  std::vector<response> answers;
  s.run([&]() -> asio::awaitable<void> {
    test_client client(s.io.get_executor());
    co_await client.connect(s.server->port());
    answers.push_back(co_await client.send(http::verb::get, "/healthz"));
    s.health = {false, "API unreachable for 312 s"};
    answers.push_back(co_await client.send(http::verb::get, "/healthz"));
  });
  REQUIRE(answers.size() == 2);
  CHECK(answers[0].result_int() == 200);
  CHECK(answers[0].body() == "ok\n");
  CHECK(answers[0][http::field::content_type] == "text/plain; charset=utf-8");
  CHECK(answers[1].result_int() == 503);
  CHECK(answers[1].body() == "API unreachable for 312 s\n");
  CHECK(s.scrapes == 0);
}

TEST_CASE("metrics_server: HEAD gives the GET length without a body, 404 and 405 elsewhere") {
  served s;
  std::vector<response> answers;
  s.run([&]() -> asio::awaitable<void> {
    test_client client(s.io.get_executor());
    co_await client.connect(s.server->port());
    answers.push_back(co_await client.send(http::verb::head, "/metrics"));
    answers.push_back(co_await client.send(http::verb::get, "/metric"));
    answers.push_back(co_await client.send(http::verb::post, "/metrics"));
    answers.push_back(co_await client.send(http::verb::delete_, "/healthz"));
    answers.push_back(co_await client.send(http::verb::head, "/healthz"));
  });
  REQUIRE(answers.size() == 5);
  CHECK(answers[0].result_int() == 200);
  CHECK(answers[0][http::field::content_length] == std::to_string(served::page_for(1).size()));
  CHECK(answers[0].body().empty());
  CHECK(answers[1].result_int() == 404);
  CHECK(answers[2].result_int() == 405);
  CHECK(answers[2][http::field::allow] == "GET, HEAD");
  CHECK(answers[3].result_int() == 405);
  CHECK(answers[4].result_int() == 200);
  CHECK(answers[4][http::field::content_length] == "3");
  CHECK(answers[4].body().empty());
  CHECK(s.scrapes == 1);
  CHECK(s.server->stats().accepted == 1);
}

TEST_CASE("metrics_server: Connection: close is honoured") {
  served s;
  std::optional<response> answer;
  boost::system::error_code after;
  s.run([&]() -> asio::awaitable<void> {
    test_client client(s.io.get_executor());
    co_await client.connect(s.server->port());
    co_await client.write_raw("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    answer = co_await client.receive();
    after = co_await client.closed_by_server();
  });
  REQUIRE(answer);
  CHECK(answer->result_int() == 200);
  CHECK_FALSE(answer->keep_alive());
  CHECK(after == asio::error::eof);
}

TEST_CASE("metrics_server: 50 clients at once all get the page") {
  metrics_server_options options;
  options.max_connections = 64;
  served s(options);
  constexpr std::size_t clients = 50;
  rendezvous connected(s.io.get_executor(), clients);
  rendezvous answered(s.io.get_executor(), clients);
  std::vector<std::string> bodies;
  std::exception_ptr failure;
  std::size_t finished = 0;
  for (std::size_t i = 0; i < clients; ++i) {
    asio::co_spawn(
        s.io,
        [&]() -> asio::awaitable<void> {
          test_client client(s.io.get_executor());
          co_await client.connect(s.server->port());
          co_await connected.arrive_and_wait();
          auto answer = co_await client.send(http::verb::get, "/metrics");
          bodies.push_back(answer.body());
          // Each keeps its connection until all are answered: the server held 50 at once.
          co_await answered.arrive_and_wait();
        },
        [&](std::exception_ptr e) {
          if (e) failure = e;
          if (++finished == clients) s.server->stop();
        });
  }
  s.io.run();
  if (failure) std::rethrow_exception(failure);
  REQUIRE(bodies.size() == clients);
  std::sort(bodies.begin(), bodies.end(), [](const auto& a, const auto& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  std::vector<std::string> expected;
  for (unsigned n = 1; n <= clients; ++n) expected.push_back(served::page_for(n));
  std::sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  CHECK(bodies == expected);
  CHECK(s.server->stats().accepted == clients);
  CHECK(s.server->stats().peak_open == clients);
  CHECK(s.server->stats().refused == 0);
}

TEST_CASE("metrics_server: a connection over the limit is closed at once") {
  metrics_server_options options;
  options.max_connections = 2;
  served s(options);
  boost::system::error_code third;
  s.run([&]() -> asio::awaitable<void> {
    test_client first(s.io.get_executor());
    test_client second(s.io.get_executor());
    test_client extra(s.io.get_executor());
    co_await first.connect(s.server->port());
    co_await first.send(http::verb::get, "/healthz");
    co_await second.connect(s.server->port());
    co_await second.send(http::verb::get, "/healthz");
    co_await extra.connect(s.server->port());
    third = co_await extra.closed_by_server();
  });
  CHECK(third == asio::error::eof);
  CHECK(s.server->stats().accepted == 2);
  CHECK(s.server->stats().refused == 1);
}

TEST_CASE("metrics_server: an oversized request gets 431 and the connection closes") {
  metrics_server_options options;
  options.max_request_bytes = 1024;
  served s(options);
  std::optional<response> answer;
  boost::system::error_code after;
  s.run([&]() -> asio::awaitable<void> {
    test_client client(s.io.get_executor());
    co_await client.connect(s.server->port());
    co_await client.write_raw(
        "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(2000, 'p') + "\r\n\r\n");
    answer = co_await client.receive();
    after = co_await client.closed_by_server();
  });
  REQUIRE(answer);
  CHECK(answer->result_int() == 431);
  CHECK(after == asio::error::eof);
  CHECK(s.scrapes == 0);
}

TEST_CASE("metrics_server: garbage gets 400 and the connection closes") {
  served s;
  std::optional<response> answer;
  s.run([&]() -> asio::awaitable<void> {
    test_client client(s.io.get_executor());
    co_await client.connect(s.server->port());
    co_await client.write_raw("NOT HTTP AT ALL\r\n\r\n");
    answer = co_await client.receive();
  });
  REQUIRE(answer);
  CHECK(answer->result_int() == 400);
  CHECK_FALSE(answer->keep_alive());
}

TEST_CASE("metrics_server: a silent client is closed after the read timeout") {
  metrics_server_options options;
  options.io_timeout = 200ms;
  served s(options);
  boost::system::error_code after;
  std::chrono::steady_clock::duration waited{};
  s.run([&]() -> asio::awaitable<void> {
    test_client client(s.io.get_executor());
    co_await client.connect(s.server->port());
    const auto start = std::chrono::steady_clock::now();
    after = co_await client.closed_by_server();
    waited = std::chrono::steady_clock::now() - start;
  });
  CHECK(after == asio::error::eof);
  CHECK(waited >= 190ms);  // the steady timer may fire a hair early against our own clock read
  CHECK(waited < 4s);
}

TEST_CASE("metrics_server: stop() closes idle and half-sent connections, callbacks not called") {
  served s;
  boost::system::error_code idle_end, partial_end;
  s.run([&]() -> asio::awaitable<void> {
    test_client idle(s.io.get_executor());
    test_client partial(s.io.get_executor());
    co_await idle.connect(s.server->port());
    co_await idle.send(http::verb::get, "/metrics");
    co_await partial.connect(s.server->port());
    co_await partial.send(http::verb::get, "/healthz");
    co_await partial.write_raw("GET /metrics HTTP/1.1\r\nHo");
    s.server->stop();
    idle_end = co_await idle.closed_by_server();
    partial_end = co_await partial.closed_by_server();
  });
  CHECK(idle_end);
  CHECK(partial_end);
  CHECK(s.scrapes == 1);
  CHECK(s.server->stats().open == 0);
}

TEST_CASE("metrics_server: the server may be destroyed while its connections unwind") {
  served s;
  boost::system::error_code end;
  s.run([&]() -> asio::awaitable<void> {
    test_client client(s.io.get_executor());
    co_await client.connect(s.server->port());
    co_await client.send(http::verb::get, "/metrics");
    // The next request arrives while the server is gone: nobody may answer it or scrape.
    co_await client.write_raw("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    s.server.reset();
    end = co_await client.closed_by_server();
  });
  CHECK(end);
  CHECK(s.scrapes == 1);
}

TEST_CASE("metrics_server: non-loopback, non-IP and busy addresses are refused at start-up") {
  asio::io_context io;
  metrics_server_options open_to_all;
  open_to_all.address = "0.0.0.0";
  CHECK_THROWS_WITH_AS(metrics_server(io.get_executor(), open_to_all, nullptr, nullptr),
                       doctest::Contains("refusing to listen on 0.0.0.0:0: not a loopback"),
                       std::runtime_error);
  open_to_all.allow_non_loopback = true;
  metrics_server allowed(io.get_executor(), open_to_all, nullptr, nullptr);
  CHECK(allowed.port() != 0);

  metrics_server_options named;
  named.address = "localhost";
  CHECK_THROWS_WITH_AS(metrics_server(io.get_executor(), named, nullptr, nullptr),
                       doctest::Contains("listen address \"localhost\" is not an IP address"),
                       std::runtime_error);

  metrics_server first(io.get_executor(), {}, nullptr, nullptr);
  metrics_server_options same_port;
  same_port.port = first.port();
  CHECK_THROWS_WITH_AS(
      metrics_server(io.get_executor(), same_port, nullptr, nullptr),
      doctest::Contains(fmt::format("cannot listen on 127.0.0.1:{}:", first.port()).c_str()),
      std::runtime_error);
}

TEST_CASE("metrics_server: curl, an outside client, reads /metrics and /healthz") {
  served s;
  s.health = {false, "spool full"};
  const auto work = asio::make_work_guard(s.io);
  std::thread io_thread([&] { s.io.run(); });
  const std::string dir = nv::test::make_temp_dir("metrics-curl").string();
  const auto url = fmt::format("http://127.0.0.1:{}", s.server->port());
  const auto page = nv::test::run_in(dir, "curl -sf --max-time 10 " + url + "/metrics");
  const auto health =
      nv::test::run_in(dir, "curl -s --max-time 10 -w '%{http_code}' " + url + "/healthz");
  asio::post(s.io, [&] {
    s.server->stop();
    s.io.stop();
  });
  io_thread.join();
  CHECK(page.status == 0);
  CHECK(page.out == served::page_for(1));
  CHECK(health.out == "spool full\n503");
}
