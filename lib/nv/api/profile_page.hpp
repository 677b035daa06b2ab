// Turns one page of the profile endpoint into NDJSON: one USER object per line.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace nv::api {

/// Appends each element of `data_json` (the page's `data` array) to `out` as one minified JSON
/// line; returns how many, or nothing when `data_json` is not an array of objects (then `out`
/// is left as it was).
std::optional<std::size_t> append_profile_lines(std::string_view data_json, std::string& out);

}  // namespace nv::api
