// Tests for record_normaliser: every rule of API.md at its boundaries, all input shapes and
// spellings, the run-wide type rule, invalid UTF-8, escaping, and the wire round trip.
#include "nv/record/record_normaliser.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "nv/record/utf8.hpp"
#include "record/record_invariants.hpp"
#include "record/record_test_support.hpp"

using namespace nv::record;
using namespace nv::record::testing;

namespace {

std::string repeat(std::string_view piece, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += piece;
  return out;
}

/// A normaliser with the helpers every test uses.
struct harness {
  record_normaliser normaliser;
  std::string wire;

  explicit harness(normaliser_options options = {}) : normaliser(options) {}

  std::optional<reject> run(std::string_view line) {
    return normalise_padded(normaliser, line, wire);
  }

  /// Normalises a line that must be accepted; returns its wire user read back.
  wire_user accept(std::string_view line) {
    INFO("line: " << line);
    const auto reason = run(line);
    REQUIRE_MESSAGE(!reason, (reason ? code_name(reason->code) : "")
                                 << ": " << (reason ? reason->message : ""));
    CHECK(check_wire_user(wire) == "");
    const auto user = read_wire(wire);
    REQUIRE(user.has_value());
    return *user;
  }

  /// Normalises a line that must be rejected with `code`; returns the reject.
  reject refuse(std::string_view line, reject_code code) {
    INFO("line: " << line);
    const auto reason = run(line);
    REQUIRE_MESSAGE(reason.has_value(), "accepted as " << wire);
    CHECK(code_name(reason->code) == code_name(code));
    INFO("message: " << reason->message);
    CHECK(wire.empty());
    CHECK_FALSE(reason->message.empty());
    CHECK(first_invalid_utf8(reason->message) == std::string_view::npos);
    for (char c : reason->message) CHECK(static_cast<unsigned char>(c) >= 0x20);
    return *reason;
  }
};

}  // namespace

TEST_CASE("the three input shapes give the same wire user, standard attributes in order") {
  harness h;
  const std::string expected =
      R"({"userID":"u1","user_attributes":{"name":"Zoë Doe","first_name":"Zoë","last_name":"Doe",)"
      R"("email":"z@example.com","mobile":"+551155256325","birth_date":"1986-08-19",)"
      R"("gender":"female","email_opt_in":"1","sms_opt_in":"0","whatsapp_opt_in":"2",)"
      R"("company":"ACME","hashed_email":"he","hashed_mobile":"hm","plan":"gold","visits":3}})";
  // Input order deliberately differs from the canonical order.
  const std::string fields =
      R"("plan":"gold","hashedMobile":"hm","gender":"FEMALE","email":"z@example.com",)"
      R"("whatsappOptIn":2,"lastName":"Doe","phone":"+551155256325","company":"ACME",)"
      R"("birthDate":"1986-08-19T15:45:00-0800","name":"Zoë Doe","smsOptIn":"0",)"
      R"("hashedEmail":"he","firstName":"Zoë","emailOptIn":1,"visits":3)";
  SUBCASE("flat") {
    h.accept(R"({"userId":"u1",)" + fields + "}");
    CHECK(h.wire == expected);
  }
  SUBCASE("attributes") {
    h.accept(R"({"user_id":"u1","attributes":{)" + fields + "}}");
    CHECK(h.wire == expected);
  }
  SUBCASE("wire shape") {
    h.accept(R"({"userID":"u1","user_attributes":{)" + fields + "}}");
    CHECK(h.wire == expected);
  }
  SUBCASE("the wire output is itself accepted unchanged") {
    h.accept(expected);
    CHECK(h.wire == expected);
  }
}

