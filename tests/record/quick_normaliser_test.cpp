// Tests for the normaliser's fast path: it takes the common lines, leaves everything else to the
// on-demand path, and the two paths agree on every line: verdict, reject code and message, wire,
// and the run's attribute types.
#include "nv/record/quick_normaliser.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "record/record_test_support.hpp"

using namespace nv::record;
using namespace nv::record::testing;

namespace {

constexpr std::string_view flat_line =
    R"({"userID":"u1","name":"João Santos","email":"a@b.c","mobile":"+5511958255764",)"
    R"("birth_date":"1990-07-07","gender":"Other","email_opt_in":"1","sms_opt_in":2,)"
    R"("attributes":{"plan":"gold","score":956,"ratio":-0.25,"vip":false,"gone":null,)"
    R"("prefs":{"lang":"pt","tags":["a",1,true,null,{}],"deep":{"x":[]}}}})";
constexpr std::string_view spelled_line =
    R"( { "userId" : "u2" , "firstName":"Zoë", "phone":"+14155550100", "emailOptIn":0,)"
    R"( "whatsappOptIn":"2", "city":"Kraków", "visits":0, "attributes":null } )";
constexpr std::string_view wire_line =
    R"({"userID":"u3","anonymousID":"a3","user_attributes":{"email":"x@y.z","company":"",)"
    R"("hashed_email":"ab12","plan":"free","signup":"2023-04-01T10:00:00Z"}})";

/// Returns whether quick_normalise() takes `line` with fresh state and default options.
bool quick_takes(std::string_view line, normaliser_options options = {}) {
  std::string buffer(line);
  buffer.append(simdjson::SIMDJSON_PADDING, '"');  // a quote in the padding must not count
  attribute_types types;
  record_fields fields;
  fields.clear();
  return quick_normalise(std::string_view(buffer.data(), line.size()), options, types, fields);
}

/// Runs `lines` in order through a normaliser with the fast path and one without, and checks
/// that they agree line by line.
void check_paths_agree(const std::vector<std::string>& lines, normaliser_options options = {}) {
  normaliser_options slow_options = options;
  slow_options.quick_path = false;
  record_normaliser quick(options), slow(slow_options);
  std::string quick_wire, slow_wire;
  for (const auto& line : lines) {
    INFO("line: " << line);
    const auto a = normalise_padded(quick, line, quick_wire);
    const auto b = normalise_padded(slow, line, slow_wire);
    REQUIRE(a.has_value() == b.has_value());
    if (a) {
      CHECK(code_name(a->code) == code_name(b->code));
      CHECK(a->message == b->message);
    }
    CHECK(quick_wire == slow_wire);
    CHECK(quick.types().size() == slow.types().size());
  }
}

/// Returns `line` with every byte in turn replaced by each of `bytes`, deleted, and the line
/// cut there; plus white space at every position.
std::vector<std::string> mutations(std::string_view line) {
  static constexpr std::string_view bytes = "\\\"\x01 \t,:{}[]0-.eE+tnu\xC3\x80z";
  std::vector<std::string> out;
  for (std::size_t i = 0; i < line.size(); ++i) {
    for (char c : bytes) {
      std::string changed(line);
      changed[i] = c;
      out.push_back(std::move(changed));
    }
    std::string removed(line);
    removed.erase(i, 1);
    out.push_back(std::move(removed));
    out.emplace_back(line.substr(0, i));
    std::string spaced(line.substr(0, i));
    spaced += ' ';
    spaced += line.substr(i);
    out.push_back(std::move(spaced));
  }
  return out;
}

}  // namespace

TEST_CASE("the fast path takes lines of the common shape in all three input shapes") {
  CHECK(quick_takes(flat_line));
  CHECK(quick_takes(spelled_line));
  CHECK(quick_takes(wire_line));
  CHECK(quick_takes(R"({"anonymousId":"a","n":123456789012345678,"f":0.123456789012345678})"));
}

