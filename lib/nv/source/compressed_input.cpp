// The fixed input buffer shared by the gzip and zstd sources.
#include "nv/source/compressed_input.hpp"

#include <cstring>

namespace nv::source {

compressed_input::compressed_input(std::unique_ptr<byte_source> compressed)
    : compressed_(std::move(compressed)), buffer_(std::make_unique<char[]>(capacity)) {}

std::error_code compressed_input::fill(std::size_t at_least) {
  if (begin_ > 0) {  // keep what is left at the front so the read gets the most room
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  while (end_ < at_least && !ended_) {
    auto result = compressed_->read_some({buffer_.get() + end_, capacity - end_});
    if (result.error) return result.error;
    ended_ = result.eof;
    end_ += result.bytes;
    read_total_ += result.bytes;
  }
  return {};
}

}  // namespace nv::source
