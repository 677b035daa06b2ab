// Parsing the Retry-After header: delay-seconds or an HTTP-date (RFC 9110 section 10.2.3).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace nv::http {

/// Returns how long to wait for a Retry-After value: "120" or an IMF-fixdate such as
/// "Wed, 21 Oct 2015 07:28:00 GMT" measured from `now` (0 when already past); nothing when the
/// value is neither.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

}  // namespace nv::http
