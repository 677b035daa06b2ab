// The value rules of API.md for standard attributes, as pure functions on text.
#pragma once

#include <optional>
#include <string_view>

namespace nv::record {

/// Returns whether `text` is a plausible e-mail address: exactly one `@`, with a non-empty local
/// part before it and a non-empty domain after it (API.md asks no more).
bool is_plausible_email(std::string_view text) noexcept;

/// Returns whether `text` is an E.164 number: `+`, then 8 to 15 digits, the first not 0.
bool is_e164(std::string_view text) noexcept;

/// Returns whether year-month-day is a real date of the proleptic Gregorian calendar with a
/// year from 1 to 9999.
bool is_calendar_date(int year, int month, int day) noexcept;

/// Returns the `YYYY-MM-DD` date that `text` gives: `text` itself when it is such a real date,
/// or its first ten characters when it is an ISO 8601 date-time on such a date
/// (`1986-08-19T15:45:00-0800`: a `T`, `t` or space, then `hh:mm[:ss[.f…]]` or `hhmm[ss[.f…]]`,
/// then optionally `Z` or an offset `±hh[[:]mm]`). Nothing for anything else.
std::optional<std::string_view> birth_date_of(std::string_view text) noexcept;

/// Returns "male", "female" or "other" when `text` is one of them in any ASCII case.
std::optional<std::string_view> canonical_gender(std::string_view text) noexcept;

}  // namespace nv::record
