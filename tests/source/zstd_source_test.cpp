// Tests of what only the zstd source does: empty and skippable frames, libzstd's corruption
// reasons, the not-zstd messages, and memory that stays flat over a large stream
// (compressed_source_test.cpp has the tests shared with gzip).
#include "nv/source/zstd_source.hpp"

#include "source/stream_test_files.hpp"

#include <doctest/doctest.h>
#include <zstd.h>

#include <fmt/core.h>

#include <fstream>
#include <string>

using namespace nv::source;
using nv::test::read_to_end;
using nv::test::sample_bytes;
using nv::test::write_file;
using nv::test::zstd_bytes;

namespace {

/// Returns a skippable frame (magic 0x184D2A50, little-endian length, payload), which readers
/// must pass over.
std::string skippable_frame(std::string_view payload) {
  std::string frame = "\x50\x2a\x4d\x18";
  for (int shift = 0; shift < 32; shift += 8) frame += static_cast<char>(payload.size() >> shift);
  return frame + std::string(payload);
}

}  // namespace

TEST_CASE("zstd frames one after another, empty and skippable ones among them, read as one") {
  auto dir = nv::test::make_temp_dir("zstd-frames");
  const std::string a = sample_bytes(200'000), b = sample_bytes(5);
  auto path =
      write_file(dir, "frames.zst",
                 zstd_bytes(a) + zstd_bytes("") + skippable_frame("not data") + zstd_bytes(b, 19));
  for (std::size_t chunk : {1, 4096, 256 << 10}) {
    CAPTURE(chunk);
    auto outcome = read_to_end(*open_file(path).source, chunk);
    CHECK_FALSE(outcome.error);
    CHECK(outcome.bytes == a + b);
  }
}

TEST_CASE("corrupt zstd data is an error with libzstd's reason") {
  auto dir = nv::test::make_temp_dir("zstd-corrupt");
  const std::string good = zstd_bytes(sample_bytes(300'000));
  // The last 4 bytes are the content checksum; the others sit in the compressed blocks.
  for (std::size_t at : {good.size() - 2, good.size() / 2, std::size_t{100}}) {
    CAPTURE(at);
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x55);
    auto path = write_file(dir, fmt::format("bad-{}.zst", at), bad);
    auto source = open_file(path).source;
    auto outcome = read_to_end(*source, 65536);
    CHECK(outcome.error == stream_error::corrupt);
    CHECK(source->error_detail().starts_with("corrupt zstd data: "));
    if (at == good.size() - 2) {
      CHECK(
          read_error_message(*source, outcome.error) ==
          fmt::format("cannot read \"{}\": corrupt zstd data: Restored data doesn't match checksum",
                      path));
    }
  }
}

TEST_CASE("a .zst file that is not zstd, or zstd followed by something else, says so") {
  auto dir = nv::test::make_temp_dir("zstd-format");
  auto plain = open_file(write_file(dir, "plain.ndjson.zst", "{\"a\":1}\n")).source;
  auto outcome = read_to_end(*plain, 4096);
  CHECK(outcome.error == stream_error::wrong_format);
  CHECK(plain->error_detail() ==
        "not zstd data: the file does not start with the zstd magic bytes 28 b5 2f fd");
  CHECK(outcome.bytes.empty());

  const std::string frame = zstd_bytes("{\"a\":1}\n");
  auto tail = open_file(write_file(dir, "tail.zst", frame + "{\"b\":2}\n")).source;
  outcome = read_to_end(*tail, 4096);
  CHECK(outcome.error == stream_error::wrong_format);
  CHECK(tail->error_detail() ==
        fmt::format("not zstd data after the zstd frame that ends at compressed byte {}",
                    frame.size()));
  CHECK(outcome.bytes == "{\"a\":1}\n");
}

TEST_CASE("64 MiB of zstd lines read through buffers that never grow") {
  auto dir = nv::test::make_temp_dir("zstd-large");
  const std::string line = "{\"user_id\":\"u1234567\",\"email\":\"someone@example.com\"}\n";
  constexpr std::size_t total = std::size_t{64} << 20;
  // Compress in pieces so the test itself does not hold 64 MiB either.
  std::string period;
  while (period.size() < (std::size_t{1} << 20) + line.size()) period += line;
  auto path = (dir / "large.ndjson.zst").string();
  {
    std::ofstream out(path, std::ios::binary);
    ZSTD_CCtx* context = ::ZSTD_createCCtx();
    std::string compressed(::ZSTD_CStreamOutSize(), '\0');
    for (std::size_t written = 0; written < total;) {
      std::size_t piece = std::min<std::size_t>(std::size_t{1} << 20, total - written);
      ZSTD_inBuffer in{period.data() + written % line.size(), piece, 0};
      written += piece;
      auto mode = written == total ? ZSTD_e_end : ZSTD_e_continue;
      for (bool done = false; !done;) {
        ZSTD_outBuffer buffer{compressed.data(), compressed.size(), 0};
        std::size_t left = ::ZSTD_compressStream2(context, &buffer, &in, mode);
        REQUIRE_FALSE(::ZSTD_isError(left));
        out.write(compressed.data(), std::streamsize(buffer.pos));
        done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
      }
    }
    ::ZSTD_freeCCtx(context);
  }
  auto opened = open_file(path);
  auto* source = dynamic_cast<zstd_source*>(opened.source.get());
  REQUIRE(source != nullptr);  // chosen by the .zst name
  std::vector<char> chunk(std::size_t{256} << 10);
  std::size_t read = 0;
  std::size_t memory_after_first_read = 0;
  bool all_equal = true;
  for (;;) {
    auto result = source->read_some(chunk);
    REQUIRE_FALSE(result.error);
    if (result.eof) break;
    all_equal = all_equal && std::string_view(chunk.data(), result.bytes) ==
                                 std::string_view(period).substr(read % line.size(), result.bytes);
    read += result.bytes;
    if (memory_after_first_read == 0) memory_after_first_read = source->memory_bytes();
  }
  CHECK(read == total);
  CHECK(all_equal);
  CHECK(source->memory_bytes() == memory_after_first_read);
  // The input buffer plus a window of a few MiB at level 3: far below the 64 MiB read.
  CHECK(source->memory_bytes() < std::size_t{4} << 20);
  MESSAGE("zstd source memory: " << source->memory_bytes() << " bytes");
}