TEST_CASE("every spelling of every field maps to its wire name") {
  struct spelling_case {
    std::string_view input;
    std::string_view value;
    std::string_view wire;
    std::string_view wire_value;
  };
  const std::vector<spelling_case> cases = {
      {"name", R"("N")", "name", "N"},
      {"first_name", R"("F")", "first_name", "F"},
      {"firstName", R"("F")", "first_name", "F"},
      {"last_name", R"("L")", "last_name", "L"},
      {"lastName", R"("L")", "last_name", "L"},
      {"email", R"("a@b")", "email", "a@b"},
      {"mobile", R"("+12345678")", "mobile", "+12345678"},
      {"phone", R"("+12345678")", "mobile", "+12345678"},
      {"birth_date", R"("2000-01-02")", "birth_date", "2000-01-02"},
      {"birthDate", R"("2000-01-02")", "birth_date", "2000-01-02"},
      {"gender", R"("Other")", "gender", "other"},
      {"email_opt_in", "1", "email_opt_in", "1"},
      {"emailOptIn", "1", "email_opt_in", "1"},
      {"sms_opt_in", "2", "sms_opt_in", "2"},
      {"smsOptIn", "2", "sms_opt_in", "2"},
      {"whatsapp_opt_in", "0", "whatsapp_opt_in", "0"},
      {"whatsappOptIn", "0", "whatsapp_opt_in", "0"},
      {"company", R"("C")", "company", "C"},
      {"hashed_email", R"("h")", "hashed_email", "h"},
      {"hashedEmail", R"("h")", "hashed_email", "h"},
      {"hashed_mobile", R"("h")", "hashed_mobile", "h"},
      {"hashedMobile", R"("h")", "hashed_mobile", "h"},
  };
  harness h;
  for (const auto& c : cases) {
    for (const std::string_view container : {"", "attributes", "user_attributes"}) {
      std::string field;
      field.append("\"").append(c.input).append("\":").append(c.value);
      const std::string line =
          container.empty() ? R"({"userID":"u",)" + field + "}"
                            : R"({"userID":"u",")" + std::string(container) + "\":{" + field + "}}";
      const auto user = h.accept(line);
      REQUIRE(user.attributes.size() == 1);
      CHECK(user.attributes[0].first == c.wire);
      CHECK(user.attributes[0].second == c.wire_value);
    }
  }
  for (const std::string_view id : {"userID", "userId", "user_id"}) {
    CHECK(h.accept(std::string("{\"").append(id).append("\":\"x\"}")).user_id == "x");
  }
  for (const std::string_view id : {"anonymousID", "anonymousId", "anonymous_id"}) {
    h.accept(std::string("{\"").append(id).append("\":\"x\"}"));
    CHECK(h.wire == R"({"anonymousID":"x"})");
  }
  // Keys are matched after unescaping; names are case-sensitive.
  CHECK(h.accept(R"({"user\u0049D":"x"})").user_id == "x");
  CHECK(h.accept(R"({"userID":"x","Email":"not checked"})").get("Email") == "not checked");
}

TEST_CASE("identity: 1 to 100 characters, counted in code points") {
  harness h;
  CHECK(h.accept(R"({"userID":")" + repeat("a", 100) + "\"}").user_id.size() == 100);
  h.refuse(R"({"userID":")" + repeat("a", 101) + "\"}", reject_code::user_id_too_long);
  CHECK(h.accept(R"({"userID":")" + repeat("é", 100) + "\"}").user_id.size() == 200);
  h.refuse(R"({"userID":")" + repeat("é", 101) + "\"}", reject_code::user_id_too_long);
  h.accept(R"({"userID":")" + repeat("😀", 100) + "\"}");
  h.refuse(R"({"userID":")" + repeat("😀", 101) + "\"}", reject_code::user_id_too_long);
  h.accept(R"({"anonymousID":")" + repeat("ж", 100) + "\"}");
  h.refuse(R"({"anonymousID":")" + repeat("ж", 101) + "\"}", reject_code::anonymous_id_too_long);
  h.refuse(R"({"userID":""})", reject_code::bad_user_id);
  h.refuse(R"({"userID":12})", reject_code::bad_user_id);
  h.refuse(R"({"userID":{"a":1}})", reject_code::bad_user_id);
  h.refuse(R"({"anonymousID":true})", reject_code::bad_anonymous_id);
  h.refuse(R"({"anonymousID":""})", reject_code::bad_anonymous_id);
  h.refuse(R"({"email":"a@b"})", reject_code::missing_user_id);
  h.refuse(R"({"userID":null})", reject_code::missing_user_id);
  h.refuse(R"({})", reject_code::missing_user_id);
  h.accept(R"({"userID":null,"anonymousID":"a"})");
  CHECK(h.wire == R"({"anonymousID":"a"})");
  h.accept(R"({"anonymous_id":"a","user_id":"u","email":"e@x"})");
  CHECK(h.wire == R"({"userID":"u","anonymousID":"a","user_attributes":{"email":"e@x"}})");
}

TEST_CASE("custom attribute names: 1 to 49 characters, no control, no identity name") {
  harness h;
  h.accept(R"({"userID":"u",")" + repeat("n", 49) + "\":1}");
  h.refuse(R"({"userID":"u",")" + repeat("n", 50) + "\":1}", reject_code::attr_name_too_long);
  h.accept(R"({"userID":"u",")" + repeat("ñ", 49) + "\":1}");
  h.refuse(R"({"userID":"u",")" + repeat("ñ", 50) + "\":1}", reject_code::attr_name_too_long);
  h.refuse(R"({"userID":"u","":1})", reject_code::bad_attr_name);
  h.refuse(R"({"userID":"u","a\tb":1})", reject_code::bad_attr_name);
  h.refuse(R"({"userID":"u","a\u007fb":1})", reject_code::bad_attr_name);
  for (const std::string_view id : {"userID", "userId", "user_id", "anonymousID", "anonymous_id"}) {
    h.refuse(R"({"userID":"u","attributes":{")" + std::string(id) + "\":\"x\"}}",
             reject_code::bad_attr_name);
  }
  // "attributes" inside a container is a custom attribute of that name.
  CHECK(h.accept(R"({"userID":"u","attributes":{"attributes":{"a":1}}})").get("attributes") ==
        R"({"a":1})");
}

