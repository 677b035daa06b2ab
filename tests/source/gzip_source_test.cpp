// Tests for the gzip source: round trips, several members, truncation, corruption, skipping.
#include "nv/source/gzip_source.hpp"

#include "source/stream_test_files.hpp"

#include <doctest/doctest.h>
#include <zlib.h>

#include <fmt/core.h>

#include <string>

using namespace nv::source;
using nv::test::read_to_end;
using nv::test::sample_bytes;
using nv::test::write_file;

namespace {

/// Returns `data` as one gzip member, compressed by zlib itself.
std::string gzip_bytes(std::string_view data) {
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

std::string truncated_at(std::size_t byte) {
  return fmt::format("truncated gzip stream (input ended at compressed byte {})", byte);
}

}  // namespace

TEST_CASE("a gzip file made by zlib reads as the original for sizes 0, 1 and 1 MiB + 3") {
  auto dir = nv::test::make_temp_dir("gzip-round-trip");
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, (std::size_t{1} << 20) + 3}) {
    const std::string data = sample_bytes(size);
    auto path = write_file(dir, fmt::format("{}.ndjson.gz", size), gzip_bytes(data));
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

TEST_CASE("a file made by the gzip tool, and two of them concatenated, read like zcat") {
  if (!nv::test::have_program("gzip")) {
    MESSAGE("gzip is not installed: skipped");
    return;
  }
  auto dir = nv::test::make_temp_dir("gzip-tool");
  const std::string first = sample_bytes((std::size_t{1} << 20) + 3);
  const std::string second = sample_bytes(1);
  write_file(dir, "first", first);
  write_file(dir, "second", second);
  auto shell = fmt::format(
      "cd '{}' && gzip -9 -c first > first.gz && gzip -1 -c second > "
      "second.gz && cat first.gz second.gz > both.gz",
      dir.string());
  REQUIRE(std::system(shell.c_str()) == 0);
  auto one = open_file((dir / "first.gz").string());
  CHECK(read_to_end(*one.source, 4096).bytes == first);
  auto both = open_file((dir / "both.gz").string());
  auto outcome = read_to_end(*both.source, 1000);
  CHECK_FALSE(outcome.error);
  CHECK(outcome.bytes == first + second);
}

TEST_CASE("gzip members one after another, an empty one among them, read as the concatenation") {
  auto dir = nv::test::make_temp_dir("gzip-members");
  const std::string a = sample_bytes(70'000), b = sample_bytes(5);
  auto path = write_file(dir, "members.gz", gzip_bytes(a) + gzip_bytes("") + gzip_bytes(b));
  for (std::size_t chunk : {1, 4096, 256 << 10}) {
    CAPTURE(chunk);
    auto outcome = read_to_end(*open_file(path).source, chunk);
    CHECK_FALSE(outcome.error);
    CHECK(outcome.bytes == a + b);
  }
}

TEST_CASE("a gzip stream cut short is truncated at the byte where the input ended") {
  auto dir = nv::test::make_temp_dir("gzip-truncated");
  const std::string data = sample_bytes((std::size_t{1} << 20) + 3);
  const std::string whole = gzip_bytes(data) + gzip_bytes("second member");
  const std::size_t first_size = gzip_bytes(data).size();
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{10},
                          first_size / 2, first_size - 1, first_size + 1, whole.size() - 1}) {
    CAPTURE(cut);
    auto path = write_file(dir, fmt::format("cut-{}.gz", cut), whole.substr(0, cut));
    auto source = open_file(path).source;
    auto outcome = read_to_end(*source, 4096);
    CHECK(outcome.error == stream_error::truncated);
    CHECK(source->error_detail() == truncated_at(cut));
    CHECK(read_error_message(*source, outcome.error) ==
          fmt::format("cannot read \"{}\": {}", path, truncated_at(cut)));
    CHECK(std::string_view(data + "second member").starts_with(outcome.bytes));
    std::array<char, 8> again{};
    CHECK(source->read_some(again).error == stream_error::truncated);  // the error stays
  }
}

TEST_CASE("corrupt gzip data is an error with zlib's reason") {
  auto dir = nv::test::make_temp_dir("gzip-corrupt");
  const std::string data = sample_bytes(300'000);
  const std::string good = gzip_bytes(data);
  struct damage {
    std::size_t at;
    std::string detail;
  };
  // The trailer is the CRC-32 of the data, then its length, each 4 bytes.
  for (const auto& [at, detail] :
       {damage{good.size() - 6, "corrupt gzip data: incorrect data check"},
        damage{good.size() - 2, "corrupt gzip data: incorrect length check"}, damage{100, ""},
        damage{good.size() / 2, ""}}) {
    CAPTURE(at);
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x55);
    auto source = open_file(write_file(dir, fmt::format("bad-{}.gz", at), bad)).source;
    auto outcome = read_to_end(*source, 65536);
    CHECK(outcome.error == stream_error::corrupt);
    if (!detail.empty()) CHECK(source->error_detail() == detail);
    CHECK(source->error_detail().starts_with("corrupt gzip data: "));
  }
}

TEST_CASE("a .gz file that is not gzip, or gzip followed by something else, says so") {
  auto dir = nv::test::make_temp_dir("gzip-format");
  auto plain = open_file(write_file(dir, "plain.ndjson.gz", "{\"a\":1}\n")).source;
  auto outcome = read_to_end(*plain, 4096);
  CHECK(outcome.error == stream_error::wrong_format);
  CHECK(plain->error_detail() ==
        "not gzip data: the file does not start with the gzip magic bytes 1f 8b");
  CHECK(outcome.bytes.empty());

  const std::string member = gzip_bytes("{\"a\":1}\n");
  auto tail = open_file(write_file(dir, "tail.gz", member + "{\"b\":2}\n")).source;
  outcome = read_to_end(*tail, 4096);
  CHECK(outcome.error == stream_error::wrong_format);
  CHECK(tail->error_detail() ==
        fmt::format("not gzip data after the gzip member that ends at compressed byte {}",
                    member.size()));
  CHECK(outcome.bytes == "{\"a\":1}\n");
}

TEST_CASE("skip on a gzip source counts decompressed bytes, and past the end is an error") {
  auto dir = nv::test::make_temp_dir("gzip-skip");
  const std::string data = sample_bytes(700'001);
  auto path = write_file(dir, "skip.gz",
                         gzip_bytes(data.substr(0, 300'000)) + gzip_bytes(data.substr(300'000)));
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

TEST_CASE("skip into a truncated gzip stream reports the truncation") {
  auto dir = nv::test::make_temp_dir("gzip-skip-truncated");
  const std::string whole = gzip_bytes(sample_bytes(200'000));
  auto path = write_file(dir, "cut.gz", whole.substr(0, whole.size() / 2));
  auto source = open_file(path).source;
  CHECK(source->skip(200'000) == stream_error::truncated);
  CHECK(source->error_detail() == truncated_at(whole.size() / 2));
}

TEST_CASE("a gzip source decompresses any byte source, here a pipe") {
  const std::string data = sample_bytes(200'000);
  const std::string compressed = gzip_bytes(data);
  REQUIRE(compressed.size() < 65536);
  nv::test::stdin_from_pipe pipe(compressed);
  gzip_source source(open_stdin());
  CHECK(source.name() == "stdin");
  CHECK_FALSE(source.skip(123'456));
  auto outcome = read_to_end(source, 5000);
  CHECK_FALSE(outcome.error);
  CHECK(outcome.bytes == data.substr(123'456));
}
