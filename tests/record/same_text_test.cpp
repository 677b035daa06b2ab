// Tests for the short-string equality used on every key.
#include "nv/record/same_text.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace nv::record;

TEST_CASE("same_text compares every byte at every length") {
  for (std::size_t size = 0; size <= 40; ++size) {
    std::string a(size, 'x');
    for (std::size_t i = 0; i < size; ++i) a[i] = static_cast<char>('a' + i % 26);
    CHECK(same_text(a, std::string(a)));
    for (std::size_t i = 0; i < size; ++i) {
      std::string b = a;
      b[i] = '#';
      CHECK_FALSE(same_text(a, b));
    }
    CHECK_FALSE(same_text(a, a + "y"));
  }
}
