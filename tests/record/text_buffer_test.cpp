// Tests for the growable byte buffer and the small-piece copy.
#include "nv/record/text_buffer.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace nv::record;

TEST_CASE("copy_bytes copies every length exactly") {
  const std::string source = "0123456789abcdefghijklmnopqrstuvwxyz";
  for (std::size_t size = 0; size <= source.size(); ++size) {
    std::string target(source.size() + 2, '#');
    copy_bytes(target.data() + 1, source.data(), size);
    CHECK(target.substr(1, size) == source.substr(0, size));
    CHECK(target[0] == '#');
    CHECK(target[size + 1] == '#');
  }
}

TEST_CASE("copy_padded copies every length exactly and writes only into the slack") {
  std::string source = "0123456789abcdefghijklmnopqrstuvwxyz!?";
  const std::size_t length = source.size();
  source.append(copy_padding, '%');  // the readable padding the contract asks for
  for (std::size_t size = 0; size <= length; ++size) {
    std::string target(1 + length + copy_padding, '#');
    copy_padded(target.data() + 1, source.data(), size);
    CHECK(target.substr(1, size) == source.substr(0, size));
    CHECK(target[0] == '#');
    // Past the piece, the copy may only have written inside the slack of copy_padding bytes
    // (one block even for an empty piece).
    const std::size_t blocks = size == 0 ? 1 : (size + copy_padding - 1) / copy_padding;
    const std::size_t written = blocks * copy_padding;
    CHECK(target.find_first_not_of('#', 1 + written) == std::string::npos);
  }
}

TEST_CASE("text_buffer appends, grows, truncates and keeps its contents") {
  text_buffer buffer;
  CHECK(buffer.empty());
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    const std::string piece = std::to_string(i) + (i % 7 == 0 ? std::string(40, 'x') : "");
    buffer.append(piece);
    buffer.push_back(',');
    expected += piece + ",";
  }
  CHECK(buffer.view() == expected);
  buffer.truncate(5);
  CHECK(buffer.view() == expected.substr(0, 5));
  buffer.truncate(100);  // never grows
  CHECK(buffer.size() == 5);
  char* at = buffer.room(3);
  at[0] = 'a';
  at[1] = 'b';
  buffer.commit(at + 2);
  CHECK(buffer.view() == expected.substr(0, 5) + "ab");
  buffer.clear();
  CHECK(buffer.view().empty());
}
