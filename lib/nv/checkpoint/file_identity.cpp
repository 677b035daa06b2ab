// File identity: fstat for device and inode, pread and OpenSSL's EVP SHA-256 for the fingerprint.
#include "nv/checkpoint/file_identity.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>
#include <string_view>
#include <system_error>

namespace nv::checkpoint {
namespace {

checkpoint_error failure(std::string_view what, std::string_view name, int error) {
  return {fmt::format("cannot identify {}: {}: {}", name, what,
                      std::generic_category().message(error))};
}

// Identifies `fd`; `name` says in error messages which file it is.
boost::system::result<file_identity, checkpoint_error> identify_named(int fd,
                                                                      std::string_view name) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return failure("fstat", name, errno);
  if (!S_ISREG(info.st_mode)) {
    return checkpoint_error{fmt::format("cannot identify {}: not a regular file", name)};
  }
  std::array<char, fingerprint_limit> head;
  const auto wanted =
      std::min<std::uint64_t>(static_cast<std::uint64_t>(info.st_size), head.size());
  std::size_t got = 0;
  // The file may shrink between fstat and here: hash what is there and say how much it was.
  while (got < wanted) {
    const auto n = ::pread(fd, head.data() + got, wanted - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failure("pread", name, errno);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return file_identity{.device = static_cast<std::uint64_t>(info.st_dev),
                       .inode = static_cast<std::uint64_t>(info.st_ino),
                       .fingerprint_bytes = got,
                       .fingerprint = sha256_hex(head.data(), got)};
}

}  // namespace

std::string file_identity::key() const {
  return fmt::format("{}-{}", device, inode);
}

std::string sha256_hex(const void* data, std::size_t size) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  // One-shot EVP digest; it only fails when OpenSSL cannot allocate, which is a bug-class error.
  if (EVP_Digest(data, size, digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL EVP_Digest(SHA-256) failed");
  }
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

boost::system::result<file_identity, checkpoint_error> identify(int fd) {
  return identify_named(fd, fmt::format("file descriptor {}", fd));
}

boost::system::result<file_identity, checkpoint_error> identify(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failure("open", fmt::format("\"{}\"", path), errno);
  auto identity = identify_named(fd, fmt::format("\"{}\"", path));
  ::close(fd);
  return identity;
}

}  // namespace nv::checkpoint
