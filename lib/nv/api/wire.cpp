// The wire contract: endpoint paths and the bodies of the (assumed) endpoints.
#include "nv/api/wire.hpp"

#include "nv/record/json_escape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace nv::api {

std::string_view path(endpoint which) noexcept {
  switch (which) {
    case endpoint::create:
      return "/api/v1/user/create";
    case endpoint::profile:
      return "/api/v1/user/profile";
    case endpoint::count:
      return "/api/v1/user/count";
    case endpoint::delete_user:
      return "/api/v1/user/delete";
    case endpoint::user_data:
      return "/api/v1/user/userData";
    case endpoint::user_event:
      return "/api/v1/user_event/create";
  }
  return "";
}

std::string_view name(endpoint which) noexcept {
  switch (which) {
    case endpoint::create:
      return "create";
    case endpoint::profile:
      return "profile";
    case endpoint::count:
      return "count";
    case endpoint::delete_user:
      return "delete";
    case endpoint::user_data:
      return "user_data";
    case endpoint::user_event:
      return "user_event";
  }
  return "unknown";
}

namespace wire {

bool mentions_rate_limit(std::string_view message) noexcept {
  const auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  const auto found =
      std::search(message.begin(), message.end(), throttled_phrase.begin(), throttled_phrase.end(),
                  [&](char a, char b) { return lower(a) == lower(b); });
  return found != message.end();
}

void append_json_string(std::string& out, std::string_view text) {
  // The same escaping as the user records: one implementation of JSON strings in the project.
  record::append_json_string(out, text);
}

std::string user_id_body(std::string_view user_id) {
  std::string body = R"({"userID":)";
  append_json_string(body, user_id);
  body.push_back('}');
  return body;
}

namespace {

void append_event_query(std::string& body, std::string_view event_name, std::string_view start_date,
                        std::string_view end_date) {
  body += R"({"event_name":)";
  append_json_string(body, event_name);
  body += R"(,"start_date":)";
  append_json_string(body, start_date);
  body += R"(,"end_date":)";
  append_json_string(body, end_date);
}

}  // namespace

std::string count_body(std::string_view event_name, std::string_view start_date,
                       std::string_view end_date) {
  std::string body;
  append_event_query(body, event_name, start_date, end_date);
  body.push_back('}');
  return body;
}

std::string profile_body(std::string_view event_name, std::string_view start_date,
                         std::string_view end_date, std::uint64_t batch_size,
                         std::uint64_t offset) {
  std::string body;
  append_event_query(body, event_name, start_date, end_date);
  fmt::format_to(std::back_inserter(body), R"(,"batch_size":{},"offset":{}}})", batch_size, offset);
  return body;
}

}  // namespace wire
}  // namespace nv::api
