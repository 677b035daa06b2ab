// E-mail, E.164, calendar date, ISO 8601 date-time and gender rules of API.md.
#include "nv/record/field_rules.hpp"

#include <array>

#include "nv/record/wire_literals.hpp"

namespace nv::record {
namespace {

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

/// Reads the two digits at `pos` into `value`; false when either is not a digit or text ends.
bool read_two(std::string_view text, std::size_t pos, int& value) noexcept {
  if (pos + 2 > text.size()) return false;
  const unsigned tens = static_cast<unsigned char>(text[pos]) - unsigned{'0'};
  const unsigned ones = static_cast<unsigned char>(text[pos + 1]) - unsigned{'0'};
  if (tens > 9 || ones > 9) return false;
  value = static_cast<int>(tens * 10 + ones);
  return true;
}

/// Checks a time of day from `pos` to the end of `text`: hh:mm[:ss[.f…]] or hhmm[ss[.f…]],
/// then an optional zone (Z or ±hh[[:]mm]).
bool is_time_with_zone(std::string_view text, std::size_t pos) noexcept {
  int hour = 0, minute = 0, second = 0;
  if (!read_two(text, pos, hour) || hour > 23) return false;
  pos += 2;
  const bool extended = pos < text.size() && text[pos] == ':';
  if (extended) ++pos;
  if (!read_two(text, pos, minute) || minute > 59) return false;
  pos += 2;
  const bool has_seconds = extended ? (pos < text.size() && text[pos] == ':')
                                    : (pos + 1 < text.size() && is_digit(text[pos]));
  if (has_seconds) {
    if (extended) ++pos;
    if (!read_two(text, pos, second) || second > 60) return false;  // 60: leap second
    pos += 2;
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      const std::size_t start = ++pos;
      while (pos < text.size() && is_digit(text[pos])) ++pos;
      if (pos == start) return false;
    }
  }
  if (pos == text.size()) return true;
  if ((text[pos] == 'Z' || text[pos] == 'z') && pos + 1 == text.size()) return true;
  if (text[pos] != '+' && text[pos] != '-') return false;
  int zone_hour = 0, zone_minute = 0;
  if (!read_two(text, ++pos, zone_hour) || zone_hour > 23) return false;
  pos += 2;
  if (pos == text.size()) return true;
  if (text[pos] == ':') ++pos;
  if (!read_two(text, pos, zone_minute) || zone_minute > 59) return false;
  return pos + 2 == text.size();
}

/// Returns whether the date of year century * 100 + year_in_century (1 to 9999) is real, without
/// a division and without a branch on the year: the years of a file come in no order, and the
/// leap-year test compiled to two integer divisions behind a mispredicted branch.
bool is_calendar_date_in(int century, int year_in_century, int month, int day) noexcept {
  static constexpr std::array<int, 13> days_in_month = {0,  31, 28, 31, 30, 31, 30,
                                                        31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  // A year not ending in 00 is a leap year when it divides by 4 (as its last two digits do,
  // 100 being a multiple of 4); a year ending in 00, when its century divides by 4.
  const int leap_test = year_in_century != 0 ? year_in_century : century;
  const int leap = (leap_test & 3) == 0;
  return day <= days_in_month[static_cast<std::size_t>(month)] + ((month == 2) & leap);
}

}  // namespace

bool is_calendar_date(int year, int month, int day) noexcept {
  if (year < 1 || year > 9999) return false;
  return is_calendar_date_in(year / 100, year % 100, month, day);
}

std::optional<std::string_view> birth_date_of(std::string_view text) noexcept {
  int century = 0, year = 0, month = 0, day = 0;
  if (text.size() < 10 || !read_two(text, 0, century) || !read_two(text, 2, year) ||
      text[4] != '-' || !read_two(text, 5, month) || text[7] != '-' || !read_two(text, 8, day) ||
      (century == 0 && year == 0) || !is_calendar_date_in(century, year, month, day)) {
    return std::nullopt;
  }
  if (text.size() == 10) return text;
  const char separator = text[10];
  if (separator != 'T' && separator != 't' && separator != ' ') return std::nullopt;
  if (!is_time_with_zone(text, 11)) return std::nullopt;
  return text.substr(0, 10);
}

}  // namespace nv::record
