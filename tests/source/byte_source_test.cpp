// Tests for file and pipe sources: reading to the end, and clear open errors.
#include "nv/source/byte_source.hpp"

#include <doctest/doctest.h>

#include <unistd.h>
#include <array>
#include <filesystem>
#include <fstream>
#include <string>

using namespace nv::source;

namespace {

std::string read_everything(byte_source& source) {
  std::string out;
  std::array<char, 3> piece{};
  for (;;) {
    auto result = source.read_some(piece);
    REQUIRE_FALSE(result.error);
    if (result.eof) return out;
    out.append(piece.data(), result.bytes);
  }
}

std::string temp_path(const char* name) {
  std::filesystem::create_directories(NV_TEST_TMP_DIR);
  return std::string(NV_TEST_TMP_DIR) + "/" + name;
}

}  // namespace

TEST_CASE("a file source reads the whole file in pieces and names itself by its path") {
  auto path = temp_path("byte_source_file.ndjson");
  std::ofstream(path) << "{\"a\":1}\n{\"b\":2}\n";
  auto opened = open_path(path);
  REQUIRE(opened.source);
  CHECK(opened.error.empty());
  CHECK(opened.source->name() == path);
  CHECK(read_everything(*opened.source) == "{\"a\":1}\n{\"b\":2}\n");
}

TEST_CASE("opening a missing file or a directory fails with a one-line reason") {
  auto missing = open_file("/nonexistent/x.ndjson");
  CHECK_FALSE(missing.source);
  CHECK(missing.error == "cannot open \"/nonexistent/x.ndjson\": No such file or directory");
  auto directory = open_file("/");
  CHECK_FALSE(directory.source);
  CHECK(directory.error == "cannot open \"/\": Is a directory");
}

TEST_CASE("a pipe source reads until the writer closes") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  // Keep the write small enough for the pipe buffer so no second thread is needed.
  REQUIRE(::write(fds[1], "x\ny\n", 4) == 4);
  ::close(fds[1]);
  int saved = ::dup(STDIN_FILENO);
  ::dup2(fds[0], STDIN_FILENO);
  ::close(fds[0]);
  auto source = open_path("-").source;
  REQUIRE(source);
  CHECK(source->name() == "stdin");
  CHECK(read_everything(*source) == "x\ny\n");
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
}
