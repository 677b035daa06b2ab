// Shared by the source tests: sample bytes, files to read, reading to the end, stdin from a pipe,
// and the gzip and zstd formats as traits for the tests both share.
#pragma once

#include "nv/source/byte_source.hpp"
#include "nv/source/gzip_source.hpp"
#include "nv/source/zstd_source.hpp"
#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>
#include <fmt/core.h>
#include <zlib.h>
#include <zstd.h>

#include <unistd.h>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace nv::test {

/// Returns `size` bytes of NDJSON-like lines whose numbers vary, so they compress but not to
/// nothing; the same size always gives the same bytes.
inline std::string sample_bytes(std::size_t size) {
  std::string out;
  out.reserve(size + 64);
  std::uint64_t state = 88172645463325252ull;
  while (out.size() < size) {
    state ^= state << 13;  // xorshift64: cheap, and the same sequence on every run
    state ^= state >> 7;
    state ^= state << 17;
    out += "{\"user_id\":\"u" + std::to_string(state % 1000003) +
           "\",\"n\":" + std::to_string(state >> 40) + "}\n";
  }
  out.resize(size);
  return out;
}

/// Writes `bytes` to `dir / name` and returns the path.
inline std::string write_file(const std::filesystem::path& dir, const std::string& name,
                              std::string_view bytes) {
  auto path = (dir / name).string();
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  return path;
}

/// What reading a source to its end or to its first error gave.
struct read_outcome {
  std::string bytes;  ///< Everything read before the end or the error.
  std::error_code error;
};

/// Reads `source` `chunk` bytes at a time until the end or an error.
inline read_outcome read_to_end(source::byte_source& source, std::size_t chunk) {
  read_outcome outcome;
  std::vector<char> piece(chunk);
  for (;;) {
    auto result = source.read_some(piece);
    if (result.error) {
      outcome.error = result.error;
      return outcome;
    }
    if (result.eof) return outcome;
    outcome.bytes.append(piece.data(), result.bytes);
  }
}

/// Replaces standard input with the read end of a pipe holding `bytes` (at most the 64 KiB a
/// pipe buffers, so no writer thread is needed), and restores it when destroyed.
class stdin_from_pipe {
 public:
  explicit stdin_from_pipe(std::string_view bytes) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    REQUIRE(bytes.size() <= 65536);
    REQUIRE(::write(fds[1], bytes.data(), bytes.size()) == ssize_t(bytes.size()));
    ::close(fds[1]);
    saved_ = ::dup(STDIN_FILENO);
    ::dup2(fds[0], STDIN_FILENO);
    ::close(fds[0]);
  }
  stdin_from_pipe(const stdin_from_pipe&) = delete;
  stdin_from_pipe& operator=(const stdin_from_pipe&) = delete;
  ~stdin_from_pipe() {
    ::dup2(saved_, STDIN_FILENO);
    ::close(saved_);
  }

 private:
  int saved_ = -1;
};

/// Returns true when `program` is on PATH, for tests that compare with a command-line tool.
inline bool have_program(const std::string& program) {
  return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

/// Returns `data` as one gzip member, compressed by zlib itself.
inline std::string gzip_bytes(std::string_view data) {
  z_stream stream{};
  REQUIRE(::deflateInit2(&stream, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(::deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  REQUIRE(::deflate(&stream, Z_FINISH) == Z_STREAM_END);
  out.resize(stream.total_out);
  ::deflateEnd(&stream);
  return out;
}

/// Returns `data` as one zstd frame with a content checksum, as the zstd tool writes it.
inline std::string zstd_bytes(std::string_view data, int level = 3) {
  ZSTD_CCtx* context = ::ZSTD_createCCtx();
  ::ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level);
  ::ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1);
  std::string out(::ZSTD_compressBound(data.size()), '\0');
  std::size_t size = ::ZSTD_compress2(context, out.data(), out.size(), data.data(), data.size());
  ::ZSTD_freeCCtx(context);
  REQUIRE_FALSE(::ZSTD_isError(size));
  out.resize(size);
  return out;
}

// Format traits: what the tests gzip and zstd share need to know of each format, so one
// TEST_CASE_TEMPLATE covers both and a third format is one more struct.

/// The gzip format as the shared compressed-source tests see it.
struct gzip_format {
  using source = nv::source::gzip_source;
  static constexpr std::string_view name = "gzip";
  static constexpr std::string_view extension = ".gz";
  static constexpr std::string_view tool = "gzip";
  static constexpr std::string_view tool_best = "-9";  ///< Flags for the smallest output.
  static constexpr std::string_view tool_fast = "-1";  ///< Flags for the fastest run.
  static constexpr std::size_t magic_size = 2;         ///< 1f 8b
  /// What a stream holds after its first member (a truncated stream's text must start the same).
  static constexpr std::string_view second_piece = "second member";

  /// Returns `data` as one gzip member.
  static std::string compress(std::string_view data) { return gzip_bytes(data); }
  /// Returns the error detail of a stream that ended at compressed byte `byte`.
  static std::string truncated_at(std::size_t byte) {
    return fmt::format("truncated gzip stream (input ended at compressed byte {})", byte);
  }
};

/// The zstd format as the shared compressed-source tests see it.
struct zstd_format {
  using source = nv::source::zstd_source;
  static constexpr std::string_view name = "zstd";
  static constexpr std::string_view extension = ".zst";
  static constexpr std::string_view tool = "zstd";
  static constexpr std::string_view tool_best = "-q -19";  ///< Flags for the smallest output.
  static constexpr std::string_view tool_fast = "-q -1";   ///< Flags for the fastest run.
  static constexpr std::size_t magic_size = 4;             ///< 28 b5 2f fd
  /// What a stream holds after its first frame (a truncated stream's text must start the same).
  static constexpr std::string_view second_piece = "second frame";

  /// Returns `data` as one zstd frame at level 3.
  static std::string compress(std::string_view data) { return zstd_bytes(data); }
  /// Returns the error detail of a stream that ended at compressed byte `byte`.
  static std::string truncated_at(std::size_t byte) {
    return fmt::format("truncated zstd stream (input ended at compressed byte {})", byte);
  }
};

}  // namespace nv::test
