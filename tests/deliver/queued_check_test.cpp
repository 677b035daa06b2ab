// Tests for the read-back check of queued batches.
#include "nv/deliver/queued_check.hpp"

#include <doctest/doctest.h>

using nv::deliver::stored_matches_sent;
using nv::deliver::wire_user_id;

TEST_CASE("the userID of a wire user, and none for anonymous or broken text") {
  CHECK(wire_user_id(R"({"userID":"a\"b","user_attributes":{"x":1}})") == "a\"b");
  CHECK_FALSE(wire_user_id(R"({"anonymousID":"anon-1"})").has_value());
  CHECK_FALSE(wire_user_id(R"({"userID":5})").has_value());
  CHECK_FALSE(wire_user_id("{not json").has_value());
}

TEST_CASE("a stored profile matches when it holds every sent attribute with an equal value") {
  const char* sent =
      R"({"userID":"u1","user_attributes":{"email":"a@b.c","score":1,"vip":true,"o":{"k":[1,2]}}})";
  CHECK(stored_matches_sent(
      sent, R"({"userID":"u1","user_attributes":{"vip":true,"score":1.0,"o":{"k":[1,2]},)"
            R"("email":"a@b.c","older":"kept"}})"));
  CHECK_FALSE(stored_matches_sent(
      sent,
      R"({"userID":"u1","user_attributes":{"email":"a@b.c","score":2,"vip":true,"o":{"k":[1,2]}}})"));
  CHECK_FALSE(stored_matches_sent(
      sent, R"({"userID":"u1","user_attributes":{"email":"a@b.c","score":1,"vip":true}})"));
  CHECK_FALSE(stored_matches_sent(
      sent,
      R"({"userID":"u1","user_attributes":{"email":"a@b.c","score":"1","vip":true,"o":{"k":[1,2]}}})"));
  CHECK_FALSE(stored_matches_sent(
      sent,
      R"({"userID":"u1","user_attributes":{"email":"a@b.c","score":1,"vip":true,"o":{"k":[2,1]}}})"));
  CHECK_FALSE(stored_matches_sent(sent, R"({"userID":"u1"})"));
  CHECK_FALSE(stored_matches_sent(sent, "null"));
}

TEST_CASE("a user sent without attributes matches any stored profile") {
  CHECK(stored_matches_sent(R"({"userID":"u1"})", R"({"userID":"u1","user_attributes":{}})"));
}
