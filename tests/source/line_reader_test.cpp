// Tests for the line splitter: terminators, BOM, blank lines, too-long lines, padding, offsets.
#include "nv/source/line_reader.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

using namespace nv::source;

namespace {

/// A line_event with its text copied, so it outlives the reader's buffer.
struct seen {
  line_kind kind;
  std::string text;
  std::uint64_t number, offset, end_offset, length;
  bool operator==(const seen&) const = default;
};

doctest::String to_kind(line_kind kind) {
  const char* names[] = {"line", "blank", "too_long", "need_more", "end"};
  return names[static_cast<int>(kind)];
}

/// Feeds `input` to `reader` as it asks for bytes, showing `on_space` each span prepare() offers
/// before filling it; hands every event but need_more and end to `on_event`.
template <class OnSpace, class OnEvent>
void feed(line_reader& reader, std::string_view input, OnSpace on_space, OnEvent on_event) {
  std::size_t pos = 0;
  for (;;) {
    line_event event = reader.next();
    if (event.kind == line_kind::end) return;
    if (event.kind != line_kind::need_more) {
      on_event(event);
      continue;
    }
    if (pos == input.size()) {
      reader.finish();
      continue;
    }
    auto space = reader.prepare();
    on_space(space);
    std::size_t n = std::min(space.size(), input.size() - pos);
    std::memcpy(space.data(), input.data() + pos, n);
    reader.commit(n);
    pos += n;
  }
}

/// Feeds `input` to a reader `chunk` bytes at a time and returns every event but need_more.
std::vector<seen> read_all(std::string_view input, line_reader_options options) {
  line_reader reader(options);
  reader.reset();
  std::vector<seen> out;
  feed(
      reader, input, [](auto space) { REQUIRE(space.size() > 0); },
      [&](const line_event& event) {
        out.push_back({event.kind, std::string(event.text), event.number, event.offset,
                       event.end_offset, event.length});
      });
  return out;
}

line_reader_options small(std::size_t max_line, std::size_t chunk) {
  return {.max_line_bytes = max_line, .read_chunk = chunk, .too_long_prefix = 4};
}

}  // namespace

namespace doctest {
template <>
struct StringMaker<seen> {
  static String convert(const seen& s) {
    return to_kind(s.kind) + " \"" + s.text.c_str() + "\" #" + toString(s.number) + " @" +
           toString(s.offset) + ".." + toString(s.end_offset) + " len " + toString(s.length);
  }
};
}  // namespace doctest

TEST_CASE("lines with LF, CRLF, trailing whitespace and a final line without newline") {
  std::string input = "{\"a\":1}\n{\"b\":2}\r\n{\"c\":3} \t\r\n{\"d\":4}";
  for (std::size_t chunk : {1, 2, 3, 7, 64}) {
    CAPTURE(chunk);
    auto events = read_all(input, small(16, chunk));
    REQUIRE(events.size() == 4);
    CHECK(events[0] == seen{line_kind::line, "{\"a\":1}", 1, 0, 8, 7});
    CHECK(events[1] == seen{line_kind::line, "{\"b\":2}", 2, 8, 17, 7});
    CHECK(events[2] == seen{line_kind::line, "{\"c\":3}", 3, 17, 28, 9});
    CHECK(events[3] == seen{line_kind::line, "{\"d\":4}", 4, 28, 35, 7});
  }
}

TEST_CASE("a BOM is skipped at offset 0 only") {
  std::string input = "\xEF\xBB\xBF{}\n\xEF\xBB\xBF{}\n";
  for (std::size_t chunk : {1, 2, 64}) {
    CAPTURE(chunk);
    auto events = read_all(input, small(16, chunk));
    REQUIRE(events.size() == 2);
    CHECK(events[0] == seen{line_kind::line, "{}", 1, 3, 6, 2});
    CHECK(events[1] == seen{line_kind::line, "\xEF\xBB\xBF{}", 2, 6, 12, 5});
  }
  // A stream shorter than a BOM that starts like one is still a line.
  auto short_input = read_all("\xEF\xBB", small(16, 1));
  REQUIRE(short_input.size() == 1);
  CHECK(short_input[0] == seen{line_kind::line, "\xEF\xBB", 1, 0, 2, 2});
  // Resuming at a later offset never looks for a BOM.
  line_reader reader(small(16, 64));
  reader.reset(100, 7);
  auto space = reader.prepare();
  std::memcpy(space.data(), "\xEF\xBB\xBFx\n", 5);
  reader.commit(5);
  auto event = reader.next();
  CHECK(event.kind == line_kind::line);
  CHECK(event.text == "\xEF\xBB\xBFx");
  CHECK(event.number == 7);
  CHECK(event.offset == 100);
  CHECK(event.end_offset == 105);
}

