// Durable per-file resume points: one small JSON document per source file in the state
// directory, replaced atomically so a crash leaves the old checkpoint or the new one.
#pragma once

#include "nv/checkpoint/checkpoint_error.hpp"
#include "nv/checkpoint/file_identity.hpp"
#include "nv/checkpoint/position.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace nv::checkpoint {

/// What one checkpoint document holds.
struct checkpoint_record {
  file_identity identity;
  position at;              ///< everything before it is delivered or rejected
  std::string source_path;  ///< where the file was last seen (for people; bytes kept verbatim)
  std::string updated_at;   ///< UTC, "2024-05-01T12:00:00Z"

  friend bool operator==(const checkpoint_record&, const checkpoint_record&) = default;
};

/// The checkpoints of one state directory, kept in `<state_dir>/checkpoints/<key>.json`.
/// Thread-safety: calls for different files may run concurrently; calls for one file must come
/// from one thread at a time (its temporary file name is fixed). One process per state directory.
class checkpoint_store {
 public:
  /// The version written into every document; a document with another one is refused.
  static constexpr std::int64_t schema_version = 1;

  /// Opens the store, creating `<state_dir>/checkpoints` (mkdir -p) when missing, and removes
  /// `*.tmp` files a crash left there half-written. A start-up edge: throws std::runtime_error
  /// naming the directory and the reason when it cannot be created or listed.
  explicit checkpoint_store(std::string state_dir);

  /// Returns the directory holding the documents.
  const std::string& directory() const { return dir_; }

  /// Returns the document path of a file: `<directory>/<key>.json`.
  std::string path_of(const file_identity& identity) const;

  /// Records that everything before `at` in the file is finished, replacing its previous
  /// checkpoint atomically and durably (temporary file, fsync, rename, fsync of the directory).
  /// Errors: the errno of the failing step; the old checkpoint then still stands.
  std::error_code save(const file_identity& identity, position at, std::string_view source_path);

  /// Returns where to resume the file: the saved position when a checkpoint exists for its
  /// device and inode AND its fingerprint (and fingerprinted length) match; nothing when there is
  /// none or it belongs to an earlier file that had the same inode (a stale one is ignored).
  /// Errors: the document cannot be read, is not valid JSON, lacks a field, has another schema
  /// version or contradicts its own name; the message names the path and the reason.
  boost::system::result<std::optional<position>, checkpoint_error> load(
      const file_identity& identity) const;

  /// Returns the whole document stored under the identity's key, matching or not; nothing when
  /// there is none. Errors as for load().
  boost::system::result<std::optional<checkpoint_record>, checkpoint_error> read(
      const file_identity& identity) const;

  /// Removes the file's checkpoint (the file is finished); a missing one is not an error.
  /// Errors: the errno of unlink or of the directory fsync.
  std::error_code erase(const file_identity& identity);

 private:
  std::string dir_;
};

/// Returns the document text of a checkpoint (one JSON object and a newline).
std::string to_json(const checkpoint_record& record);

/// Parses to_json()'s text; `origin` names the document in error messages.
boost::system::result<checkpoint_record, checkpoint_error> parse_checkpoint(
    std::string_view text, std::string_view origin);

}  // namespace nv::checkpoint
