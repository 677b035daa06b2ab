// Tests for reject code names and message shortening.
#include "nv/record/reject.hpp"

#include <doctest/doctest.h>

using namespace nv::record;

TEST_CASE("every reject code has a distinct name that maps back to it") {
  for (std::size_t i = 0; i < reject_code_count; ++i) {
    auto code = static_cast<reject_code>(i);
    auto name = code_name(code);
    CHECK(name != "unknown");
    REQUIRE(code_from_name(name).has_value());
    CHECK(*code_from_name(name) == code);
  }
  CHECK(code_name(reject_code::attr_type_changed) == "attr_type_changed");
  CHECK_FALSE(code_from_name("no_such_code").has_value());
}

TEST_CASE("shorten cuts on code points and marks the cut") {
  CHECK(shorten("abc", 3) == "abc");
  CHECK(shorten("abcd", 3) == "abc…");
  CHECK(shorten("ééé", 2) == "éé…");
  CHECK(shorten("", 2).empty());
}
