// Tests for recent_keys: guessed field numbers equal find_padded_field()'s, guesses hit only
// the same raw key, and the shortcuts (distinct custom names, cached types) hold only while a
// record repeats an accepted one.
#include "nv/record/recent_keys.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "record/padded_texts.hpp"

using namespace nv::record;
using nv::record::testing::padded_texts;

namespace {

/// Raw keys as the input line holds them: the key, its closing quote, then more bytes (a
/// value and the line's padding), at least key_padding readable from the key's start.
padded_texts raw_keys() {
  return padded_texts("\":1,\"" + std::string(recent_keys::key_padding, 'x'));
}

/// How a key was found: guessed, or looked up after the guess missed.
struct found_key {
  int field;
  bool guessed;
  bool operator==(const found_key&) const = default;
};

/// Finds a key as the normaliser does: guess, else lookup().
found_key find(recent_keys& keys, std::string_view key, bool plain = true) {
  const auto guessed = keys.guess(key.data());
  if (guessed.field != recent_keys::not_guessed) {
    CHECK(guessed.size == key.size());
    return {guessed.field, true};
  }
  return {keys.lookup(key, plain), false};
}

std::vector<found_key> find_all(recent_keys& keys, padded_texts& raw,
                                const std::vector<std::string>& record) {
  std::vector<found_key> found;
  keys.start();
  for (const auto& key : record) found.push_back(find(keys, raw(key)));
  return found;
}

std::vector<found_key> expected(padded_texts& raw, const std::vector<std::string>& record,
                                const std::vector<bool>& guessed) {
  std::vector<found_key> found;
  for (std::size_t i = 0; i < record.size(); ++i) {
    found.push_back({find_padded_field(raw(record[i])), guessed[i]});
  }
  return found;
}

}  // namespace

TEST_CASE("keys give find_padded_field's answer, guessed where the key repeats") {
  const std::string long_key(32, 'k');
  recent_keys keys;
  auto raw = raw_keys();
  auto check = [&](const std::vector<std::string>& record, const std::vector<bool>& guessed) {
    INFO(record.size() << " keys, first " << record.front());
    CHECK(find_all(keys, raw, record) == expected(raw, record, guessed));
    keys.accepted();
  };
  check({"userID", "email", "plan", "attributes", "city", "phone"},
        {false, false, false, false, false, false});
  check({"userID", "email", "plan", "attributes", "city", "phone"},
        {true, true, true, true, true, true});
  check({"user_id", "email", "pla", "user_attributes", "cityX", "mobile"},
        {false, true, false, false, false, false});
  check({"userID", "email", long_key, "", "city", "user_attributes"},
        {false, true, false, false, false, false});
  // Keys of 32 bytes and more are never guessed; 31 bytes and less are.
  check({"userID", "email", long_key, "", "city", "user_attributes"},
        {true, true, false, true, true, true});
  check({std::string(31, 'e'), std::string(16, 'e'), std::string(15, 'e')}, {false, false, false});
  check({std::string(31, 'e'), std::string(16, 'e'), std::string(15, 'e')}, {true, true, true});
  check({std::string(30, 'e'), std::string(17, 'e'), std::string(16, 'e')}, {false, false, false});
  check({"emai", "email", "emailx", "mail"}, {false, false, false, false});
}

TEST_CASE("a guess needs the same raw key, closing quote included") {
  recent_keys keys;
  auto raw = raw_keys();
  keys.start();
  CHECK(find(keys, raw("email")) == found_key{5, false});
  keys.start();
  CHECK(find(keys, raw("emailx")) == found_key{-1, false});  // "email" and one more byte
  keys.start();
  CHECK(find(keys, raw("email")) == found_key{5, false});
  keys.start();
  CHECK(find(keys, raw("emai")) == found_key{-1, false});
  // An escaped key (unescaped by the parser) is looked up, and not guessed next time: its raw
  // text differs from the unescaped one.
  keys.start();
  CHECK(find(keys, raw("email"), false) == found_key{5, false});
  keys.start();
  CHECK(find(keys, raw("email")) == found_key{5, false});
  keys.start();
  CHECK(find(keys, raw("email")) == found_key{5, true});
}

TEST_CASE("custom names are known distinct only while the record repeats an accepted one") {
  recent_keys keys;
  auto raw = raw_keys();
  auto distinct_after = [&](const std::vector<std::string>& record) {
    std::vector<bool> distinct;
    keys.start();
    for (const auto& key : record) {
      find(keys, raw(key));
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
  auto raw = raw_keys();
  keys.start();
  find(keys, raw("userID"));
  find(keys, raw("plan"));
  CHECK(keys.cached_type() == -1);
  keys.cache_type(attr_type::boolean);
  find(keys, raw("score"));
  CHECK(keys.cached_type() == -1);
  keys.start();
  find(keys, raw("userID"));
  find(keys, raw("plan"));
  CHECK(keys.cached_type() == static_cast<int>(attr_type::boolean));
  find(keys, raw("plan2"));  // another name at position 2
  CHECK(keys.cached_type() == -1);
  keys.start();
  find(keys, raw("plan"));  // the name at another position
  CHECK(keys.cached_type() == -1);
  find(keys, raw("plan"));  // back at position 1, where the type was cached
  CHECK(keys.cached_type() == static_cast<int>(attr_type::boolean));
}

TEST_CASE("records with more keys than positions are looked up past them") {
  recent_keys keys;
  auto raw = raw_keys();
  std::vector<std::string> record;
  for (int i = 0; i < 100; ++i) {
    std::string key = "k";
    key += std::to_string(i);  // not "k" + …: GCC 12 warns wrongly (-Wrestrict)
    record.push_back(i == 80 ? "email" : key);
  }
  for (int round = 0; round < 2; ++round) {
    keys.start();
    for (std::size_t i = 0; i < record.size(); ++i) {
      const auto key = raw(record[i]);
      CHECK(find(keys, key) == found_key{find_padded_field(key), round == 1 && i < 64});
      CHECK(keys.distinct_custom() == (round == 1 && i < 64));
      if (i >= 64) {
        keys.cache_type(attr_type::number);  // not kept past the positions
        CHECK(keys.cached_type() == -1);
      }
    }
    keys.accepted();
  }
}
