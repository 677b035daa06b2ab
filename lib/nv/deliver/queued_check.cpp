// Read-back checks of queued batches, with simdjson's DOM (off the hot path: one per batch).
#include "nv/deliver/queued_check.hpp"

#include <simdjson.h>

namespace nv::deliver {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

bool equal(element a, element b);

bool equal_objects(simdjson::dom::object a, simdjson::dom::object b) {
  if (a.size() != b.size()) return false;
  for (auto field : a) {
    element other;
    if (b.at_key(field.key).get(other) != simdjson::SUCCESS) return false;
    if (!equal(field.value, other)) return false;
  }
  return true;
}

bool equal_arrays(simdjson::dom::array a, simdjson::dom::array b) {
  if (a.size() != b.size()) return false;
  auto it = b.begin();
  for (auto value : a) {
    if (!equal(value, *it)) return false;
    ++it;
  }
  return true;
}

bool is_number(element_type t) {
  return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
}

// Number forms may change on the way (1.0 vs 1), so numbers compare by value.
bool equal(element a, element b) {
  if (is_number(a.type()) && is_number(b.type())) {
    return double(a.get_double().value_unsafe()) == double(b.get_double().value_unsafe());
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case element_type::OBJECT:
      return equal_objects(a.get_object(), b.get_object());
    case element_type::ARRAY:
      return equal_arrays(a.get_array(), b.get_array());
    case element_type::STRING:
      return a.get_string().value_unsafe() == b.get_string().value_unsafe();
    case element_type::BOOL:
      return a.get_bool().value_unsafe() == b.get_bool().value_unsafe();
    default:
      return true;  // null
  }
}

}  // namespace

std::optional<std::string> wire_user_id(std::string_view wire) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(wire.data(), wire.size()).get(doc) != simdjson::SUCCESS) return std::nullopt;
  std::string_view id;
  if (doc["userID"].get_string().get(id) != simdjson::SUCCESS) return std::nullopt;
  return std::string(id);
}

bool stored_matches_sent(std::string_view sent_wire, std::string_view stored) {
  simdjson::dom::parser sent_parser;
  simdjson::dom::parser stored_parser;
  simdjson::dom::object sent;
  simdjson::dom::object have;
  if (sent_parser.parse(sent_wire.data(), sent_wire.size()).get(sent) != simdjson::SUCCESS ||
      stored_parser.parse(stored.data(), stored.size()).get(have) != simdjson::SUCCESS) {
    return false;
  }
  simdjson::dom::object sent_attributes;
  if (sent["user_attributes"].get(sent_attributes) != simdjson::SUCCESS) return true;
  simdjson::dom::object have_attributes;
  if (have["user_attributes"].get(have_attributes) != simdjson::SUCCESS) return false;
  for (auto field : sent_attributes) {
    element other;
    if (have_attributes.at_key(field.key).get(other) != simdjson::SUCCESS) return false;
    if (!equal(field.value, other)) return false;
  }
  return true;
}

}  // namespace nv::deliver
