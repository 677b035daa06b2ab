// A byte source that inflates a gzip stream (one member or several in a row) read from another.
#pragma once

#include "nv/source/byte_source.hpp"
#include "nv/source/compressed_input.hpp"

#include <memory>

struct z_stream_s;  // zlib's inflate state, kept out of this header

namespace nv::source {

/// Decompresses the gzip data of a wrapped source as it is read, like zcat: members written
/// one after another (`cat a.gz b.gz`) read as the concatenation of their contents. Memory is
/// the fixed input buffer plus zlib's 32 KiB window, whatever the size of the stream.
/// Errors returned (error_detail() says where): stream_error::truncated, corrupt, wrong_format,
/// or the wrapped source's own. After an error every read returns it again. Not thread-safe.
class gzip_source final : public byte_source {
 public:
  /// Takes ownership of `compressed`; throws std::bad_alloc when zlib cannot allocate.
  explicit gzip_source(std::unique_ptr<byte_source> compressed);
  gzip_source(const gzip_source&) = delete;
  gzip_source& operator=(const gzip_source&) = delete;
  ~gzip_source() override;

  read_result read_some(std::span<char> into) override;
  /// Returns the wrapped source's name (the path as given).
  std::string_view name() const noexcept override { return input_.compressed().name(); }

 private:
  std::error_code start_member();
  std::error_code inflate_into(std::span<char> into, std::size_t& produced);
  std::error_code stop(stream_error error, std::string detail);
  std::error_code stop_on_input_error(std::error_code error);

  compressed_input input_;
  std::unique_ptr<z_stream_s> stream_;
  bool in_member_ = false;  // between a member's magic bytes and its trailer
  bool finished_ = false;   // every member was read and the input ended
  std::uint64_t members_ = 0;
  std::error_code failed_;  // sticky: the first error
};

}  // namespace nv::source
