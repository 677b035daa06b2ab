// An export's resume point, kept beside the output: the query, the next page's offset and the
// output's size after the last completed page, written atomically after every page.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace nv::api {

/// Where an export stands after its last completed page.
struct export_state {
  std::string event_name;
  std::string start_date;
  std::string end_date;
  std::uint64_t batch_size = 0;
  std::uint64_t next_offset = 0;   ///< offset of the first page not yet written
  std::uint64_t output_bytes = 0;  ///< size of the output once that page was written
  std::uint64_t pages = 0;
  std::uint64_t profiles = 0;
  bool done = false;  ///< the last page (next_offset null) was written

  /// Returns whether `other` asks for the same profiles in the same pages.
  bool same_query(const export_state& other) const noexcept;
};

/// Returns the state file of an output: "<output>.export-state".
std::string export_state_path(std::string_view output);

/// Returns the state as one JSON object.
std::string to_json(const export_state& state);

/// Parses to_json()'s text; nothing when it is not such an object.
std::optional<export_state> parse_export_state(std::string_view text);

/// Writes the state so that a crash leaves the old or the new one, never a mix: a temporary
/// file beside it, fsync, rename, fsync of the directory.
std::error_code save_export_state(const std::string& path, const export_state& state);

/// Reads a state file; on failure returns nothing and sets `error` to a one-line reason.
std::optional<export_state> load_export_state(const std::string& path, std::string& error);

}  // namespace nv::api
