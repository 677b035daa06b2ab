// Building the client TLS context.
#include "nv/http/tls_client_context.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace nv::http {

namespace ssl = boost::asio::ssl;

tls_client_context::tls_client_context(const tls_options& options)
    : context_(ssl::context::tls_client), insecure_(options.insecure) {
  context_.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  SSL_CTX_set_min_proto_version(context_.native_handle(), TLS1_2_VERSION);
  if (insecure_) {
    context_.set_verify_mode(ssl::verify_none);
    return;
  }
  context_.set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (options.ca_file.empty()) {
    context_.set_default_verify_paths(ec);
    if (ec)
      throw std::runtime_error(fmt::format("cannot load the system trust store: {}", ec.message()));
  } else {
    context_.load_verify_file(options.ca_file, ec);
    if (ec)
      throw std::runtime_error(
          fmt::format("cannot load CA file \"{}\": {}", options.ca_file, ec.message()));
  }
}

}  // namespace nv::http
