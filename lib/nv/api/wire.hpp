// The wire contract of API.md in one place: endpoints, headers, body shapes and every
// (assumed) point, so a correction to the contract is a change to this file and wire.cpp only.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace nv::api {

/// The API's endpoints; each has its own rate budget.
enum class endpoint : std::uint8_t { create, profile, count, delete_user, user_data, user_event };

/// The number of endpoints, for per-endpoint arrays.
inline constexpr std::size_t endpoint_count = 6;

/// Every endpoint, in enum order.
inline constexpr std::array<endpoint, endpoint_count> all_endpoints = {
    endpoint::create,      endpoint::profile,   endpoint::count,
    endpoint::delete_user, endpoint::user_data, endpoint::user_event};

/// Returns the request path, e.g. "/api/v1/user/create".
std::string_view path(endpoint which) noexcept;

/// Returns the stable short name for logs and metrics: create, profile, count, delete,
/// user_data, user_event.
std::string_view name(endpoint which) noexcept;

/// Returns the array index of an endpoint.
constexpr std::size_t index(endpoint which) noexcept {
  return static_cast<std::size_t>(which);
}

/// The contract's facts and assumptions, as data.
namespace wire {

inline constexpr std::string_view default_base_url = "https://analytics.notifyvisitors.com";
inline constexpr std::string_view header_api_key = "x-api-key";
inline constexpr std::string_view header_brand_id = "x-brand-id";
inline constexpr std::size_t max_users_per_request = 100;
/// Documented: 500 requests per minute per endpoint.
inline constexpr std::string_view default_rate = "500/60s";

/// (assumed) The answer's status stands in {"response":{…}} and may also stand at the top
/// level; the response object wins when both are present.
inline constexpr std::string_view envelope_key = "response";
inline constexpr std::string_view status_success = "success";
inline constexpr std::string_view status_queued = "queued";
inline constexpr std::string_view status_error = "error";
/// (assumed) field names of the profile, count and userData answers.
inline constexpr std::string_view count_key = "count";
inline constexpr std::string_view data_key = "data";
inline constexpr std::string_view next_offset_key = "next_offset";  ///< null at the end

/// (assumed) The server signals throttling with HTTP 429 and/or a message mentioning this
/// phrase (compared case-insensitively); it may send Retry-After.
inline constexpr unsigned throttled_status = 429;
inline constexpr std::string_view throttled_phrase = "rate limit";

/// Returns true when an answer's message says the rate limit was exceeded.
bool mentions_rate_limit(std::string_view message) noexcept;

/// (assumed) Body of delete and userData: {"userID":"…"}.
std::string user_id_body(std::string_view user_id);

/// (assumed) Body of count: {"event_name":S,"start_date":"YYYY-MM-DD","end_date":"YYYY-MM-DD"}.
std::string count_body(std::string_view event_name, std::string_view start_date,
                       std::string_view end_date);

/// (assumed) Body of profile: the count body plus "batch_size":N and "offset":K.
std::string profile_body(std::string_view event_name, std::string_view start_date,
                         std::string_view end_date, std::uint64_t batch_size, std::uint64_t offset);

/// Appends `text` as a JSON string literal (quotes, escapes, control characters as \u00XX).
void append_json_string(std::string& out, std::string_view text);

}  // namespace wire
}  // namespace nv::api
