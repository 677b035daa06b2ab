// What every accepted wire user must satisfy, checked independently of the normaliser with
// simdjson's DOM parser. Shared by the unit tests and the libFuzzer target (fuzz/).
#pragma once

#include <set>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "nv/record/field_checks.hpp"
#include "nv/record/field_rules.hpp"
#include "nv/record/standard_fields.hpp"
#include "nv/record/utf8.hpp"

namespace nv::record::testing {

/// Returns "" when `wire` is a well-formed wire user of API.md as record_normaliser promises
/// it (compact JSON object, valid UTF-8, userID/anonymousID/user_attributes in that order,
/// rules of every standard attribute, custom attribute names and values), else what is wrong.
inline std::string check_wire_user(std::string_view wire) {
  namespace dom = simdjson::dom;
  if (first_invalid_utf8(wire) != std::string_view::npos) return "wire is not valid UTF-8";
  // Compact: minifying changes nothing.
  std::string minified(wire.size() + 1, '\0');
  std::size_t minified_size = 0;
  if (simdjson::minify(wire.data(), wire.size(), minified.data(), minified_size) ||
      std::string_view(minified.data(), minified_size) != wire) {
    return "wire is not compact JSON";
  }
  dom::parser parser;
  dom::object user;
  if (auto error = parser.parse(wire.data(), wire.size()).get(user)) {
    return std::string("wire does not parse as an object: ") + simdjson::error_message(error);
  }
  int order = 0;
  bool has_id = false;
  for (auto [key, value] : user) {
    const int rank = key == "userID"            ? 1
                     : key == "anonymousID"     ? 2
                     : key == "user_attributes" ? 3
                                                : 0;
    if (rank == 0) return "unexpected top-level key " + std::string(key);
    if (rank <= order) return "top-level keys out of order or repeated";
    order = rank;
    if (rank < 3) {
      std::string_view id;
      if (value.get(id)) return std::string(key) + " is not a string";
      if (id.empty() || count_code_points(id) > max_id_chars) return std::string(key) + " length";
      has_id = true;
      continue;
    }
    dom::object attributes;
    if (value.get(attributes)) return "user_attributes is not an object";
    if (attributes.size() == 0) return "user_attributes is empty";
    std::size_t last_standard = 0;
    bool custom_seen = false;
    std::set<std::string, std::less<>> names;
    for (auto [name, attribute] : attributes) {
      if (!names.emplace(name).second) return "attribute repeated: " + std::string(name);
      const auto field = find_field(name);
      const bool standard = field && is_standard(*field) && wire_name(*field) == name;
      if (standard) {
        const auto index = static_cast<std::size_t>(*field) + 1;
        if (custom_seen || index <= last_standard) return "standard attributes out of order";
        last_standard = index;
        std::string_view text;
        if (attribute.get(text)) return std::string(name) + " is not a string";
        // The wire text must pass its own rule unchanged.
        const auto again = standard_text(*field, {json_kind::string, text, true});
        if (!again || *again != text || text.empty()) {
          return std::string(name) + " breaks its rule: " + std::string(text);
        }
        continue;
      }
      custom_seen = true;
      if (!is_valid_attr_name(name)) return "bad custom attribute name";
      if (field && !is_identity(*field) && !(field == field_id::attributes)) {
        return "custom attribute under a standard spelling: " + std::string(name);
      }
      switch (attribute.type()) {
        case dom::element_type::ARRAY:
          return "array value for " + std::string(name);
        case dom::element_type::NULL_VALUE:
          return "null value for " + std::string(name);
        case dom::element_type::STRING: {
          std::string_view text;
          if (attribute.get(text) || count_code_points(text) > max_attr_value_chars) {
            return "value too long";
          }
          break;
        }
        default:
          break;
      }
    }
  }
  if (!has_id) return "neither userID nor anonymousID";
  return {};
}

}  // namespace nv::record::testing
