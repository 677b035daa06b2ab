// `nvimport validate`: reads, validates and batches records without sending anything.
#include "commands.hpp"

#include "nv/deliver/reject_writer.hpp"
#include "nv/pipeline/record_pump.hpp"
#include "nv/record/record_normaliser.hpp"
#include "nv/source/byte_source.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace nv::cli {
namespace {

struct validate_options {
  std::vector<std::string> files;
  std::string rejects;
  std::string emit_batches;
  std::size_t max_batch = 100;
  std::size_t max_line_bytes = std::size_t{1} << 20;
};

/// The outputs of a run: the reject file and the batch dump, both optional.
struct outputs {
  std::unique_ptr<deliver::reject_writer> rejects;
  std::FILE* batches = nullptr;
  bool owns_batches = false;

  outputs() = default;
  outputs(const outputs&) = delete;
  outputs& operator=(const outputs&) = delete;
  ~outputs() {
    if (owns_batches) std::fclose(batches);
  }
};

int cannot_run(std::string_view message) {
  fmt::print(stderr, "nvimport validate: {}\n", message);
  return exit_cannot_run;
}

/// Opens every input first, so a typo in the last path fails before any work is done.
bool open_sources(const validate_options& options,
                  std::vector<std::unique_ptr<source::byte_source>>& sources, std::string& error) {
  for (const auto& path : options.files) {
    auto opened = source::open_path(path);
    if (!opened.source) {
      error = opened.error;
      return false;
    }
    sources.push_back(std::move(opened.source));
  }
  return true;
}

bool open_outputs(const validate_options& options, outputs& out, std::string& error) {
  if (!options.rejects.empty()) {
    out.rejects =
        deliver::reject_writer::open(options.rejects, deliver::open_mode::truncate, error);
    if (!out.rejects) return false;
  }
  if (options.emit_batches == "-") {
    out.batches = stdout;
  } else if (!options.emit_batches.empty()) {
    out.batches = std::fopen(options.emit_batches.c_str(), "we");
    if (!out.batches) {
      error = fmt::format("cannot open \"{}\": {}", options.emit_batches,
                          std::system_category().message(errno));
      return false;
    }
    out.owns_batches = true;
  }
  return true;
}

void print_summary(const pipeline::stage_counters& c) {
  auto row = [](std::string_view label, std::uint64_t value) {
    fmt::print(stderr, "{:<24}{:>12}\n", label, value);
  };
  row("lines read", c.read);
  row("blank", c.blank);
  row("valid", c.valid);
  row("rejected", c.rejected_total());
  for (std::size_t i = 0; i < c.rejected.size(); ++i) {
    if (c.rejected[i] == 0) continue;
    row(fmt::format("  {}", record::code_name(static_cast<record::reject_code>(i))), c.rejected[i]);
  }
  row("batches", c.batches);
  row("body bytes", c.body_bytes);
}

/// Pumps every record through the stage into the outputs; returns an error message or "".
std::string process(pipeline::record_pump& pump, outputs& out) {
  auto& stage = pump.stage();
  for (;;) {
    switch (pump.next()) {
      case pipeline::pump_event::batch: {
        auto batch = stage.take_batch();
        if (out.batches) fmt::print(out.batches, "{}\n", batch->body());
        stage.recycle(std::move(batch));
        break;
      }
      case pipeline::pump_event::reject: {
        if (!out.rejects) break;
        const auto& r = stage.rejected();
        auto error = out.rejects->write({.source = r.source,
                                         .line = r.line,
                                         .offset = r.offset,
                                         .reason = r.reason,
                                         .record = r.record});
        if (error) return fmt::format("cannot write reject file: {}", error.message());
        break;
      }
      case pipeline::pump_event::read_error:
        return pump.error();
      case pipeline::pump_event::end:
        return {};
    }
  }
}

/// Closes the outputs; returns an error message or "".
std::string close_outputs(const validate_options& options, outputs& out) {
  if (out.rejects) {
    if (auto error = out.rejects->close()) {
      return fmt::format("cannot write reject file \"{}\": {}", options.rejects, error.message());
    }
  }
  if (out.batches && (std::fflush(out.batches) != 0 || std::ferror(out.batches))) {
    return fmt::format("cannot write batches to \"{}\"", options.emit_batches);
  }
  return {};
}

int run_validate(const validate_options& options) {
  std::vector<std::unique_ptr<source::byte_source>> sources;
  outputs out;
  std::string error;
  if (!open_sources(options, sources, error) || !open_outputs(options, out, error)) {
    return cannot_run(error);
  }
  record::record_normaliser normaliser({.max_line_bytes = options.max_line_bytes});
  pipeline::stage_options stage_options;
  stage_options.reader.max_line_bytes = options.max_line_bytes;
  stage_options.batches.max_users = options.max_batch;
  pipeline::record_stage stage(pipeline::normalise_with(normaliser), stage_options);
  pipeline::record_pump pump(stage, std::move(sources));
  error = process(pump, out);
  if (error.empty()) error = close_outputs(options, out);
  if (!error.empty()) return cannot_run(error);
  print_summary(stage.counters());
  return stage.counters().rejected_total() == 0 ? exit_ok : exit_rejects;
}

}  // namespace

command add_validate_command(CLI::App& app) {
  auto* sub = app.add_subcommand("validate", "Validate and batch records; nothing is sent");
  auto options = std::make_shared<validate_options>();
  sub->add_option("files", options->files, "NDJSON files to read; - for standard input")
      ->required();
  sub->add_option("--rejects", options->rejects,
                  "Write each rejected record to FILE (NDJSON, with the reason)");
  sub->add_option("--emit-batches", options->emit_batches,
                  "Write each request body to FILE on its own line; - for standard output");
  sub->add_option("--max-batch", options->max_batch, "Users per request (1 to 100)")
      ->check(CLI::Range(1, 100));
  sub->add_option("--max-line-bytes", options->max_line_bytes,
                  "Reject lines longer than this many bytes (default 1 MiB)")
      ->check(CLI::Range(std::size_t{64}, std::size_t{64} << 20));
  return {sub, [options] { return run_validate(*options); }};
}

}  // namespace nv::cli
