// Decompressing zstd frames through ZSTD_decompressStream into the caller's buffer.
#include "nv/source/zstd_source.hpp"

#include <fmt/core.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <new>

namespace nv::source {

void zstd_source::context_deleter::operator()(ZSTD_DCtx_s* context) const noexcept {
  ::ZSTD_freeDCtx(context);
}

zstd_source::zstd_source(std::unique_ptr<byte_source> compressed)
    : input_(std::move(compressed)), context_(::ZSTD_createDCtx()) {
  if (!context_) throw std::bad_alloc();
}

zstd_source::~zstd_source() = default;

std::size_t zstd_source::memory_bytes() const noexcept {
  return compressed_input::capacity + ::ZSTD_sizeof_DCtx(context_.get());
}

read_result zstd_source::read_some(std::span<char> into) {
  if (failed_) return {.error = failed_};
  if (into.empty()) return {};
  ZSTD_outBuffer out{into.data(), into.size(), 0};
  for (;;) {
    if (input_.available().empty() && !input_.ended()) {
      if (auto error = input_.fill()) return {.error = stop_on_input_error(error)};
      continue;
    }
    // An empty file is no zstd stream either: zstdcat calls it an unexpected end of file.
    if (input_.exhausted() && between_frames_ && input_.read_total() > 0) return {.eof = true};
    auto available = input_.available();
    ZSTD_inBuffer in{available.data(), available.size(), 0};
    // Called with no input too once the file ended: libzstd may still hold output to flush.
    std::size_t hint = ::ZSTD_decompressStream(context_.get(), &out, &in);
    input_.consume(in.pos);
    if (::ZSTD_isError(hint)) return {.error = decode_error(hint)};
    between_frames_ = hint == 0;
    if (between_frames_) {
      ++frames_;
      last_frame_end_ = input_.consumed();
    }
    if (out.pos > 0) return {.bytes = out.pos};
    if (input_.exhausted() && !between_frames_) {
      return {.error = stop(stream_error::truncated,
                            fmt::format("truncated zstd stream (input ended at compressed byte {})",
                                        input_.read_total()))};
    }
  }
}

/// Turns a libzstd error into wrong_format (no frame where one should start) or corrupt.
std::error_code zstd_source::decode_error(std::size_t code) {
  bool no_frame = ::ZSTD_getErrorCode(code) == ZSTD_error_prefix_unknown;
  if (no_frame && frames_ == 0) {
    return stop(stream_error::wrong_format,
                "not zstd data: the file does not start with the zstd magic bytes 28 b5 2f fd");
  }
  if (no_frame) {
    return stop(stream_error::wrong_format,
                fmt::format("not zstd data after the zstd frame that ends at compressed byte {}",
                            last_frame_end_));
  }
  return stop(stream_error::corrupt,
              fmt::format("corrupt zstd data: {}", ::ZSTD_getErrorName(code)));
}

std::error_code zstd_source::stop(stream_error error, std::string detail) {
  failed_ = fail(error, std::move(detail));
  return failed_;
}

std::error_code zstd_source::stop_on_input_error(std::error_code error) {
  failed_ = fail(error, input_.compressed().error_detail());
  return failed_;
}

}  // namespace nv::source
