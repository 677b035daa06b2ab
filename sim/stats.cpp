// Endpoint names and the JSON shape of nvsim's statistics.
#include "sim/stats.hpp"

#include <string>

namespace nv::sim {
namespace {

constexpr std::array<std::string_view, endpoint_count> paths = {
    "/api/v1/user/create", "/api/v1/user/profile",  "/api/v1/user/count",
    "/api/v1/user/delete", "/api/v1/user/userData", "/api/v1/user_event/create",
};

}  // namespace

std::string_view endpoint_path(endpoint e) noexcept {
  return paths[static_cast<std::size_t>(e)];
}

std::optional<endpoint> endpoint_from_path(std::string_view path) noexcept {
  for (std::size_t i = 0; i < paths.size(); ++i)
    if (paths[i] == path) return static_cast<endpoint>(i);
  return std::nullopt;
}

boost::json::object to_json(const endpoint_stats& s, bool with_users) {
  boost::json::object answers;
  for (const auto& [status, count] : s.answers) answers[std::to_string(status)] = count;
  boost::json::object out{
      {"requests", s.requests}, {"answers", std::move(answers)},    {"throttled", s.throttled},
      {"dropped", s.dropped},   {"max_in_window", s.max_in_window},
  };
  if (with_users) {
    out["users_received"] = s.users_received;
    out["distinct_users"] = s.distinct_users;
    out["duplicates_received"] = s.duplicates_received;
  }
  return out;
}

}  // namespace nv::sim