TEST_CASE("custom attribute values: strings up to 999 characters, scalars, objects") {
  harness h;
  CHECK(h.accept(R"({"userID":"u","bio":")" + repeat("x", 999) + "\"}").get("bio")->size() == 999);
  h.refuse(R"({"userID":"u","bio":")" + repeat("x", 1000) + "\"}",
           reject_code::attr_value_too_long);
  h.accept(R"({"userID":"u","bio":")" + repeat("ß", 999) + "\"}");
  h.refuse(R"({"userID":"u","bio":")" + repeat("ß", 1000) + "\"}",
           reject_code::attr_value_too_long);
  // A string of escapes counts decoded characters.
  h.accept(R"({"userID":"u","bio":")" + repeat("\\u00e9", 999) + "\"}");
  CHECK(h.accept(R"({"userID":"u","empty":""})").get("empty") == "");
  // Numbers keep their exact text; literals; objects compact.
  const auto user = h.accept(
      R"({"userID":"u","n1":12.50,"n2":-0.0E+5,"n3":1e2,"n4":18446744073709551615,"t":true,"f":false,)"
      R"("o":{ "a" : [1, 2.0 ,{"b":null}], "c":"\u00e9\n\"" , "d":{} }})");
  CHECK(
      h.wire ==
      R"({"userID":"u","user_attributes":{"n1":12.50,"n2":-0.0E+5,"n3":1e2,)"
      R"("n4":18446744073709551615,"t":true,"f":false,"o":{"a":[1,2.0,{"b":null}],"c":"é\n\"","d":{}}}})");
  CHECK(user.names() == std::vector<std::string>{"n1", "n2", "n3", "n4", "t", "f", "o"});
  // Arrays are refused as values, numbers must fit.
  h.refuse(R"({"userID":"u","tags":["a"]})", reject_code::bad_attr_value);
  h.refuse(R"({"userID":"u","tags":[]})", reject_code::bad_attr_value);
  h.refuse(R"({"userID":"u","big":1e400})", reject_code::bad_attr_value);
  h.refuse(R"({"userID":"u","big":18446744073709551616})", reject_code::bad_attr_value);
  h.refuse(R"({"userID":"u","deep":{"big":-1e999}})", reject_code::bad_attr_value);
  h.refuse(R"({"userID":"u","attributes":"x"})", reject_code::bad_attr_value);
  h.refuse(R"({"userID":"u","attributes":["x"]})", reject_code::bad_attr_value);
  h.accept(R"({"userID":"u","attributes":null})");
  CHECK(h.wire == R"({"userID":"u"})");
}

TEST_CASE("object values nest at most max_depth levels") {
  auto nested = [](std::size_t levels) {
    return R"({"userID":"u","o":)" + repeat("{\"k\":", levels - 1) + "{}" +
           repeat("}", levels - 1) + "}";
  };
  harness h;
  h.accept(nested(32));
  h.refuse(nested(33), reject_code::bad_attr_value);
  harness shallow(normaliser_options{.max_depth = 2});
  shallow.accept(R"({"userID":"u","o":{"a":[1]}})");
  shallow.refuse(R"({"userID":"u","o":{"a":[[1]]}})", reject_code::bad_attr_value);
  harness none(normaliser_options{.max_depth = 0});
  none.refuse(R"({"userID":"u","o":{}})", reject_code::bad_attr_value);
  none.accept(R"({"userID":"u","s":"x"})");
}

TEST_CASE("birth dates: real calendar dates, date-times cut to the date") {
  harness h;
  auto date_of = [&](std::string_view text) {
    return h.accept(R"({"userID":"u","birth_date":")" + std::string(text) + "\"}")
        .get("birth_date");
  };
  CHECK(date_of("2000-02-29") == "2000-02-29");
  CHECK(date_of("2024-02-29") == "2024-02-29");
  CHECK(date_of("1986-08-19T15:45:00-0800") == "1986-08-19");
  CHECK(date_of("1986-08-19T15:45:00Z") == "1986-08-19");
  CHECK(date_of("1986-08-19T15:45:00.123+05:30") == "1986-08-19");
  CHECK(date_of("1986-08-19 15:45") == "1986-08-19");
  CHECK(date_of("0001-01-01") == "0001-01-01");
  CHECK(date_of("9999-12-31") == "9999-12-31");
  for (const std::string_view bad :
       {"1900-02-29", "2023-02-29", "2023-04-31", "2023-13-01", "2023-00-10", "2023-01-00",
        "0000-01-01", "1986-08-19T25:00", "1986-08-19T15:60", "1986-08-19X", "19860819",
        "1986-8-19", "1986-08-19T", "1986-08-19T15:45:00+2500", "yesterday"}) {
    INFO(bad);
    h.refuse(R"({"userID":"u","birth_date":")" + std::string(bad) + "\"}",
             reject_code::bad_birth_date);
  }
  h.refuse(R"({"userID":"u","birth_date":19860819})", reject_code::bad_birth_date);
}

