// Tests for copy-free key/string reads and compact re-serialisation of on-demand values.
#include "nv/record/ondemand_values.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace nv::record;
namespace od = simdjson::ondemand;

namespace {

/// Walks the value of field "v" in `json` with write_compact; returns status and output.
std::pair<walk_status, std::string> walk(std::string_view json, std::size_t depth = 8) {
  std::string buffer(json);
  buffer.append(simdjson::SIMDJSON_PADDING, '}');
  od::parser parser;
  od::document doc;
  REQUIRE_FALSE(
      parser.iterate(simdjson::padded_string_view(buffer.data(), json.size(), buffer.size()))
          .get(doc));
  od::object object;
  REQUIRE_FALSE(doc.get_object().get(object));
  od::value value;
  if (object.find_field("v").get(value)) return {walk_status::malformed, {}};
  text_buffer out;
  const auto result = write_compact(value, out, depth);
  return {result.status, std::string(out.view())};
}

}  // namespace

TEST_CASE("write_compact re-serialises compactly and keeps number text") {
  CHECK(walk(R"({"v": { "a" : 1.50e3 , "b":[ true,false ,null, "x\ty", {} , [] ] } })").second ==
        R"({"a":1.50e3,"b":[true,false,null,"x\ty",{},[]]})");
  CHECK(walk(R"({"v":"\u00e9\/\""})").second == R"("é/\"")");
  CHECK(walk(R"({"v":{"k\u0041":"plain"}})").second == R"({"kA":"plain"})");
  CHECK(walk(R"({"v":-0})").second == "-0");
}

TEST_CASE("write_compact reports malformed values, depth and numbers that do not fit") {
  CHECK(walk(R"({"v":{"a":01}})").first == walk_status::malformed);
  CHECK(walk(R"({"v":{"a":tru}})").first == walk_status::malformed);
  CHECK(walk(R"({"v":[1,]})").first == walk_status::malformed);
  CHECK(walk(R"({"v":{"a" 1}})").first == walk_status::malformed);
  CHECK(walk(R"({"v":"\x"})").first == walk_status::malformed);
  CHECK(walk(R"({"v":[1e400]})").first == walk_status::bad_number);
  CHECK(walk(R"({"v":[[[1]]]})", 3).first == walk_status::ok);
  CHECK(walk(R"({"v":[[[1]]]})", 2).first == walk_status::too_deep);
  CHECK(walk(R"({"v":{}})", 0).first == walk_status::too_deep);
  CHECK(walk(R"({"v":1})", 0).first == walk_status::ok);
}

TEST_CASE("read_key and read_string view plain text in place and unescape the rest") {
  const std::string json = R"({"plain":"text","esc\"aped":"a\nb"})" + std::string(64, ' ');
  od::parser parser;
  od::document doc;
  REQUIRE_FALSE(
      parser.iterate(simdjson::padded_string_view(json.data(), json.size() - 64, json.size()))
          .get(doc));
  od::object object;
  REQUIRE_FALSE(doc.get_object().get(object));
  std::vector<std::tuple<std::string, bool, std::string, bool>> seen;
  for (auto field_result : object) {
    od::field field;
    REQUIRE_FALSE(std::move(field_result).get(field));
    std::string_view key, text;
    bool key_plain = false, text_plain = false;
    REQUIRE_FALSE(read_key(field, key, key_plain));
    REQUIRE_FALSE(read_string(field.value(), text, text_plain));
    seen.emplace_back(std::string(key), key_plain, std::string(text), text_plain);
  }
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == std::make_tuple(std::string("plain"), true, std::string("text"), true));
  CHECK(seen[1] == std::make_tuple(std::string("esc\"aped"), false, std::string("a\nb"), false));
}
