// Classifying one answer (or transport failure) into what the deliver stage does next.
#pragma once

#include "nv/api/answer.hpp"
#include "nv/http/http_error.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace nv::api {

/// What an attempt came to.
enum class outcome_kind : std::uint8_t {
  ok,           ///< delivered
  queued,       ///< accepted for later processing
  throttled,    ///< over the rate limit: wait and resend, not a failure
  retry,        ///< transient (network, timeout, 5xx, unreadable answer): resend with backoff
  permanent,    ///< refused for its content: bisect, reject with the message
  auth_failed,  ///< 401/403: stop at once
};

/// Returns the stable snake_case name of a kind, for logs and metrics.
std::string_view kind_name(outcome_kind kind) noexcept;

/// The classified result of one attempt.
struct outcome {
  outcome_kind kind;
  std::string message;  ///< the server's message, or why we classified so
  std::optional<std::chrono::seconds> retry_after;
};

/// Classifies an HTTP answer. Order: 401/403 → auth_failed; 429 or a message mentioning the
/// rate limit → throttled; 5xx and 408 → retry; other 4xx → permanent; 2xx by status:
/// success → ok, queued → queued, error → permanent; a 2xx whose body is not a JSON object or
/// has no known status → retry (the request may be resent safely: create, delete and the reads
/// are idempotent, and the retry budget bounds a server that keeps answering nonsense);
/// 1xx/3xx → retry (a redirect means a wrong base URL, which no bisection would fix).
outcome classify(unsigned http_status, const answer& parsed,
                 std::optional<std::chrono::seconds> retry_after);

/// Classifies a transport failure: always retry, with the failure's message.
outcome classify(const http::http_error& error);

}  // namespace nv::api