TEST_CASE("mobile: E.164") {
  harness h;
  h.accept(R"({"userID":"u","mobile":"+12345678"})");
  h.accept(R"({"userID":"u","mobile":"+123456789012345"})");
  for (const std::string_view bad : {"+1234567", "+1234567890123456", "+0123456789", "123456789",
                                     "+1234 5678", "+12345678a", "+", "++12345678"}) {
    INFO(bad);
    const auto reason =
        h.refuse(R"({"userID":"u","phone":")" + std::string(bad) + "\"}", reject_code::bad_mobile);
    CHECK(reason.message.find("E.164") != std::string::npos);
  }
  const auto reason = h.refuse(R"({"userID":"u","mobile":"+0123"})", reject_code::bad_mobile);
  CHECK(reason.message == R"(mobile "+0123" is not E.164 (+ then 8–15 digits, first digit not 0))");
  h.refuse(R"({"userID":"u","mobile":12345678901})", reject_code::bad_mobile);
}

TEST_CASE("email, gender and string fields") {
  harness h;
  h.accept(R"({"userID":"u","email":"a@b"})");
  for (const std::string_view bad : {"ab", "@b", "a@", "a@b@c", "@"}) {
    h.refuse(R"({"userID":"u","email":")" + std::string(bad) + "\"}", reject_code::bad_email);
  }
  CHECK(h.accept(R"({"userID":"u","gender":"MALE"})").get("gender") == "male");
  CHECK(h.accept(R"({"userID":"u","gender":"fEmAlE"})").get("gender") == "female");
  CHECK(h.accept(R"({"userID":"u","gender":"other"})").get("gender") == "other");
  h.refuse(R"({"userID":"u","gender":"m"})", reject_code::bad_gender);
  h.refuse(R"({"userID":"u","gender":1})", reject_code::bad_gender);
  h.refuse(R"({"userID":"u","first_name":12})", reject_code::bad_string_field);
  h.refuse(R"({"userID":"u","company":{"a":1}})", reject_code::bad_string_field);
  h.refuse(R"({"userID":"u","name":["a"]})", reject_code::bad_string_field);
}

TEST_CASE("opt-ins: numbers or numeric strings worth exactly 0, 1 or 2") {
  harness h;
  auto flag = [&](std::string_view value) {
    return h.accept(R"({"userID":"u","sms_opt_in":)" + std::string(value) + "}").get("sms_opt_in");
  };
  CHECK(flag("0") == "0");
  CHECK(flag("1") == "1");
  CHECK(flag("2") == "2");
  CHECK(flag(R"("0")") == "0");
  CHECK(flag(R"("1")") == "1");
  CHECK(flag(R"("2")") == "2");
  CHECK(flag("1.0") == "1");
  CHECK(flag(R"("2.00")") == "2");
  CHECK(flag("1e0") == "1");
  CHECK(flag("20E-1") == "2");
  CHECK(flag("-0") == "0");
  CHECK(flag("0.0e5") == "0");
  for (const std::string_view bad : {"3", "-1", "1.5", R"("yes")", "true", R"(" 1")", R"("01")",
                                     R"("1 ")", "0.5e1", R"("+1")", "{}"}) {
    INFO(bad);
    h.refuse(R"({"userID":"u","emailOptIn":)" + std::string(bad) + "}", reject_code::bad_opt_in);
  }
}

TEST_CASE("null and empty strings mean not provided, except for identities and customs") {
  harness h;
  h.accept(R"({"userID":"u","name":null,"email":"","gender":"","sms_opt_in":"","birth_date":null,)"
           R"("plan":null,"attributes":{"company":""}})");
  CHECK(h.wire == R"({"userID":"u"})");
  CHECK_FALSE(h.normaliser.types().find("plan").has_value());  // null registers no type
  h.accept(R"({"userID":"u","plan":7})");
  CHECK(h.normaliser.types().find("plan") == attr_type::number);
}

