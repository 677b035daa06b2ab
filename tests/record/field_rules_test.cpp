// Tests for the e-mail, E.164, calendar, date-time, gender and boolean literal rules.
#include "nv/record/field_rules.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "record/padded_texts.hpp"

using namespace nv::record;
using nv::record::testing::padded_texts;

TEST_CASE("plausible e-mail: one @ between non-empty parts") {
  CHECK(is_plausible_email("a@b"));
  CHECK(is_plausible_email("first.last+tag@example.co.uk"));
  CHECK_FALSE(is_plausible_email(""));
  CHECK_FALSE(is_plausible_email("ab"));
  CHECK_FALSE(is_plausible_email("@b"));
  CHECK_FALSE(is_plausible_email("a@"));
  CHECK_FALSE(is_plausible_email("a@b@c"));
}

TEST_CASE("E.164: + then 8 to 15 digits, first not 0") {
  CHECK(is_e164("+12345678"));
  CHECK(is_e164("+123456789012345"));
  CHECK(is_e164("+551155256325"));
  CHECK_FALSE(is_e164("+1234567"));           // 7 digits
  CHECK_FALSE(is_e164("+1234567890123456"));  // 16 digits
  CHECK_FALSE(is_e164("+01234567"));
  CHECK_FALSE(is_e164("12345678"));
  CHECK_FALSE(is_e164("+1234-5678"));
  CHECK_FALSE(is_e164("+"));
  CHECK_FALSE(is_e164(""));
}

TEST_CASE("the padded e-mail and E.164 checks agree with the plain ones") {
  // Each text followed by rule_padding bytes that would change a wrong answer.
  auto padded = [](std::string_view text, char filler) {
    std::string stored(text);
    stored.append(rule_padding, filler);
    return stored;
  };
  std::vector<std::string> texts = {"", "a", "@", "a@", "@b", "a@b", "a@b@c", "ab", "+", "+0"};
  for (std::size_t size = 1; size <= 40; ++size) {
    for (std::size_t at = 0; at <= size; ++at) {
      std::string text(size, 'x');
      if (at < size) text[at] = '@';
      texts.push_back(text);
      if (at + 2 < size) {
        text[at + 2] = '@';
        texts.push_back(text);
      }
    }
    std::string digits = "+";
    for (std::size_t i = 1; i < size; ++i) digits += static_cast<char>('0' + (i * 7 + 1) % 10);
    texts.push_back(digits);
    for (std::size_t i = 1; i < size; ++i) {
      for (char bad : {'/', ':', 'a', ' ', '\xff'}) {
        std::string broken = digits;
        broken[i] = bad;
        texts.push_back(broken);
      }
    }
  }
  for (const auto& text : texts) {
    for (char filler : {'@', '5', '\0'}) {
      INFO("text: " << text << " filler: " << static_cast<int>(filler));
      const auto stored = padded(text, filler);
      const std::string_view view(stored.data(), text.size());
      CHECK(is_plausible_padded_email(view) == is_plausible_email(text));
      CHECK(is_padded_e164(view) == is_e164(text));
    }
  }
}

TEST_CASE("calendar dates, leap years included") {
  CHECK(is_calendar_date(2000, 2, 29));        // divisible by 400
  CHECK_FALSE(is_calendar_date(1900, 2, 29));  // by 100, not 400
  CHECK(is_calendar_date(2024, 2, 29));
  CHECK_FALSE(is_calendar_date(2023, 2, 29));
  CHECK(is_calendar_date(2023, 2, 28));
  CHECK(is_calendar_date(2023, 1, 31));
  CHECK_FALSE(is_calendar_date(2023, 4, 31));
  CHECK(is_calendar_date(2023, 12, 31));
  CHECK_FALSE(is_calendar_date(2023, 13, 1));
  CHECK_FALSE(is_calendar_date(2023, 0, 1));
  CHECK_FALSE(is_calendar_date(2023, 1, 0));
  CHECK_FALSE(is_calendar_date(0, 1, 1));
  CHECK(is_calendar_date(1, 1, 1));
  CHECK(is_calendar_date(9999, 12, 31));
}

TEST_CASE("birth_date_of takes a date or cuts an ISO 8601 date-time") {
  CHECK(birth_date_of("1990-11-25") == "1990-11-25");
  CHECK(birth_date_of("1986-08-19T15:45:00-0800") == "1986-08-19");
  CHECK(birth_date_of("1986-08-19T15:45:00-08:00") == "1986-08-19");
  CHECK(birth_date_of("1986-08-19T15:45:00-08") == "1986-08-19");
  CHECK(birth_date_of("1986-08-19T15:45Z") == "1986-08-19");
  CHECK(birth_date_of("1986-08-19t15:45:59.999999z") == "1986-08-19");
  CHECK(birth_date_of("1986-08-19 23:59:60") == "1986-08-19");  // leap second
  CHECK(birth_date_of("1986-08-19T154500+0530") == "1986-08-19");
  CHECK(birth_date_of("1986-08-19T1545") == "1986-08-19");
  for (std::string_view bad : {"",
                               "1990-11-2",
                               "1990/11/25",
                               "1990-11-25T",
                               "1990-11-25T24:00",
                               "1990-11-25T12",
                               "1990-11-25T12:5",
                               "1990-11-25T12:00:00.",
                               "1990-11-25T12:00+24",
                               "1990-11-25T12:00+0060",
                               "1990-11-25T12:00Zx",
                               "1990-11-25Z",
                               "1990-02-30",
                               "-990-11-25",
                               "1990-11-25 ",
                               "1990-11-25T12:00:00+05:",
                               "199a-11-25",
                               "1990-1a-25",
                               "1990-11-2a",
                               "/990-11-25",
                               ":990-11-25",
                               "1990-11/25",
                               "1990_11-25",
                               "0000-01-01",
                               "1990-00-10",
                               "1990-13-10",
                               "1990-11-00",
                               "1990-04-31",
                               "2023-02-29",
                               "1900-02-29"}) {
    CHECK_FALSE_MESSAGE(birth_date_of(bad).has_value(), bad);
  }
  for (std::string_view good : {"2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31"}) {
    CHECK_MESSAGE(birth_date_of(good) == good, good);
  }
}

