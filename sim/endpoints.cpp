// The API endpoints: authentication, rate limits, faults, then each endpoint's work.
#include "sim/endpoints.hpp"

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include <ctime>

namespace nv::sim {
namespace json = boost::json;
namespace dom = simdjson::dom;

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

// Returns the string field `name` of an object body, or nothing.
std::optional<std::string_view> string_field(dom::element body, std::string_view name) {
  std::string_view text;
  if (body[name].get_string().get(text)) return std::nullopt;
  return text;
}

// Returns an integer field within [low, high], `fallback` when absent, nothing when bad.
std::optional<std::int64_t> int_field(dom::element body, std::string_view name,
                                      std::int64_t fallback, std::int64_t low, std::int64_t high) {
  dom::element v;
  if (body[name].get(v)) return fallback;
  std::int64_t n = 0;
  if (v.get_int64().get(n)) return std::nullopt;  // Also a uint64 above INT64_MAX.
  if (n < low || n > high) return std::nullopt;
  return n;
}

struct event_query {
  std::string_view event_name, start, end;
};

std::optional<event_query> read_event_query(dom::element body) {
  auto name = string_field(body, "event_name");
  auto start = string_field(body, "start_date");
  auto end = string_field(body, "end_date");
  if (!name || !start || !end || name->empty() || !is_calendar_date(*start) ||
      !is_calendar_date(*end))
    return std::nullopt;
  return event_query{*name, *start, *end};
}

// Returns a short reason for a body simdjson could not parse.
std::string_view parse_failure(simdjson::error_code code) {
  switch (code) {
    case simdjson::TAPE_ERROR:
      return "improper structure";
    case simdjson::EMPTY:
      return "empty body";
    case simdjson::STRING_ERROR:
    case simdjson::UNCLOSED_STRING:
      return "bad string";
    case simdjson::UNESCAPED_CHARS:
      return "unescaped control character in a string";
    case simdjson::UTF8_ERROR:
      return "invalid UTF-8";
    case simdjson::NUMBER_ERROR:
      return "bad number";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return "bad literal";
    case simdjson::DEPTH_ERROR:
      return "nested too deeply";
    case simdjson::CAPACITY:
      return "body too large";
    default:
      return simdjson::error_message(code);
  }
}

// The DOM parser and the padded copy of a body of one thread serving requests: bodies are
// parsed outside the lock, so threads must not share them. The DOM of a thread's latest body
// stays here until the same thread parses the next. A DOM rather than simdjson's on-demand
// API: the strict checks and the store visit every value of a body, and on bench/sim/run's
// 40 KB body visiting every value on demand took 46 us, against 17.5 us for the DOM parse
// (simdjson 3.0.1, -O3 -march=haswell, same process).
struct body_parser {
  dom::parser parser{max_body_bytes};  // Bounded: a larger body is refused, not parsed.
  std::string padded;                  // Keeps its capacity from one body to the next.
};

body_parser& this_thread_parser() {
  thread_local body_parser parser;
  return parser;
}

// Parses the body into this thread's parser; an answer when it is not a JSON object or holds a
// key twice. `checked_for_duplicates`: the endpoint's check finds duplicate keys itself (on its
// walk of the body), so an object body is not searched here first.
std::optional<answer> parse_body(const request_view& request, dom::element& out,
                                 bool checked_for_duplicates) {
  body_parser& p = this_thread_parser();
  std::string_view body = request.body;
  if (request.body_padding < simdjson::SIMDJSON_PADDING) {
    p.padded.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    p.padded.assign(body);
    body = p.padded;
  }
  if (auto code = p.parser.parse(body.data(), body.size(), false).get(out))
    return error(400, fmt::format("Error: malformed JSON: {}", parse_failure(code)));
  bool object = out.type() == dom::element_type::OBJECT;
  if (!checked_for_duplicates || !object) {
    if (auto key = find_duplicate_key(out))
      return error(400, fmt::format("Error: malformed JSON: duplicate key {}", *key));
  }
  if (!object) return error(400, "Error: body must be a JSON object");
  return std::nullopt;
}

constexpr std::string_view bad_query =
    "Error: event_name, start_date and end_date (YYYY-MM-DD) are required";

}  // namespace

std::string envelope(std::string_view status, std::string_view message) {
  return json::serialize(
      json::object{{"response", json::object{{"status", status}, {"message", message}}}});
}

json::object user_json(const brand_store& store, const stored_user& user) {
  json::object out{{user.anonymous ? "anonymousID" : "userID", user.id}};
  if (!user.attributes.empty()) out["user_attributes"] = store.attributes_json(user);
  return out;
}

answer simulated_api::handle(const request_view& request) {
  std::string_view path = request.target.substr(0, request.target.find('?'));
  if (path.starts_with("/_sim/")) {
    std::lock_guard lock(mutex_);
    return handle_control(request);
  }
  auto e = endpoint_from_path(path);
  if (!e) return error(404, "Error: unknown endpoint");
  return handle_api(*e, request);
}

