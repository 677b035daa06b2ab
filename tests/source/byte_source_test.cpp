// Tests for file and pipe sources: reading to the end, skipping to resume, clear errors.
#include "nv/source/byte_source.hpp"

#include "source/stream_test_files.hpp"

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

TEST_CASE("skip on a file moves to each offset and the rest reads as the tail") {
  auto dir = nv::test::make_temp_dir("skip-file");
  const std::string data = nv::test::sample_bytes(100'003);
  auto path = nv::test::write_file(dir, "data.ndjson", data);
  for (std::uint64_t offset : {0ull, 1ull, 4095ull, 65536ull, 100'002ull, 100'003ull}) {
    CAPTURE(offset);
    auto source = open_file(path).source;
    REQUIRE(source);
    CHECK_FALSE(source->skip(offset));
    CHECK(nv::test::read_to_end(*source, 4096).bytes == data.substr(offset));
  }
}

TEST_CASE("skip counts from what was already read") {
  auto dir = nv::test::make_temp_dir("skip-after-read");
  auto path = nv::test::write_file(dir, "data.ndjson", "0123456789abcdefghij");
  auto source = open_file(path).source;
  std::array<char, 5> head{};
  REQUIRE(source->read_some(head).bytes == 5);
  CHECK_FALSE(source->skip(10));
  CHECK(nv::test::read_to_end(*source, 3).bytes == "fghij");
}

TEST_CASE("skip past the end of a file is skip_past_end, and says where the file ends") {
  auto dir = nv::test::make_temp_dir("skip-past-file");
  auto path = nv::test::write_file(dir, "short.ndjson", "{\"a\":1}\n");
  auto source = open_file(path).source;
  auto error = source->skip(9);
  CHECK(error == stream_error::skip_past_end);
  CHECK(source->error_detail() == "cannot skip to byte 9: the file has 8 bytes");
  CHECK(read_error_message(*source, error) ==
        "cannot read \"" + path + "\": cannot skip to byte 9: the file has 8 bytes");
}

TEST_CASE("skip on a pipe reads and discards up to each offset") {
  const std::string data = nv::test::sample_bytes(40'000);
  for (std::uint64_t offset : {0ull, 1ull, 32'768ull, 32'769ull, 39'999ull, 40'000ull}) {
    CAPTURE(offset);
    nv::test::stdin_from_pipe pipe(data);
    auto source = open_stdin();
    CHECK_FALSE(source->skip(offset));
    CHECK(nv::test::read_to_end(*source, 1000).bytes == data.substr(offset));
  }
}

TEST_CASE("skip past the end of a pipe is skip_past_end, and says how much there was") {
  nv::test::stdin_from_pipe pipe(nv::test::sample_bytes(40'000));
  auto source = open_stdin();
  auto error = source->skip(40'001);
  CHECK(error == stream_error::skip_past_end);
  CHECK(source->error_detail() == "cannot skip 40001 bytes: the stream ends after 40000");
  CHECK(error.message() == "the stream ends before the offset to resume at (the file changed)");
}

TEST_CASE("a read error without a detail is described by its error code") {
  auto opened = open_file("/proc/self/mem");  // opens, but reading address 0 fails (EIO)
  REQUIRE(opened.source);
  std::array<char, 16> piece{};
  auto result = opened.source->read_some(piece);
  REQUIRE(result.error);
  CHECK(opened.source->error_detail().empty());
  CHECK(read_error_message(*opened.source, result.error) ==
        "cannot read \"/proc/self/mem\": " + result.error.message());
}
