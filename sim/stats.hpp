// What nvsim observed per endpoint: requests, answers, throttling, users; served as JSON.
#pragma once

#include <boost/json/object.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>

namespace nv::sim {

/// The API endpoints nvsim serves (API.md's table).
enum class endpoint : std::uint8_t {
  user_create,
  user_profile,
  user_count,
  user_delete,
  user_data,
  user_event_create,
};

inline constexpr std::size_t endpoint_count = 6;

/// Returns the path of an endpoint, e.g. "/api/v1/user/create".
std::string_view endpoint_path(endpoint e) noexcept;

/// Returns the endpoint served at `path`, or nothing.
std::optional<endpoint> endpoint_from_path(std::string_view path) noexcept;

/// Counters of one endpoint, summed over brands.
struct endpoint_stats {
  std::uint64_t requests = 0;
  std::map<unsigned, std::uint64_t> answers;  ///< HTTP status → count.
  std::uint64_t throttled = 0;
  std::uint64_t dropped = 0;
  std::uint64_t max_in_window = 0;        ///< Filled in when the JSON is made.
  std::uint64_t users_received = 0;       ///< Create: users in bodies that passed the checks.
  std::uint64_t duplicates_received = 0;  ///< Create: users whose identity had arrived before.
  std::uint64_t distinct_users = 0;       ///< Create: users stored now, filled in for the JSON.
};

/// Returns the JSON of one endpoint's counters; the user counters only for user/create.
boost::json::object to_json(const endpoint_stats& s, bool with_users);

/// All endpoints' counters, indexed by endpoint.
using stats_table = std::array<endpoint_stats, endpoint_count>;

}  // namespace nv::sim