answer simulated_api::counted(endpoint e, answer a) {
  endpoint_stats& s = stats_[static_cast<std::size_t>(e)];
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

simulated_api::brand_state* simulated_api::admit(endpoint e, const request_view& request,
                                                 answer& refusal) {
  auto index = static_cast<std::size_t>(e);
  ++stats_[index].requests;
  if (request.method != "POST") {
    refusal = error(405, "Error: use POST");
    return nullptr;
  }
  brand_state* brand = authenticate(request);
  if (!brand) {
    refusal = error(401, "Error: invalid x-api-key or x-brand-id");
    return nullptr;
  }
  auto now = rate_window::clock::now();
  brand->peaks[index].arrive(now);
  rate_decision decision = brand->limits[index].arrive(now);
  if (!decision.admitted) {
    ++stats_[index].throttled;
    refusal = error(429, fmt::format("Error: rate limit exceeded, retry after {} seconds",
                                     decision.retry_after.count()));
    refusal.retry_after = decision.retry_after;
    return nullptr;
  }
  if (faults_.drop()) {
    refusal = answer{0, {}, "", {}, true};
    return nullptr;
  }
  if (faults_.fail_5xx()) {
    refusal = error(503, "Error: service temporarily unavailable");
    return nullptr;
  }
  return brand;
}

answer simulated_api::handle_api(endpoint e, const request_view& request) {
  brand_state* brand = nullptr;
  std::shared_ptr<const attribute_types> types;
  {
    std::lock_guard lock(mutex_);
    answer refusal;
    brand = admit(e, request, refusal);
    if (!brand) return counted(e, std::move(refusal));
    types = brand->store.types();
  }
  // Without the lock: the parse and the create check, the bulk of a request's work. The DOM
  // lives in this thread's parser until its next request: the store copies out of it.
  dom::element body;
  std::optional<answer> bad = parse_body(request, body, e == endpoint::user_create);
  check_result checked;
  if (!bad && e == endpoint::user_create) checked = check_create_body(body, *types);

  std::lock_guard lock(mutex_);
  if (bad) return counted(e, std::move(*bad));
  answer a;
  switch (e) {
    case endpoint::user_create:
      // Another request introduced types meanwhile (or a reset forgot them): check again
      // against those, as if this request had come alone. Rare: only new attributes do it.
      if (brand->store.types() != types) checked = check_create_body(body, *brand->store.types());
      a = create_users(*brand, checked);
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
  return counted(e, std::move(a));
}

std::optional<answer> simulated_api::reject_by_rule(const check_result& checked) {
  for (const auto& user : checked.users) {
    if (faults_.rejects_user(user.id))
      return error(400, fmt::format("Error: rejected by a server rule, user {}", user.id));
  }
  return std::nullopt;
}

void simulated_api::store_users(brand_state& brand, const check_result& checked, bool lost) {
  brand.store.add_types(checked.new_types);
  for (const auto& user : checked.users) {
    bool duplicate = brand.store.receive(user, !lost);
    auto& s = stats_[static_cast<std::size_t>(endpoint::user_create)];
    ++s.users_received;
    s.duplicates_received += duplicate;
  }
}

answer simulated_api::create_users(brand_state& brand, const check_result& checked) {
  if (!checked.ok()) return error(400, checked.error);
  if (auto rejected = reject_by_rule(checked)) return *rejected;
  bool queued = faults_.queued();
  store_users(brand, checked, queued && faults_.lose_queued());
  // Written directly: a count and fixed words need no escaping, and this is the hot answer.
  return answer{200, fmt::format(R"({{"response":{{"status":"{}","message":"{} users {}"}}}})",
                                 queued ? "queued" : "success", checked.users.size(),
                                 queued ? "queued" : "processed")};
}

answer simulated_api::create_event(brand_state& brand, dom::element body) {
  check_result checked = check_event_body(body, *brand.store.types());
  if (!checked.ok()) return error(400, checked.error);
  if (auto rejected = reject_by_rule(checked)) return *rejected;
  brand.store.add_types(checked.new_types);
  brand.store.upsert(checked.users.front());
  // check_event_body has checked both fields.
  dom::element nv = body["nv"].value_unsafe();
  std::string_view date;
  bool dated = !nv["date"].get_string().get(date);
  brand.store.add_event({std::string(checked.users.front().id),
                         std::string(nv["event_name"].get_string().value_unsafe()),
                         dated ? std::string(date) : today()});
  return answer{200, envelope("success", "event recorded")};
}

answer simulated_api::delete_user(brand_state& brand, dom::element body) {
  auto id = string_field(body, "userID");
  if (!id || id->empty()) return error(400, "Error: userID is required");
  if (!brand.store.erase(*id))
    return error(404, fmt::format("Error: user not found, user {}", *id));
  return answer{200, envelope("success", "user deleted")};
}

answer simulated_api::user_data(brand_state& brand, dom::element body) {
  auto id = string_field(body, "userID");
  if (!id || id->empty()) return error(400, "Error: userID is required");
  const stored_user* user = brand.store.find(*id);
  if (!user) return error(404, fmt::format("Error: user not found, user {}", *id));
  return success(json::object{{"data", user_json(brand.store, *user)}});
}

answer simulated_api::count_users(brand_state& brand, dom::element body) {
  auto query = read_event_query(body);
  if (!query) return error(400, bad_query);
  auto ids = brand.store.users_with_event(query->event_name, query->start, query->end);
  return success(json::object{{"count", ids.size()}});
}

answer simulated_api::list_profiles(brand_state& brand, dom::element body) {
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
    data.push_back(user ? json::value(user_json(brand.store, *user))
                        : json::value{{"userID", ids[i]}});
  }
  json::value next = last < ids.size() ? json::value(last) : json::value(nullptr);
  return success(json::object{{"data", std::move(data)}, {"next_offset", std::move(next)}});
}

}  // namespace nv::sim
