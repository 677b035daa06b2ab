// Upserts, deletes and event queries over one brand's users.
#include "sim/store.hpp"

#include <algorithm>
#include <cstring>

namespace nv::sim {
namespace {

namespace json = boost::json;

namespace dom = simdjson::dom;

bool same_keys(const json::object& a, dom::object b) {
  if (a.size() != b.size()) return false;
  std::size_t i = 0;
  for (auto [key, value] : b)
    if (!same_text(a.begin()[i++].key(), key)) return false;
  return true;
}

// Returns a copy of a request's value in the store's own memory.
json::value to_json(dom::element from) {
  switch (from.type()) {
    case dom::element_type::STRING:
      return json::string(from.get_string().value_unsafe());
    case dom::element_type::INT64:
      return from.get_int64().value_unsafe();
    case dom::element_type::UINT64:
      return from.get_uint64().value_unsafe();
    case dom::element_type::DOUBLE:
      return from.get_double().value_unsafe();
    case dom::element_type::BOOL:
      return from.get_bool().value_unsafe();
    case dom::element_type::NULL_VALUE:
      return nullptr;
    case dom::element_type::ARRAY: {
      json::array out;
      dom::array array =
          from.get_array().value_unsafe();  // A local: iterating a temporary dangles.
      for (dom::element v : array) out.push_back(to_json(v));
      return out;
    }
    case dom::element_type::OBJECT:
      break;
  }
  json::object out;
  dom::object object = from.get_object().value_unsafe();
  for (auto [key, value] : object) out.emplace(key, to_json(value));
  return out;
}

// Makes `to` equal to `from`, reusing the memory `to` already holds where the shapes match: a
// re-sent user usually changes values, not the shape of its attributes. value_unsafe() is safe:
// each follows a check of the element's type.
void assign_reusing(json::value& to, dom::element from) {
  switch (from.type()) {
    case dom::element_type::STRING:
      if (json::string* s = to.if_string()) {
        std::string_view text = from.get_string().value_unsafe();
        // A re-sent value mostly keeps its length: overwrite in place, sparing a call into
        // Boost.JSON; otherwise assign, which keeps the capacity the string has.
        if (s->size() == text.size())
          std::memcpy(s->data(), text.data(), text.size());
        else
          s->assign(text);
        return;
      }
      break;
    case dom::element_type::OBJECT: {
      dom::object object = from.get_object().value_unsafe();
      if (json::object* o = to.if_object(); o && same_keys(*o, object)) {
        std::size_t i = 0;
        for (auto [key, value] : object) assign_reusing(o->begin()[i++].value(), value);
        return;
      }
      break;
    }
    case dom::element_type::INT64:
      to.emplace_int64() = from.get_int64().value_unsafe();
      return;
    case dom::element_type::UINT64:
      to.emplace_uint64() = from.get_uint64().value_unsafe();
      return;
    case dom::element_type::DOUBLE:
      to.emplace_double() = from.get_double().value_unsafe();
      return;
    case dom::element_type::BOOL:
      to.emplace_bool() = from.get_bool().value_unsafe();
      return;
    case dom::element_type::NULL_VALUE:
      to.emplace_null();
      return;
    case dom::element_type::ARRAY:
      break;
  }
  to = to_json(from);
}

// Sets each incoming attribute, keeping the stored ones it does not name.
void merge_attributes(json::object& stored, dom::object incoming) {
  if (stored.empty()) stored.reserve(incoming.size());
  std::size_t position = 0;
  for (auto [key, value] : incoming) {
    // Users of one import share the order of their attributes: try the same position first.
    json::value* slot = nullptr;
    if (position < stored.size() && same_text(stored.begin()[position].key(), key))
      slot = &stored.begin()[position].value();
    else if (auto it = stored.find(key); it != stored.end())
      slot = &it->value();
    if (slot)
      assign_reusing(*slot, value);
    else
      stored.emplace(key, to_json(value));
    ++position;
  }
}

}  // namespace

const std::string& brand_store::key(std::string_view id, bool anonymous) const {
  key_.assign(1, anonymous ? 'a' : 'u');
  key_.append(id);
  return key_;
}

brand_store::identity& brand_store::entry(const checked_user& user) {
  const std::string& k = key(user.id, user.anonymous);
  if (auto found = index_.find(std::string_view(k)); found != index_.end())
    return found->second;  // Looked up first: emplacing copies the key.
  return index_.emplace(k, identity{}).first->second;
}

void brand_store::store(identity& slot, const checked_user& user) {
  if (!slot.user) {
    slot.user = &users_.try_emplace(key(user.id, user.anonymous)).first->second;
    slot.user->id = std::string(user.id);
    slot.user->anonymous = user.anonymous;
  }
  if (user.attributes) merge_attributes(slot.user->attributes, *user.attributes);
}

bool brand_store::receive(const checked_user& user, bool keep) {
  identity& slot = entry(user);
  bool duplicate = slot.received;
  slot.received = true;
  if (keep) store(slot, user);
  return duplicate;
}

void brand_store::upsert(const checked_user& user) {
  store(entry(user), user);
}

bool brand_store::erase(std::string_view user_id) {
  const std::string& k = key(user_id, false);
  auto found = index_.find(std::string_view(k));
  if (found == index_.end() || !found->second.user) return false;
  found->second.user = nullptr;
  if (!found->second.received) index_.erase(found);
  users_.erase(k);
  return true;
}

const stored_user* brand_store::find(std::string_view user_id) const {
  auto it = index_.find(std::string_view(key(user_id, false)));
  return it == index_.end() ? nullptr : it->second.user;
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

void brand_store::add_types(const attribute_types& introduced) {
  if (introduced.empty()) return;  // The usual case: a body of known attributes.
  auto more = std::make_shared<attribute_types>(*types_);
  for (const auto& [name, type] : introduced) more->emplace(name, type);
  types_ = std::move(more);
}

void brand_store::clear() {
  users_.clear();
  index_.clear();
  types_ = std::make_shared<const attribute_types>();
  events_.clear();
}

}  // namespace nv::sim
