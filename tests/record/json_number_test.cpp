// Tests for the JSON number grammar and exact small-integer values.
#include "nv/record/json_number.hpp"

#include <string>

#include <doctest/doctest.h>
#include <simdjson.h>

using namespace nv::record;

TEST_CASE("is_json_number follows RFC 8259 exactly") {
  for (std::string_view good : {"0", "-0", "1", "-12", "1.5", "0.25", "1e5", "1E+5", "1e-5",
                                "-0.0E-0", "123456789012345678901234567890"}) {
    CHECK_MESSAGE(is_json_number(good), good);
  }
  for (std::string_view bad : {"", "-", "+1", "01", "-01", "1.", ".5", "1e", "1e+", "1.e5", "0x10",
                               "1 ", " 1", "NaN", "Infinity", "1_000", "--1"}) {
    CHECK_FALSE_MESSAGE(is_json_number(bad), bad);
  }
}

TEST_CASE("exact_small_integer reads exact integer values only") {
  CHECK(exact_small_integer("0") == 0u);
  CHECK(exact_small_integer("-0") == 0u);
  CHECK(exact_small_integer("0.000e-7") == 0u);
  CHECK(exact_small_integer("1") == 1u);
  CHECK(exact_small_integer("1.0") == 1u);
  CHECK(exact_small_integer("1.000000000000000000000000000") == 1u);
  CHECK(exact_small_integer("10e-1") == 1u);
  CHECK(exact_small_integer("0.2e1") == 2u);
  CHECK(exact_small_integer("2E0") == 2u);
  CHECK(exact_small_integer("999999") == 999999u);
  CHECK(exact_small_integer("1e5") == 100000u);
  CHECK_FALSE(exact_small_integer("1000000").has_value());
  CHECK_FALSE(exact_small_integer("1e6").has_value());
  CHECK_FALSE(exact_small_integer("1.5").has_value());
  CHECK_FALSE(exact_small_integer("1.0000000000000000000001").has_value());
  CHECK_FALSE(exact_small_integer("-1").has_value());
  CHECK_FALSE(exact_small_integer("1e-1").has_value());
  CHECK_FALSE(exact_small_integer("1e999999999999999999").has_value());
  CHECK_FALSE(exact_small_integer("01").has_value());
  CHECK_FALSE(exact_small_integer("one").has_value());
}

TEST_CASE("trim_json_space_right drops JSON white space only") {
  CHECK(trim_json_space_right("1 \t\r\n") == "1");
  CHECK(trim_json_space_right("1\v") == "1\v");
  CHECK(trim_json_space_right("   ").empty());
}

TEST_CASE("the inline fast path agrees with the grammar") {
  for (std::string_view text : {"0", "7", "12345678", "123456789", "00", "012", "1a", "", "99"}) {
    CHECK_MESSAGE(is_json_number(text) == detail::is_json_number_general(text), text);
  }
}

TEST_CASE("is_short_number: short integers and fractions, which always fit") {
  CHECK(is_short_number("0"));
  CHECK(is_short_number("-7"));
  CHECK(is_short_number("999999999999999999"));         // 18 digits
  CHECK(is_short_number("-99999999999999999"));         // 18 characters
  CHECK_FALSE(is_short_number("9999999999999999999"));  // 19 digits: parsed instead
  CHECK(is_short_number("1.0"));
  CHECK(is_short_number("-0.5"));
  CHECK(is_short_number("99999999999999999.9"));          // 20 characters
  CHECK(is_short_number("0.000000000000000001"));         // 20 characters
  CHECK_FALSE(is_short_number("0.0000000000000000001"));  // 21: parsed instead
  CHECK_FALSE(is_short_number("1e3"));
  CHECK_FALSE(is_short_number("1E3"));
  CHECK_FALSE(is_short_number("-1.5e-3"));
  // Whatever it lets through, simdjson reads as a number (number_fits()).
  simdjson::ondemand::parser parser;
  for (const std::string_view text :
       {"0", "-7", "999999999999999999", "-99999999999999999", "1.0", "-0.5", "99999999999999999.9",
        "-9999999999999999.9", "0.000000000000000001", "12345678901234567.8", "-0.0"}) {
    INFO(text);
    REQUIRE(is_short_number(text));
    std::string json = "[";  // in an array, as number_fits() reads a value
    json.append(text).append("]");
    const simdjson::padded_string array(json);
    simdjson::ondemand::document doc;
    simdjson::ondemand::number number;
    REQUIRE_FALSE(parser.iterate(array).get(doc));
    CHECK_FALSE(doc.at(0).get_number().get(number));
  }
}
