// Segment names with a fixed-width sequence, so names sort in sequence order too.
#include "nv/spool/segment_files.hpp"

#include <fmt/format.h>
#include <fmt/std.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace nv::spool {

namespace {

constexpr std::string_view name_prefix = "segment-";
constexpr std::string_view sealed_suffix = ".ndjson";
constexpr std::string_view open_suffix = ".open";
constexpr std::size_t sequence_digits = 20;

std::system_error recovery_error(const std::filesystem::path& path, std::string_view what) {
  return {errno, std::generic_category(), fmt::format("spool segment {}: {}", path, what)};
}

// Closes the descriptor on every exit, the throwing ones included.
struct owned_fd {
  int fd;
  ~owned_fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string segment_file_name(segment_name name) {
  return fmt::format("{}{:020}{}", name_prefix, name.sequence,
                     name.sealed ? sealed_suffix : open_suffix);
}

std::optional<segment_name> parse_segment_name(std::string_view file_name) {
  if (!file_name.starts_with(name_prefix)) return std::nullopt;
  file_name.remove_prefix(name_prefix.size());
  if (file_name.size() < sequence_digits) return std::nullopt;
  std::uint64_t sequence = 0;
  for (char c : file_name.substr(0, sequence_digits)) {
    if (c < '0' || c > '9') return std::nullopt;
    sequence = sequence * 10 + static_cast<std::uint64_t>(c - '0');
  }
  const auto suffix = file_name.substr(sequence_digits);
  if (suffix == sealed_suffix) return segment_name{sequence, true};
  if (suffix == open_suffix) return segment_name{sequence, false};
  return std::nullopt;
}

std::uint64_t cut_after_last_newline(const std::filesystem::path& path) {
  const owned_fd file{::open(path.c_str(), O_RDWR | O_CLOEXEC)};
  if (file.fd < 0) throw recovery_error(path, "cannot open to recover it");
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) throw recovery_error(path, "cannot stat");
  const auto size = static_cast<std::uint64_t>(info.st_size);
  std::uint64_t keep = 0;
  std::array<char, 65536> chunk{};
  for (std::uint64_t end = size; end > 0 && keep == 0;) {
    const auto length = std::min<std::uint64_t>(end, chunk.size());
    const auto begin = end - length;
    const auto n = ::pread(file.fd, chunk.data(), length, static_cast<off_t>(begin));
    if (n != static_cast<ssize_t>(length)) throw recovery_error(path, "cannot read to recover it");
    if (const void* newline = ::memrchr(chunk.data(), '\n', length))
      keep =
          begin + static_cast<std::uint64_t>(static_cast<const char*>(newline) - chunk.data()) + 1;
    end = begin;
  }
  if (keep < size && ::ftruncate(file.fd, static_cast<off_t>(keep)) != 0)
    throw recovery_error(path, "cannot cut its partial last line");
  if (::fdatasync(file.fd) != 0) throw recovery_error(path, "cannot sync");
  return keep;
}

}  // namespace nv::spool
