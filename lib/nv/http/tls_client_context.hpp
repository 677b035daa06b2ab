// The client side TLS settings: TLS 1.2 or newer, peer verification against a trust store.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <string>
#include <string_view>

namespace nv::http {

/// How the client verifies the server.
struct tls_options {
  std::string ca_file;    ///< PEM file of trusted CAs; empty means the system trust store
  bool insecure = false;  ///< skip certificate and host-name verification (explicit flag only)
};

/// An asio::ssl::context for talking to the API: TLS 1.2+, verify_peer, the system trust store
/// (or a CA file). Built once at start-up; shared by every connection of a pool.
class tls_client_context {
 public:
  /// The line the program logs on every start when verification is off.
  static constexpr std::string_view insecure_warning =
      "TLS verification is OFF (--insecure): the API key may be sent to an impostor";

  /// Builds the context; throws std::runtime_error naming the CA file when it cannot be loaded
  /// (a start-up error, not a request error).
  explicit tls_client_context(const tls_options& options);

  /// Returns the Asio context that streams are made from.
  boost::asio::ssl::context& native() { return context_; }

  /// Returns true when verification is off.
  bool insecure() const { return insecure_; }

 private:
  boost::asio::ssl::context context_;
  bool insecure_;
};

}  // namespace nv::http