TEST_CASE("duplicate fields under any spelling are rejected") {
  harness h;
  h.refuse(R"({"userID":"a","user_id":"b"})", reject_code::duplicate_key);
  h.refuse(R"({"userId":"a","userId":"a"})", reject_code::duplicate_key);
  h.refuse(R"({"anonymousId":"a","anonymous_id":null})", reject_code::duplicate_key);
  h.refuse(R"({"userID":"a","phone":"+12345678","mobile":"+12345678"})",
           reject_code::duplicate_key);
  const auto reason = h.refuse(R"({"userID":"a","email":"a@b","attributes":{"email":"c@d"}})",
                               reject_code::duplicate_key);
  CHECK(reason.message == R"(email is given twice: as "email" and as "attributes.email")");
  // The first claim inside the container names it with the spelling the line used.
  const auto inside = h.refuse(
      R"({"userID":"a","user_attributes":{"firstName":"A"},"first_name":"B","attributes":{}})",
      reject_code::duplicate_key);
  CHECK(inside.message ==
        R"(first_name is given twice: as "user_attributes.firstName" and as "first_name")");
  // The first spelling as claimed: escaped, both inside the container, the container itself,
  // and after the record's key guesses were learnt from other lines.
  CHECK(h.refuse(R"({"userID":"a","em\u0061il":"a@b","email":"c@d"})", reject_code::duplicate_key)
            .message == R"(email is given twice: as "email" and as "email")");
  CHECK(h.refuse(R"({"userID":"a","attributes":{"phone":"+12345678","mobile":"+12345678"}})",
                 reject_code::duplicate_key)
            .message ==
        R"(mobile is given twice: as "attributes.phone" and as "attributes.mobile")");
  CHECK(
      h.refuse(R"({"userID":"a","attributes":{},"user_attributes":{}})", reject_code::duplicate_key)
          .message ==
      R"(user_attributes is given twice: as "attributes" and as "user_attributes")");
  h.accept(R"({"userID":"a","name":"n","attributes":{"plan":"p"}})");
  h.accept(R"({"userID":"a","name":"n","attributes":{"plan":"p"}})");
  CHECK(h.refuse(R"({"userID":"a","name":"n","attributes":{"plan":"p","name":"m"}})",
                 reject_code::duplicate_key)
            .message == R"(name is given twice: as "name" and as "attributes.name")");
  // Malformed after the duplicate: malformed_json wins, the second reading does no harm.
  h.refuse(R"({"userID":"a","userId":"b","x":tru})", reject_code::malformed_json);
  h.refuse(R"({"userID":"a","plan":"x","attributes":{"plan":"y"}})", reject_code::duplicate_key);
  h.refuse(R"({"userID":"a","plan":null,"plan":"y"})", reject_code::duplicate_key);
  // Many custom attributes: the hashed duplicate check takes over past the linear scan.
  std::string many = R"({"userID":"a")";
  for (int i = 0; i < 40; ++i) many += ",\"k" + std::to_string(i) + "\":1";
  h.accept(many + "}");
  h.refuse(many + R"(,"k7":2})", reject_code::duplicate_key);
}

TEST_CASE("booleans: the literal as written; anything else where one starts is malformed") {
  harness h;
  CHECK(h.accept(R"({"userID":"a","vip":true,"opt":false})").attributes ==
        std::vector<std::pair<std::string, std::string>>{{"vip", "true"}, {"opt", "false"}});
  CHECK(h.accept(R"({"userID":"a","vip":false , "opt":true })").attributes ==
        std::vector<std::pair<std::string, std::string>>{{"vip", "false"}, {"opt", "true"}});
  CHECK(h.accept(R"({"userID":"a","attributes":{"vip":true}})").get("vip") == "true");
  for (std::string_view broken :
       {R"({"userID":"a","vip":tru})", R"({"userID":"a","vip":truex})",
        R"({"userID":"a","vip":fals})", R"({"userID":"a","vip":falsey})",
        R"({"userID":"a","vip":t})", R"({"userID":"a","vip":true"x":1})",
        R"({"userID":"a","vip":true:"x"})", R"({"userID":"a","vip":true false})",
        R"({"userID":"a","vip":true)", R"({"userID":"a","attributes":{"vip":falsex}})"}) {
    h.refuse(broken, reject_code::malformed_json);
  }
  // A boolean where a string or an object belongs is that field's reject, not malformed.
  h.refuse(R"({"userID":"a","email":true})", reject_code::bad_email);
  h.refuse(R"({"userID":"a","attributes":false})", reject_code::bad_attr_value);
}

TEST_CASE("custom attribute types hold for the run: the first type seen wins") {
  harness h;
  h.accept(R"({"userID":"a","plan":"gold","score":1,"vip":true,"prefs":{"a":1}})");
  CHECK(h.normaliser.types().size() == 4);
  const auto reason = h.refuse(R"({"userID":"b","plan":3})", reject_code::attr_type_changed);
  CHECK(reason.message == R"(attribute "plan" was string, now number 3)");
  h.refuse(R"({"userID":"b","score":"1"})", reject_code::attr_type_changed);
  h.refuse(R"({"userID":"b","vip":"yes"})", reject_code::attr_type_changed);
  h.refuse(R"({"userID":"b","prefs":"x"})", reject_code::attr_type_changed);
  h.refuse(R"({"userID":"b","attributes":{"score":{}}})", reject_code::attr_type_changed);
  h.accept(R"({"userID":"b","plan":"silver","score":2.5,"vip":false,"prefs":{}})");
  // A rejected record registers nothing, not even the types of its good attributes.
  h.refuse(R"({"userID":"c","fresh":"x","email":"bad"})", reject_code::bad_email);
  CHECK_FALSE(h.normaliser.types().find("fresh").has_value());
  h.accept(R"({"userID":"c","fresh":5})");
  CHECK(h.normaliser.types().find("fresh") == attr_type::number);
  // The shortcut for records that repeat the previous names still checks types.
  h.accept(R"({"userID":"d","plan":"a","score":1})");
  h.refuse(R"({"userID":"d","plan":"a","score":"1"})", reject_code::attr_type_changed);
  h.accept(R"({"userID":"d","plan":"a","score":1})");
}

