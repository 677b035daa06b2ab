// The blocking test client: each call runs one coroutine on a private io_context to completion.
#include "support/https_test_client.hpp"

#include <openssl/ssl.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <exception>
#include <stdexcept>

namespace nv::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

std::optional<std::string> http_answer::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return std::nullopt;
}

header_list default_credentials() {
  return {{"x-api-key", "test-key"}, {"x-brand-id", "1"}};
}

https_test_client::https_test_client(std::string host, std::uint16_t port,
                                     std::filesystem::path ca_file,
                                     std::chrono::milliseconds timeout)
    : host_(std::move(host)),
      port_(port),
      tls_enabled_(!ca_file.empty()),
      timeout_(timeout),
      tls_(asio::ssl::context::tls_client) {
  if (!tls_enabled_) return;
  tls_.load_verify_file(ca_file.string());
  tls_.set_verify_mode(asio::ssl::verify_peer);
  tls_.set_verify_callback(asio::ssl::host_name_verification(host_));
}

void https_test_client::run(asio::awaitable<void> work) {
  // An exception escaping the coroutine is a bug in the test: let io_.run() rethrow it.
  asio::co_spawn(io_, std::move(work), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io_.restart();
  io_.run();
}

asio::awaitable<void> https_test_client::open(boost::system::error_code& ec) {
  auto executor = co_await asio::this_coro::executor;
  beast::tcp_stream tcp(executor);
  tcp.expires_after(timeout_);
  asio::ip::tcp::resolver resolver(executor);
  auto [resolve_ec, found] =
      co_await resolver.async_resolve(host_, std::to_string(port_), use_tuple);
  ec = resolve_ec;
  if (ec) co_return;
  std::tie(ec, std::ignore) = co_await tcp.async_connect(found, use_tuple);
  if (ec) co_return;
  if (!tls_enabled_) {
    plain_stream_.emplace(std::move(tcp));
    co_return;
  }
  tls_stream_.emplace(std::move(tcp), tls_);
  // SNI carries names only, never an IP address (RFC 6066).
  if (!is_ip_address(host_)) SSL_set_tlsext_host_name(tls_stream_->native_handle(), host_.c_str());
  beast::get_lowest_layer(*tls_stream_).expires_after(timeout_);
  std::tie(ec) = co_await tls_stream_->async_handshake(asio::ssl::stream_base::client, use_tuple);
  if (ec) tls_stream_.reset();
}

template <class Stream>
asio::awaitable<void> https_test_client::exchange_on(Stream& stream, request_type& req,
                                                     http_answer& out) {
  beast::get_lowest_layer(stream).expires_after(timeout_);
  auto [write_ec, written] = co_await http::async_write(stream, req, use_tuple);
  if (write_ec) {
    out.error = write_ec;
    co_return;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256u << 20);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, use_tuple);
  if (read_ec) {
    out.error = read_ec;
    co_return;
  }
  auto& res = parser.get();
  out.status = res.result_int();
  out.body = std::move(res.body());
  for (const auto& field : res)
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
}

asio::awaitable<void> https_test_client::exchange(request_type req, http_answer& out) {
  if (!tls_stream_ && !plain_stream_) {
    co_await open(out.error);
    if (out.error) co_return;
  }
  if (tls_stream_)
    co_await exchange_on(*tls_stream_, req, out);
  else
    co_await exchange_on(*plain_stream_, req, out);
}

boost::system::error_code https_test_client::connect() {
  close();
  boost::system::error_code ec;
  run(open(ec));
  return ec;
}

http_answer https_test_client::request(std::string_view method, std::string_view target,
                                       std::string body, const header_list& headers) {
  request_type req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, host_);
  req.set(http::field::accept, "application/json");
  if (method == "POST") req.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.keep_alive(true);
  req.body() = std::move(body);
  req.prepare_payload();
  http_answer out;
  run(exchange(std::move(req), out));
  // After an error or a "close" answer the connection is unusable: start afresh next time.
  bool server_closes = out.header("connection") && iequals(*out.header("connection"), "close");
  if (out.error || server_closes) close();
  return out;
}

void https_test_client::close() {
  boost::system::error_code ignored;
  if (tls_stream_) beast::get_lowest_layer(*tls_stream_).socket().close(ignored);
  if (plain_stream_) plain_stream_->socket().close(ignored);
  tls_stream_.reset();
  plain_stream_.reset();
}

}  // namespace nv::test
