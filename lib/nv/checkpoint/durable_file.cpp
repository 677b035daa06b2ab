// Temp file, fsync, rename, directory fsync.
#include "nv/checkpoint/durable_file.hpp"

#include <filesystem>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>

namespace nv::checkpoint {

namespace {

std::error_code last_error() {
  return {errno, std::generic_category()};
}

std::error_code write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const auto n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return last_error();
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

std::error_code sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return last_error();
  std::error_code error;
  if (::fsync(fd) != 0) error = last_error();
  ::close(fd);
  return error;
}

std::error_code replace_file_durably(const std::string& path, std::string_view text) {
  const auto temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return last_error();
  auto error = write_all(fd, text);
  if (!error && ::fsync(fd) != 0) error = last_error();
  if (::close(fd) != 0 && !error) error = last_error();
  if (!error && ::rename(temp.c_str(), path.c_str()) != 0) error = last_error();
  if (error) {
    ::unlink(temp.c_str());  // the old file stands; leave no half-written one behind
    return error;
  }
  auto dir = std::filesystem::path(path).parent_path().string();
  return sync_directory(dir.empty() ? "." : dir);
}

}  // namespace nv::checkpoint
