// nv_bench_pipeline: the record pipeline (read + parse + validate + serialise into request
// bodies, no network) on an NDJSON file, and in the same run the reference: a bare simdjson
// on-demand scan of the same file touching two fields per record. Each variant is checked:
// the pipeline's counts against the generator's expectations and its body checksum across
// runs, the scan's line count and checksum across runs, so a fast wrong answer cannot win.
//
//   nv_bench_pipeline FILE [--expect FILE.expect] [--runs 3] [--skip-scan]
#include "nv/pipeline/record_pump.hpp"
#include "nv/record/record_normaliser.hpp"
#include "nv/source/byte_source.hpp"

#include <fmt/core.h>
#include <simdjson.h>
#include <CLI/CLI.hpp>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

/// What one run of a variant produced: enough to check it and to rate it.
struct run_output {
  double seconds = 0;
  double cpu_seconds = 0;     // this thread's CPU time: on a shared machine, less noisy than wall
  std::uint64_t records = 0;  // non-blank lines looked at
  std::uint64_t valid = 0;    // records accepted (pipeline) or with both fields (scan)
  std::uint64_t checksum = 0;
  std::map<std::string, std::uint64_t> rejected;  // pipeline only: by code
};

/// Mixes `data` into `sum`: XXH3 seeded with the sum so far, inlined (the reference hashes two
/// short fields per record, which a call per field would make cost more than the hash). The
/// hand-written multiply chain this replaced took 3.8% of the pipeline's perf samples on 1 GB
/// of bodies, XXH3 2.0%: the table shows the pipeline more than the check.
std::uint64_t mix(std::uint64_t sum, std::string_view data) {
  return XXH3_64bits_withSeed(data.data(), data.size(), sum);
}

/// Returns this thread's CPU time in seconds: it leaves out the time the thread waited for a
/// core, which wall time on a busy 2-core machine does not.
double thread_cpu_seconds() {
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

/// Runs the stage over `path`; `copy_only` replaces the normaliser with a copy of the line,
/// to show what reading, splitting and batching cost on their own.
run_output run_pipeline(const std::string& path, bool copy_only) {
  auto start = clock_type::now();
  const double cpu_start = thread_cpu_seconds();
  auto opened = nv::source::open_file(path);
  if (!opened.source) throw std::runtime_error(opened.error);
  nv::record::record_normaliser normaliser;
  nv::pipeline::normalise_function normalise = nv::pipeline::normalise_with(normaliser);
  if (copy_only) {
    normalise = [](std::string_view line, nv::record::text_buffer& body) {
      body.append(line);
      return std::optional<nv::record::reject>{};
    };
  }
  nv::pipeline::record_stage stage(std::move(normalise));
  std::vector<std::unique_ptr<nv::source::byte_source>> sources;
  sources.push_back(std::move(opened.source));
  nv::pipeline::record_pump pump(stage, std::move(sources));
  run_output out;
  for (bool done = false; !done;) {
    switch (pump.next()) {
      case nv::pipeline::pump_event::batch: {
        auto batch = stage.take_batch();
        out.checksum = mix(out.checksum, batch->body());
        stage.recycle(std::move(batch));
        break;
      }
      case nv::pipeline::pump_event::reject:
        break;
      case nv::pipeline::pump_event::read_error:
        throw std::runtime_error(pump.error());
      case nv::pipeline::pump_event::end:
        done = true;
        break;
    }
  }
  out.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  out.cpu_seconds = thread_cpu_seconds() - cpu_start;
  const auto& c = stage.counters();
  out.records = c.read - c.blank;
  out.valid = c.valid;
  for (std::size_t i = 0; i < c.rejected.size(); ++i) {
    if (c.rejected[i]) {
      out.rejected[std::string(nv::record::code_name(static_cast<nv::record::reject_code>(i)))] =
          c.rejected[i];
    }
  }
  return out;
}

/// Reads userID and email of one line with on-demand, as the reference does for each record.
void scan_line(simdjson::ondemand::parser& parser, std::string_view line, run_output& out) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  if (line.empty()) return;
  ++out.records;
  simdjson::ondemand::document doc;
  std::string_view id, email;
  auto padded = simdjson::padded_string_view(line.data(), line.size(),
                                             line.size() + simdjson::SIMDJSON_PADDING);
  if (parser.iterate(padded).get(doc) || doc["userID"].get_string().get(id) ||
      doc["email"].get_string().get(email)) {
    return;
  }
  ++out.valid;
  out.checksum = mix(mix(out.checksum, id), email);
}

