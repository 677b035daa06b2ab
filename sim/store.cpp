// Upserts, deletes and event queries over one brand's users.
#include "sim/store.hpp"

#include <algorithm>

namespace nv::sim {
namespace {

namespace json = boost::json;

bool same_keys(const json::object& a, const json::object& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a.begin()[i].key() != b.begin()[i].key()) return false;
  return true;
}

// Makes `to` equal to `from`, reusing the memory `to` already holds where the shapes match: a
// re-sent user usually changes values, not the shape of its attributes.
void assign_reusing(json::value& to, const json::value& from) {
  switch (from.kind()) {
    case json::kind::string:
      if (json::string* s = to.if_string()) {
        s->assign(from.get_string());  // Keeps the capacity it has.
        return;
      }
      break;
    case json::kind::object:
      if (json::object* o = to.if_object(); o && same_keys(*o, from.get_object())) {
        for (std::size_t i = 0; i < o->size(); ++i)
          assign_reusing(o->begin()[i].value(), from.get_object().begin()[i].value());
        return;
      }
      break;
    case json::kind::int64:
      to.emplace_int64() = from.get_int64();
      return;
    case json::kind::uint64:
      to.emplace_uint64() = from.get_uint64();
      return;
    case json::kind::double_:
      to.emplace_double() = from.get_double();
      return;
    case json::kind::bool_:
      to.emplace_bool() = from.get_bool();
      return;
    case json::kind::null:
      to.emplace_null();
      return;
    case json::kind::array:
      break;
  }
  to = from;  // Copies out of the request's memory resource into the store's own.
}

// Sets each incoming attribute, keeping the stored ones it does not name.
void merge_attributes(json::object& stored, const json::object& incoming) {
  if (stored.empty()) stored.reserve(incoming.size());
  std::size_t position = 0;
  for (const auto& attr : incoming) {
    // Users of one import share the order of their attributes: try the same position first.
    json::value* slot = nullptr;
    if (position < stored.size() && stored.begin()[position].key() == attr.key())
      slot = &stored.begin()[position].value();
    else if (auto it = stored.find(attr.key()); it != stored.end())
      slot = &it->value();
    if (slot)
      assign_reusing(*slot, attr.value());
    else
      stored.emplace(attr.key(), attr.value());
    ++position;
  }
}

}  // namespace

const std::string& brand_store::key(std::string_view id, bool anonymous) const {
  key_.assign(1, anonymous ? 'a' : 'u');
  key_.append(id);
  return key_;
}

bool brand_store::note_received(const checked_user& user) {
  const std::string& k = key(user.id, user.anonymous);
  if (received_.contains(k)) return true;  // Looked up first: inserting copies the key.
  received_.insert(k);
  return false;
}

void brand_store::upsert(const checked_user& user) {
  const std::string& k = key(user.id, user.anonymous);
  auto it = users_.find(k);  // Looked up first: emplacing copies the key.
  if (it == users_.end()) {
    it = users_.try_emplace(k).first;
    it->second.id = std::string(user.id);
    it->second.anonymous = user.anonymous;
  }
  if (user.attributes) merge_attributes(it->second.attributes, *user.attributes);
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
