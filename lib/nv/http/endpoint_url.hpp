// The API's base URL, split into what a connection needs: scheme, host, port, base path.
#pragma once

#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace nv::http {

/// A parsed "https://host[:port][/base]" (or "http://…" for plain benchmarks against nvsim).
struct endpoint_url {
  bool tls = true;
  std::string host;  ///< without brackets for an IPv6 literal
  std::uint16_t port = 443;
  std::string base_path;  ///< "" or "/prefix" without a trailing slash

  /// Returns the Host header value: host, with the port when it is not the scheme's default.
  std::string host_header() const;

  /// Returns "host:port" for messages.
  std::string authority() const;

  /// Returns true when the host is an IPv4 or IPv6 literal (no SNI is sent for those).
  bool host_is_ip() const;
};

/// Why a URL was refused.
struct url_error {
  std::string message;
};

/// Throws the error as std::invalid_argument; lets boost::system::result::value() work.
[[noreturn]] void throw_exception_from_error(const url_error& error,
                                             const boost::source_location& where);

/// Parses a base URL; errors name the URL and what is wrong. No query, fragment or user info.
boost::system::result<endpoint_url, url_error> parse_endpoint_url(std::string_view text);

}  // namespace nv::http
