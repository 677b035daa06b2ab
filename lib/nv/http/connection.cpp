// One keep-alive connection: resolve, connect, handshake, write, read, each with its timeout.
#include "nv/http/connection.hpp"

#include "nv/http/retry_after.hpp"
#include "nv/http/tls_client_context.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <cerrno>

namespace nv::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// Wraps Asio's host-name check so a mismatch is reported as such, not as a bare
// "certificate verify failed".
struct verify_host_name {
  asio::ssl::host_name_verification check;
  bool operator()(bool preverified, asio::ssl::verify_context& context) const {
    const bool ok = check(preverified, context);
    if (preverified && !ok)
      X509_STORE_CTX_set_error(context.native_handle(), X509_V_ERR_HOSTNAME_MISMATCH);
    return ok;
  }
};

bool is_closed_error(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == asio::ssl::error::stream_truncated ||
         ec == bhttp::error::partial_message;
}

}  // namespace

connection::connection(asio::any_io_executor executor, tls_client_context* tls,
                       connection_options options, connection_counters& counters)
    : executor_(std::move(executor)),
      tls_(tls),
      options_(std::move(options)),
      counters_(counters) {}

void connection::close() {
  error_code ignored;
  if (tls_stream_) beast::get_lowest_layer(*tls_stream_).socket().close(ignored);
  if (plain_stream_) plain_stream_->socket().close(ignored);
  tls_stream_.reset();
  plain_stream_.reset();
  buffer_.clear();
  served_ = 0;
}

beast::tcp_stream& connection::lowest() {
  return tls_stream_ ? beast::get_lowest_layer(*tls_stream_) : *plain_stream_;
}

asio::awaitable<std::optional<http_error>> connection::ensure_open() {
  // An idle keep-alive connection the server has closed is replaced before anything is
  // written, so a server's idle timeout never costs a request. Only after an exchange: a
  // connection not used yet may hold TLS 1.3 session tickets, which are not a close.
  if (is_open() && served_ > 0 && peer_closed_while_idle()) {
    close();
    ++counters_.replaced;
  }
  if (is_open()) co_return std::nullopt;
  auto error = co_await open();
  if (error) ++counters_.failures;
  co_return error;
}

asio::awaitable<http_result> connection::send(http_request request) {
  auto opened = co_await ensure_open();
  if (opened) co_return *opened;
  if (served_ > 0) ++counters_.reuses;
  ++counters_.requests;
  prepare(request);
  // No co_await inside ?: — GCC 12 destroys the result of such an expression twice.
  http_result result = http_error{error_kind::cancelled, "not sent"};
  if (tls_stream_)
    result = co_await exchange(*tls_stream_);
  else
    result = co_await exchange(*plain_stream_);
  if (!result) {
    ++counters_.failures;
    ++counters_.replaced;
    close();
  } else if (!result->keep_alive) {
    close();
  }
  co_return result;
}

