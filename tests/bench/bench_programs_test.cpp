// Integration tests of the benchmark programs, so that the figures they print stay worth
// quoting: nv_gen's expectations must be what nvimport really does with its files (the
// pipeline benchmark checks its counts against them), and nv_bench_pipeline must pass on a
// right answer and fail on a wrong one.
#include "support/nvsim_process.hpp"
#include "support/shell_run.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace {

// One directory per process: CTest runs each test case as its own process, in parallel.
const std::string tmp_dir = nv::test::make_temp_dir("bench-programs").string();

using counts = std::map<std::string, std::uint64_t>;

nv::test::shell_outcome run(const std::string& command) {
  return nv::test::run_in(tmp_dir, command);
}

/// Writes `name`.ndjson and `name`.expect with nv_gen: `records` lines, a fifth of them
/// broken (every kind), a fifth in other valid shapes, and one line over the maximum.
void generate(const std::string& name, std::uint64_t seed, std::uint64_t records = 6000) {
  const auto result =
      run("'" NV_GEN_PATH "' --seed " + std::to_string(seed) + " --records " +
          std::to_string(records) + " --broken 0.2 --variants 0.2 --long-lines 1 --output " + name +
          ".ndjson --expect " + name + ".expect");
  REQUIRE_MESSAGE(result.status == 0, result.err);
}

/// Reads nv_gen's `key value` lines.
counts read_expect(const std::string& name) {
  counts values;
  std::istringstream in(nv::test::read_whole_file(tmp_dir + "/" + name + ".expect"));
  std::string key;
  std::uint64_t value = 0;
  while (in >> key >> value) values[key] = value;
  return values;
}

/// Reads `nvimport validate`'s summary into nv_gen's keys: `lines read` becomes `lines`, a code
/// row (indented) becomes `rejected.<code>`.
counts read_summary(const std::string& text) {
  counts values;
  std::istringstream in(text);
  for (std::string row; std::getline(in, row);) {
    const auto cut = row.find_last_of(' ');
    const std::string number = cut == std::string::npos ? "" : row.substr(cut + 1);
    // Rows that do not end in a count (none today) are not counts.
    if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string label = row.substr(0, row.find_last_not_of(' ', cut) + 1);
    const auto value = std::stoull(number);
    if (label.starts_with("  ")) {
      label = "rejected." + label.substr(2);
    } else if (label == "lines read") {
      label = "lines";
    }
    values[label] = value;
  }
  return values;
}

}  // namespace

TEST_CASE("nv_gen's expectations are nvimport validate's counts, code by code") {
  generate("mixed", 11);
  const auto expected = read_expect("mixed");
  const auto result = run("'" NV_NVIMPORT_PATH "' validate mixed.ndjson --rejects r.ndjson");
  CHECK(result.status == 1);  // some rejected
  const auto summary = read_summary(result.err);
  // Every kind of broken line is there, so every code the generator knows is checked.
  std::size_t codes = 0;
  for (const auto& [key, value] : expected) {
    if (key == "bytes") continue;
    INFO(key);
    CHECK(summary.count(key) == 1);
    if (summary.count(key)) CHECK(summary.at(key) == value);
    codes += key.starts_with("rejected.") && value > 0;
  }
  CHECK(codes == 14);
  // And nothing that the generator did not announce.
  for (const auto& [key, value] : summary) {
    if (!key.starts_with("rejected.")) continue;
    INFO(key);
    CHECK(expected.count(key) == 1);
  }
  CHECK(expected.at("lines") ==
        expected.at("blank") + expected.at("valid") + expected.at("rejected"));
  CHECK(std::filesystem::file_size(tmp_dir + "/mixed.ndjson") == expected.at("bytes"));
}

TEST_CASE("nv_gen writes the same file for the same seed and another for another seed") {
  generate("a", 5, 2000);
  generate("b", 5, 2000);
  generate("c", 6, 2000);
  const auto a = nv::test::read_whole_file(tmp_dir + "/a.ndjson");
  CHECK(a.size() > 2000 * 200);
  CHECK(a == nv::test::read_whole_file(tmp_dir + "/b.ndjson"));
  CHECK(a != nv::test::read_whole_file(tmp_dir + "/c.ndjson"));
}

TEST_CASE("nv_bench_pipeline passes when its counts and checksums agree") {
  generate("bench", 21);
  const auto expected = read_expect("bench");
  const auto result =
      run("'" NV_BENCH_PIPELINE_PATH "' bench.ndjson --expect bench.expect --runs 2");
  REQUIRE_MESSAGE(result.status == 0, (result.out + result.err));
  // Two tables (wall time, CPU time), three rows each, every one checked.
  std::size_t ok_rows = 0;
  std::istringstream in(result.out);
  for (std::string row; std::getline(in, row);) ok_rows += row.ends_with("  ok");
  CHECK(ok_rows == 6);
  CHECK(result.out.find("MISMATCH") == std::string::npos);
  const auto records = expected.at("lines") - expected.at("blank");
  CHECK(result.out.find("; valid " + std::to_string(expected.at("valid")) + " of " +
                        std::to_string(records) + " records; body checksum ") != std::string::npos);
}

TEST_CASE("nv_bench_pipeline fails, naming the count, when an expectation is wrong") {
  generate("wrong", 31);
  auto expected = read_expect("wrong");
  std::ofstream out(tmp_dir + "/wrong.expect", std::ios::trunc);
  for (const auto& [key, value] : expected) {
    out << key << ' ' << (key == "rejected.bad_email" ? value + 1 : value) << '\n';
  }
  out.close();
  const auto result =
      run("'" NV_BENCH_PIPELINE_PATH "' wrong.ndjson --expect wrong.expect --runs 1 --skip-scan");
  CHECK(result.status == 1);
  CHECK(result.out.find(
            "MISMATCH rejected.bad_email=" + std::to_string(expected.at("rejected.bad_email")) +
            " (expected " + std::to_string(expected.at("rejected.bad_email") + 1) + ")") !=
        std::string::npos);
}
