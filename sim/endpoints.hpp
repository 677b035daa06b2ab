// The simulated API: authentication, rate limits, faults and every endpoint of API.md, answering
// one parsed HTTP request at a time. Transport-free, so the session and unit tests share it.
//
// Assumed shapes (API.md is silent), all decided here:
//  - userData and delete of an unknown user answer HTTP 404 with
//    {"response":{"status":"error","message":"Error: user not found, user <id>"}}.
//  - count answers {"response":{"status":"success","count":N}}; profile answers
//    {"response":{"status":"success","data":[USER…],"next_offset":K|null}}, users ordered by id.
//  - user_event/create takes {"nv":{"userID"|"anonymousID", "user_attributes"?, "event_name",
//    "date"?: "YYYY-MM-DD", "attributes"?}} and records the event (today when no date).
//  - Throttling: HTTP 429, Retry-After in whole seconds, message "Error: rate limit exceeded …".
//  - --drop closes before the request is processed (nothing stored); --delay-ms delays the answer
//    after processing.
#pragma once

#include "sim/faults.hpp"
#include "sim/options.hpp"
#include "sim/rate_window.hpp"
#include "sim/stats.hpp"
#include "sim/store.hpp"

#include <simdjson.h>
#include <boost/json/object.hpp>

#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nv::sim {

/// The largest request body nvsim reads and parses; beyond it the client gets 413. Well above a
/// 100-user body of maximal attributes.
inline constexpr std::size_t max_body_bytes = 16u << 20;

/// The parts of an HTTP request the API looks at.
struct request_view {
  std::string_view method;  ///< "POST", "GET", …
  std::string_view target;
  std::string_view api_key;   ///< x-api-key
  std::string_view brand_id;  ///< x-brand-id
  std::string_view body;
  /// Readable bytes after the body's end: with SIMDJSON_PADDING of them the body is parsed in
  /// place, otherwise it is first copied into a padded buffer.
  std::size_t body_padding = 0;
};

/// What to send back, or that the connection is to be closed without an answer.
struct answer {
  unsigned status = 200;
  std::string body;
  std::string_view content_type = "application/json";
  std::optional<std::chrono::seconds> retry_after;
  bool drop = false;
  std::chrono::milliseconds delay{0};
};

/// The in-memory API of every configured brand. Thread-safe: a request's body is parsed and
/// checked without the lock, so threads serving connections do that work side by side; the
/// store, the rate windows and the statistics change under one lock and stay exact.
class simulated_api {
 public:
  /// Creates the brands and seeds events from options.events_file. Throws std::runtime_error
  /// when that file cannot be read (start-up only).
  explicit simulated_api(const options& opts);

  /// Answers one request (API endpoints and the /_sim/ control endpoints).
  answer handle(const request_view& request);

  /// Returns the statistics as served by GET /_sim/stats.
  boost::json::object stats_json() const;

 private:
  struct brand_state {
    brand_credentials credentials;
    brand_store store;
    std::vector<rate_window> limits;  // One per endpoint.
    std::vector<window_peak> peaks;   // One per endpoint.
  };

  boost::json::object stats_json_locked() const;
  answer handle_api(endpoint e, const request_view& request);
  answer handle_control(const request_view& request);
  brand_state* authenticate(const request_view& request);
  // Counts the request and applies what comes before its body: method, credentials, the rate
  // window, and the faults that answer without reading it. Returns the brand, or null with
  // `refusal` set. The lock must be held.
  brand_state* admit(endpoint e, const request_view& request, answer& refusal);
  // Counts `a` among the endpoint's answers and returns it. The lock must be held.
  answer counted(endpoint e, answer a);

  answer create_users(brand_state& brand, const check_result& checked);
  answer create_event(brand_state& brand, simdjson::dom::element body);
  answer delete_user(brand_state& brand, simdjson::dom::element body);
  answer user_data(brand_state& brand, simdjson::dom::element body);
  answer count_users(brand_state& brand, simdjson::dom::element body);
  answer list_profiles(brand_state& brand, simdjson::dom::element body);
  std::optional<answer> reject_by_rule(const check_result& checked);
  void store_users(brand_state& brand, const check_result& checked, bool lost);

  std::string users_ndjson() const;
  void reset();
  void seed_events(const std::string& path);

  options options_;
  std::vector<brand_state> brands_;  // Never resized after construction: held by pointer.
  fault_injector faults_;
  stats_table stats_;
  mutable std::mutex mutex_;  // Guards all of the above.
};

/// Returns {"response":{"status":S,"message":M}} serialised.
std::string envelope(std::string_view status, std::string_view message);

/// Returns a user of `store` as USER on the wire: {"userID"|"anonymousID", attributes}.
boost::json::object user_json(const brand_store& store, const stored_user& user);

}  // namespace nv::sim
