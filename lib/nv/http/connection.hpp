// One keep-alive HTTP/1.1 connection to the API host, over TLS or plain TCP, every step bounded.
#pragma once

#include "nv/http/endpoint_url.hpp"
#include "nv/http/http_error.hpp"
#include "nv/http/message.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>

namespace nv::http {

class tls_client_context;

/// The bound on each network step.
struct http_timeouts {
  std::chrono::milliseconds resolve{std::chrono::seconds(10)};
  std::chrono::milliseconds connect{std::chrono::seconds(10)};
  std::chrono::milliseconds handshake{std::chrono::seconds(10)};
  std::chrono::milliseconds write{std::chrono::seconds(30)};
  std::chrono::milliseconds read{std::chrono::seconds(30)};
};

/// Where and how a connection talks.
struct connection_options {
  endpoint_url url;
  http_timeouts timeouts;
  std::size_t body_limit = 64 * 1024 * 1024;  ///< a larger answer is a protocol error
  std::string user_agent = "nvimport/0.1";
};

/// Counters shared by the connections of a pool.
struct connection_counters {
  std::uint64_t connects = 0;    ///< TCP connections established
  std::uint64_t handshakes = 0;  ///< TLS handshakes completed
  std::uint64_t requests = 0;    ///< requests written (or attempted) on an open connection
  std::uint64_t reuses = 0;      ///< requests sent on a connection that had served one already
  std::uint64_t replaced = 0;    ///< connections found dead or closed after a failure
  std::uint64_t failures = 0;    ///< exchanges that ended in an http_error
};

/// The result of one exchange; transport failures are values, never exceptions.
using http_result = boost::system::result<http_response, http_error>;

/// One connection, opened on first use and reopened after it breaks. A failed exchange is
/// reported, never resent: the caller decides (request_sent says whether it may have arrived).
/// Use from one thread; one exchange at a time.
class connection {
 public:
  /// Creates a closed connection; `tls` (null for http://) and `counters` must outlive it.
  connection(boost::asio::any_io_executor executor, tls_client_context* tls,
             connection_options options, connection_counters& counters);

  /// Opens the transport when it is closed, or when the server closed it while it was idle;
  /// a send() right after writes at once. Lets a caller take rate budget only once the
  /// connection can carry the request, so the time it is granted is the time it is sent.
  boost::asio::awaitable<std::optional<http_error>> ensure_open();

  /// Sends `request` and reads the answer, connecting first when needed.
  boost::asio::awaitable<http_result> send(http_request request);

  /// Returns true when a transport is open (it may still turn out to be dead).
  bool is_open() const { return tls_stream_.has_value() || plain_stream_.has_value(); }

  /// Closes the transport at once (no TLS close_notify: used on failures and at shutdown).
  void close();

 private:
  using tls_stream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

  boost::asio::awaitable<std::optional<http_error>> open();
  boost::asio::awaitable<std::optional<http_error>> handshake();
  bool peer_closed_while_idle();
  void prepare(http_request& request);
  template <class Stream>
  boost::asio::awaitable<http_result> exchange(Stream& stream);
  boost::beast::tcp_stream& lowest();
  http_error failure(boost::system::error_code ec, std::string_view step, bool sent);

  boost::asio::any_io_executor executor_;
  tls_client_context* tls_;
  connection_options options_;
  connection_counters& counters_;
  std::optional<tls_stream> tls_stream_;
  std::optional<boost::beast::tcp_stream> plain_stream_;
  boost::beast::flat_buffer buffer_;  // reused across requests on this connection
  boost::beast::http::request<boost::beast::http::string_body> request_;
  std::uint64_t served_ = 0;  // answers read on the current transport
};

}  // namespace nv::http
