// The one place answers become outcomes.
#include "nv/api/outcome.hpp"

#include "nv/api/wire.hpp"

#include <fmt/format.h>

namespace nv::api {
namespace {

// The message to report: the server's, else a description of what came back.
std::string describe(unsigned http_status, const answer& parsed, std::string_view fallback) {
  if (!parsed.message.empty()) return parsed.message;
  return fmt::format("HTTP {}: {}", http_status, fallback);
}

outcome classify_success(unsigned http_status, const answer& parsed) {
  if (!parsed.json)
    return {outcome_kind::retry, describe(http_status, parsed, "the answer is not JSON"), {}};
  switch (parsed.status) {
    case answer_status::success:
      return {outcome_kind::ok, parsed.message, {}};
    case answer_status::queued:
      return {outcome_kind::queued, parsed.message, {}};
    case answer_status::error:
      return {outcome_kind::permanent, describe(http_status, parsed, "status error"), {}};
    case answer_status::missing:
      return {outcome_kind::retry, describe(http_status, parsed, "the answer has no status"), {}};
    case answer_status::other:
      return {
          outcome_kind::retry,
          describe(http_status, parsed, fmt::format("unknown status \"{}\"", parsed.status_text)),
          {}};
  }
  return {outcome_kind::retry, "unreachable", {}};
}

}  // namespace

std::string_view kind_name(outcome_kind kind) noexcept {
  switch (kind) {
    case outcome_kind::ok:
      return "ok";
    case outcome_kind::queued:
      return "queued";
    case outcome_kind::throttled:
      return "throttled";
    case outcome_kind::retry:
      return "retry";
    case outcome_kind::permanent:
      return "permanent";
    case outcome_kind::auth_failed:
      return "auth_failed";
  }
  return "unknown";
}

outcome classify(unsigned http_status, const answer& parsed,
                 std::optional<std::chrono::seconds> retry_after) {
  if (http_status == 401 || http_status == 403)
    return {outcome_kind::auth_failed, describe(http_status, parsed, "authentication refused"), {}};
  if (http_status == wire::throttled_status || wire::mentions_rate_limit(parsed.message))
    return {outcome_kind::throttled, describe(http_status, parsed, "rate limit exceeded"),
            retry_after};
  if (http_status >= 500 || http_status == 408)
    return {outcome_kind::retry, describe(http_status, parsed, "server error"), retry_after};
  if (http_status >= 400)
    return {outcome_kind::permanent, describe(http_status, parsed, "request refused"), {}};
  if (http_status >= 200 && http_status < 300) return classify_success(http_status, parsed);
  return {outcome_kind::retry, describe(http_status, parsed, "unexpected status"), {}};
}

outcome classify(const http::http_error& error) {
  return {outcome_kind::retry, error.message, {}};
}

}  // namespace nv::api
