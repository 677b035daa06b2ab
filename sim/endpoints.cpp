// The API endpoints: authentication, rate limits, faults, then each endpoint's work.
#include "sim/endpoints.hpp"

#include <fmt/format.h>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include <ctime>

namespace nv::sim {
namespace json = boost::json;

namespace {

answer error(unsigned status, std::string_view message) {
  return answer{status, envelope("error", message)};
}

answer success(json::object response) {
  response.emplace("status", "success");
  return answer{200, json::serialize(json::object{{"response", std::move(response)}})};
}

std::string today() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &utc);
  return buf;
}

// Returns the string field `name` of an object body, or null.
const json::string* string_field(const json::value& body, std::string_view name) {
  const json::object* o = body.if_object();
  const json::value* v = o ? o->if_contains(name) : nullptr;
  return v ? v->if_string() : nullptr;
}

// Returns an integer field within [low, high], `fallback` when absent, nothing when bad.
std::optional<std::int64_t> int_field(const json::value& body, std::string_view name,
                                      std::int64_t fallback, std::int64_t low, std::int64_t high) {
  const json::value* v = body.get_object().if_contains(name);
  if (!v) return fallback;
  if (!v->is_int64() && !v->is_uint64()) return std::nullopt;
  std::int64_t n = v->is_int64() ? v->get_int64() : static_cast<std::int64_t>(v->get_uint64());
  if (v->is_uint64() && v->get_uint64() > static_cast<std::uint64_t>(high)) return std::nullopt;
  if (n < low || n > high) return std::nullopt;
  return n;
}

struct event_query {
  std::string_view event_name, start, end;
};

std::optional<event_query> read_event_query(const json::value& body) {
  auto name = string_field(body, "event_name");
  auto start = string_field(body, "start_date");
  auto end = string_field(body, "end_date");
  if (!name || !start || !end || name->empty() || !is_calendar_date(*start) ||
      !is_calendar_date(*end))
    return std::nullopt;
  return event_query{*name, *start, *end};
}

constexpr std::string_view bad_query =
    "Error: event_name, start_date and end_date (YYYY-MM-DD) are required";

}  // namespace

std::string envelope(std::string_view status, std::string_view message) {
  return json::serialize(
      json::object{{"response", json::object{{"status", status}, {"message", message}}}});
}

json::object user_json(const stored_user& user) {
  json::object out{{user.anonymous ? "anonymousID" : "userID", user.id}};
  if (!user.attributes.empty()) out["user_attributes"] = user.attributes;
  return out;
}

answer simulated_api::handle(const request_view& request) {
  std::lock_guard lock(mutex_);
  return handle_locked(request);
}

answer simulated_api::handle_locked(const request_view& request) {
  std::string_view path = request.target.substr(0, request.target.find('?'));
  if (path.starts_with("/_sim/")) return handle_control(request);
  auto e = endpoint_from_path(path);
  if (!e) return error(404, "Error: unknown endpoint");
  answer a = handle_api(*e, request);
  endpoint_stats& s = stats_[static_cast<std::size_t>(*e)];
  if (a.drop)
    ++s.dropped;
  else
    ++s.answers[a.status];
  return a;
}

simulated_api::brand_state* simulated_api::authenticate(const request_view& request) {
  for (auto& brand : brands_) {
    if (brand.credentials.brand_id == request.brand_id &&
        brand.credentials.api_key == request.api_key)
      return &brand;
  }
  return nullptr;
}

answer simulated_api::handle_api(endpoint e, const request_view& request) {
  auto index = static_cast<std::size_t>(e);
  ++stats_[index].requests;
  if (request.method != "POST") return error(405, "Error: use POST");
  brand_state* brand = authenticate(request);
  if (!brand) return error(401, "Error: invalid x-api-key or x-brand-id");
  auto now = rate_window::clock::now();
  brand->peaks[index].arrive(now);
  rate_decision decision = brand->limits[index].arrive(now);
  if (!decision.admitted) {
    ++stats_[index].throttled;
    answer a = error(429, fmt::format("Error: rate limit exceeded, retry after {} seconds",
                                      decision.retry_after.count()));
    a.retry_after = decision.retry_after;
    return a;
  }
  if (faults_.drop()) return answer{0, {}, "", {}, true};
  if (faults_.fail_5xx()) return error(503, "Error: service temporarily unavailable");
  // The DOM lives in scratch memory reused by the next request: the store copies out of it,
  // and `body` is destroyed before `memory`.
  json::monotonic_resource memory(scratch_.data(), scratch_.size());
  json::value body((json::storage_ptr(&memory)));  // Same storage as the parse: a move, no copy.
  if (auto bad = parse_body(request.body, body.storage(), body)) return *bad;
  answer a;
  switch (e) {
    case endpoint::user_create:
      a = create_users(*brand, body);
      break;
    case endpoint::user_event_create:
      a = create_event(*brand, body);
      break;
    case endpoint::user_delete:
      a = delete_user(*brand, body);
      break;
    case endpoint::user_data:
      a = user_data(*brand, body);
      break;
    case endpoint::user_count:
      a = count_users(*brand, body);
      break;
    case endpoint::user_profile:
      a = list_profiles(*brand, body);
      break;
  }
  a.delay = faults_.delay();
  return a;
}

