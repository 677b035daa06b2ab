// Shared by the source tests: sample bytes, files to read, reading to the end, stdin from a pipe.
#pragma once

#include "nv/source/byte_source.hpp"
#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>

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

}  // namespace nv::test
