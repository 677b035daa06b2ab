// Tests for the wording and location of malformed_json and invalid_utf8 rejects.
#include "nv/record/parse_failure.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace nv::record;

TEST_CASE("a byte order mark is skipped") {
  const auto line = strip_bom("\xef\xbb\xbf{}");
  CHECK(line.json == "{}");
  CHECK(line.original.size() == 5);
  CHECK(strip_bom("{}").json == "{}");
}

TEST_CASE("iterate failures name UTF-8 problems first") {
  const std::string bad = "{\"a\":\"\xff\x01\"}";
  const auto reason = iterate_failure(simdjson::UNESCAPED_CHARS, strip_bom(bad));
  CHECK(reason.code == reject_code::invalid_utf8);
  CHECK(reason.message == R"(the line is not valid UTF-8 at byte 6 (\xFF\x01\x22\x7D))");
  const auto empty = iterate_failure(simdjson::EMPTY, strip_bom("  "));
  CHECK(empty.code == reject_code::malformed_json);
  CHECK(empty.message.find("empty") != std::string::npos);
  CHECK(iterate_failure(simdjson::CAPACITY, strip_bom("{}")).code == reject_code::line_too_long);
}
