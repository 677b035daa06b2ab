// Upserts, deletes and event queries over one brand's users.
#include "sim/store.hpp"

#include <algorithm>
#include <cstring>
#include <functional>

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

// Returns a copy of a request's value in `storage`, each part built once by the constructor
// that takes it: no null value first made and then replaced. value_unsafe() is safe: each
// follows a check of the element's type.
json::value copy_of(dom::element from, const json::storage_ptr& storage) {
  switch (from.type()) {
    case dom::element_type::STRING:
      return json::value(json::string_view(from.get_string().value_unsafe()), storage);
    case dom::element_type::INT64:
      return json::value(from.get_int64().value_unsafe(), storage);
    case dom::element_type::UINT64:
      return json::value(from.get_uint64().value_unsafe(), storage);
    case dom::element_type::DOUBLE:
      return json::value(from.get_double().value_unsafe(), storage);
    case dom::element_type::BOOL:
      return json::value(from.get_bool().value_unsafe(), storage);
    case dom::element_type::NULL_VALUE:
      return json::value(nullptr, storage);
    case dom::element_type::ARRAY: {
      dom::array array = from.get_array().value_unsafe();  // A local: a temporary dangles.
      json::array out(storage);
      out.reserve(array.size());
      for (dom::element v : array) out.push_back(copy_of(v, storage));
      return json::value(std::move(out));
    }
    case dom::element_type::OBJECT:
      break;
  }
  dom::object object = from.get_object().value_unsafe();
  json::object out(storage);
  out.reserve(object.size());
  for (auto [key, value] : object) out.emplace(key, copy_of(value, storage));  // Names distinct.
  return json::value(std::move(out));
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
  to = copy_of(from, to.storage());
}

// Returns the hash of an identity; a userID and an anonymousID of the same spelling differ.
std::uint64_t identity_hash(std::string_view id, bool anonymous) {
  std::uint64_t h = std::hash<std::string_view>{}(id);
  return anonymous ? h ^ 0x9e3779b97f4a7c15u : h;
}

}  // namespace

std::uint32_t brand_store::locate(std::string_view id, bool anonymous, std::uint64_t hash) const {
  if (places_.empty()) return 0;
  std::size_t mask = places_.size() - 1;
  auto tag = static_cast<std::uint32_t>(hash >> 32);
  for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
    const place& p = places_[at];
    if (p.position == 0) return 0;
    if (p.tag != tag) continue;
    const stored_user& candidate = identities_[p.position - 1].user;
    if (candidate.anonymous == anonymous && same_text(candidate.id, id)) return p.position;
  }
}

void brand_store::index(std::uint32_t position) {
  std::size_t mask = places_.size() - 1;
  std::uint64_t hash = identities_[position - 1].hash;
  std::size_t at = hash & mask;
  while (places_[at].position != 0) at = (at + 1) & mask;
  places_[at] = {static_cast<std::uint32_t>(hash >> 32), position};
}

brand_store::identity& brand_store::entry(const checked_user& user) {
  std::uint64_t hash = identity_hash(user.id, user.anonymous);
  if (std::uint32_t known = locate(user.id, user.anonymous, hash)) return identities_[known - 1];
  if ((identities_.size() + 1) * 2 > places_.size()) {
    // Twice the size, each identity placed again from the hash it keeps.
    places_.assign(std::max<std::size_t>(64, places_.size() * 2), place{});
    for (std::size_t i = 0; i < identities_.size(); ++i) index(static_cast<std::uint32_t>(i + 1));
  }
  identities_.emplace_back(user.id, user.anonymous, hash);
  index(static_cast<std::uint32_t>(identities_.size()));
  return identities_.back();
}

void brand_store::store(identity& slot, const checked_user& user) {
  if (!slot.stored) {
    slot.stored = true;
    ++stored_;
  }
  if (user.attributes) merge(slot.user.attributes, *user.attributes);
}

std::uint32_t brand_store::remember_name(std::size_t position, std::string_view name) {
  std::uint32_t index;
  if (auto it = name_index_.find(name); it != name_index_.end()) {
    index = it->second;
  } else {
    index = static_cast<std::uint32_t>(names_.size());
    names_.emplace_back(name);
    name_texts_.push_back(names_.back());
    name_index_.emplace(names_.back(), index);
  }
  if (position >= name_memo_.size()) name_memo_.resize(position + 1);
  name_memo_[position] = {name_texts_[index], index};
  return index;
}

void brand_store::merge(std::vector<stored_attribute>& stored, dom::object incoming) {
  json::storage_ptr pool(pool_.get());
  // Only the attributes the user had before are searched: the checks have refused a name
  // given twice, so none appended by this merge can be named again. A new user (the insert
  // path of an import) has none, and takes every attribute as it comes. The sizes are kept in
  // locals: the calls below would make the compiler reload and divide them per attribute.
  const std::size_t known = stored.size();
  if (known == 0) stored.reserve(incoming.size());
  std::size_t remembered = name_memo_.size();
  std::size_t at = 0;
  for (auto [key, value] : incoming) {
    // Users of one import share the names and order of their attributes: a re-sent user's
    // attribute is mostly the stored one at the same position, found by one comparison.
    std::size_t found = at;
    if (found >= known || !same_text(name_texts_[stored[found].name], key)) {
      std::uint32_t name;
      if (at < remembered && same_text(name_memo_[at].text, key)) {
        name = name_memo_[at].index;
      } else {
        name = remember_name(at, key);
        remembered = name_memo_.size();
      }
      found = 0;
      while (found < known && stored[found].name != name) ++found;
      if (found == known) {
        stored.push_back({name, copy_of(value, pool)});
        ++at;
        continue;
      }
    }
    assign_reusing(stored[found].value, value);
    ++at;
  }
}

json::object brand_store::attributes_json(const stored_user& user) const {
  json::object out;
  out.reserve(user.attributes.size());
  for (const auto& a : user.attributes) out.emplace(name_texts_[a.name], a.value);
  return out;
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
  std::uint32_t position = locate(user_id, false, identity_hash(user_id, false));
  if (position == 0 || !identities_[position - 1].stored) return false;
  identity& found = identities_[position - 1];
  // The identity stays, as received or not: a re-sent user is still a duplicate.
  found.stored = false;
  found.user.attributes = {};
  --stored_;
  return true;
}

const stored_user* brand_store::find(std::string_view user_id) const {
  std::uint32_t position = locate(user_id, false, identity_hash(user_id, false));
  if (position == 0 || !identities_[position - 1].stored) return nullptr;
  return &identities_[position - 1].user;
}

std::vector<const stored_user*> brand_store::users() const {
  std::vector<const stored_user*> out;
  out.reserve(stored_);
  for (const auto& known : identities_)
    if (known.stored) out.push_back(&known.user);
  std::sort(out.begin(), out.end(), [](const stored_user* a, const stored_user* b) {
    if (a->anonymous != b->anonymous) return a->anonymous;
    return a->id < b->id;
  });
  return out;
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
  identities_.clear();
  pool_->release();
  names_.clear();
  name_texts_.clear();
  name_index_.clear();
  name_memo_.clear();
  places_.clear();
  stored_ = 0;
  types_ = std::make_shared<const attribute_types>();
  events_.clear();
}

}  // namespace nv::sim
