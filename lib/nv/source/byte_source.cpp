// File and standard-input sources over plain read(2).
#include "nv/source/byte_source.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>

namespace nv::source {
namespace {

/// Reads a file descriptor with read(2). On a regular file the read is served from the page
/// cache (or one disk read-ahead away), so it is short and a blocking call is acceptable even
/// inside the asynchronous importer; pipes and terminals block until data arrives, which is
/// why an asynchronous source will replace this one for stdin later.
class fd_source final : public byte_source {
 public:
  fd_source(int fd, std::string name, bool owns) : fd_(fd), name_(std::move(name)), owns_(owns) {}
  fd_source(const fd_source&) = delete;
  fd_source& operator=(const fd_source&) = delete;
  ~fd_source() override {
    if (owns_) ::close(fd_);
  }

  read_result read_some(std::span<char> into) override {
    for (;;) {
      ssize_t got = ::read(fd_, into.data(), into.size());
      if (got > 0) return {.bytes = static_cast<std::size_t>(got)};
      if (got == 0) return {.eof = true};
      if (errno != EINTR) return {.error = std::error_code(errno, std::system_category())};
    }
  }

  std::string_view name() const noexcept override { return name_; }

 private:
  int fd_;
  std::string name_;
  bool owns_;
};

std::string cannot_open(const std::string& path, int error) {
  return fmt::format("cannot open \"{}\": {}", path, std::system_category().message(error));
}

}  // namespace

open_result open_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {.error = cannot_open(path, errno)};
  struct stat info {};
  if (::fstat(fd, &info) != 0 || S_ISDIR(info.st_mode)) {
    int error = S_ISDIR(info.st_mode) ? EISDIR : errno;
    ::close(fd);
    return {.error = cannot_open(path, error)};
  }
  // Tell the kernel the file is read once, front to back: larger read-ahead.
  if (S_ISREG(info.st_mode)) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return {.source = std::make_unique<fd_source>(fd, path, true)};
}

std::unique_ptr<byte_source> open_stdin() {
  return std::make_unique<fd_source>(STDIN_FILENO, "stdin", false);
}

open_result open_path(const std::string& path) {
  if (path == "-") return {.source = open_stdin()};
  return open_file(path);
}

}  // namespace nv::source
