// The token fast path against on-demand alone: a normaliser with it and one without must give
// every line the same verdict, reject code and message, and wire, over runs of lines (the type
// registry and the key guesses carry over between lines). The lines are made to reach every
// token the fast path reads: records of each shape, each of their bytes deleted or replaced
// by one that means something in JSON, and the JSONTestSuite cases as values.
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "nv/record/record_normaliser.hpp"
#include "record/record_test_support.hpp"

using namespace nv::record;

namespace {

/// Two normalisers fed the same lines, compared line by line.
struct both_paths {
  record_normaliser fast{{.fast_path = normaliser_options::token_path::always}};
  record_normaliser on_demand{{.fast_path = normaliser_options::token_path::off}};
  std::string fast_wire, on_demand_wire;
  std::size_t accepted = 0;

  void compare(std::string_view line) {
    const auto a = testing::normalise_padded(fast, line, fast_wire);
    const auto b = testing::normalise_padded(on_demand, line, on_demand_wire);
    if (a.has_value() != b.has_value() || fast_wire != on_demand_wire ||
        (a && (a->code != b->code || a->message != b->message))) {
      FAIL_CHECK("the paths differ on " << line << ": "
                                        << (a ? a->message : "accepted " + fast_wire) << " / "
                                        << (b ? b->message : "accepted " + on_demand_wire));
    }
    accepted += !a;
  }
};

/// Records of the shapes the fast path takes and those it hands over: both spellings, the wire
/// shape, spaces between tokens, escapes in keys and values, every kind of value, objects and
/// arrays as custom values, numbers that need simdjson to say whether they fit.
const std::vector<std::string> records = {
    R"({"userID":"u1","name":"João Santos","email":"a@b.co","mobile":"+5511958255764",)"
    R"("birth_date":"1990-07-07","gender":"Other","email_opt_in":1,"sms_opt_in":"2",)"
    R"("attributes":{"plan":"gold","score":956,"vip":false,"tags":null,)"
    R"("company":"ACME"}})",
    R"({ "anonymousId" : "a\"b" , "firstName" : "x\u00e9" , "n" : -0.5e3 , "t" : true ,)"
    R"( "user_attributes" : { "deep" : { "a" : [ 1 , { "b" : null } ] } , "big" : 1.5e300 , "ratio" : 1.5 } })",
    R"({"user_id":"u2","na\u006de":"y","userID":"u3","phone":"+15550100","x":[1],"o":{}})",
    R"({"userID":"u4","attributes":null,"company":"","hashedEmail":"ab","c\"k":"v",)"
    R"("long":12345678901234567890,"level":"956","member":"no"})",
    "\xef\xbb\xbf{\"userID\":\"u5\",\"gender\":\"MALE\",\"birthDate\":\"2000-02-29T10:00:00Z\"}\r",
    R"({"userID":"u6","gender":"robot","score":"text"})",
};

/// Bytes that start, end or break a JSON token.
constexpr std::string_view meaningful = "{}[]:,\"\\ 0-.etfnu\x01\xff";

}  // namespace

TEST_CASE("the records of each shape get the same result from both paths") {
  both_paths paths;
  for (int round = 0; round < 3; ++round) {  // again, with the keys guessed from the run
    for (const auto& record : records) paths.compare(record);
  }
  CHECK(paths.accepted == 3 * 4);  // the third and the sixth break rules
  // The first and fifth records are the fast path's; the second and fourth are not (an object
  // value, an escaped key, numbers it leaves simdjson to size): both paths were compared.
  record_normaliser alone;
  std::string wire;
  CHECK_FALSE(testing::normalise_padded(alone, records[0], wire));
  CHECK(alone.fast_path_records() == 1);
  CHECK_FALSE(testing::normalise_padded(alone, records[4], wire));
  CHECK(alone.fast_path_records() == 2);
  CHECK_FALSE(testing::normalise_padded(alone, records[1], wire));
  CHECK_FALSE(testing::normalise_padded(alone, records[3], wire));
  CHECK(alone.fast_path_records() == 2);
}

TEST_CASE("every byte of each record deleted or replaced: the same result from both paths") {
  both_paths paths;
  std::size_t lines = 0;
  for (const auto& record : records) {
    for (std::size_t at = 0; at < record.size(); ++at) {
      std::string changed = record;
      changed.erase(at, 1);
      paths.compare(changed);
      for (const char byte : meaningful) {
        changed = record;
        changed[at] = byte;
        paths.compare(changed);
        changed.insert(at, 1, byte);
        paths.compare(changed);
        lines += 2;
      }
      paths.compare(record.substr(0, at));  // cut short
      lines += 2;
    }
  }
  CHECK(lines > 20000);
  CHECK(paths.accepted > 1000);                  // the changes that keep a record valid were taken
  CHECK(paths.fast.fast_path_records() > 1000);  // most of them by the fast path
}

TEST_CASE("JSONTestSuite cases as a field value and as attributes: the same result") {
  std::ifstream file(std::string(NV_SHARED_DIR) + "/jsontestsuite/lines.ndjson", std::ios::binary);
  REQUIRE(file.good());
  both_paths paths;
  std::size_t cases = 0;
  for (std::string value; std::getline(file, value); ++cases) {
    paths.compare(R"({"userID":"u","x":)" + value + "}");
    paths.compare(R"({"userID":"u","attributes":)" + value + "}");
    paths.compare(R"({"userID":"u","attributes":{"y":)" + value + "}}");
    paths.compare(R"({"email":)" + value + R"(,"userID":"u"})");
  }
  CHECK(cases > 300);
  CHECK(paths.accepted > 20);  // most valid cases are arrays, which attributes cannot be
}

TEST_CASE("adaptive: records the fast path hands over whole make it step aside, then return") {
  record_normaliser normaliser;  // adaptive, the default
  std::string wire;
  // An object as a custom value: valid, but not the fast path's to read.
  for (int i = 0; i < 200; ++i) {
    REQUIRE_FALSE(testing::normalise_padded(
        normaliser, R"({"userID":"u)" + std::to_string(i) + R"(","o":{"k":1}})", wire));
  }
  CHECK(normaliser.fast_path_records() == 0);
  // Tried at records 1, 3, 6, 11, 20, 37, 70, 135 and 200: 1, 2, 4, … 64 left out between.
  CHECK(normaliser.fast_path_wasted() == 9);
  // Plain records again: taken once the 64 records left out have passed, then every one.
  for (int i = 0; i < 100; ++i) {
    REQUIRE_FALSE(testing::normalise_padded(
        normaliser, R"({"userID":"p)" + std::to_string(i) + R"(","n":1})", wire));
  }
  CHECK(normaliser.fast_path_wasted() == 9);
  CHECK(normaliser.fast_path_records() == 100 - 64);
  // Records with a broken rule are handed over by design: they do not make it step aside.
  for (int i = 0; i < 10; ++i) {
    REQUIRE(testing::normalise_padded(normaliser, R"({"userID":"x","gender":"robot"})", wire));
  }
  REQUIRE_FALSE(testing::normalise_padded(normaliser, R"({"userID":"q","n":2})", wire));
  CHECK(normaliser.fast_path_records() == 100 - 64 + 1);
  CHECK(normaliser.fast_path_wasted() == 9);
}
