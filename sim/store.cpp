// Upserts, deletes and event queries over one brand's users.
#include "sim/store.hpp"

#include <algorithm>

namespace nv::sim {

std::string brand_store::key(std::string_view id, bool anonymous) {
  std::string k;
  k.reserve(id.size() + 1);
  k.push_back(anonymous ? 'a' : 'u');
  k.append(id);
  return k;
}

bool brand_store::note_received(const checked_user& user) {
  return !received_.insert(key(user.id, user.anonymous)).second;
}

void brand_store::upsert(const checked_user& user) {
  auto [it, inserted] = users_.try_emplace(key(user.id, user.anonymous));
  stored_user& stored = it->second;
  if (inserted) {
    stored.id = std::string(user.id);
    stored.anonymous = user.anonymous;
  }
  if (user.attributes) {
    // Copies out of the request's memory resource into the store's own.
    for (const auto& attr : *user.attributes) stored.attributes[attr.key()] = attr.value();
  }
}

bool brand_store::erase(std::string_view user_id) {
  return users_.erase(key(user_id, false)) > 0;
}

const stored_user* brand_store::find(std::string_view user_id) const {
  auto it = users_.find(key(user_id, false));
  return it == users_.end() ? nullptr : &it->second;
}

void brand_store::add_event(user_event event, bool seeded) {
  if (event.date.size() > 10) event.date.resize(10);
  (seeded ? seeded_events_ : events_).push_back(std::move(event));
}

std::vector<std::string> brand_store::users_with_event(std::string_view event_name,
                                                       std::string_view start,
                                                       std::string_view end) const {
  std::vector<std::string> ids;
  for (const auto* list : {&seeded_events_, &events_}) {
    for (const auto& e : *list) {
      if (e.event_name == event_name && e.date >= start && e.date <= end) ids.push_back(e.user_id);
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

void brand_store::clear() {
  users_.clear();
  received_.clear();
  types_.clear();
  events_.clear();
}

}  // namespace nv::sim
