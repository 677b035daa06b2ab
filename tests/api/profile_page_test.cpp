// Tests of turning a profile page into NDJSON lines.
#include "nv/api/profile_page.hpp"

#include <doctest/doctest.h>

TEST_CASE("each user of a page becomes one minified line") {
  std::string out = "kept\n";
  auto n = nv::api::append_profile_lines(
      R"([ {"userID":"a", "user_attributes":{"x":1}} , {"userID":"b\n"} ])", out);
  REQUIRE(n);
  CHECK(*n == 2);
  CHECK(out == "kept\n{\"userID\":\"a\",\"user_attributes\":{\"x\":1}}\n{\"userID\":\"b\\n\"}\n");
}

TEST_CASE("an empty page adds nothing; a page that is not an array of objects is refused") {
  std::string out = "kept\n";
  CHECK(nv::api::append_profile_lines("[]", out).value() == 0);
  CHECK_FALSE(nv::api::append_profile_lines("", out));
  CHECK_FALSE(nv::api::append_profile_lines("{}", out));
  CHECK_FALSE(nv::api::append_profile_lines(R"([{"userID":"a"},3])", out));
  CHECK(out == "kept\n");
}
