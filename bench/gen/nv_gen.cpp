// nv_gen: writes a seeded NDJSON file of user records and, optionally, the outcome it expects.
//
//   nv_gen --records 5000 --broken 0.02 --output sample.ndjson --expect sample.expect
//   nv_gen --bytes 1G --broken 0.01 --output big.ndjson
#include "record_generator.hpp"

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <string>

namespace {

struct gen_options {
  std::uint64_t seed = 1;
  std::uint64_t records = 0;
  std::string bytes;  // with an optional K, M or G suffix
  double broken = 0.0;
  double variants = 0.05;
  std::uint64_t long_lines = 0;
  std::size_t long_line_bytes = (std::size_t{1} << 20) + 1024;
  std::string output = "-";
  std::string expect;
};

std::uint64_t parse_size(const std::string& text) {
  std::size_t used = 0;
  auto value = std::stoull(text, &used);
  std::string_view suffix = std::string_view(text).substr(used);
  if (suffix == "K" || suffix == "k") return value << 10;
  if (suffix == "M") return value << 20;
  if (suffix == "G") return value << 30;
  if (!suffix.empty()) throw std::invalid_argument("bad size suffix: " + text);
  return value;
}

using nv::bench::line_kind;

/// Chooses the kind of line `index` out of `planned` lines.
line_kind choose(nv::bench::rng& r, const gen_options& o, std::uint64_t index,
                 std::uint64_t planned) {
  // Long lines sit at evenly spread places; the first records are plain so custom
  // attribute types are set by valid records.
  if (o.long_lines > 0) {
    const std::uint64_t stride = std::max<std::uint64_t>(1, planned / o.long_lines);
    if (index % stride == stride / 2 && index / stride < o.long_lines) {
      return line_kind::line_too_long;
    }
  }
  if (index < 10) return line_kind::normal;
  double u = r.unit();
  if (u < o.broken) {
    constexpr auto first = static_cast<std::uint64_t>(nv::bench::first_broken);
    constexpr auto last = static_cast<std::uint64_t>(line_kind::duplicate_key);
    return static_cast<line_kind>(first + r.below(last - first + 1));
  }
  if (u < o.broken + o.variants) return static_cast<line_kind>(1 + r.below(5));
  return line_kind::normal;
}

void write_expectations(const gen_options& o,
                        const std::array<std::uint64_t, nv::bench::line_kind_count>& counts,
                        std::uint64_t bytes) {
  std::FILE* out = std::fopen(o.expect.c_str(), "w");
  if (!out) throw std::runtime_error("cannot open " + o.expect);
  std::uint64_t lines = 0, valid = 0;
  std::map<std::string_view, std::uint64_t> rejected;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    auto kind = static_cast<line_kind>(i);
    lines += counts[i];
    if (kind < line_kind::blank) valid += counts[i];
    if (!nv::bench::expected_code(kind).empty() && counts[i] > 0) {
      rejected[nv::bench::expected_code(kind)] += counts[i];
    }
  }
  std::uint64_t total_rejected = 0;
  for (auto& [code, n] : rejected) total_rejected += n;
  fmt::print(out, "bytes {}\nlines {}\nblank {}\nvalid {}\nrejected {}\n", bytes, lines,
             counts[static_cast<std::size_t>(line_kind::blank)], valid, total_rejected);
  for (auto& [code, n] : rejected) fmt::print(out, "rejected.{} {}\n", code, n);
  std::fclose(out);
}

int generate(const gen_options& o) {
  const std::uint64_t byte_target = o.bytes.empty() ? 0 : parse_size(o.bytes);
  // In bytes mode the line count is estimated (about 370 bytes a line) to spread long lines.
  const std::uint64_t planned = o.records ? o.records : byte_target / 370 + 1;
  std::FILE* out = o.output == "-" ? stdout : std::fopen(o.output.c_str(), "w");
  if (!out) throw std::runtime_error("cannot open " + o.output);
  nv::bench::record_generator generator(o.seed, o.long_line_bytes);
  std::array<std::uint64_t, nv::bench::line_kind_count> counts{};
  std::string buffer;
  buffer.reserve((std::size_t{4} << 20) + o.long_line_bytes);
  std::uint64_t written = 0;
  for (std::uint64_t index = 0;; ++index) {
    if (o.records ? index >= o.records : written + buffer.size() >= byte_target) break;
    auto kind = choose(generator.random(), o, index, planned);
    ++counts[static_cast<std::size_t>(kind)];
    generator.append(buffer, kind, index);
    if (buffer.size() >= (std::size_t{4} << 20)) {
      written += std::fwrite(buffer.data(), 1, buffer.size(), out);
      buffer.clear();
    }
  }
  written += std::fwrite(buffer.data(), 1, buffer.size(), out);
  if (std::fflush(out) != 0 || (out != stdout && std::fclose(out) != 0)) {
    throw std::runtime_error("cannot write " + o.output);
  }
  if (!o.expect.empty()) write_expectations(o, counts, written);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nv_gen: seeded NDJSON user records with a fraction of broken lines"};
  gen_options o;
  app.add_option("--seed", o.seed, "Random seed: the same seed writes the same file");
  auto* records = app.add_option("--records", o.records, "Number of lines to write");
  app.add_option("--bytes", o.bytes, "Write about this many bytes (K, M, G suffixes)")
      ->excludes(records);
  app.add_option("--broken", o.broken, "Fraction of broken lines, of every kind")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--variants", o.variants,
                 "Fraction of valid lines in other shapes (CRLF, spellings, wire) and blanks")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--long-lines", o.long_lines, "Number of lines over the maximum length");
  app.add_option("--long-line-bytes", o.long_line_bytes, "Length of those lines");
  app.add_option("--output", o.output, "Output file; - for standard output");
  app.add_option("--expect", o.expect, "Write the expected counts (valid, rejected per code)");
  CLI11_PARSE(app, argc, argv);
  if (o.records == 0 && o.bytes.empty()) {
    fmt::print(stderr, "nv_gen: give --records N or --bytes N\n");
    return 2;
  }
  try {
    return generate(o);
  } catch (const std::exception& e) {
    fmt::print(stderr, "nv_gen: {}\n", e.what());
    return 2;
  }
}
