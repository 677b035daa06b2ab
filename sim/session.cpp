// The per-connection coroutine, written once for plain and TLS streams.
//
// The hot path of bench/sim: a 40 KB body per request over TLS keep-alive. Four choices keep
// its cost per request low, each measured there:
//  - one deadline per connection, watched by one timer that wakes only when the deadline may
//    have passed, instead of beast::tcp_stream's timer armed and cancelled around every read
//    and write of every request;
//  - a body of known length read straight into the reused, padded body string, instead of
//    through the flat buffer and then the parser, chunk by chunk;
//  - the answer written as one preformatted string, so one TLS record carries it;
//  - TLS through tls_socket_stream: OpenSSL reads the socket itself, a whole body in one read
//    mostly, where Asio's ssl::stream copied every byte through a BIO pair.
#include "sim/session.hpp"

#include "sim/response_text.hpp"
#include "sim/tls_socket_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cstring>

namespace nv::sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

/// The time by which the current network step must be done; checked by watch().
class connection_deadline {
 public:
  using clock = asio::steady_timer::clock_type;

  connection_deadline(asio::any_io_executor executor, std::chrono::seconds step)
      : timer_(std::move(executor)), step_(step), deadline_(clock::now() + step) {}

  /// Allows the next network step its full time from now. Touches no timer.
  void renew() { deadline_ = clock::now() + step_; }

  /// Lifts the deadline while no network step is in progress (a --delay-ms pause), until the
  /// next renew().
  void suspend() { deadline_ = clock::time_point::max(); }

  /// Waits until the deadline passes without renewal, then closes `socket`, which ends the
  /// operation in flight on it. Ends early when cancelled (the session ended first).
  asio::awaitable<void> watch(tcp::socket& socket) {
    for (;;) {
      // Never later than one step from now: a deadline set after this point (by renew(), also
      // after a suspend()) is at least that far away, so the timer never wakes after it.
      timer_.expires_at(std::min(deadline_, clock::now() + step_));
      auto [ec] = co_await timer_.async_wait(use_tuple);
      if (ec) co_return;
      if (deadline_ <= clock::now()) break;  // Otherwise renewed meanwhile: wait again.
    }
    boost::system::error_code ignored;
    socket.close(ignored);
  }

 private:
  asio::steady_timer timer_;
  std::chrono::seconds step_;
  clock::time_point deadline_;
};

std::string_view header(const http::request<http::string_body>& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string_view{} : std::string_view(it->value());
}

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  if (d.count() <= 0) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(use_tuple);
}

// Reads one request into `parser`. A body of declared length goes straight into the body
// string, with SIMDJSON_PADDING bytes of capacity beyond its end so the API parses it where it
// lies; a chunked body goes through the parser.
template <class Stream>
asio::awaitable<boost::system::error_code> read_request(
    Stream& stream, beast::flat_buffer& buffer, http::request_parser<http::string_body>& parser) {
  auto [header_ec, header_bytes] =
      co_await http::async_read_header(stream, buffer, parser, use_tuple);
  if (header_ec || parser.is_done()) co_return header_ec;
  auto length = parser.content_length();
  if (!length) {
    auto [body_ec, body_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
    co_return body_ec;
  }
  // The parser has checked the length against its body_limit already.
  std::string& body = parser.get().body();
  body.reserve(*length + simdjson::SIMDJSON_PADDING);
  body.resize(*length);
  auto early = static_cast<std::size_t>(std::min<std::uint64_t>(*length, buffer.size()));
  if (early > 0) std::memcpy(body.data(), buffer.data().data(), early);
  buffer.consume(early);  // Bytes beyond the body stay for the next (pipelined) request.
  if (early == body.size()) co_return boost::system::error_code{};
  auto rest = asio::buffer(body.data() + early, body.size() - early);
  auto [body_ec, body_bytes] = co_await asio::async_read(stream, rest, use_tuple);
  co_return body_ec;
}

// Returns true when the connection may be shut down politely, false after an error or a drop.
template <class Stream>
asio::awaitable<bool> serve_requests(Stream& stream, connection_deadline& deadline,
                                     simulated_api& api) {
  beast::flat_buffer buffer;
  std::string body;      // Reused by every request: its capacity survives from one to the next.
  std::string response;  // Likewise for the answer's text.
  for (;;) {
    body.clear();
    http::request_parser<http::string_body> parser(std::piecewise_construct,
                                                   std::forward_as_tuple(std::move(body)));
    parser.body_limit(max_body_bytes);
    deadline.renew();
    auto read_ec = co_await read_request(stream, buffer, parser);
    if (read_ec == http::error::end_of_stream) co_return true;
    if (read_ec == http::error::body_limit) {
      write_response(response, answer{413, envelope("error", "Error: body too large")}, 11, false);
      deadline.renew();
      co_await asio::async_write(stream, asio::buffer(response), use_tuple);
      co_return true;
    }
    if (read_ec) co_return false;
    auto& req = parser.get();
    answer a = api.handle({req.method_string(), req.target(), header(req, "x-api-key"),
                           header(req, "x-brand-id"), req.body(),
                           req.body().capacity() - req.body().size()});
    body = std::move(req.body());
    if (a.drop) co_return false;
    deadline.suspend();
    co_await pause(a.delay);
    bool keep_alive = req.keep_alive();
    write_response(response, a, req.version(), keep_alive);
    deadline.renew();
    auto [write_ec, written] =
        co_await asio::async_write(stream, asio::buffer(response), use_tuple);
    if (write_ec) co_return false;
    if (!keep_alive) co_return true;
  }
}

asio::awaitable<void> serve_plain_until_done(tcp::socket& socket, connection_deadline& deadline,
                                             simulated_api& api) {
  if (co_await serve_requests(socket, deadline, api)) {
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
  }
}

asio::awaitable<void> serve_tls_until_done(tls_socket_stream& stream, connection_deadline& deadline,
                                           simulated_api& api) {
  deadline.renew();
  auto handshake_ec = co_await stream.handshake();
  if (handshake_ec) co_return;
  if (co_await serve_requests(stream, deadline, api)) {
    deadline.renew();
    co_await stream.shutdown();
  }
  // A drop or an error closes the socket with no close_notify, as a crashed server would.
}

}  // namespace

asio::awaitable<void> serve_plain(tcp::socket socket, simulated_api& api,
                                  session_settings settings) {
  co_await pause(settings.slow_accept);
  connection_deadline deadline(socket.get_executor(), settings.io_timeout);
  co_await (serve_plain_until_done(socket, deadline, api) || deadline.watch(socket));
}

asio::awaitable<void> serve_tls(tcp::socket socket, asio::ssl::context& tls, simulated_api& api,
                                session_settings settings) {
  tls_socket_stream stream(std::move(socket), tls);
  co_await pause(settings.slow_accept);
  connection_deadline deadline(stream.get_executor(), settings.io_timeout);
  co_await (serve_tls_until_done(stream, deadline, api) || deadline.watch(stream.next_layer()));
}

}  // namespace nv::sim
