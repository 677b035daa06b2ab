// The watched directory's folders: listing, claiming by rename, and ending in done/ or failed/.
#include "nv/watch/inbox.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace nv::watch {

namespace fs = std::filesystem;

namespace {

bool ends_with(std::string_view text, std::string_view suffix) noexcept {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

/// Renames without replacing: a name already taken in the destination is never overwritten.
std::error_code rename_no_replace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return {};
  const int error = errno;
  if (error != EINVAL && error != ENOSYS) return {error, std::generic_category()};
  // A file system without RENAME_NOREPLACE: check, then rename (one daemon per inbox).
  std::error_code ignored;
  if (fs::exists(to, ignored)) return std::make_error_code(std::errc::file_exists);
  if (::rename(from.c_str(), to.c_str()) == 0) return {};
  return {errno, std::generic_category()};
}

/// Renames `from` into `folder` as `name`, or `name.2`, `name.3`, … when taken; returns the
/// new path.
boost::system::result<fs::path> rename_into(const fs::path& from, const fs::path& folder,
                                            const std::string& name) {
  for (int n = 1;; ++n) {
    fs::path to = folder / (n == 1 ? name : fmt::format("{}.{}", name, n));
    auto error = rename_no_replace(from, to);
    if (!error) return to;
    if (error != std::errc::file_exists || n == 10'000) return error;
  }
}

}  // namespace

bool is_input_name(std::string_view name) noexcept {
  if (name.empty() || name.front() == '.') return false;
  return !ends_with(name, ".tmp") && !ends_with(name, ".part");
}

inbox::inbox(fs::path root)
    : root_(std::move(root)),
      processing_(root_ / "processing"),
      done_(root_ / "done"),
      failed_(root_ / "failed") {
  for (const auto* folder : {&root_, &processing_, &done_, &failed_})
    fs::create_directories(*folder);
}

std::vector<inbox_file> inbox::list(const fs::path& folder, std::error_code& error) const {
  std::vector<inbox_file> files;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    auto name = it->path().filename().string();
    std::error_code stat_error;
    // Folders are not inputs; a file removed while listing is simply not there.
    if (!is_input_name(name) || !it->is_regular_file(stat_error)) continue;
    auto modified = it->last_write_time(stat_error);
    auto size = it->file_size(stat_error);
    if (stat_error) continue;
    files.push_back({std::move(name), it->path(), modified, size});
  }
  std::sort(files.begin(), files.end(), [](const inbox_file& a, const inbox_file& b) {
    return a.modified != b.modified ? a.modified < b.modified : a.name < b.name;
  });
  return files;
}

std::vector<inbox_file> inbox::scan(std::error_code& error) const {
  return list(root_, error);
}

std::vector<inbox_file> inbox::left_in_processing(std::error_code& error) const {
  return list(processing_, error);
}

boost::system::result<fs::path> inbox::claim(const inbox_file& file) {
  return rename_into(file.path, processing_, file.name);
}

fs::path inbox::rejects_path(const fs::path& processing_file) {
  return processing_file.parent_path() /
         fmt::format(".{}.rejects.ndjson", processing_file.filename().string());
}

boost::system::result<ended_file> inbox::finish(const fs::path& processing_file, file_end end) {
  const auto& folder = end == file_end::done ? done_ : failed_;
  auto moved = rename_into(processing_file, folder, processing_file.filename().string());
  if (!moved) return moved.error();
  ended_file ended{*moved, moved->string() + ".report.json", moved->string() + ".rejects.ndjson"};
  // The rejects follow the file under its final name; an empty rejects file is just removed.
  auto rejects = rejects_path(processing_file);
  std::error_code error;
  if (fs::exists(rejects, error)) {
    if (fs::file_size(rejects, error) == 0 && !error) {
      fs::remove(rejects, error);
    } else if (::rename(rejects.c_str(), ended.rejects.c_str()) != 0) {
      return std::error_code(errno, std::generic_category());
    }
  }
  return ended;
}

}  // namespace nv::watch
