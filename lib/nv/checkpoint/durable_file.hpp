// Replacing a small file so that a crash leaves either the old content or the new, never half.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace nv::checkpoint {

/// Writes `text` to `path` through `path` + ".tmp": write, fsync, rename over `path`, fsync of
/// the directory. On error the temporary file is removed and the old `path` stands.
std::error_code replace_file_durably(const std::string& path, std::string_view text);

/// Flushes the directory `dir` itself, so renames and removals in it survive a crash.
std::error_code sync_directory(const std::string& dir);

}  // namespace nv::checkpoint
