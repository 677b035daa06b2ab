// Tests of reading delete input lines into user IDs.
#include "nv/api/user_id_input.hpp"

#include <doctest/doctest.h>

#include <string>

using nv::api::blank_line;
using nv::api::user_id_reader;
using nv::record::reject;
using nv::record::reject_code;

namespace {

std::string id_of(user_id_reader& reader, std::string_view line) {
  auto r = reader.read(line);
  REQUIRE(std::holds_alternative<std::string>(r));
  return std::get<std::string>(r);
}

reject_code code_of(user_id_reader& reader, std::string_view line) {
  auto r = reader.read(line);
  REQUIRE(std::holds_alternative<reject>(r));
  return std::get<reject>(r).code;
}

}  // namespace

TEST_CASE("bare IDs, trimmed; blank lines are blank") {
  user_id_reader reader;
  CHECK(id_of(reader, "user-1") == "user-1");
  CHECK(id_of(reader, "  a b@example.com\r") == "a b@example.com");
  CHECK(std::holds_alternative<blank_line>(reader.read("")));
  CHECK(std::holds_alternative<blank_line>(reader.read(" \t\r")));
  CHECK(id_of(reader, std::string(100, 'x')) == std::string(100, 'x'));
  CHECK(code_of(reader, std::string(101, 'x')) == reject_code::user_id_too_long);
  CHECK(code_of(reader, "a\x01z") == reject_code::bad_user_id);
}

TEST_CASE("NDJSON records: userID in any accepted spelling, exports and reject lines") {
  user_id_reader reader;
  CHECK(id_of(reader, R"({"userID":"u1","user_attributes":{"a":1}})") == "u1");
  CHECK(id_of(reader, R"({"userId":"u2"})") == "u2");
  CHECK(id_of(reader, R"({"user_id":"u\u00e9"})") == "u\xc3\xa9");
  CHECK(id_of(reader, R"({"source":"f","line":3,"code":"server_rejected","reason":"x",)"
                      R"("record":"{\"userId\":\"u3\",\"email\":\"x\"}"})") == "u3");
  CHECK(id_of(reader, R"({"source":"f","line":3,"code":"bad","reason":"x","record":"u4"})") ==
        "u4");
  CHECK(code_of(reader, R"({"userID":"u1")") == reject_code::malformed_json);
  CHECK(code_of(reader, R"({"userID":5})") == reject_code::bad_user_id);
  CHECK(code_of(reader, R"({"userID":""})") == reject_code::bad_user_id);
  CHECK(code_of(reader, R"({"anonymousID":"a"})") == reject_code::missing_user_id);
  CHECK(code_of(reader, R"({"record":"{\"record\":\"{\\\"userID\\\":\\\"x\\\"}\"}"})") ==
        reject_code::missing_user_id);
}