/// The reference: read the file in chunks into a padded buffer, cut lines with memchr and, for
/// each non-blank line, read userID and email with simdjson on-demand; nothing else.
run_output run_scan(const std::string& path) {
  auto start = clock_type::now();
  const double cpu_start = thread_cpu_seconds();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  constexpr std::size_t chunk = std::size_t{4} << 20;
  std::vector<char> buffer(2 * chunk + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::parser parser;
  run_output out;
  std::size_t held = 0;
  for (bool eof = false; !eof;) {
    if (buffer.size() - simdjson::SIMDJSON_PADDING - held < chunk) {
      buffer.resize(buffer.size() * 2);  // a line longer than a chunk
    }
    ssize_t got = ::read(fd, buffer.data() + held, chunk);
    if (got < 0) throw std::runtime_error("cannot read " + path);
    eof = got == 0;
    std::size_t end = held + static_cast<std::size_t>(got);
    std::size_t begin = 0;
    for (;;) {
      auto* nl = static_cast<char*>(std::memchr(buffer.data() + begin, '\n', end - begin));
      if (!nl && !(eof && begin < end)) break;
      std::size_t stop = nl ? static_cast<std::size_t>(nl - buffer.data()) : end;
      std::string_view line(buffer.data() + begin, stop - begin);
      begin = nl ? stop + 1 : end;
      scan_line(parser, line, out);
    }
    held = end - begin;
    std::memmove(buffer.data(), buffer.data() + begin, held);
  }
  ::close(fd);
  out.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  out.cpu_seconds = thread_cpu_seconds() - cpu_start;
  return out;
}

std::map<std::string, std::uint64_t> read_expectations(const std::string& path) {
  std::map<std::string, std::uint64_t> values;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::string key;
  std::uint64_t value = 0;
  while (in >> key >> value) values[key] = value;
  return values;
}

/// Returns "" when the pipeline's counts match the generator's, else what differs.
std::string check_pipeline(const run_output& out, const std::map<std::string, std::uint64_t>& e) {
  std::string problems;
  auto want = [&](const std::string& key, std::uint64_t got) {
    auto it = e.find(key);
    std::uint64_t expected = it == e.end() ? 0 : it->second;
    if (got != expected) problems += fmt::format(" {}={} (expected {})", key, got, expected);
  };
  want("valid", out.valid);
  std::map<std::string, std::uint64_t> codes;
  for (auto& [key, value] : e) {
    if (key.starts_with("rejected.")) codes[key.substr(9)] = 0;
  }
  for (auto& [code, n] : out.rejected) codes[code] = n;
  for (auto& [code, n] : codes) want("rejected." + code, n);
  return problems;
}

/// Returns the median wall time of `runs`, or their median CPU time when `cpu` is set.
double median_seconds(std::vector<run_output>& runs, bool cpu = false) {
  std::vector<double> s;
  for (auto& r : runs) s.push_back(cpu ? r.cpu_seconds : r.seconds);
  std::sort(s.begin(), s.end());
  return s[s.size() / 2];
}

bool same_answer(const std::vector<run_output>& runs) {
  return std::all_of(runs.begin(), runs.end(), [&](const run_output& r) {
    return r.checksum == runs[0].checksum && r.valid == runs[0].valid &&
           r.records == runs[0].records;
  });
}

/// Prints one variant; `ratio` is its MB/s over the reference's (0 when not measured).
void print_row(std::string_view name, const run_output& first, double seconds, double bytes,
               double ratio, std::string_view check) {
  fmt::print("{:<28} {:>8.3f} {:>10.1f} {:>14.0f} {:>14.0f} {:>7}  {}\n", name, seconds,
             bytes / seconds / 1e6, first.records / seconds, first.valid / seconds,
             ratio > 0 ? fmt::format("{:.2f}", ratio) : "-", check);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nv_bench_pipeline: record pipeline throughput against a bare simdjson scan"};
  std::string path, expect;
  int runs = 3;
  bool skip_scan = false;
  app.add_option("file", path, "NDJSON input (from nv_gen)")->required();
  app.add_option("--expect", expect, "nv_gen's expectations; default FILE.expect if present");
  app.add_option("--runs", runs, "Runs of each variant; the median is reported")
      ->check(CLI::Range(1, 99));
  app.add_flag("--skip-scan", skip_scan, "Run the pipeline only (for a peak RSS measurement)");
  CLI11_PARSE(app, argc, argv);
  try {
    if (expect.empty() && std::ifstream(path + ".expect")) expect = path + ".expect";
    auto expectations =
        expect.empty() ? std::map<std::string, std::uint64_t>{} : read_expectations(expect);
    std::vector<run_output> pipeline_runs, copy_runs, scan_runs;
    for (int i = 0; i < runs; ++i) {
      pipeline_runs.push_back(run_pipeline(path, false));
      if (skip_scan) continue;
      copy_runs.push_back(run_pipeline(path, true));
      scan_runs.push_back(run_scan(path));
    }
    const double bytes = static_cast<double>(std::ifstream(path, std::ios::ate).tellg());
    std::string problems = expect.empty() ? "" : check_pipeline(pipeline_runs[0], expectations);
    if (!same_answer(pipeline_runs)) problems += " runs differ";
    fmt::print("{} ({:.0f} MB), median of {} runs, simdjson {}\n", path, bytes / 1e6, runs,
               simdjson::get_active_implementation()->name());
    // Every line but the too-long ones is "valid" when the normaliser only copies.
    auto long_lines = expectations.find("rejected.line_too_long");
    const bool copy_ok =
        skip_scan ||
        (same_answer(copy_runs) &&
         (expect.empty() ||
          copy_runs[0].valid ==
              copy_runs[0].records - (long_lines == expectations.end() ? 0 : long_lines->second)));
    const bool scan_ok =
        skip_scan || (same_answer(scan_runs) && scan_runs[0].records == pipeline_runs[0].records);
    const std::string pipeline_check =
        problems.empty() ? (expect.empty() ? "runs agree" : "ok") : "MISMATCH" + problems;
    problems += copy_ok ? "" : " copy";
    problems += scan_ok ? "" : " scan";
    // Wall time first (the figure), then CPU time: on a 2-core machine shared with
    // other jobs, the thread's CPU time shows the work itself.
    for (const bool cpu : {false, true}) {
      const double pipeline_s = median_seconds(pipeline_runs, cpu);
      const double scan_s = skip_scan ? 0 : median_seconds(scan_runs, cpu);
      fmt::print("{:<28} {:>8} {:>10} {:>14} {:>14} {:>7}  {}\n",
                 cpu ? "variant (CPU time)" : "variant (wall time)", "s", "MB/s", "records/s",
                 "valid/s", "ratio", "check");
      print_row("pipeline (to request bodies)", pipeline_runs[0], pipeline_s, bytes,
                skip_scan ? 0 : scan_s / pipeline_s, pipeline_check);
      if (skip_scan) continue;
      const double copy_s = median_seconds(copy_runs, cpu);
      print_row("stage only (copying normal.)", copy_runs[0], copy_s, bytes, scan_s / copy_s,
                copy_ok ? "ok" : "MISMATCH");
      print_row("reference: bare on-demand", scan_runs[0], scan_s, bytes, 1.0,
                scan_ok ? "ok" : "MISMATCH");
    }
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    fmt::print("peak RSS {:.1f} MiB; valid {} of {} records; body checksum {:016x}\n",
               usage.ru_maxrss / 1024.0, pipeline_runs[0].valid, pipeline_runs[0].records,
               pipeline_runs[0].checksum);
    return problems.empty() ? 0 : 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "nv_bench_pipeline: {}\n", e.what());
    return 2;
  }
}
