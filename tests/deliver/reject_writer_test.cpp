// Tests for the reject file: exact lines, escaping of any bytes, and re-parsing as JSON.
#include "nv/deliver/reject_writer.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace nv::deliver;
using nv::record::reject;
using nv::record::reject_code;

namespace {

std::string line_for(std::string_view record, std::string_view message = "bad") {
  reject reason{reject_code::malformed_json, std::string(message)};
  std::string out;
  append_reject_line(
      out, {.source = "in.ndjson", .line = 7, .offset = 120, .reason = reason, .record = record});
  return out;
}

/// Parses one reject line and returns its "record" string as decoded by a JSON parser.
std::string parsed_record(const std::string& line) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(line).get(doc) == simdjson::SUCCESS);
  std::string_view record;
  REQUIRE(doc["record"].get(record) == simdjson::SUCCESS);
  return std::string(record);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

}  // namespace

TEST_CASE("a reject line has the source, line, offset, code, reason and original record") {
  CHECK(line_for(R"({"userID":"a","email":"x"})", R"(email "x" has no @)") ==
        R"({"source":"in.ndjson","line":7,"offset":120,"code":"malformed_json",)"
        R"("reason":"email \"x\" has no @","record":"{\"userID\":\"a\",\"email\":\"x\"}"})"
        "\n");
}

TEST_CASE("control characters, quotes and backslashes are escaped") {
  CHECK(line_for("a\"b\\c\td\x01\x1f\r") ==
        R"({"source":"in.ndjson","line":7,"offset":120,"code":"malformed_json","reason":"bad",)"
        R"("record":"a\"b\\c\td\u0001\u001f\r"})"
        "\n");
}

TEST_CASE("valid UTF-8 is kept and each invalid byte becomes \\u00XX of the byte") {
  std::string out;
  append_json_bytes(out, "é€😀");
  CHECK(out == "\"é€😀\"");
  out.clear();
  // A Latin-1 é, a lone continuation byte, a truncated 3-byte sequence, an overlong '/',
  // a UTF-16 surrogate and a code point past U+10FFFF.
  append_json_bytes(out, "caf\xE9 \x80 \xE2\x82 \xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80");
  CHECK(out == R"("caf\u00e9 \u0080 \u00e2\u0082 \u00c0\u00af \u00ed\u00a0\u0080 )"
               R"(\u00f4\u0090\u0080\u0080")");
}

TEST_CASE("every reject line re-parses as JSON, whatever bytes the record held") {
  // Every byte value, then every pair of bytes from a sample of interesting ones.
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  std::string decoded = parsed_record(line_for(all_bytes));
  CHECK(decoded.size() > 256);  // bytes 0x80-0xFF came back as two-byte U+0080-U+00FF
  CHECK(decoded.substr(0, 128) == all_bytes.substr(0, 128));
  const unsigned char samples[] = {0x00, 0x22, 0x5C, 0x7F, 0x80, 0xBF, 0xC2,
                                   0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF, 'a'};
  for (unsigned char a : samples) {
    for (unsigned char b : samples) {
      std::string record{static_cast<char>(a), static_cast<char>(b)};
      CAPTURE(static_cast<int>(a));
      CAPTURE(static_cast<int>(b));
      parsed_record(line_for(record));
    }
  }
  // A valid line reads back byte for byte.
  CHECK(parsed_record(line_for("{\"name\":\"Zoë\"}\t")) == "{\"name\":\"Zoë\"}\t");
}

TEST_CASE("the writer writes lines to the file and flushes on close") {
  std::filesystem::create_directories(NV_TEST_TMP_DIR);
  std::string path = std::string(NV_TEST_TMP_DIR) + "/reject_writer_test.ndjson";
  std::ofstream(path) << "old content\n";
  std::string error;
  auto writer = reject_writer::open(path, open_mode::truncate, error);
  REQUIRE(writer);
  reject reason{reject_code::line_too_long, "line is 5 bytes"};
  CHECK_FALSE(
      writer->write({.source = "s", .line = 1, .offset = 0, .reason = reason, .record = "x\xFF"}));
  CHECK(slurp(path).empty());  // buffered until close
  CHECK_FALSE(writer->close());
  CHECK(writer->lines() == 1);
  std::string expected =
      R"({"source":"s","line":1,"offset":0,"code":"line_too_long","reason":"line is 5 bytes",)"
      R"("record":"x\u00ff"})"
      "\n";
  CHECK(slurp(path) == expected);

  auto appender = reject_writer::open(path, open_mode::append, error);
  REQUIRE(appender);
  CHECK_FALSE(appender->write(
      {.source = "s", .line = 1, .offset = 0, .reason = reason, .record = "x\xFF"}));
  appender.reset();  // the destructor flushes too
  CHECK(slurp(path) == expected + expected);
}

TEST_CASE("opening a reject file in a missing directory fails with a one-line reason") {
  std::string error;
  auto writer = reject_writer::open("/nonexistent/rejects.ndjson", open_mode::truncate, error);
  CHECK_FALSE(writer);
  CHECK(error ==
        "cannot open reject file \"/nonexistent/rejects.ndjson\": No such file or "
        "directory");
}
