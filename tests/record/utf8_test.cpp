// Tests for code point counting and UTF-8 validation.
#include "nv/record/utf8.hpp"

#include <doctest/doctest.h>

using namespace nv::record;

TEST_CASE("code points are counted, not bytes") {
  CHECK(count_code_points("") == 0);
  CHECK(count_code_points("abc") == 3);
  CHECK(count_code_points("é") == 1);
  CHECK(count_code_points("日本") == 2);
  CHECK(count_code_points("😀x") == 2);
  CHECK_FALSE(exceeds_code_points("ééé", 3));
  CHECK(exceeds_code_points("éééé", 3));
  CHECK_FALSE(exceeds_code_points("abc", 3));
  CHECK(exceeds_code_points("abcd", 3));
}

TEST_CASE("first_invalid_utf8 finds the first bad byte") {
  constexpr auto npos = std::string_view::npos;
  CHECK(first_invalid_utf8("") == npos);
  CHECK(first_invalid_utf8("plain ascii") == npos);
  CHECK(first_invalid_utf8("é日😀\xf4\x8f\xbf\xbf") == npos);  // U+10FFFF is the last
  CHECK(first_invalid_utf8("ab\x80") == 2);                   // lone continuation
  CHECK(first_invalid_utf8("a\xc0\xaf") == 1);                // overlong '/'
  CHECK(first_invalid_utf8("\xc1\xbf") == 0);                 // overlong
  CHECK(first_invalid_utf8("\xe0\x80\xaf") == 0);             // overlong 3-byte
  CHECK(first_invalid_utf8("\xf0\x80\x80\xaf") == 0);         // overlong 4-byte
  CHECK(first_invalid_utf8("x\xed\xa0\x80") == 1);            // surrogate U+D800
  CHECK(first_invalid_utf8("\xf4\x90\x80\x80") == 0);         // above U+10FFFF
  CHECK(first_invalid_utf8("\xf5\x80\x80\x80") == 0);
  CHECK(first_invalid_utf8("ok\xe2\x82") == 2);    // truncated
  CHECK(first_invalid_utf8("\xe2\x28\xa1") == 0);  // bad continuation
  CHECK(first_invalid_utf8("\xff") == 0);
}
