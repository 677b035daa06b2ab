// The spool directory's file names, and the repair of a segment a crash left open.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace nv::spool {

/// What a segment's file name says.
struct segment_name {
  std::uint64_t sequence = 0;
  bool sealed = false;  ///< `.ndjson` (complete) rather than `.open` (being appended to)
  friend bool operator==(const segment_name&, const segment_name&) = default;
};

/// Returns `segment-<sequence, 20 digits>.ndjson`, or `.open` when not sealed.
std::string segment_file_name(segment_name name);

/// Returns what a spool file name says, or nullopt for a file that is not a segment.
std::optional<segment_name> parse_segment_name(std::string_view file_name);

/// Cuts the file at `path` just after its last '\n' (a crash may have left a partial line
/// after it), reading backwards in bounded chunks, and syncs it; returns the bytes kept.
/// Throws std::system_error naming the path: it runs only at start-up.
std::uint64_t cut_after_last_newline(const std::filesystem::path& path);

}  // namespace nv::spool
