// Unit tests of one brand's store: received identities, upserts with merged attributes, deletes.
#include "sim/store.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace nv::sim;

namespace {

// Parses `json` (one user object) with `parser` and returns it as a checked user.
checked_user user_from(simdjson::dom::parser& parser, const std::string& json) {
  simdjson::dom::object o = parser.parse(json).get_object().value();
  checked_user user;
  std::string_view id;
  if (!o["userID"].get_string().get(id)) {
    user.id = id;
  } else {
    user.id = o["anonymousID"].get_string().value();
    user.anonymous = true;
  }
  simdjson::dom::object attributes;
  if (!o["user_attributes"].get_object().get(attributes)) user.attributes = attributes;
  return user;
}

}  // namespace

TEST_CASE("receive reports duplicates, stores when kept, and merges attributes") {
  brand_store store;
  simdjson::dom::parser parser;
  CHECK_FALSE(
      store.receive(user_from(parser, R"({"userID":"a","user_attributes":{"x":1}})"), true));
  CHECK(store.receive(user_from(parser, R"({"userID":"a","user_attributes":{"y":"2"}})"), true));
  const stored_user* a = store.find("a");
  REQUIRE(a != nullptr);
  CHECK(a->attributes.size() == 2);
  CHECK(a->attributes.at("x") == 1);
  CHECK(a->attributes.at("y") == "2");
  // A lost batch counts as received but stores nothing.
  CHECK_FALSE(store.receive(user_from(parser, R"({"userID":"b"})"), false));
  CHECK(store.find("b") == nullptr);
  CHECK(store.receive(user_from(parser, R"({"userID":"b"})"), true));
  CHECK(store.find("b") != nullptr);
  // An anonymous identity is not the userID of the same spelling.
  CHECK_FALSE(store.receive(user_from(parser, R"({"anonymousID":"a"})"), true));
  CHECK(store.users().size() == 3);
}

TEST_CASE("an upsert alone (an event's user) stores without counting as received") {
  brand_store store;
  simdjson::dom::parser parser;
  store.upsert(user_from(parser, R"({"userID":"e","user_attributes":{"plan":"gold"}})"));
  REQUIRE(store.find("e") != nullptr);
  CHECK(store.find("e")->attributes.at("plan") == "gold");
  CHECK_FALSE(store.receive(user_from(parser, R"({"userID":"e"})"), true));
  CHECK(store.receive(user_from(parser, R"({"userID":"e"})"), true));
}

TEST_CASE("erase removes the stored user, and a re-sent user is still a duplicate") {
  brand_store store;
  simdjson::dom::parser parser;
  store.receive(user_from(parser, R"({"userID":"d","user_attributes":{"n":1}})"), true);
  store.upsert(user_from(parser, R"({"userID":"only-upserted"})"));
  CHECK(store.erase("d"));
  CHECK_FALSE(store.erase("d"));
  CHECK(store.find("d") == nullptr);
  CHECK(store.users().size() == 1);
  CHECK(store.erase("only-upserted"));
  CHECK(store.users().empty());
  CHECK(store.receive(user_from(parser, R"({"userID":"d"})"), true));
  REQUIRE(store.find("d") != nullptr);
  CHECK(store.find("d")->attributes.empty());  // Nothing of the deleted user came back.
  CHECK_FALSE(store.receive(user_from(parser, R"({"userID":"only-upserted"})"), true));
  store.clear();
  CHECK(store.users().empty());
  CHECK_FALSE(store.receive(user_from(parser, R"({"userID":"d"})"), true));
}