std::optional<answer> simulated_api::parse_body(std::string_view body, json::storage_ptr memory,
                                                json::value& out) {
  // The parser keeps its stack between requests; reset() hands it this request's storage.
  boost::system::error_code ec;
  parser_.reset(std::move(memory));
  parser_.write(body, ec);
  if (ec) {
    parser_.reset();  // Drops the partial DOM while its storage is still alive.
    return error(400, fmt::format("Error: malformed JSON: {}", ec.message()));
  }
  out = parser_.release();
  if (!out.is_object()) return error(400, "Error: body must be a JSON object");
  return std::nullopt;
}

std::optional<answer> simulated_api::reject_by_rule(const check_result& checked) {
  for (const auto& user : checked.users) {
    if (faults_.rejects_user(user.id))
      return error(400, fmt::format("Error: rejected by a server rule, user {}", user.id));
  }
  return std::nullopt;
}

void simulated_api::store_users(brand_state& brand, const check_result& checked, bool lost) {
  commit_types(brand.store.types(), checked);
  for (const auto& user : checked.users) {
    bool duplicate = brand.store.note_received(user);
    if (!lost) brand.store.upsert(user);
    auto& s = stats_[static_cast<std::size_t>(endpoint::user_create)];
    ++s.users_received;
    s.duplicates_received += duplicate;
  }
}

answer simulated_api::create_users(brand_state& brand, const json::value& body) {
  check_result checked = check_create_body(body, brand.store.types());
  if (!checked.ok()) return error(400, checked.error);
  if (auto rejected = reject_by_rule(checked)) return *rejected;
  bool queued = faults_.queued();
  store_users(brand, checked, queued && faults_.lose_queued());
  auto message = fmt::format("{} users {}", checked.users.size(), queued ? "queued" : "processed");
  return answer{200, envelope(queued ? "queued" : "success", message)};
}

answer simulated_api::create_event(brand_state& brand, const json::value& body) {
  check_result checked = check_event_body(body, brand.store.types());
  if (!checked.ok()) return error(400, checked.error);
  if (auto rejected = reject_by_rule(checked)) return *rejected;
  commit_types(brand.store.types(), checked);
  brand.store.upsert(checked.users.front());
  const json::object& nv = body.at("nv").get_object();
  const json::value* date = nv.if_contains("date");
  brand.store.add_event({std::string(checked.users.front().id),
                         std::string(nv.at("event_name").get_string()),
                         date ? std::string(date->get_string()) : today()});
  return answer{200, envelope("success", "event recorded")};
}

answer simulated_api::delete_user(brand_state& brand, const json::value& body) {
  const json::string* id = string_field(body, "userID");
  if (!id || id->empty()) return error(400, "Error: userID is required");
  if (!brand.store.erase(*id))
    return error(404, fmt::format("Error: user not found, user {}", std::string_view(*id)));
  return answer{200, envelope("success", "user deleted")};
}

answer simulated_api::user_data(brand_state& brand, const json::value& body) {
  const json::string* id = string_field(body, "userID");
  if (!id || id->empty()) return error(400, "Error: userID is required");
  const stored_user* user = brand.store.find(*id);
  if (!user)
    return error(404, fmt::format("Error: user not found, user {}", std::string_view(*id)));
  return success(json::object{{"data", user_json(*user)}});
}

answer simulated_api::count_users(brand_state& brand, const json::value& body) {
  auto query = read_event_query(body);
  if (!query) return error(400, bad_query);
  auto ids = brand.store.users_with_event(query->event_name, query->start, query->end);
  return success(json::object{{"count", ids.size()}});
}

answer simulated_api::list_profiles(brand_state& brand, const json::value& body) {
  auto query = read_event_query(body);
  if (!query) return error(400, bad_query);
  auto batch_size = int_field(body, "batch_size", 100, 1, 1000);
  auto offset = int_field(body, "offset", 0, 0, INT64_MAX);
  if (!batch_size || !offset) return error(400, "Error: batch_size 1-1000 and offset >= 0");
  auto ids = brand.store.users_with_event(query->event_name, query->start, query->end);
  json::array data;
  auto first = static_cast<std::size_t>(std::min<std::int64_t>(*offset, ids.size()));
  auto last = std::min(ids.size(), first + static_cast<std::size_t>(*batch_size));
  for (std::size_t i = first; i < last; ++i) {
    const stored_user* user = brand.store.find(ids[i]);
    data.push_back(user ? json::value(user_json(*user)) : json::value{{"userID", ids[i]}});
  }
  json::value next = last < ids.size() ? json::value(last) : json::value(nullptr);
  return success(json::object{{"data", std::move(data)}, {"next_offset", std::move(next)}});
}

}  // namespace nv::sim