TEST_CASE("the fast path leaves lines outside the shape to the on-demand path") {
  CHECK_FALSE(quick_takes(R"({"userID":"u\n1"})"));           // an escape
  CHECK_FALSE(quick_takes("{\"userID\":\"u\x01\"}"));         // a raw control
  CHECK_FALSE(quick_takes("{\"userID\":\"u1\",\t\"a\":1}"));  // a tab, even outside strings
  CHECK_FALSE(quick_takes(R"({"userID":"u1","n":1e3})"));     // an exponent
  CHECK_FALSE(quick_takes(R"({"userID":"u1","n":1234567890123456789})"));  // 19 digits
  CHECK_FALSE(quick_takes(R"({"userID":"u1","f":0.1234567890123456789})"));
  CHECK_FALSE(quick_takes(R"({"userID":"u1","n":01})"));
  CHECK_FALSE(quick_takes(R"({"userID":"u1","list":[1]})"));      // bad_attr_value
  CHECK_FALSE(quick_takes(R"({"userID":"u1","email":"nope"})"));  // bad_email
  CHECK_FALSE(quick_takes(R"({"userID":"u1","userId":"u2"})"));   // duplicate_key
  CHECK_FALSE(quick_takes(R"({"name":"no identity"})"));          // missing_user_id
  CHECK_FALSE(quick_takes(R"({"userID":"u1"} x)"));               // trailing content
  CHECK_FALSE(quick_takes(R"({"userID":"u1")"));                  // not closed
  CHECK_FALSE(quick_takes("{\"userID\":\"u\xC3\"}"));             // invalid UTF-8
  CHECK_FALSE(quick_takes(R"({"userID":"u1","o":{"a":{"b":1}}})", {.max_depth = 1}));
  CHECK_FALSE(quick_takes(R"({"userID":"u1","o":{}})", {.max_depth = 0}));
  CHECK_FALSE(quick_takes(R"({"userID":"u1","a":1,"b":2})", {.max_attribute_names = 1}));
}

TEST_CASE("the fast path finds closing quotes across 64-byte blocks, up to its line limit") {
  const std::string long_value(150, 'x');  // spans whole blocks of the quote index
  const std::string line = R"({"userID":"u1","note":")" + long_value + R"("})";
  CHECK(quick_takes(line));
  for (std::size_t pad = 0; pad < 70; ++pad) {  // the closing quote at every block offset
    CHECK(quick_takes(R"({"userID":"u1","n":")" + std::string(pad, 'y') + R"("})"));
  }
  // Strings inside an object value have no length rule.
  auto nested = [](std::size_t size) {
    return R"({"userID":"u1","o":{"k":")" + std::string(size, 'z') + R"("}})";
  };
  const std::string at_limit = nested(quick_max_line_bytes - 28);
  REQUIRE(at_limit.size() == quick_max_line_bytes);
  CHECK(quick_takes(at_limit));
  CHECK_FALSE(quick_takes(nested(quick_max_line_bytes - 27)));
  check_paths_agree(
      {line, at_limit, at_limit.substr(0, at_limit.size() - 2), nested(quick_max_line_bytes)});
}

TEST_CASE("both paths agree on the common lines and every one-byte change of them") {
  for (const auto line : {flat_line, spelled_line, wire_line}) {
    auto lines = mutations(line);
    lines.insert(lines.begin(), std::string(line));
    check_paths_agree(lines);
  }
}

TEST_CASE("both paths agree at the limits of depth, digits and attribute names") {
  const std::vector<std::string> lines = {
      R"({"userID":"u","o":{"a":{"b":{"c":1}}}})",
      R"({"userID":"u","o":{"a":{"b":[1,[2]]}}})",
      R"({"userID":"u","o":{ "a" : [ ] , "b" : { } }})",
      R"({"userID":"u","n":999999999999999999,"m":-999999999999999999})",
      R"({"userID":"u","n":-0,"m":0.0,"k":-0.5})",
      R"({"userID":"u","attributes":{"userID":"x"}})",
      R"({"userID":"u","attributes":{"attributes":{"a":1}}})",
      R"({"userID":"u","attributes":{},"user_attributes":{}})",
      R"({"userID":"u","a":1,"b":"x","c":true,"d":{"e":1}})",
      R"({"userID":"u","a":null,"b":null,"c":null,"d":null})",
      R"({"userID":"u","z":1})",
  };
  check_paths_agree(lines, {.max_depth = 2, .max_attribute_names = 4});
  check_paths_agree(lines, {.max_depth = 0});
  check_paths_agree(lines);
}

TEST_CASE("both paths agree on the run's attribute types across records") {
  check_paths_agree({
      R"({"userID":"u1","plan":"gold","score":1,"vip":true,"o":{"a":1}})",
      R"({"userID":"u2","plan":"gold","score":1,"vip":true,"o":{"a":1}})",  // cached names
      R"({"userID":"u3","plan":2})",                                        // type changed
      R"({"userID":"u4","score":"high","vip":true})",
      R"({"userID":"u5","vip":null,"o":"text"})",
      R"({"userID":"u6","plan":"gold","score":1,"vip":true,"o":{"a":1},"new":1})",
      R"({"userID":"u7","plan":"gold","score":1,"vip":true,"o":{"a":1},"new":"s"})",
  });
}