TEST_CASE("blank and whitespace-only lines are reported as blank, with numbers") {
  auto events = read_all("\n{}\n  \r\n\t\n\r\n{}", small(16, 3));
  std::vector<line_kind> kinds;
  for (auto& e : events) kinds.push_back(e.kind);
  CHECK(kinds == std::vector<line_kind>{line_kind::blank, line_kind::line, line_kind::blank,
                                        line_kind::blank, line_kind::blank, line_kind::line});
  CHECK(events[5] == seen{line_kind::line, "{}", 6, 12, 14, 2});
  CHECK(read_all("", small(16, 3)).empty());
}

TEST_CASE("a line over the maximum is rejected with a prefix and the next line is read") {
  std::string long_line(40, 'x');
  std::string input = "{}\n" + long_line + "\r\n{\"ok\":1}\n";
  for (std::size_t chunk : {1, 5, 16, 200}) {
    CAPTURE(chunk);
    auto events = read_all(input, small(16, chunk));
    REQUIRE(events.size() == 3);
    CHECK(events[0] == seen{line_kind::line, "{}", 1, 0, 3, 2});
    CHECK(events[1] == seen{line_kind::too_long, "xxxx", 2, 3, 45, 40});
    CHECK(events[2] == seen{line_kind::line, "{\"ok\":1}", 3, 45, 54, 8});
  }
}

TEST_CASE("the maximum is inclusive and counts bytes without the terminator") {
  std::string at_max(16, 'y');
  auto events = read_all(at_max + "\r\n" + at_max + "z\n" + at_max, small(16, 4));
  REQUIRE(events.size() == 3);
  CHECK(events[0].kind == line_kind::line);
  CHECK(events[0].length == 16);
  CHECK(events[1] == seen{line_kind::too_long, "yyyy", 2, 18, 36, 17});
  CHECK(events[2] == seen{line_kind::line, at_max, 3, 36, 52, 16});
}

TEST_CASE("a too-long final line without newline ends at the end of the stream") {
  auto events = read_all("{}\n" + std::string(50, 'q'), small(16, 8));
  REQUIRE(events.size() == 2);
  CHECK(events[1] == seen{line_kind::too_long, "qqqq", 2, 3, 53, 50});
}

TEST_CASE("a too-long prefix is cut on a UTF-8 boundary") {
  // "é" is two bytes: a 4-byte prefix of "aaaé…" would split it, so it keeps 3.
  auto events = read_all("aaa\xC3\xA9" + std::string(30, 'b') + "\n", small(16, 64));
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == line_kind::too_long);
  CHECK(events[0].text == "aaa");
}

TEST_CASE("every line can be parsed in place with the parser's padding") {
  line_reader_options options = small(64, 16);
  line_reader reader(options);
  reader.reset();
  std::string input;
  for (int i = 0; i < 50; ++i) input += "{\"n\":" + std::to_string(i) + "}\n";
  simdjson::ondemand::parser parser;
  std::int64_t sum = 0;
  const char* window = nullptr;
  feed(
      reader, input,
      [&](auto space) {
        if (!window) window = space.data();
        // The buffer is reused: every writable span lies inside one fixed window, so memory is
        // flat however long the input is.
        CHECK(space.data() >= window);
        CHECK(space.data() + space.size() <= window + options.max_line_bytes + 2 + 16);
      },
      [&](const line_event& event) {
        REQUIRE(event.kind == line_kind::line);
        auto padded = simdjson::padded_string_view(event.text.data(), event.text.size(),
                                                   event.text.size() + simdjson::SIMDJSON_PADDING);
        auto doc = parser.iterate(padded);
        std::int64_t n = 0;
        REQUIRE(doc["n"].get_int64().get(n) == simdjson::SUCCESS);
        sum += n;
      });
  CHECK(sum == 49 * 50 / 2);
}

TEST_CASE("short partial lines move to the front: reads stay in the first chunk of the buffer") {
  // Lines of 8 to 28 bytes (with "\r\n" at times) read 256 bytes at a time: the partial line
  // left at each read is under the chunk's eighth (32 bytes), so it always moves.
  const line_reader_options options = small(1024, 256);
  std::string input;
  std::vector<std::string> expected;
  for (int i = 0; i < 400; ++i) {
    std::string line = "{\"n\":\"" + std::string(static_cast<std::size_t>(i * 7 % 21), 'x') + "\"}";
    expected.push_back(line);
    input += line + (i % 3 == 0 ? "\r\n" : "\n");
  }
  line_reader reader(options);
  reader.reset();
  std::vector<std::string> lines;
  const char* window = nullptr;
  std::size_t furthest = 0;  // the end of the furthest span prepare() offered, from the first
  feed(
      reader, input,
      [&](auto space) {
        if (!window) window = space.data();
        REQUIRE(space.data() >= window);
        furthest =
            std::max(furthest, static_cast<std::size_t>(space.data() - window) + space.size());
      },
      [&](const line_event& event) {
        REQUIRE(event.kind == line_kind::line);
        lines.emplace_back(event.text);
      });
  CHECK(lines == expected);
  // Never further than a chunk behind the longest partial line (without the move: the whole
  // buffer, 1024 + 2 + 256 bytes, before the first move).
  CHECK(furthest <= 32 + 256);
}
