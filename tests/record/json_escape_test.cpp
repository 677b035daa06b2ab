// Tests for JSON string escaping on the wire and quoting in messages.
#include "nv/record/json_escape.hpp"

#include <string>

#include <doctest/doctest.h>

#include "nv/record/utf8.hpp"

using namespace nv::record;

namespace {

std::string escaped(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  std::string direct(json_string_bound(text.size()), '\0');
  direct.resize(static_cast<std::size_t>(write_json_string(direct.data(), text) - direct.data()));
  CHECK(direct == out);
  return out;
}

}  // namespace

TEST_CASE("wire strings escape quote, backslash and control characters only") {
  CHECK(escaped("") == R"("")");
  CHECK(escaped("plain") == R"("plain")");
  CHECK(escaped("a\"b\\c") == R"("a\"b\\c")");
  CHECK(escaped("\b\f\n\r\t") == R"("\b\f\n\r\t")");
  CHECK(escaped(std::string_view("\x00\x01\x1f", 3)) == R"("\u0000\u0001\u001f")");
  CHECK(escaped("/é😀\x7f") == "\"/é😀\x7f\"");  // passed through
  CHECK(escaped(std::string(1000, '\x01')).size() == json_string_bound(1000));
}

TEST_CASE("message quoting never lets a control, line break or bad byte through") {
  CHECK(quote_for_message("plan") == R"("plan")");
  CHECK(quote_for_message("a\nb") == R"("a\nb")");
  CHECK(quote_for_message("\x7f") == R"("\u007f")");
  CHECK(quote_for_message("\xc2\x85") == R"("\u0085")");          // NEL, a C1 control
  CHECK(quote_for_message("a\xe2\x80\xa8z") == R"("a\u2028z")");  // line separator
  CHECK(quote_for_message("é") == R"("é")");
  CHECK(quote_for_message("ab\xff\xfe") == R"("ab\xFF\xFE")");
  CHECK(quote_for_message(std::string(50, 'x'), 10) == "\"xxxxxxxxxx…\"");
  CHECK(quote_for_message("ééééé", 2) == "\"éé…\"");
  const auto long_bad = quote_for_message("abc\xff" + std::string(20, 'z'));
  CHECK(first_invalid_utf8(long_bad) == std::string_view::npos);
  for (int c = 0; c < 256; ++c) {
    const auto quoted = quote_for_message(std::string(1, static_cast<char>(c)));
    CHECK(first_invalid_utf8(quoted) == std::string_view::npos);
    for (char q : quoted) CHECK(static_cast<unsigned char>(q) >= 0x20);
  }
}
