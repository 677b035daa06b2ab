// The API credentials: key + brand id or a bearer token; the secret never leaves in text.
#pragma once

#include <fmt/format.h>
#include <boost/system/result.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nv::api {

/// Why credentials could not be read; never contains the secret.
struct credentials_error {
  std::string message;
};

/// Throws the error as std::runtime_error; lets boost::system::result::value() work.
[[noreturn]] void throw_exception_from_error(const credentials_error& error,
                                             const boost::source_location& where);

/// An API key with its brand id, or a partner's bearer token. to_string() and fmt print the
/// secret as "***", so a credentials value may be logged safely.
class credentials {
 public:
  /// Reads an environment variable; injectable for tests.
  using env_lookup = std::function<const char*(const char*)>;

  /// Returns key + brand credentials; errors: empty key, brand id not a positive integer.
  static boost::system::result<credentials, credentials_error> from_key(std::string api_key,
                                                                        std::string brand_id);

  /// Returns bearer-token credentials; error: empty token.
  static boost::system::result<credentials, credentials_error> from_bearer(std::string token);

  /// Reads NVIMPORT_API_KEY and NVIMPORT_BRAND_ID.
  static boost::system::result<credentials, credentials_error> from_environment(
      const env_lookup& lookup);

  /// Reads the key from the first line of `path` (trailing whitespace dropped) with `brand_id`.
  static boost::system::result<credentials, credentials_error> from_key_file(
      const std::string& path, std::string brand_id);

  /// Returns the authentication headers to send with every request.
  std::vector<std::pair<std::string, std::string>> headers() const;

  /// Returns a description safe for logs: "api key *** for brand 42" or "bearer token ***".
  std::string to_string() const;

  /// Returns true for bearer-token credentials.
  bool is_bearer() const { return bearer_; }

  /// Returns the brand id ("" for a bearer token).
  const std::string& brand_id() const { return brand_id_; }

 private:
  credentials(std::string secret, std::string brand_id, bool bearer)
      : secret_(std::move(secret)), brand_id_(std::move(brand_id)), bearer_(bearer) {}

  std::string secret_;
  std::string brand_id_;
  bool bearer_;
};

}  // namespace nv::api

/// Formats credentials with the secret redacted.
template <>
struct fmt::formatter<nv::api::credentials> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const nv::api::credentials& value, Context& context) const {
    return fmt::formatter<std::string_view>::format(value.to_string(), context);
  }
};
