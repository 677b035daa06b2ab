// A small Beast HTTP(S) server on 127.0.0.1:0 for tests, with switchable misbehaviour.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace nv::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

/// A request as the server saw it.
struct seen_request {
  std::string target;
  std::string body;
  bhttp::fields headers;
};

/// What the server does; tests change it between requests.
struct server_behaviour {
  unsigned status = 200;
  std::string body = R"({"response":{"status":"success","message":"ok"}})";
  std::vector<std::pair<std::string, std::string>> headers;
  std::size_t close_after = 0;      ///< drop the connection (no close_notify) after N answers
  bool connection_close = false;    ///< answer with "Connection: close"
  bool drop_before_answer = false;  ///< read the request, then drop the connection
  bool never_answer = false;        ///< read the request, then stay silent
  bool silent = false;              ///< accept TCP and do nothing (no TLS handshake)
  std::function<void(const seen_request&, server_behaviour&)> per_request;  ///< may adjust
};

/// Serves on 127.0.0.1 with an ephemeral port, TLS when given a context. Single-threaded: run
/// it on the test's io_context; stop() ends everything so io_context::run() returns.
class test_server {
 public:
  test_server(asio::io_context& io, asio::ssl::context* tls)
      : io_(io),
        tls_(tls),
        acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}),
        port_(acceptor_.local_endpoint().port()),
        dropped_event_(io, asio::steady_timer::time_point::max()) {
    asio::co_spawn(io_, accept_loop(), asio::detached);
  }

  unsigned short port() const { return port_; }
  server_behaviour behaviour;
  std::vector<seen_request> requests;
  std::size_t connections = 0;  ///< TCP connections accepted
  std::size_t handshakes = 0;   ///< TLS handshakes completed
  std::size_t dropped = 0;      ///< connections the server dropped on purpose

  /// Waits until the server has dropped `count` connections in total.
  asio::awaitable<void> wait_dropped(std::size_t count) {
    while (dropped < count) co_await dropped_event_.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  /// Closes the acceptor and every open connection.
  void stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto* raw : live_) raw->close(ignored);
    dropped_event_.cancel();
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      ++connections;
      asio::co_spawn(io_, session(std::move(socket)), asio::detached);
    }
  }

  // Keeps a live socket reachable by stop() for as long as its session runs.
  struct track {
    test_server& server;
    asio::ip::tcp::socket* raw;
    track(test_server& s, asio::ip::tcp::socket& r) : server(s), raw(&r) { s.live_.push_back(raw); }
    ~track() { server.live_.remove(raw); }
  };

  asio::awaitable<void> session(asio::ip::tcp::socket socket) {
    if (behaviour.silent) {
      track tracked(*this, socket);
      // Swallow whatever comes until the client gives up or the test stops.
      char bytes[512];
      for (;;) {
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(bytes),
                                                       asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
      }
    }
    if (!tls_) {
      beast::tcp_stream stream(std::move(socket));
      track tracked(*this, stream.socket());
      co_await serve(stream, stream.socket());
      co_return;
    }
    asio::ssl::stream<beast::tcp_stream> stream(std::move(socket), *tls_);
    auto& raw = beast::get_lowest_layer(stream).socket();
    track tracked(*this, raw);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server,
                                                asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    ++handshakes;
    co_await serve(stream, raw);
  }

  void drop(asio::ip::tcp::socket& raw) {
    boost::system::error_code ignored;
    raw.close(ignored);
    ++dropped;
    dropped_event_.cancel();
  }

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream, asio::ip::tcp::socket& raw) {
    beast::flat_buffer buffer;
    std::size_t answered = 0;
    for (;;) {
      bhttp::request<bhttp::string_body> request;
      auto [ec, n] =
          co_await bhttp::async_read(stream, buffer, request, asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      requests.push_back({std::string(request.target()), request.body(), request.base()});
      if (behaviour.per_request) behaviour.per_request(requests.back(), behaviour);
      if (behaviour.drop_before_answer) {
        drop(raw);
        co_return;
      }
      if (behaviour.never_answer) continue;  // the next read waits until the client leaves
      bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(behaviour.status),
                                                   11};
      response.set(bhttp::field::content_type, "application/json");
      for (const auto& [name, value] : behaviour.headers) response.set(name, value);
      response.body() = behaviour.body;
      response.keep_alive(!behaviour.connection_close);
      response.prepare_payload();
      auto [write_ec, written] =
          co_await bhttp::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
      if (write_ec) co_return;
      ++answered;
      if (behaviour.connection_close ||
          (behaviour.close_after != 0 && answered == behaviour.close_after)) {
        drop(raw);
        co_return;
      }
    }
  }

 private:
  asio::io_context& io_;
  asio::ssl::context* tls_;
  asio::ip::tcp::acceptor acceptor_;
  unsigned short port_;
  asio::steady_timer dropped_event_;
  std::list<asio::ip::tcp::socket*> live_;
};

}  // namespace nv::test
