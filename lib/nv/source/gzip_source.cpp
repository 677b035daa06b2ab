// Inflating gzip members through zlib into the caller's buffer.
#include "nv/source/gzip_source.hpp"

#define ZLIB_CONST
#include <fmt/core.h>
#include <zlib.h>

#include <algorithm>
#include <limits>
#include <new>

namespace nv::source {

gzip_source::gzip_source(std::unique_ptr<byte_source> compressed)
    : input_(std::move(compressed)), stream_(std::make_unique<z_stream>()) {
  // 16 + MAX_WBITS: gzip framing only, so a .gz that is really zlib or raw data is an error.
  if (::inflateInit2(stream_.get(), 16 + MAX_WBITS) != Z_OK) throw std::bad_alloc();
}

gzip_source::~gzip_source() {
  ::inflateEnd(stream_.get());
}

read_result gzip_source::read_some(std::span<char> into) {
  if (failed_) return {.error = failed_};
  if (into.empty()) return {};
  for (;;) {
    if (!in_member_) {
      if (auto error = start_member()) return {.error = error};
      if (finished_) return {.eof = true};
    }
    if (input_.available().empty() && !input_.ended()) {
      if (auto error = input_.fill()) return {.error = stop_on_input_error(error)};
      continue;
    }
    std::size_t produced = 0;
    if (auto error = inflate_into(into, produced)) return {.error = error};
    if (produced > 0) return {.bytes = produced};
    if (in_member_ && input_.exhausted()) {
      return {.error = stop(stream_error::truncated,
                            fmt::format("truncated gzip stream (input ended at compressed byte {})",
                                        input_.read_total()))};
    }
  }
}

/// Checks the magic bytes of the next member, or finds the end of the stream.
std::error_code gzip_source::start_member() {
  if (auto error = input_.fill(2)) return stop_on_input_error(error);
  auto magic = input_.available();
  if (magic.empty() && members_ > 0) {
    finished_ = true;
    return {};
  }
  if (magic.size() < 2) {
    return stop(stream_error::truncated,
                fmt::format("truncated gzip stream (input ended at compressed byte {})",
                            input_.read_total()));
  }
  if (static_cast<unsigned char>(magic[0]) != 0x1f ||
      static_cast<unsigned char>(magic[1]) != 0x8b) {
    if (members_ == 0) {
      return stop(stream_error::wrong_format,
                  "not gzip data: the file does not start with the gzip magic bytes 1f 8b");
    }
    return stop(stream_error::wrong_format,
                fmt::format("not gzip data after the gzip member that ends at compressed byte {}",
                            input_.consumed()));
  }
  ::inflateReset(stream_.get());
  in_member_ = true;
  ++members_;
  return {};
}

/// Runs inflate once from the available input into `into`; notes the end of a member.
std::error_code gzip_source::inflate_into(std::span<char> into, std::size_t& produced) {
  auto in = input_.available();
  // zlib counts in uInt: hand it at most 4 GiB per call, the rest goes next time.
  constexpr std::size_t most = std::numeric_limits<uInt>::max();
  auto out_size = static_cast<uInt>(std::min(into.size(), most));
  stream_->next_in = reinterpret_cast<const Bytef*>(in.data());
  stream_->avail_in = static_cast<uInt>(std::min(in.size(), most));
  stream_->next_out = reinterpret_cast<Bytef*>(into.data());
  stream_->avail_out = out_size;
  int status = ::inflate(stream_.get(), Z_NO_FLUSH);
  input_.consume(
      static_cast<std::size_t>(stream_->next_in - reinterpret_cast<const Bytef*>(in.data())));
  produced = out_size - stream_->avail_out;
  if (status == Z_STREAM_END) {
    in_member_ = false;
    return {};
  }
  // Z_BUF_ERROR only means "no progress without more input", which the caller provides.
  if (status == Z_OK || status == Z_BUF_ERROR) return {};
  const char* why = stream_->msg != nullptr ? stream_->msg : ::zError(status);
  return stop(stream_error::corrupt, fmt::format("corrupt gzip data: {}", why));
}

std::error_code gzip_source::stop(stream_error error, std::string detail) {
  failed_ = fail(error, std::move(detail));
  return failed_;
}

std::error_code gzip_source::stop_on_input_error(std::error_code error) {
  failed_ = fail(error, input_.compressed().error_detail());
  return failed_;
}

}  // namespace nv::source