TEST_CASE("records repeating the previous key order keep every rule") {
  harness h;
  h.accept(R"({"userID":"a","plan":"x","attributes":{"city":"c","score":1}})");
  h.accept(R"({"userID":"b","plan":"y","attributes":{"city":"d","score":2}})");
  // The same order up to a repeated name: a duplicate, found off the guessed order.
  h.refuse(R"({"userID":"b","plan":"y","attributes":{"plan":"d","score":2}})",
           reject_code::duplicate_key);
  // That record was rejected, so its order is not trusted: "plan" twice is still found.
  h.refuse(R"({"userID":"b","plan":"y","attributes":{"plan":"d","plan":2}})",
           reject_code::duplicate_key);
  h.refuse(R"({"userID":"b","plan":"y","attributes":{"plan":"d","score":2}})",
           reject_code::duplicate_key);
  // Types cached at a position are checked as the registry's.
  h.refuse(R"({"userID":"b","plan":"y","attributes":{"city":"d","score":"2"}})",
           reject_code::attr_type_changed);
  h.refuse(R"({"userID":"b","plan":"y","attributes":{"city":"d","score":"2"}})",
           reject_code::attr_type_changed);
  h.accept(R"({"userID":"b","plan":"y","attributes":{"city":"d","score":3}})");
  // A name given as null where the order is trusted is still given: twice is a duplicate.
  h.accept(R"({"userID":"b","plan":"y","attributes":{"city":"d","score":3}})");
  h.refuse(R"({"userID":"b","plan":null,"attributes":{"plan":"d","score":3}})",
           reject_code::duplicate_key);
  // A name that is a field at the top and a custom name inside the container.
  h.refuse(R"({"userID":"b","plan":"y","attributes":{"city":"d","userID":3}})",
           reject_code::bad_attr_name);
  h.refuse(R"({"userID":"b","plan":"y","attributes":{"city":"d","userID":3}})",
           reject_code::bad_attr_name);
  const auto nested = h.accept(R"({"userID":"b","attributes":{"attributes":1,"plan":"z"}})");
  CHECK(nested.get("attributes") == "1");
  h.refuse(R"({"userID":"b","attributes":{"attributes":1,"attributes":2}})",
           reject_code::duplicate_key);
  h.refuse(R"({"userID":"b","attributes":{"attributes":1,"plan":"z"},"plan":"w"})",
           reject_code::duplicate_key);
  // Escaped keys are looked up unescaped, on and off the guessed order.
  h.accept(R"({"userID":"b","attributes":{"attributes":1,"plan":"z"}})");
  h.refuse(R"({"userID":"b","attributes":{"attributes":1,"pl\u0061n":"z","plan":"q"}})",
           reject_code::duplicate_key);
  CHECK(h.accept(R"({"\u0075serID":"e","em\u0061il":"a@b.c"})").user_id == "e");
  CHECK(h.accept(R"({"\u0075serID":"f","em\u0061il":"a@b.c"})").get("email") == "a@b.c");
}

TEST_CASE("the run holds at most max_attribute_names custom names") {
  harness h(normaliser_options{.max_attribute_names = 3});
  h.accept(R"({"userID":"a","x":1,"y":2})");
  h.refuse(R"({"userID":"a","z":1,"w":2})", reject_code::too_many_attr_names);
  h.accept(R"({"userID":"a","z":1})");
  h.refuse(R"({"userID":"a","w":1})", reject_code::too_many_attr_names);
  h.accept(R"({"userID":"a","x":5,"y":6,"z":7})");
}

TEST_CASE("strings are re-escaped correctly and round-trip") {
  harness h;
  const auto user = h.accept(
      R"({"userID":"q\"uote\\back","s":"a\nb\tc\u0001\u001f\/\u00e9\ud83d\ude00 \u2028","k\u00e9":"v"})");
  CHECK(user.user_id == "q\"uote\\back");
  CHECK(user.get("s") == "a\nb\tc\x01\x1f/é😀 \u2028");
  CHECK(h.wire.find('\x01') == std::string::npos);
  CHECK(h.wire.find("\\u0001") != std::string::npos);
  // A raw control character is not JSON.
  h.refuse("{\"userID\":\"a\x01\"}", reject_code::malformed_json);
  // Lone surrogates are malformed.
  h.refuse(R"({"userID":"\ud800"})", reject_code::malformed_json);
  h.refuse(R"({"userID":"\udc00"})", reject_code::malformed_json);
  h.refuse(R"({"userID":"a","x":"\u12"})", reject_code::malformed_json);
}

