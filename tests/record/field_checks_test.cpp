// Tests for the per-field checks and their messages.
#include "nv/record/field_checks.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace nv::record;

namespace {

json_scalar str(std::string_view text) {
  return {json_kind::string, text, true};
}
json_scalar num(std::string_view text) {
  return {json_kind::number, text, true};
}

}  // namespace

TEST_CASE("identity checks") {
  std::string_view out;
  CHECK_FALSE(check_identity(field_id::user_id, str("u"), out).has_value());
  CHECK(out == "u");
  CHECK_FALSE(check_identity(field_id::user_id, {}, out).has_value());
  CHECK(out.empty());
  const auto too_long = check_identity(field_id::user_id, str(std::string(101, 'a')), out);
  REQUIRE(too_long.has_value());
  CHECK(too_long->code == reject_code::user_id_too_long);
  CHECK(too_long->message.find("101 characters (at most 100)") != std::string::npos);
  const auto number = check_identity(field_id::anonymous_id, num("12"), out);
  REQUIRE(number.has_value());
  CHECK(number->code == reject_code::bad_anonymous_id);
  CHECK(number->message == "anonymousID must be a string, got number 12");
  CHECK(identity_text(field_id::user_id, str("")) == std::nullopt);
}

TEST_CASE("standard checks give the wire text or the reason") {
  std::string_view out;
  CHECK_FALSE(check_standard(field_id::gender, str("Male"), out).has_value());
  CHECK(out == "male");
  CHECK_FALSE(check_standard(field_id::email_opt_in, num("1.0"), out).has_value());
  CHECK(out == "1");
  CHECK_FALSE(check_standard(field_id::email, str(""), out).has_value());
  CHECK(out.empty());
  const auto opt = check_standard(field_id::sms_opt_in, str("yes"), out);
  REQUIRE(opt.has_value());
  CHECK(opt->code == reject_code::bad_opt_in);
  CHECK(opt->message == R"(sms_opt_in "yes" is not 0, 1 or 2)");
  const auto boolean = check_standard(field_id::whatsapp_opt_in, {json_kind::boolean, "true"}, out);
  REQUIRE(boolean.has_value());
  CHECK(boolean->message == "whatsapp_opt_in true is not 0, 1 or 2");
  const auto name = check_standard(field_id::first_name, {json_kind::array, {}}, out);
  REQUIRE(name.has_value());
  CHECK(name->code == reject_code::bad_string_field);
  CHECK(name->message == "first_name must be a string, got an array");
  CHECK(standard_text(field_id::birth_date, str("2001-02-29")) == std::nullopt);
  CHECK(has_canonical_text(field_id::gender));
  CHECK_FALSE(has_canonical_text(field_id::email));
}

TEST_CASE("attribute name and value checks") {
  CHECK(is_valid_attr_name(std::string(49, 'n')));
  CHECK_FALSE(is_valid_attr_name(std::string(50, 'n')));
  CHECK(check_attr_name(std::string(50, 'n'))->code == reject_code::attr_name_too_long);
  CHECK(check_attr_name("")->code == reject_code::bad_attr_name);
  CHECK(check_attr_name("a\nb")->message == R"(attribute name "a\nb" holds a control character)");
  CHECK(check_attr_name("anonymous_id")->code == reject_code::bad_attr_name);
  CHECK_FALSE(check_attr_name("email").has_value());  // a standard name is no custom one, but
                                                      // the normaliser routes it before this
  CHECK_FALSE(check_attr_string("bio", std::string(999, 'x')).has_value());
  const auto long_value = check_attr_string("bio", std::string(1000, 'x'));
  REQUIRE(long_value.has_value());
  CHECK(long_value->code == reject_code::attr_value_too_long);
  CHECK(long_value->message.find("1000 characters (at most 999)") != std::string::npos);
  CHECK(long_value->message.size() < 200);  // the value is shortened
}

TEST_CASE("describe names type and value") {
  CHECK(describe(str("a\"b")) == R"("a\"b")");
  CHECK(describe(num("1.5")) == "number 1.5");
  CHECK(describe({json_kind::boolean, "false"}) == "false");
  CHECK(describe({json_kind::object, {}}) == "an object");
  CHECK(kind_name(json_kind::boolean) == "boolean");
}
