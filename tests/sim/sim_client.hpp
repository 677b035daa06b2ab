// Helpers shared by nvsim's integration tests: request bodies and answer parsing.
#pragma once

#include "support/https_test_client.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <string>

namespace nv::test::sim {

/// Returns a create body of `count` users "<prefix><first>"…, each with a few attributes.
inline std::string create_body(int count, const std::string& prefix = "user-", int first = 0) {
  std::string body = R"({"nv":[)";
  for (int i = first; i < first + count; ++i) {
    body += fmt::format(
        R"({}{{"userID":"{}{}","user_attributes":{{"email":"{}{}@example.com","gender":"female",)"
        R"("email_opt_in":"1","plan":"gold","visits":{}}}}})",
        i == first ? "" : ",", prefix, i, prefix, i, i);
  }
  return body + "]}";
}

/// Returns the response.status of an answer body ("" when absent).
inline std::string status_of(const http_answer& a) {
  boost::system::error_code ec;
  auto v = boost::json::parse(a.body, ec);
  if (ec || !v.is_object()) return {};
  const auto* r = v.as_object().if_contains("response");
  const auto* s = r && r->is_object() ? r->as_object().if_contains("status") : nullptr;
  return s && s->is_string() ? std::string(s->as_string()) : std::string{};
}

/// Returns stats["endpoints"][path][field] as an integer.
inline std::int64_t stat(const boost::json::value& stats, const std::string& path,
                         const std::string& field) {
  return stats.at("endpoints").at(path).at(field).to_number<std::int64_t>();
}

/// Returns how many answers with `status` the stats record for `path`.
inline std::int64_t answers(const boost::json::value& stats, const std::string& path,
                            const std::string& status) {
  const auto& a = stats.at("endpoints").at(path).at("answers").as_object();
  const auto* n = a.if_contains(status);
  return n ? n->to_number<std::int64_t>() : 0;
}

inline const std::string create_path = "/api/v1/user/create";

}  // namespace nv::test::sim
