// Unit tests of one brand's store: received identities, upserts with merged attributes, deletes.
#include "sim/store.hpp"

#include <doctest/doctest.h>
#include <boost/json/serialize.hpp>

#include <algorithm>
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
  CHECK(store.attributes_json(*a) == boost::json::object{{"x", 1}, {"y", "2"}});
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
  CHECK(store.attributes_json(*store.find("e")).at("plan") == "gold");
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

TEST_CASE("thousands of identities: each found after the index grew, dumped in identity order") {
  brand_store store;
  simdjson::dom::parser parser;
  // 5000 userIDs, and an anonymousID of the same spelling for every tenth, inserted out of order.
  for (int i = 0; i < 5000; ++i) {
    int n = (i * 7919) % 5000;
    std::string id = "user-" + std::to_string(n);
    CHECK_FALSE(
        store.receive(user_from(parser, R"({"userID":")" + id + R"(","user_attributes":{"n":)" +
                                            std::to_string(n) + "}}"),
                      true));
    if (n % 10 == 0)
      CHECK_FALSE(store.receive(user_from(parser, R"({"anonymousID":")" + id + R"("})"), true));
  }
  CHECK(store.size() == 5500);
  for (int n = 0; n < 5000; ++n) {
    const stored_user* user = store.find("user-" + std::to_string(n));
    REQUIRE(user != nullptr);
    CHECK_FALSE(user->anonymous);
    CHECK(store.attributes_json(*user).at("n") == n);
  }
  CHECK(store.find("user-5000") == nullptr);
  CHECK(store.receive(user_from(parser, R"({"userID":"user-4999"})"), true));
  CHECK(store.receive(user_from(parser, R"({"anonymousID":"user-4990"})"), true));
  auto users = store.users();
  REQUIRE(users.size() == 5500);
  CHECK(users[0]->anonymous);
  CHECK(users[0]->id == "user-0");
  CHECK(users[499]->id == "user-990");
  CHECK_FALSE(users[500]->anonymous);
  CHECK(users[500]->id == "user-0");
  CHECK(users[501]->id == "user-1");
  CHECK(std::is_sorted(users.begin() + 500, users.end(),
                       [](const stored_user* a, const stored_user* b) { return a->id < b->id; }));
}

TEST_CASE("attributes merge by name in any order and keep the order each was first set") {
  brand_store store;
  simdjson::dom::parser parser;
  auto send = [&](const std::string& json) { store.receive(user_from(parser, json), true); };
  send(R"({"userID":"a","user_attributes":{"p":1,"q":"x","o":{"k":1}}})");
  send(R"({"userID":"b","user_attributes":{"q":"y","r":true}})");
  send(R"({"userID":"a","user_attributes":{"q":"longer than a value held inline","p":2,)"
       R"("o":{"k":2,"m":[1]}}})");
  send(R"({"userID":"a","user_attributes":{"t":"new","p":3}})");
  CHECK(boost::json::serialize(store.attributes_json(*store.find("a"))) ==
        R"({"p":3,"q":"longer than a value held inline","o":{"k":2,"m":[1]},"t":"new"})");
  CHECK(boost::json::serialize(store.attributes_json(*store.find("b"))) == R"({"q":"y","r":true})");
  store.clear();
  send(R"({"userID":"c","user_attributes":{"r":"after a reset"}})");
  CHECK(boost::json::serialize(store.attributes_json(*store.find("c"))) ==
        R"({"r":"after a reset"})");
}
