// Tests for recent_keys: guessed field numbers equal find_padded_field()'s, and the shortcuts
// (distinct custom names, cached types) hold only while a record repeats an accepted one.
#include "nv/record/recent_keys.hpp"

#include <deque>
#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace nv::record;

namespace {

/// Keys followed by key_padding readable bytes (hostile ones), as in the input line.
class padded_keys {
 public:
  std::string_view operator()(std::string_view key) {
    auto& stored = keys_.emplace_back(key);
    stored.append(recent_keys::key_padding, '"');
    return std::string_view(stored).substr(0, key.size());
  }

 private:
  std::deque<std::string> keys_;
};

/// Looks up a record's keys; returns the field numbers.
std::vector<int> look_up(recent_keys& keys, padded_keys& padded,
                         const std::vector<std::string>& record) {
  std::vector<int> fields;
  keys.start();
  for (const auto& key : record) fields.push_back(keys.lookup(padded(key)));
  return fields;
}

std::vector<int> expected(padded_keys& padded, const std::vector<std::string>& record) {
  std::vector<int> fields;
  for (const auto& key : record) fields.push_back(find_padded_field(padded(key)));
  return fields;
}

}  // namespace

TEST_CASE("lookups give find_padded_field's answer whatever the order before") {
  const std::string long_key(33, 'k');
  const std::vector<std::vector<std::string>> records = {
      {"userID", "email", "plan", "attributes", "city", "phone"},
      {"userID", "email", "plan", "attributes", "city", "phone"},
      {"user_id", "plan", "email", "user_attributes", "cityX", "mobile"},
      {"userID", "email", long_key, "", "city", "user_attributes"},
      {"userID", "email", long_key, "", "city", "user_attributes"},
      {"userID", std::string(32, 'e'), std::string(16, 'e'), std::string(31, 'e')},
      {"userID", std::string(32, 'e'), std::string(16, 'e'), std::string(31, 'e')},
      {"userID", std::string(31, 'e'), std::string(17, 'e'), std::string(32, 'e')},
      {"emai", "email", "emailx", "mail"},
  };
  recent_keys keys;
  padded_keys padded;
  for (const auto& record : records) {
    CHECK(look_up(keys, padded, record) == expected(padded, record));
    keys.accepted();
  }
}

TEST_CASE("custom names are known distinct only while the record repeats an accepted one") {
  recent_keys keys;
  padded_keys padded;
  auto distinct_after = [&](const std::vector<std::string>& record) {
    std::vector<bool> distinct;
    keys.start();
    for (const auto& key : record) {
      keys.lookup(padded(key));
      distinct.push_back(keys.distinct_custom());
    }
    return distinct;
  };
  // Nothing accepted yet.
  CHECK(distinct_after({"userID", "a", "b"}) == std::vector<bool>{false, false, false});
  keys.accepted();
  CHECK(distinct_after({"userID", "a", "b"}) == std::vector<bool>{true, true, true});
  // Leaving the track: the rest of the record is compared.
  CHECK(distinct_after({"userID", "b", "b"}) == std::vector<bool>{true, false, false});
  // That record was not accepted: position 1 no longer holds an accepted record's key, so a
  // record repeating it is not trusted from there (it could have been ["userID","b","b"]).
  CHECK(distinct_after({"userID", "b", "b"}) == std::vector<bool>{true, false, false});
  CHECK(distinct_after({"userID", "a", "b"}) == std::vector<bool>{true, false, false});
  keys.accepted();
  CHECK(distinct_after({"userID", "a", "b", "c"}) == std::vector<bool>{true, true, true, false});
  // A shorter accepted record trusts only its own positions.
  CHECK(distinct_after({"userID"}) == std::vector<bool>{true});
  keys.accepted();
  CHECK(distinct_after({"userID", "a", "b"}) == std::vector<bool>{true, false, false});
}

TEST_CASE("cached types stay with the name at their position") {
  recent_keys keys;
  padded_keys padded;
  keys.start();
  keys.lookup(padded("userID"));
  keys.lookup(padded("plan"));
  CHECK(keys.cached_type() == -1);
  keys.cache_type(attr_type::boolean);
  keys.lookup(padded("score"));
  CHECK(keys.cached_type() == -1);
  keys.start();
  keys.lookup(padded("userID"));
  keys.lookup(padded("plan"));
  CHECK(keys.cached_type() == static_cast<int>(attr_type::boolean));
  keys.lookup(padded("plan2"));  // another name at position 2
  CHECK(keys.cached_type() == -1);
  keys.start();
  keys.lookup(padded("plan"));  // the name at another position
  CHECK(keys.cached_type() == -1);
  keys.lookup(padded("plan"));  // back at position 1, where the type was cached
  CHECK(keys.cached_type() == static_cast<int>(attr_type::boolean));
}

TEST_CASE("records with more keys than positions are looked up past them") {
  recent_keys keys;
  padded_keys padded;
  std::vector<std::string> record;
  for (int i = 0; i < 100; ++i) {
    std::string key = "k";
    key += std::to_string(i);  // not "k" + …: GCC 12 warns wrongly (-Wrestrict)
    record.push_back(i == 80 ? "email" : key);
  }
  for (int round = 0; round < 2; ++round) {
    keys.start();
    for (std::size_t i = 0; i < record.size(); ++i) {
      CHECK(keys.lookup(padded(record[i])) == find_padded_field(padded(record[i])));
      CHECK(keys.distinct_custom() == (round == 1 && i < 64));
      if (i >= 64) {
        keys.cache_type(attr_type::number);  // not kept past the positions
        CHECK(keys.cached_type() == -1);
      }
    }
    keys.accepted();
  }
}
