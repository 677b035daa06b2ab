// The per-connection coroutine, written once for plain and TLS streams.
#include "sim/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace nv::sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string_view header(const http::request<http::string_body>& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string_view{} : std::string_view(it->value());
}

http::response<http::string_body> make_response(answer&& a, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(a.status), version};
  res.set(http::field::server, "nvsim");
  res.set(http::field::content_type, a.content_type);
  if (a.retry_after) res.set(http::field::retry_after, std::to_string(a.retry_after->count()));
  res.keep_alive(keep_alive);
  res.body() = std::move(a.body);
  res.prepare_payload();
  return res;
}

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  if (d.count() <= 0) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(use_tuple);
}

// Reads one request, reserving SIMDJSON_PADDING bytes beyond a declared body so the API parses
// the body where it lies instead of copying it.
template <class Stream>
asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> read_padded(
    Stream& stream, beast::flat_buffer& buffer, http::request_parser<http::string_body>& parser) {
  auto [header_ec, header_bytes] =
      co_await http::async_read_header(stream, buffer, parser, use_tuple);
  if (header_ec) co_return std::tuple(header_ec, header_bytes);
  if (auto length = parser.content_length(); length && *length <= max_body_bytes)
    parser.get().body().reserve(*length + simdjson::SIMDJSON_PADDING);
  co_return co_await http::async_read(stream, buffer, parser, use_tuple);
}

// Returns true when the connection may be shut down politely, false after an error or a drop.
template <class Stream>
asio::awaitable<bool> serve_requests(Stream& stream, simulated_api& api,
                                     session_settings settings) {
  beast::flat_buffer buffer;
  std::string body;  // Reused by every request: its capacity survives from one to the next.
  for (;;) {
    body.clear();
    http::request_parser<http::string_body> parser(std::piecewise_construct,
                                                   std::forward_as_tuple(std::move(body)));
    parser.body_limit(max_body_bytes);
    beast::get_lowest_layer(stream).expires_after(settings.io_timeout);
    auto [read_ec, read_bytes] = co_await read_padded(stream, buffer, parser);
    if (read_ec == http::error::end_of_stream) co_return true;
    if (read_ec == http::error::body_limit) {
      answer too_large{413, envelope("error", "Error: body too large")};
      co_await http::async_write(stream, make_response(std::move(too_large), 11, false), use_tuple);
      co_return true;
    }
    if (read_ec) co_return false;
    auto& req = parser.get();
    answer a = api.handle({req.method_string(), req.target(), header(req, "x-api-key"),
                           header(req, "x-brand-id"), req.body(),
                           req.body().capacity() - req.body().size()});
    body = std::move(req.body());
    if (a.drop) co_return false;
    co_await pause(a.delay);
    bool keep_alive = req.keep_alive();
    beast::get_lowest_layer(stream).expires_after(settings.io_timeout);
    auto [write_ec, written] = co_await http::async_write(
        stream, make_response(std::move(a), req.version(), keep_alive), use_tuple);
    if (write_ec) co_return false;
    if (!keep_alive) co_return true;
  }
}

}  // namespace

asio::awaitable<void> serve_plain(asio::ip::tcp::socket socket, simulated_api& api,
                                  session_settings settings) {
  beast::tcp_stream stream(std::move(socket));
  co_await pause(settings.slow_accept);
  if (co_await serve_requests(stream, api, settings)) {
    boost::system::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }
}

asio::awaitable<void> serve_tls(asio::ip::tcp::socket socket, asio::ssl::context& tls,
                                simulated_api& api, session_settings settings) {
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls);
  co_await pause(settings.slow_accept);
  beast::get_lowest_layer(stream).expires_after(settings.io_timeout);
  auto [handshake_ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
  if (handshake_ec) co_return;
  if (co_await serve_requests(stream, api, settings)) {
    beast::get_lowest_layer(stream).expires_after(settings.io_timeout);
    co_await stream.async_shutdown(use_tuple);
  }
  // A drop or an error closes the socket with no close_notify, as a crashed server would.
}

}  // namespace nv::sim
