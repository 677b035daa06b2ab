// What makes a source file the same file across a rename and a different one after its inode is
// reused: device, inode and a SHA-256 of its first bytes.
#pragma once

#include "nv/checkpoint/checkpoint_error.hpp"

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace nv::checkpoint {

/// How many leading bytes the fingerprint covers at most.
inline constexpr std::size_t fingerprint_limit = 4096;

/// A regular file as the checkpoint store recognises it. A rename keeps device and inode; a file
/// that reuses a freed inode (or was truncated and rewritten) almost always differs in its first
/// bytes or in how many of them there are, so it is not taken for the old one.
struct file_identity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  /// How many bytes the fingerprint covers: min(size, fingerprint_limit) when it was taken.
  /// Two files that agree on their first N bytes but not on N itself are different files.
  std::uint64_t fingerprint_bytes = 0;
  /// Lower-case hex SHA-256 of the first fingerprint_bytes bytes (64 characters).
  std::string fingerprint;

  /// Returns "<device>-<inode>" in decimal: the checkpoint's file name, the same after a rename.
  std::string key() const;

  friend bool operator==(const file_identity&, const file_identity&) = default;
};

/// Identifies the regular file open on `fd` without moving its file offset (it reads with
/// pread). Errors: fstat or pread failed, or it is not a regular file; the message names the
/// descriptor and the errno text.
boost::system::result<file_identity, checkpoint_error> identify(int fd);

/// Identifies the regular file at `path`. Errors name the path and the errno text.
boost::system::result<file_identity, checkpoint_error> identify(const std::string& path);

/// Returns the lower-case hex SHA-256 of `size` bytes at `data`.
std::string sha256_hex(const void* data, std::size_t size);

}  // namespace nv::checkpoint