TEST_CASE("invalid UTF-8 is invalid_utf8, with its byte offset") {
  harness h;
  const auto reason = h.refuse("{\"userID\":\"a\xff\"}", reject_code::invalid_utf8);
  CHECK(reason.message.find("byte 12") != std::string::npos);
  for (const std::string_view bad :
       {"{\"userID\":\"\xc0\xaf\"}", "{\"userID\":\"\xed\xa0\x80\"}",
        "{\"userID\":\"\xf4\x90\x80\x80\"}", "{\"userID\":\"\xe2\x82\"}",
        "{\"userID\":\"a\",\"\x80\":1}", "{\"userID\":\"a\"}\xc3", "\xff"}) {
    h.refuse(bad, reject_code::invalid_utf8);
  }
}

TEST_CASE("malformed JSON, non-objects and trailing content") {
  harness h;
  for (const std::string_view bad : {R"({"userID":"a"} x)",
                                     R"({"userID":"a"}{})",
                                     R"({"userID":"a"}})",
                                     R"({"userID":"a")",
                                     R"({"userID":"a",})",
                                     R"({"userID" "a"})",
                                     R"({"userID":"a","n":01})",
                                     R"({"userID":"a","n":1.})",
                                     R"({"userID":"a","n":-})",
                                     R"({"userID":"a","t":tru})",
                                     R"({"userID":"a","t":nul})",
                                     R"({"userID":"a","n":1 2})",
                                     R"({"userID":'a'})",
                                     R"({"userID":"a","o":{"b":1,}})",
                                     R"({"userID":"a","o":{"b":[1,]}})",
                                     "",
                                     "   ",
                                     "{",
                                     "}",
                                     R"({"userID":"a"}])",
                                     R"({"a":{"b":{}})",
                                     R"({"userID":"a","x":"b":"c"})",
                                     R"({"userID":"a","x":{"k":"b":"c"}})",
                                     R"({"userID":"a","x":1:2})"}) {
    INFO(bad);
    h.refuse(bad, reject_code::malformed_json);
  }
  for (const std::string_view not_object :
       {"[]", R"([{"userID":"a"}])", "12", R"("userID")", "true", "null", "[1,[2,{}]]"}) {
    INFO(not_object);
    h.refuse(not_object, reject_code::not_an_object);
  }
  // malformed_json wins over a rule broken earlier in the line.
  h.refuse(R"({"userID":"","x":[1,})", reject_code::malformed_json);
  h.refuse(R"({"email":"bad","userID":"a","o":{"k":tru}})", reject_code::malformed_json);
  h.refuse(R"({"userID":"a","tags":[1,2],"x":1} trailing)", reject_code::malformed_json);
  // A UTF-8 byte order mark before the object is ignored.
  CHECK(h.accept("\xef\xbb\xbf{\"userID\":\"bom\"}").user_id == "bom");
}

TEST_CASE("lines longer than max_line_bytes are line_too_long") {
  harness h(normaliser_options{.max_line_bytes = 32});
  h.accept(R"({"userID":"0123456789abcdef"})");
  h.refuse(R"({"userID":"0123456789abcdef0123456789"})", reject_code::line_too_long);
}

TEST_CASE("results do not depend on the bytes after the line") {
  const std::vector<std::string> lines = {R"({"userID":"a","x":1})",
                                          R"({"userID":"a","x":{"b":{}}})",
                                          R"({"userID":"a","x":tru)",
                                          R"({"userID":"a","x":{"b":{}})",
                                          R"([1,[2])",
                                          R"({"userID":"a"} )",
                                          "{\"userID\":\"a\"",
                                          R"({"a":"\)",
                                          R"({"userID":"a","n":12)",
                                          R"({"userID":"a","n":12})",
                                          "nul",
                                          "1",
                                          "\"x"};
  for (const auto& line : lines) {
    INFO(line);
    record_normaliser quiet, hostile;
    std::string quiet_wire, hostile_wire;
    const auto a = normalise_padded(quiet, line, quiet_wire, " ");
    const auto b = normalise_padded(hostile, line, hostile_wire);
    CHECK(a.has_value() == b.has_value());
    if (a && b) CHECK(code_name(a->code) == code_name(b->code));
    CHECK(quiet_wire == hostile_wire);
  }
}

