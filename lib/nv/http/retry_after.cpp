// Parsing the Retry-After header without locale or libc time parsing.
#include "nv/http/retry_after.hpp"

#include <array>
#include <charconv>

namespace nv::http {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool to_int(std::string_view text, int& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && out >= 0;
}

int month_number(std::string_view name) {
  static constexpr std::array<std::string_view, 12> names = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i) + 1;
  return 0;
}

// Parses "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate, the form servers must send).
std::optional<std::chrono::system_clock::time_point> parse_imf_fixdate(std::string_view text) {
  // Fixed layout: "Www, DD Mmm YYYY HH:MM:SS GMT" is 29 characters.
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT")
    return std::nullopt;
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  const int month = month_number(text.substr(8, 3));
  if (!to_int(text.substr(5, 2), day) || !to_int(text.substr(12, 4), year) ||
      !to_int(text.substr(17, 2), hour) || !to_int(text.substr(20, 2), minute) ||
      !to_int(text.substr(23, 2), second) || month == 0 || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second);
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  value = trim(value);
  int seconds = 0;
  if (to_int(value, seconds)) return std::chrono::seconds(seconds);
  const auto when = parse_imf_fixdate(value);
  if (!when) return std::nullopt;
  if (*when <= now) return std::chrono::seconds(0);
  // Round up: waiting a fraction too long is safe, too short is not.
  return std::chrono::ceil<std::chrono::seconds>(*when - now);
}

}  // namespace nv::http
