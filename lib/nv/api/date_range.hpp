// Local checks of an event query's date range, so a bad range never spends a request.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nv::api {

/// Returns why `from`..`to` is not a usable range (each a real YYYY-MM-DD date, from <= to),
/// or nothing when it is.
std::optional<std::string> check_date_range(std::string_view from, std::string_view to);

/// Returns whether `text` is exactly YYYY-MM-DD and a real calendar date.
bool is_iso_date(std::string_view text) noexcept;

}  // namespace nv::api
