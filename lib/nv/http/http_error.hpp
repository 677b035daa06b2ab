// What went wrong with one HTTP exchange, classified, as data (never thrown on the request path).
#pragma once

#include <boost/assert/source_location.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace nv::http {

/// The kinds of transport failure a caller may want to treat differently.
enum class error_kind : std::uint8_t {
  connect,         ///< the host name did not resolve or the TCP connection was refused
  tls,             ///< the TLS handshake failed (certificate, host name, protocol)
  timeout,         ///< a step did not finish within its timeout
  closed,          ///< the peer closed or reset the connection
  protocol,        ///< the answer was not valid HTTP/1.1 or was too large
  pool_exhausted,  ///< no pooled connection became free within the wait bound
  cancelled,       ///< the caller's task was cancelled
};

/// Returns the stable snake_case name of a kind, for logs and metrics.
std::string_view kind_name(error_kind kind) noexcept;

/// One failed exchange: the kind, a one-line message naming the step and host, and whether
/// the request may have reached the server (so a resend could duplicate it).
struct http_error {
  error_kind kind;
  std::string message;
  bool request_sent = false;
};

/// Throws the error as std::runtime_error; lets boost::system::result::value() work.
[[noreturn]] void throw_exception_from_error(const http_error& error,
                                             const boost::source_location& where);

}  // namespace nv::http
