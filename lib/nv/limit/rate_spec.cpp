// Parsing and printing "N/W" rate budgets.
#include "nv/limit/rate_spec.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <charconv>
#include <stdexcept>

namespace nv::limit {
namespace {

constexpr std::uint64_t max_requests = 1'000'000'000;
constexpr std::uint64_t max_window_ms =
    7ULL * 24 * 3600 * 1000;  // a week: anything longer is a typo

rate_spec_error fail(std::string_view text, std::string_view why) {
  return {
      fmt::format("bad rate \"{}\": {} (expected N/W such as 500/60s, 50/1s, 1000/1m)", text, why)};
}

// Reads a leading unsigned decimal; leaves `rest` after it. Returns false when none or overflow.
bool take_number(std::string_view& rest, std::uint64_t& out) {
  const auto* first = rest.data();
  const auto [end, ec] = std::from_chars(first, first + rest.size(), out);
  if (ec != std::errc{} || end == first) return false;
  rest.remove_prefix(static_cast<std::size_t>(end - first));
  return true;
}

// Returns the milliseconds in one unit, or 0 for an unknown unit.
std::uint64_t unit_ms(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s" || unit.empty()) return 1000;
  if (unit == "m" || unit == "min") return 60'000;
  if (unit == "h") return 3'600'000;
  return 0;
}

}  // namespace

void throw_exception_from_error(const rate_spec_error& error, const boost::source_location&) {
  throw std::invalid_argument(error.message);
}

boost::system::result<rate_spec, rate_spec_error> parse_rate_spec(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return fail(text, "no '/' between count and window");
  std::string_view count_text = text.substr(0, slash);
  std::uint64_t count = 0;
  if (!take_number(count_text, count) || !count_text.empty())
    return fail(text, "the count is not a whole number");
  if (count == 0 || count > max_requests) return fail(text, "the count must be 1 or more");

  std::string_view window_text = text.substr(slash + 1);
  std::uint64_t amount = 0;
  if (!take_number(window_text, amount)) return fail(text, "the window is not a whole number");
  const auto per_unit = unit_ms(window_text);
  if (per_unit == 0) return fail(text, "the window unit must be ms, s, m or h");
  if (amount == 0) return fail(text, "the window must be longer than zero");
  if (amount > max_window_ms / per_unit) return fail(text, "the window is longer than a week");
  return rate_spec{static_cast<std::size_t>(count),
                   std::chrono::milliseconds(static_cast<std::int64_t>(amount * per_unit))};
}

std::string to_string(const rate_spec& spec) {
  const auto ms = spec.window.count();
  if (ms % 1000 == 0) return fmt::format("{}/{}s", spec.requests, ms / 1000);
  return fmt::format("{}/{}ms", spec.requests, ms);
}

std::chrono::milliseconds default_margin(const rate_spec& spec) {
  using std::chrono::milliseconds;
  return std::clamp<milliseconds>(spec.window / 500, milliseconds(5), milliseconds(250));
}

}  // namespace nv::limit