TEST_CASE("round trip: every accepted wire user carries exactly the accepted fields") {
  // Random records from a pool of fields with known wire values, in random shapes and
  // spellings; each must come back with exactly the expected attributes, in order.
  struct pool_field {
    std::vector<std::string_view> spellings;
    std::string_view input;
    std::string_view wire_name;
    std::string_view wire_value;  // empty: omitted
  };
  const std::vector<pool_field> pool = {
      {{"name"}, R"("Ann \"A\"")", "name", "Ann \"A\""},
      {{"first_name", "firstName"}, R"("Ann")", "first_name", "Ann"},
      {{"last_name", "lastName"}, "null", "last_name", ""},
      {{"email"}, R"("ann@x.org")", "email", "ann@x.org"},
      {{"mobile", "phone"}, R"("+4915112345678")", "mobile", "+4915112345678"},
      {{"birth_date", "birthDate"}, R"("1990-11-25T08:00:00Z")", "birth_date", "1990-11-25"},
      {{"gender"}, R"("Other")", "gender", "other"},
      {{"email_opt_in", "emailOptIn"}, R"("1")", "email_opt_in", "1"},
      {{"sms_opt_in", "smsOptIn"}, "2.0", "sms_opt_in", "2"},
      {{"whatsapp_opt_in", "whatsappOptIn"}, "0", "whatsapp_opt_in", "0"},
      {{"company"}, R"("")", "company", ""},
      {{"hashed_email", "hashedEmail"}, R"("abc")", "hashed_email", "abc"},
      {{"hashed_mobile", "hashedMobile"}, R"("def")", "hashed_mobile", "def"},
  };
  struct custom_field {
    std::string_view name;
    std::string_view input;
    std::string_view read_back;  // as read_wire() shows it
  };
  const std::vector<custom_field> customs = {{"plan", R"("gold")", "gold"},
                                             {"visits", "42", "42"},
                                             {"vip", "true", "true"},
                                             {"prefs", R"({ "a" : [1, "b"] })", R"({"a":[1,"b"]})"},
                                             {"note", R"("line\nbreak")", "line\nbreak"},
                                             {"ratio", "0.25e1", "2.5"}};
  std::uint64_t seed = 42;
  auto next = [&seed](std::uint64_t n) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return (seed >> 33) % n;
  };
  harness h;
  for (int round = 0; round < 300; ++round) {
    std::string top = R"({"userID":"r)" + std::to_string(round) + "\"";
    std::string nested;
    std::vector<std::pair<std::string, std::string>> expected;
    for (const auto& field : pool) {
      if (next(3) == 0) continue;
      const auto spelling = field.spellings[next(field.spellings.size())];
      std::string& target = next(2) ? top : nested;
      target += ",\"" + std::string(spelling) + "\":" + std::string(field.input);
      if (!field.wire_value.empty()) expected.emplace_back(field.wire_name, field.wire_value);
    }
    std::vector<std::pair<std::string, std::string>> top_customs, nested_customs;
    for (const auto& custom : customs) {
      if (next(2) == 0) continue;
      const bool at_top = next(2) != 0;
      (at_top ? top : nested) +=
          ",\"" + std::string(custom.name) + "\":" + std::string(custom.input);
      (at_top ? top_customs : nested_customs).emplace_back(custom.name, custom.read_back);
    }
    expected.insert(expected.end(), top_customs.begin(), top_customs.end());
    expected.insert(expected.end(), nested_customs.begin(), nested_customs.end());
    const std::string container = next(2) ? "attributes" : "user_attributes";
    const std::string line =
        top + (nested.empty() ? "" : ",\"" + container + "\":{" + nested.substr(1) + "}") + "}";
    const auto user = h.accept(line);
    // Standard attributes in canonical order, then custom ones in input order, nothing else.
    CHECK(user.attributes == expected);
    CHECK(user.has_user_attributes == !expected.empty());
  }
}

TEST_CASE("append_wire appends after what the body holds and leaves it as it was on a reject") {
  record_normaliser normaliser;
  text_buffer body;
  body.append(R"({"nv":[)");
  auto append = [&](std::string_view line) {
    return with_padded_line(line, hostile_padding, [&](std::string_view padded) {
      return normaliser.append_wire(padded, body);
    });
  };
  CHECK_FALSE(append(R"({"userID":"u1","plan":"gold"})"));
  const std::string after_first(body.view());
  CHECK(after_first == R"({"nv":[{"userID":"u1","user_attributes":{"plan":"gold"}})");
  // Rejected at the first field, at the last one, and as malformed JSON halfway through.
  CHECK(append(R"({"userID":"")")->code == reject_code::malformed_json);
  CHECK(append(R"({"userID":"u2","plan":1})")->code == reject_code::attr_type_changed);
  CHECK(append(R"({"userID":"u2","email":"no-at-sign"})")->code == reject_code::bad_email);
  CHECK(body.view() == after_first);
  body.push_back(',');
  CHECK_FALSE(append(R"({"anonymousID":"a3"})"));
  CHECK(body.view() == after_first + R"(,{"anonymousID":"a3"})");
}
