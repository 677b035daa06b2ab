// Tests for the spellings, the perfect-hash lookup and the wire names.
#include "nv/record/standard_fields.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace nv::record;

TEST_CASE("every spelling finds its field and nothing else matches") {
  for (const auto& entry : detail::spellings) {
    CHECK(find_field(entry.key) == entry.id);
    // Neighbours of a spelling (one byte changed, added or removed) are not fields.
    std::string key(entry.key);
    for (std::size_t i = 0; i < key.size(); ++i) {
      std::string changed = key;
      changed[i] = static_cast<char>(changed[i] ^ 0x20);
      const auto found = find_field(changed);
      CHECK((!found || *found == entry.id));  // userID/userId differ in case only
    }
    CHECK_FALSE(find_field(key + "x").has_value());
    CHECK_FALSE(find_field(key.substr(1)).has_value());
  }
  CHECK_FALSE(find_field("").has_value());
  CHECK_FALSE(find_field("plan").has_value());
  CHECK_FALSE(find_field("USERID").has_value());
  CHECK_FALSE(find_field("Email").has_value());
  CHECK_FALSE(find_field("a_very_long_attribute_name").has_value());
}

TEST_CASE("wire names and field classes") {
  CHECK(wire_name(field_id::user_id) == "userID");
  CHECK(wire_name(field_id::anonymous_id) == "anonymousID");
  CHECK(wire_name(field_id::mobile) == "mobile");
  CHECK(wire_name(field_id::whatsapp_opt_in) == "whatsapp_opt_in");
  CHECK(wire_name(field_id::attributes) == "user_attributes");
  CHECK(is_identity(field_id::anonymous_id));
  CHECK_FALSE(is_standard(field_id::user_id));
  CHECK_FALSE(is_standard(field_id::attributes));
  CHECK(is_standard(field_id::hashed_mobile));
  for (std::size_t i = 0; i < field_count; ++i) {
    const auto id = static_cast<field_id>(i);
    CHECK(find_field(wire_name(id)) == id);
  }
}

TEST_CASE("find_padded_field agrees with find_field whatever bytes follow the key") {
  auto padded_lookup = [](std::string_view key, char after) {
    std::string buffer(key);
    buffer.append(16, after);
    return find_padded_field(std::string_view(buffer.data(), key.size()));
  };
  auto expected = [](std::string_view key) {
    const auto found = find_field(key);
    return found ? static_cast<int>(*found) : -1;
  };
  std::vector<std::string> keys = {
      "", "a", "plan", "USERID", "Email", "user_attributesx", "a_very_long_attribute_name"};
  for (const auto& entry : detail::spellings) {
    std::string key(entry.key);
    keys.push_back(key);
    keys.push_back(key.substr(1));
    keys.push_back(key.substr(0, key.size() - 1));
    keys.push_back(key + "x");
    for (std::size_t i = 0; i < key.size(); ++i) {
      std::string changed = key;
      changed[i] = static_cast<char>(changed[i] ^ 0x01);
      keys.push_back(changed);
    }
  }
  int found = 0;
  for (const auto& key : keys) {
    for (char after : {'\0', '"', 'x'}) {
      CHECK(padded_lookup(key, after) == expected(key));
      found += padded_lookup(key, after) >= 0;
    }
  }
  CHECK(found == 3 * static_cast<int>(detail::spellings.size()));
}
