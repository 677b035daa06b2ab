// One HTTP request and its answer, as the pool's callers see them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nv::http {

/// A POST to `target` (path and query) with a body and extra headers (name, value).
/// Host, User-Agent, Content-Length and keep-alive are set by the connection.
struct http_request {
  std::string target;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// The answer: status, body and the headers a client acts on.
struct http_response {
  unsigned status = 0;
  std::string body;
  std::optional<std::chrono::seconds> retry_after;  ///< from Retry-After (seconds or HTTP-date)
  std::string content_type;
  bool keep_alive = true;
};

}  // namespace nv::http
