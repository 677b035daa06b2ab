// Tests gzip and zstd sources share, run once per format: round trips, the command-line tool's
// files, truncation, skipping, and decompressing a pipe.
#include "source/stream_test_files.hpp"

#include <doctest/doctest.h>
#include <fmt/core.h>

#include <array>
#include <cstdlib>
#include <string>

using namespace nv::source;
using nv::test::gzip_format;
using nv::test::read_to_end;
using nv::test::sample_bytes;
using nv::test::write_file;
using nv::test::zstd_format;

// Names the template instances "…<gzip>" and "…<zstd>" in the test list.
TYPE_TO_STRING_AS("gzip", gzip_format);
TYPE_TO_STRING_AS("zstd", zstd_format);

namespace {

/// Returns a fresh directory for `test` of `format`, e.g. "gzip-round-trip".
template <class format>
std::filesystem::path format_dir(std::string_view test) {
  return nv::test::make_temp_dir(fmt::format("{}-{}", format::name, test));
}

}  // namespace

TEST_CASE_TEMPLATE(
    "a file made by the format's library reads as the original for sizes 0, 1 "
    "and 1 MiB + 3",
    format, gzip_format, zstd_format) {
  auto dir = format_dir<format>("round-trip");
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, (std::size_t{1} << 20) + 3}) {
    const std::string data = sample_bytes(size);
    auto path = write_file(dir, fmt::format("{}.ndjson{}", size, format::extension),
                           format::compress(data));
    for (std::size_t chunk : {1, 7, 4096, 256 << 10}) {
      CAPTURE(size);
      CAPTURE(chunk);
      auto opened = open_file(path);
      REQUIRE(opened.source);
      CHECK(opened.source->name() == path);
      auto outcome = read_to_end(*opened.source, chunk);
      CHECK_FALSE(outcome.error);
      CHECK(outcome.bytes.size() == data.size());
      CHECK(outcome.bytes == data);
    }
  }
}

TEST_CASE_TEMPLATE(
    "a file made by the format's tool, and two of them concatenated, read like "
    "zcat or zstdcat",
    format, gzip_format, zstd_format) {
  if (!nv::test::have_program(std::string(format::tool))) {
    MESSAGE(format::tool << " is not installed: skipped");
    return;
  }
  auto dir = format_dir<format>("tool");
  const std::string first = sample_bytes((std::size_t{1} << 20) + 3);
  const std::string second = sample_bytes(1);
  write_file(dir, "first", first);
  write_file(dir, "second", second);
  auto shell = fmt::format(
      "cd '{0}' && {1} {2} -c first > first{4} && {1} {3} -c second > second{4} && "
      "cat first{4} second{4} > both{4}",
      dir.string(), format::tool, format::tool_best, format::tool_fast, format::extension);
  REQUIRE(std::system(shell.c_str()) == 0);
  auto one = open_file((dir / fmt::format("first{}", format::extension)).string());
  CHECK(read_to_end(*one.source, 4096).bytes == first);
  auto both = open_file((dir / fmt::format("both{}", format::extension)).string());
  auto outcome = read_to_end(*both.source, 1000);
  CHECK_FALSE(outcome.error);
  CHECK(outcome.bytes == first + second);
}

TEST_CASE_TEMPLATE("a compressed stream cut short is truncated at the byte where the input ended",
                   format, gzip_format, zstd_format) {
  auto dir = format_dir<format>("truncated");
  const std::string data = sample_bytes((std::size_t{1} << 20) + 3);
  const std::string first = format::compress(data);
  const std::string whole = first + format::compress(format::second_piece);
  // Cuts inside the magic bytes, right after them, inside the first piece and the second.
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, format::magic_size, std::size_t{10},
                          first.size() / 2, first.size() - 1, first.size() + 1, whole.size() - 1}) {
    CAPTURE(cut);
    auto path =
        write_file(dir, fmt::format("cut-{}{}", cut, format::extension), whole.substr(0, cut));
    auto source = open_file(path).source;
    auto outcome = read_to_end(*source, 4096);
    CHECK(outcome.error == stream_error::truncated);
    CHECK(source->error_detail() == format::truncated_at(cut));
    CHECK(read_error_message(*source, outcome.error) ==
          fmt::format("cannot read \"{}\": {}", path, format::truncated_at(cut)));
    CHECK(std::string_view(data + std::string(format::second_piece)).starts_with(outcome.bytes));
    std::array<char, 8> again{};
    CHECK(source->read_some(again).error == stream_error::truncated);  // the error stays
  }
}

TEST_CASE_TEMPLATE(
    "skip on a compressed source counts decompressed bytes, and past the end is "
    "an error",
    format, gzip_format, zstd_format) {
  auto dir = format_dir<format>("skip");
  const std::string data = sample_bytes(700'001);
  auto path = write_file(
      dir, fmt::format("skip{}", format::extension),
      format::compress(data.substr(0, 300'000)) + format::compress(data.substr(300'000)));
  for (std::uint64_t offset : {0ull, 1ull, 4095ull, 300'000ull, 512'345ull, 700'001ull}) {
    CAPTURE(offset);
    auto source = open_file(path).source;
    CHECK_FALSE(source->skip(offset));
    CHECK(read_to_end(*source, 4096).bytes == data.substr(offset));
  }
  auto source = open_file(path).source;
  CHECK(source->skip(700'002) == stream_error::skip_past_end);
  CHECK(source->error_detail() == "cannot skip 700002 bytes: the stream ends after 700001");
}

TEST_CASE_TEMPLATE("a compressed source decompresses any byte source, here a pipe", format,
                   gzip_format, zstd_format) {
  const std::string data = sample_bytes(200'000);
  const std::string compressed = format::compress(data);
  REQUIRE(compressed.size() < 65536);
  nv::test::stdin_from_pipe pipe(compressed);
  typename format::source source(open_stdin());
  CHECK(source.name() == "stdin");
  CHECK_FALSE(source.skip(123'456));
  auto outcome = read_to_end(source, 5000);
  CHECK_FALSE(outcome.error);
  CHECK(outcome.bytes == data.substr(123'456));
}