TEST_CASE("gender is male, female or other in any ASCII case") {
  CHECK(canonical_gender("male") == "male");
  CHECK(canonical_gender("MALE") == "male");
  CHECK(canonical_gender("Female") == "female");
  CHECK(canonical_gender("oThEr") == "other");
  CHECK_FALSE(canonical_gender("").has_value());
  CHECK_FALSE(canonical_gender("m").has_value());
  CHECK_FALSE(canonical_gender("males").has_value());
  CHECK_FALSE(canonical_gender("mal\xc3\xa9").has_value());
}

namespace {

/// Texts followed by 64 `filler` bytes, as the padded rules read past a text.
padded_texts followed_by(char filler) {
  return padded_texts(std::string(64, filler));
}

}  // namespace

TEST_CASE("calendar dates: every day of every month of years 0 to 10000, and the edges") {
  std::size_t real = 0;
  for (int year = -1; year <= 10000; ++year) {
    for (int month = -1; month <= 14; ++month) {
      for (int day = -1; day <= 33; ++day) {
        // std::chrono's calendar, for years 1 to 9999 (0 and 10000 are outside the rule).
        const bool expected =
            year >= 1 && year <= 9999 && month >= 0 && day >= 0 &&
            std::chrono::year_month_day{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}}
                .ok();
        real += expected;
        if (is_calendar_date(year, month, day) != expected) {
          FAIL_CHECK(fmt::format("{}-{}-{}: expected {}", year, month, day, expected));
        }
      }
    }
  }
  CHECK(real == 3652059);  // days from 0001-01-01 to 9999-12-31
}

TEST_CASE("birth dates: leap days by the last two digits, or by the century for a 00 year") {
  for (std::string_view good : {"0004-02-29", "0400-02-29", "1600-02-29", "2000-02-29",
                                "1996-02-29", "2400-02-29", "9996-02-29", "0100-02-28"}) {
    CHECK_MESSAGE(birth_date_of(good) == good, good);
  }
  for (std::string_view bad :
       {"0000-01-01", "0000-02-29", "0100-02-29", "1700-02-29", "1800-02-29", "2100-02-29",
        "9999-02-29", "1997-02-29", "2000-02-30", "2000-12-32"}) {
    CHECK_FALSE_MESSAGE(birth_date_of(bad).has_value(), bad);
  }
}

TEST_CASE("the padded gender check answers as canonical_gender, whatever follows the text") {
  std::vector<std::string> texts = {"",      "m",      "ma",      "mal",    "mal\xc3\xa9",
                                    "males", "femal",  "femalee", "others", "0ther",
                                    "MALE",  "fEmAlE", "OTHER"};
  // Every one-byte change of each gender in each case, at every position.
  for (std::string_view gender : {"male", "female", "other", "MALE", "Female", "oThEr"}) {
    for (std::size_t i = 0; i < gender.size(); ++i) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string changed(gender);
        changed[i] = static_cast<char>(byte);
        texts.push_back(changed);
      }
    }
  }
  std::size_t genders = 0;
  for (const auto& text : texts) {
    const auto expected = canonical_gender(text);
    genders += expected.has_value();
    for (char filler : {'\0', 'e', 'E', ' ', '\xff'}) {
      auto padded = followed_by(filler);
      INFO("text: " << text << ", filler: " << static_cast<int>(filler));
      CHECK(canonical_padded_gender(padded(text)) == expected);
    }
  }
  // The three spellings listed, and for each changed spelling two bytes per position (the
  // letter in either case) of male and MALE (4), female and Female (6), other and oThEr (5).
  CHECK(genders == 3 + 2 * 2 * (4 + 6 + 5));
}

TEST_CASE("boolean literals: exactly true or false, whatever follows the token") {
  for (char filler : {'\0', 'e', 'x', ' ', ','}) {
    INFO("filler: " << static_cast<int>(filler));
    auto padded = followed_by(filler);
    CHECK(boolean_literal(padded("true")) == wire_true);
    CHECK(boolean_literal(padded("false")) == wire_false);
    for (std::string_view other : {"", "t", "tru", "truex", "True", "TRUE", "fals", "falsee",
                                   "False", "null", "1", "0", "trux", "falsy", "true "}) {
      INFO("token: " << other);
      CHECK_FALSE(boolean_literal(padded(other)).has_value());
    }
  }
}
