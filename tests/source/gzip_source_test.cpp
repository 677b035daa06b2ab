// Tests of what only the gzip source does: empty members, zlib's corruption reasons, the
// not-gzip messages, skipping into a truncation (compressed_source_test.cpp has the shared ones).
#include "nv/source/gzip_source.hpp"

#include "source/stream_test_files.hpp"

#include <doctest/doctest.h>

#include <fmt/core.h>

#include <string>

using namespace nv::source;
using nv::test::gzip_bytes;
using nv::test::gzip_format;
using nv::test::read_to_end;
using nv::test::sample_bytes;
using nv::test::write_file;

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

TEST_CASE("skip into a truncated gzip stream reports the truncation") {
  auto dir = nv::test::make_temp_dir("gzip-skip-truncated");
  const std::string whole = gzip_bytes(sample_bytes(200'000));
  auto path = write_file(dir, "cut.gz", whole.substr(0, whole.size() / 2));
  auto source = open_file(path).source;
  CHECK(source->skip(200'000) == stream_error::truncated);
  CHECK(source->error_detail() == gzip_format::truncated_at(whole.size() / 2));
}
