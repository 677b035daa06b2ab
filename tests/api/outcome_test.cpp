// Table-driven tests for outcome classification.
#include "nv/api/outcome.hpp"

#include <doctest/doctest.h>

using namespace nv::api;
using namespace std::chrono_literals;

namespace {

answer parse(std::string body) {
  static answer_parser parser;
  return parser.parse(body);
}

struct row {
  unsigned status;
  const char* body;
  std::optional<std::chrono::seconds> retry_after;
  outcome_kind kind;
  const char* message;
  std::optional<std::chrono::seconds> kept_retry_after;
};

}  // namespace

TEST_CASE("classify: every case of the table") {
  const auto ok = R"({"response":{"status":"success","message":"done"}})";
  const row rows[] = {
      // Success and queued.
      {200, ok, {}, outcome_kind::ok, "done", {}},
      {200, R"({"status":"success"})", {}, outcome_kind::ok, "", {}},
      {202, R"({"response":{"status":"queued"}})", {}, outcome_kind::queued, "", {}},
      // 2xx refusing the content.
      {200,
       R"({"response":{"status":"error","message":"Error: userId and anonymousId cannot be empty."}})",
       {},
       outcome_kind::permanent,
       "Error: userId and anonymousId cannot be empty.",
       {}},
      {200,
       R"({"response":{"status":"error"}})",
       {},
       outcome_kind::permanent,
       "HTTP 200: status error",
       {}},
      // 2xx we cannot read: retry.
      {200, "<html>ok</html>", {}, outcome_kind::retry, "HTTP 200: the answer is not JSON", {}},
      {200,
       R"({"response":{}})",
       {},
       outcome_kind::retry,
       "HTTP 200: the answer has no status",
       {}},
      {200,
       R"({"response":{"status":"later"}})",
       {},
       outcome_kind::retry,
       "HTTP 200: unknown status \"later\"",
       {}},
      // Throttled: by status, or by message whatever the status.
      {429, "", 30s, outcome_kind::throttled, "HTTP 429: rate limit exceeded", 30s},
      {429,
       R"({"response":{"status":"error","message":"Too many"}})",
       {},
       outcome_kind::throttled,
       "Too many",
       {}},
      {200, R"({"response":{"status":"error","message":"Rate Limit exceeded"}})", 5s,
       outcome_kind::throttled, "Rate Limit exceeded", 5s},
      {400,
       R"({"message":"rate limit: 500 per minute"})",
       {},
       outcome_kind::throttled,
       "rate limit: 500 per minute",
       {}},
      {503,
       R"({"response":{"status":"error","message":"rate limit"}})",
       {},
       outcome_kind::throttled,
       "rate limit",
       {}},
      // Authentication: stop at once, even with a rate-limit message.
      {401,
       R"({"response":{"status":"error","message":"Invalid API key"}})",
       {},
       outcome_kind::auth_failed,
       "Invalid API key",
       {}},
      {403, "", {}, outcome_kind::auth_failed, "HTTP 403: authentication refused", {}},
      {403, R"({"message":"rate limit"})", {}, outcome_kind::auth_failed, "rate limit", {}},
      // Transient.
      {500, "", {}, outcome_kind::retry, "HTTP 500: server error", {}},
      {502, "<html>Bad gateway</html>", {}, outcome_kind::retry, "HTTP 502: server error", {}},
      {503, "", 10s, outcome_kind::retry, "HTTP 503: server error", 10s},
      {408, "", {}, outcome_kind::retry, "HTTP 408: server error", {}},
      // Refused for content.
      {400,
       R"({"response":{"status":"error","message":"Error: bad record"}})",
       {},
       outcome_kind::permanent,
       "Error: bad record",
       {}},
      {413, "", {}, outcome_kind::permanent, "HTTP 413: request refused", {}},
      {404, "", {}, outcome_kind::permanent, "HTTP 404: request refused", {}},
      // Neither: a redirect means a wrong URL; bisecting would not help.
      {301, "", {}, outcome_kind::retry, "HTTP 301: unexpected status", {}},
  };
  for (const auto& r : rows) {
    CAPTURE(r.status);
    CAPTURE(r.body);
    const auto result = classify(r.status, parse(r.body), r.retry_after);
    CHECK(kind_name(result.kind) == kind_name(r.kind));
    CHECK(result.message == r.message);
    CHECK(result.retry_after == r.kept_retry_after);
  }
}

TEST_CASE("classify: a transport failure is transient with its message") {
  const nv::http::http_error error{nv::http::error_kind::timeout,
                                   "timed out reading the answer with h:443", true};
  const auto result = classify(error);
  CHECK(result.kind == outcome_kind::retry);
  CHECK(result.message == "timed out reading the answer with h:443");
}

TEST_CASE("classify: kind names are stable") {
  CHECK(kind_name(outcome_kind::ok) == "ok");
  CHECK(kind_name(outcome_kind::queued) == "queued");
  CHECK(kind_name(outcome_kind::throttled) == "throttled");
  CHECK(kind_name(outcome_kind::retry) == "retry");
  CHECK(kind_name(outcome_kind::permanent) == "permanent");
  CHECK(kind_name(outcome_kind::auth_failed) == "auth_failed");
}
