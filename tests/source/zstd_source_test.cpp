// Tests for the zstd source: round trips, several frames, truncation, corruption, skipping, and
// memory that stays flat over a large stream.
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

namespace {

/// Returns `data` as one zstd frame with a content checksum, as the zstd tool writes it.
std::string zstd_bytes(std::string_view data, int level = 3) {
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

/// Returns a skippable frame (magic 0x184D2A50, little-endian length, payload), which readers
/// must pass over.
std::string skippable_frame(std::string_view payload) {
  std::string frame = "\x50\x2a\x4d\x18";
  for (int shift = 0; shift < 32; shift += 8) frame += static_cast<char>(payload.size() >> shift);
  return frame + std::string(payload);
}

std::string truncated_at(std::size_t byte) {
  return fmt::format("truncated zstd stream (input ended at compressed byte {})", byte);
}

}  // namespace

TEST_CASE("a zstd file made by libzstd reads as the original for sizes 0, 1 and 1 MiB + 3") {
  auto dir = nv::test::make_temp_dir("zstd-round-trip");
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, (std::size_t{1} << 20) + 3}) {
    const std::string data = sample_bytes(size);
    auto path = write_file(dir, fmt::format("{}.ndjson.zst", size), zstd_bytes(data));
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

TEST_CASE("a file made by the zstd tool, and two of them concatenated, read like zstdcat") {
  if (!nv::test::have_program("zstd")) {
    MESSAGE("zstd is not installed: skipped");
    return;
  }
  auto dir = nv::test::make_temp_dir("zstd-tool");
  const std::string first = sample_bytes((std::size_t{1} << 20) + 3);
  const std::string second = sample_bytes(1);
  write_file(dir, "first", first);
  write_file(dir, "second", second);
  auto shell = fmt::format(
      "cd '{}' && zstd -q -19 -c first > first.zst && zstd -q -1 -c second "
      "> second.zst && cat first.zst second.zst > both.zst",
      dir.string());
  REQUIRE(std::system(shell.c_str()) == 0);
  auto one = open_file((dir / "first.zst").string());
  CHECK(read_to_end(*one.source, 4096).bytes == first);
  auto both = open_file((dir / "both.zst").string());
  auto outcome = read_to_end(*both.source, 1000);
  CHECK_FALSE(outcome.error);
  CHECK(outcome.bytes == first + second);
}

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

TEST_CASE("a zstd stream cut short is truncated at the byte where the input ended") {
  auto dir = nv::test::make_temp_dir("zstd-truncated");
  const std::string data = sample_bytes((std::size_t{1} << 20) + 3);
  const std::string first = zstd_bytes(data);
  const std::string whole = first + zstd_bytes("second frame");
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{4}, std::size_t{10},
                          first.size() / 2, first.size() - 1, first.size() + 1, whole.size() - 1}) {
    CAPTURE(cut);
    auto path = write_file(dir, fmt::format("cut-{}.zst", cut), whole.substr(0, cut));
    auto source = open_file(path).source;
    auto outcome = read_to_end(*source, 4096);
    CHECK(outcome.error == stream_error::truncated);
    CHECK(source->error_detail() == truncated_at(cut));
    CHECK(read_error_message(*source, outcome.error) ==
          fmt::format("cannot read \"{}\": {}", path, truncated_at(cut)));
    CHECK(std::string_view(data + "second frame").starts_with(outcome.bytes));
    std::array<char, 8> again{};
    CHECK(source->read_some(again).error == stream_error::truncated);  // the error stays
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

TEST_CASE("skip on a zstd source counts decompressed bytes, and past the end is an error") {
  auto dir = nv::test::make_temp_dir("zstd-skip");
  const std::string data = sample_bytes(700'001);
  auto path = write_file(dir, "skip.zst",
                         zstd_bytes(data.substr(0, 300'000)) + zstd_bytes(data.substr(300'000)));
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

TEST_CASE("a zstd source decompresses any byte source, here a pipe") {
  const std::string data = sample_bytes(200'000);
  const std::string compressed = zstd_bytes(data);
  REQUIRE(compressed.size() < 65536);
  nv::test::stdin_from_pipe pipe(compressed);
  zstd_source source(open_stdin());
  CHECK(source.name() == "stdin");
  CHECK_FALSE(source.skip(123'456));
  auto outcome = read_to_end(source, 5000);
  CHECK_FALSE(outcome.error);
  CHECK(outcome.bytes == data.substr(123'456));
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
