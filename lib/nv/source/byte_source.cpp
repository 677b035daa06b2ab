// File and standard-input sources over plain read(2), the default skip, and the choice of a
// decompressor by file name.
#include "nv/source/byte_source.hpp"

#include "nv/source/gzip_source.hpp"
#include "nv/source/zstd_source.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <cerrno>

namespace nv::source {
namespace {

class stream_error_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "nv.source"; }
  std::string message(int code) const override {
    switch (static_cast<stream_error>(code)) {
      case stream_error::truncated:
        return "truncated compressed stream";
      case stream_error::corrupt:
        return "corrupt compressed data";
      case stream_error::wrong_format:
        return "not in the compressed format its name says";
      case stream_error::skip_past_end:
        return "the stream ends before the offset to resume at (the file changed)";
    }
    return "unknown stream error";
  }
};

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
      if (errno != EINTR)
        return {.error = fail(std::error_code(errno, std::system_category()), {})};
    }
  }

  /// Seeks on a regular file (no reading, however far); reads and discards on anything else.
  std::error_code skip(std::uint64_t bytes) override {
    struct stat info {};
    if (bytes == 0 || ::fstat(fd_, &info) != 0 || !S_ISREG(info.st_mode)) {
      return byte_source::skip(bytes);
    }
    off_t at = ::lseek(fd_, 0, SEEK_CUR);
    if (at < 0) return byte_source::skip(bytes);
    auto size = static_cast<std::uint64_t>(info.st_size);
    auto here = static_cast<std::uint64_t>(at);
    if (here > size || bytes > size - here) {
      return fail(stream_error::skip_past_end,
                  fmt::format("cannot skip to byte {}: the file has {} bytes", here + bytes, size));
    }
    if (::lseek(fd_, static_cast<off_t>(here + bytes), SEEK_SET) < 0) {
      return fail(std::error_code(errno, std::system_category()), {});
    }
    return {};
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

/// Wraps `plain` in the decompressor its file name asks for, if any.
std::unique_ptr<byte_source> decompressed(std::unique_ptr<byte_source> plain,
                                          std::string_view path) {
  if (path.ends_with(".gz")) return std::make_unique<gzip_source>(std::move(plain));
  if (path.ends_with(".zst")) return std::make_unique<zstd_source>(std::move(plain));
  return plain;
}

}  // namespace

const std::error_category& stream_error_category() noexcept {
  static const stream_error_category_impl category;
  return category;
}

std::error_code byte_source::skip(std::uint64_t bytes) {
  std::array<char, 32 << 10> discard;  // on the stack: a skip is rare and bounded in memory
  std::uint64_t left = bytes;
  while (left > 0) {
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, discard.size()));
    auto result = read_some({discard.data(), want});
    if (result.error) return result.error;  // read_some() already set the detail
    if (result.eof) {
      return fail(
          stream_error::skip_past_end,
          fmt::format("cannot skip {} bytes: the stream ends after {}", bytes, bytes - left));
    }
    left -= result.bytes;
  }
  return {};
}

std::error_code byte_source::fail(std::error_code error, std::string detail) {
  error_detail_ = std::move(detail);
  return error;
}

std::string read_error_message(const byte_source& source, std::error_code error) {
  const std::string& detail = source.error_detail();
  return fmt::format("cannot read \"{}\": {}", source.name(),
                     detail.empty() ? error.message() : detail);
}

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
  return {.source = decompressed(std::make_unique<fd_source>(fd, path, true), path)};
}

std::unique_ptr<byte_source> open_stdin() {
  return std::make_unique<fd_source>(STDIN_FILENO, "stdin", false);
}

open_result open_path(const std::string& path) {
  if (path == "-") return {.source = open_stdin()};
  return open_file(path);
}

}  // namespace nv::source
