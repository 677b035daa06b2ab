// A small blocking HTTP(S) client for integration tests: Beast over TLS with verification
// against a CA file, keep-alive, a deadline on every step.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nv::test {

/// Header name and value pairs to send.
using header_list = std::vector<std::pair<std::string, std::string>>;

/// An answer, or the error that prevented one (then status is 0).
struct http_answer {
  unsigned status = 0;
  std::string body;
  header_list headers;
  boost::system::error_code error;

  /// Returns the value of header `name` (case-insensitive), or nothing.
  std::optional<std::string> header(std::string_view name) const;
};

/// One keep-alive connection to a test server, opened on first use and again after the server
/// closes it. Blocking; not thread-safe.
class https_test_client {
 public:
  /// Targets host:port; with a CA file it speaks TLS and verifies the server certificate and
  /// host name against it, with an empty path it speaks plain HTTP.
  https_test_client(std::string host, std::uint16_t port, std::filesystem::path ca_file,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Connects (and handshakes) now; returns the error, e.g. a verification failure.
  boost::system::error_code connect();

  /// Sends a request and reads the answer. A POST gets content-type application/json.
  http_answer request(std::string_view method, std::string_view target, std::string body,
                      const header_list& headers = {});

  /// POSTs `body` to `target` with `headers`.
  http_answer post(std::string_view target, std::string body, const header_list& headers = {}) {
    return request("POST", target, std::move(body), headers);
  }

  /// GETs `target`.
  http_answer get(std::string_view target) { return request("GET", target, {}); }

  /// Closes the connection (the next request opens a new one).
  void close();

 private:
  using request_type = boost::beast::http::request<boost::beast::http::string_body>;
  boost::asio::awaitable<void> open(boost::system::error_code& ec);
  boost::asio::awaitable<void> exchange(request_type req, http_answer& out);
  template <class Stream>
  boost::asio::awaitable<void> exchange_on(Stream& stream, request_type& req, http_answer& out);
  void run(boost::asio::awaitable<void> work);

  std::string host_;
  std::uint16_t port_;
  bool tls_enabled_;
  std::chrono::milliseconds timeout_;
  boost::asio::io_context io_;
  boost::asio::ssl::context tls_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_stream_;
  std::optional<boost::beast::tcp_stream> plain_stream_;
};

/// Returns the x-api-key and x-brand-id headers nvsim's first brand expects by default.
header_list default_credentials();

}  // namespace nv::test