bool connection::peer_closed_while_idle() {
  // A healthy idle HTTP/1.1 connection has nothing to read: EOF, a reset, a TLS close_notify
  // or a stray 408 all mean the server is done with it.
  char byte = 0;
  const auto n = ::recv(lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
  return true;
}

asio::awaitable<std::optional<http_error>> connection::open() {
  const auto& url = options_.url;
  asio::ip::tcp::resolver resolver(executor_);
  asio::steady_timer deadline(executor_, options_.timeouts.resolve);
  auto resolved =
      co_await (resolver.async_resolve(url.host, std::to_string(url.port), tuple_awaitable) ||
                deadline.async_wait(tuple_awaitable));
  if (resolved.index() == 1)
    co_return http_error{error_kind::timeout,
                         fmt::format("timed out resolving {} after {} ms", url.host,
                                     options_.timeouts.resolve.count())};
  auto [resolve_ec, endpoints] = std::get<0>(resolved);
  if (resolve_ec)
    co_return http_error{error_kind::connect,
                         fmt::format("cannot resolve {}: {}", url.host, resolve_ec.message())};

  if (tls_)
    tls_stream_.emplace(executor_, tls_->native());
  else
    plain_stream_.emplace(executor_);
  lowest().expires_after(options_.timeouts.connect);
  auto [connect_ec, endpoint] = co_await lowest().async_connect(endpoints, tuple_awaitable);
  if (connect_ec) {
    auto error = failure(connect_ec, "connecting", false);
    close();
    co_return error;
  }
  ++counters_.connects;
  // A request is written in pieces (header, then body); with Nagle on, the last piece waits
  // for the peer's delayed ACK, about 40 ms a request on Linux.
  boost::system::error_code ignored;
  lowest().socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  if (!tls_) co_return std::nullopt;
  co_return co_await handshake();
}

asio::awaitable<std::optional<http_error>> connection::handshake() {
  const auto& url = options_.url;
  SSL* ssl = tls_stream_->native_handle();
  // SNI carries names only; RFC 6066 forbids IP literals in it.
  if (!url.host_is_ip() && SSL_set_tlsext_host_name(ssl, url.host.c_str()) != 1) {
    close();
    co_return http_error{error_kind::tls, fmt::format("cannot set SNI name {}", url.host)};
  }
  if (!tls_->insecure())
    tls_stream_->set_verify_callback(verify_host_name{asio::ssl::host_name_verification(url.host)});
  lowest().expires_after(options_.timeouts.handshake);
  auto [ec] =
      co_await tls_stream_->async_handshake(asio::ssl::stream_base::client, tuple_awaitable);
  if (ec) {
    auto error = failure(ec, "in the TLS handshake", false);
    close();
    co_return error;
  }
  ++counters_.handshakes;
  co_return std::nullopt;
}

void connection::prepare(http_request& request) {
  request_.clear();
  request_.method(bhttp::verb::post);
  request_.version(11);
  request_.target(options_.url.base_path + request.target);
  request_.set(bhttp::field::host, options_.url.host_header());
  request_.set(bhttp::field::user_agent, options_.user_agent);
  for (const auto& [name, value] : request.headers) request_.set(name, value);
  request_.body() = std::move(request.body);
  request_.keep_alive(true);
  request_.prepare_payload();
}

template <class Stream>
asio::awaitable<http_result> connection::exchange(Stream& stream) {
  lowest().expires_after(options_.timeouts.write);
  auto [write_ec, written] = co_await bhttp::async_write(stream, request_, tuple_awaitable);
  if (write_ec) co_return failure(write_ec, "writing the request", false);

  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options_.body_limit);
  lowest().expires_after(options_.timeouts.read);
  auto [read_ec, read] = co_await bhttp::async_read(stream, buffer_, parser, tuple_awaitable);
  if (read_ec) co_return failure(read_ec, "reading the answer", true);
  lowest().expires_never();
  ++served_;

  auto& answer = parser.get();
  http_response response;
  response.status = answer.result_int();
  response.keep_alive = answer.keep_alive();
  response.content_type = answer[bhttp::field::content_type];
  if (const auto it = answer.find(bhttp::field::retry_after); it != answer.end())
    response.retry_after = parse_retry_after(it->value(), std::chrono::system_clock::now());
  response.body = std::move(answer.body());
  co_return response;
}

http_error connection::failure(error_code ec, std::string_view step, bool sent) {
  const auto where = options_.url.authority();
  if (ec == beast::error::timeout)
    return {error_kind::timeout, fmt::format("timed out {} with {}", step, where), sent};
  if (ec == asio::error::operation_aborted)
    return {error_kind::cancelled, fmt::format("cancelled {} with {}", step, where), sent};
  if (ec.category() == asio::error::get_ssl_category() && step.starts_with("in the TLS")) {
    const auto verify = SSL_get_verify_result(tls_stream_->native_handle());
    const auto detail = verify == X509_V_OK ? std::string(ec.message())
                                            : fmt::format("{}: {}", ec.message(),
                                                          X509_verify_cert_error_string(verify));
    return {error_kind::tls, fmt::format("TLS handshake with {} failed: {}", where, detail), sent};
  }
  if (is_closed_error(ec))
    return {error_kind::closed,
            fmt::format("connection closed by {} while {}: {}", where, step, ec.message()), sent};
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() ||
      ec.category() == asio::error::get_ssl_category())
    return {error_kind::protocol,
            fmt::format("bad answer from {} while {}: {}", where, step, ec.message()), sent};
  return {step == "connecting" ? error_kind::connect : error_kind::closed,
          fmt::format("network error with {} while {}: {}", where, step, ec.message()), sent};
}

}  // namespace nv::http
