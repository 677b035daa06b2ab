// Local checks of an event query's date range.
#include "nv/api/date_range.hpp"

#include "nv/record/field_rules.hpp"

#include <fmt/format.h>

namespace nv::api {
namespace {

bool digits(std::string_view text) noexcept {
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

int number(std::string_view text) noexcept {
  int value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  return value;
}

}  // namespace

bool is_iso_date(std::string_view text) noexcept {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  auto year = text.substr(0, 4), month = text.substr(5, 2), day = text.substr(8, 2);
  if (!digits(year) || !digits(month) || !digits(day)) return false;
  return record::is_calendar_date(number(year), number(month), number(day));
}

std::optional<std::string> check_date_range(std::string_view from, std::string_view to) {
  if (!is_iso_date(from)) return fmt::format("--from \"{}\" is not a real date YYYY-MM-DD", from);
  if (!is_iso_date(to)) return fmt::format("--to \"{}\" is not a real date YYYY-MM-DD", to);
  // Same fixed width and order of fields: text order is date order.
  if (from > to) return fmt::format("--from {} is after --to {}", from, to);
  return std::nullopt;
}

}  // namespace nv::api
