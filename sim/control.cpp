// nvsim's own endpoints (/_sim/stats, /_sim/users, /_sim/reset), set-up and event seeding.
#include "sim/endpoints.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fstream>
#include <stdexcept>

namespace nv::sim {
namespace json = boost::json;

simulated_api::simulated_api(const options& opts) : options_(opts), faults_(opts.faults) {
  for (const auto& credentials : opts.brands) {
    brand_state brand{credentials, {}, {}, {}};
    brand.limits.assign(endpoint_count, rate_window(opts.rate));
    brand.peaks.assign(endpoint_count, window_peak(opts.rate.window));
    brands_.push_back(std::move(brand));
  }
  if (!opts.events_file.empty()) seed_events(opts.events_file);
}

// Each line {"userID","event_name","date"} seeds every brand; a bad line stops start-up.
void simulated_api::seed_events(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read events file " + path);
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    const json::object* o = ec ? nullptr : v.if_object();
    auto field = [&](std::string_view name) -> const json::string* {
      const json::value* f = o ? o->if_contains(name) : nullptr;
      return f ? f->if_string() : nullptr;
    };
    auto id = field("userID"), name = field("event_name"), date = field("date");
    if (!id || !name || !date)
      throw std::runtime_error(
          fmt::format("{}:{}: expected userID, event_name, date", path, number));
    for (auto& brand : brands_)
      brand.store.add_event({std::string(*id), std::string(*name), std::string(*date)}, true);
  }
}

answer simulated_api::handle_control(const request_view& request) {
  std::string_view path = request.target.substr(0, request.target.find('?'));
  if (path == "/_sim/stats" && request.method == "GET")
    return answer{200, json::serialize(stats_json_locked())};
  if (path == "/_sim/users" && request.method == "GET")
    return answer{200, users_ndjson(), "application/x-ndjson"};
  if (path == "/_sim/reset" && request.method == "POST") {
    reset();
    return answer{200, envelope("success", "reset")};
  }
  return answer{404, envelope("error", "Error: unknown control endpoint")};
}

json::object simulated_api::stats_json() const {
  std::lock_guard lock(mutex_);
  return stats_json_locked();
}

json::object simulated_api::stats_json_locked() const {
  json::object endpoints;
  for (std::size_t i = 0; i < endpoint_count; ++i) {
    endpoint_stats s = stats_[i];
    auto e = static_cast<endpoint>(i);
    for (const auto& brand : brands_) {
      s.max_in_window = std::max(s.max_in_window, brand.peaks[i].peak());
      if (e == endpoint::user_create) s.distinct_users += brand.store.size();
    }
    endpoints[endpoint_path(e)] = to_json(s, e == endpoint::user_create);
  }
  json::object brands;
  for (const auto& brand : brands_)
    brands[brand.credentials.brand_id] = json::object{{"users", brand.store.size()}};
  auto window_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.rate.window);
  return json::object{
      {"endpoints", std::move(endpoints)},
      {"brands", std::move(brands)},
      {"rate_limit", options_.rate.requests},
      {"window_ms", window_ms.count()},
  };
}

// One line per stored user: USER on the wire plus the brand it belongs to.
std::string simulated_api::users_ndjson() const {
  std::string out;
  for (const auto& brand : brands_) {
    for (const stored_user* user : brand.store.users()) {
      json::object line = user_json(brand.store, *user);
      line["brand"] = brand.credentials.brand_id;
      out += json::serialize(line);
      out += '\n';
    }
  }
  return out;
}

void simulated_api::reset() {
  for (auto& brand : brands_) {
    brand.store.clear();
    for (auto& limit : brand.limits) limit.clear();
    for (auto& peak : brand.peaks) peak.clear();
  }
  stats_ = {};
}

}  // namespace nv::sim
