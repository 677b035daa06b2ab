// The watched directory's layout: input files in the root, claimed into processing/, ended in
// done/ or failed/ with their report and rejects beside them.
#pragma once

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace nv::watch {

/// Returns whether `name` is an input file name: not hidden (a dotfile), not a temporary file
/// of a writer (`*.tmp`, `*.part`), and not empty.
bool is_input_name(std::string_view name) noexcept;

/// A file in one of the inbox's folders.
struct inbox_file {
  std::string name;            ///< The file name, without folder.
  std::filesystem::path path;  ///< Its full path.
  std::filesystem::file_time_type modified;
  std::uint64_t size = 0;
};

/// Where a processed file ends.
enum class file_end { done, failed };

/// The paths of a file once moved to done/ or failed/.
struct ended_file {
  std::filesystem::path file;     ///< The input file itself.
  std::filesystem::path report;   ///< `<file>.report.json`.
  std::filesystem::path rejects;  ///< `<file>.rejects.ndjson` (present only if some were).
};

/// The folders of a watched directory. A file is claimed by an atomic rename into
/// processing/ (so it is never taken twice, even by two daemons), and ends by a rename into
/// done/ or failed/. While processing, its rejects are written to a hidden companion beside
/// it, which moves with it. Names already taken in a destination get a ".N" suffix.
/// Use from one thread.
class inbox {
 public:
  /// Uses `root`, creating it and processing/, done/ and failed/ when missing; throws
  /// std::filesystem::filesystem_error when it cannot (a startup error).
  explicit inbox(std::filesystem::path root);

  /// Returns the input files in the root, oldest first (modification time, then name).
  std::vector<inbox_file> scan(std::error_code& error) const;
  /// Returns the files an earlier run left in processing/, oldest first.
  std::vector<inbox_file> left_in_processing(std::error_code& error) const;

  /// Claims a root file by renaming it into processing/; returns its new path. ENOENT means
  /// another process took it or it was removed meanwhile.
  boost::system::result<std::filesystem::path> claim(const inbox_file& file);

  /// Returns the rejects file of a file in processing/ (a hidden companion beside it).
  static std::filesystem::path rejects_path(const std::filesystem::path& processing_file);

  /// Moves a file in processing/ and its rejects (when not empty) to done/ or failed/, under a
  /// name not yet taken there; returns where they went. The report is the caller's to write.
  boost::system::result<ended_file> finish(const std::filesystem::path& processing_file,
                                           file_end end);

  /// Returns the root, processing/, done/ and failed/ folders.
  const std::filesystem::path& root() const noexcept { return root_; }
  const std::filesystem::path& processing() const noexcept { return processing_; }
  const std::filesystem::path& done() const noexcept { return done_; }
  const std::filesystem::path& failed() const noexcept { return failed_; }

 private:
  std::vector<inbox_file> list(const std::filesystem::path& folder, std::error_code& error) const;

  std::filesystem::path root_;
  std::filesystem::path processing_;
  std::filesystem::path done_;
  std::filesystem::path failed_;
};

}  // namespace nv::watch
