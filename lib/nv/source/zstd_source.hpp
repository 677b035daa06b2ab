// A byte source that decompresses a zstd stream (one frame or several in a row) read from another.
#pragma once

#include "nv/source/byte_source.hpp"
#include "nv/source/compressed_input.hpp"

#include <memory>

struct ZSTD_DCtx_s;  // libzstd's decompression context, kept out of this header

namespace nv::source {

/// Decompresses the zstd data of a wrapped source as it is read, like zstdcat: frames written
/// one after another read as the concatenation of their contents (skippable frames are
/// skipped). Memory is the fixed input buffer plus libzstd's window, which the frame header
/// sets (2 MiB at the default level; at most 128 MiB, libzstd's default limit), never the
/// size of the stream. Errors returned (error_detail() says where): stream_error::truncated,
/// corrupt, wrong_format, or the wrapped source's own. After an error every read returns it
/// again. Not thread-safe.
class zstd_source final : public byte_source {
 public:
  /// Takes ownership of `compressed`; throws std::bad_alloc when libzstd cannot allocate.
  explicit zstd_source(std::unique_ptr<byte_source> compressed);
  zstd_source(const zstd_source&) = delete;
  zstd_source& operator=(const zstd_source&) = delete;
  ~zstd_source() override;

  read_result read_some(std::span<char> into) override;
  /// Returns the wrapped source's name (the path as given).
  std::string_view name() const noexcept override { return input_.compressed().name(); }
  /// Returns the bytes this source holds: its input buffer and libzstd's context.
  std::size_t memory_bytes() const noexcept;

 private:
  std::error_code decode_error(std::size_t code);
  std::error_code stop(stream_error error, std::string detail);
  std::error_code stop_on_input_error(std::error_code error);

  struct context_deleter {
    void operator()(ZSTD_DCtx_s* context) const noexcept;
  };

  compressed_input input_;
  std::unique_ptr<ZSTD_DCtx_s, context_deleter> context_;
  bool between_frames_ = true;  // libzstd said the last frame was complete and flushed
  std::uint64_t frames_ = 0;
  std::uint64_t last_frame_end_ = 0;  // compressed offset just past the last complete frame
  std::error_code failed_;            // sticky: the first error
};

}  // namespace nv::source
