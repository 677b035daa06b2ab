// Drives a record stage over several byte sources in a row with blocking reads.
#pragma once

#include "nv/pipeline/record_stage.hpp"
#include "nv/source/byte_source.hpp"

#include <memory>
#include <string>
#include <vector>

namespace nv::pipeline {

/// What record_pump::next() produced.
enum class pump_event : std::uint8_t {
  batch,       ///< stage().take_batch() returns a full batch.
  reject,      ///< stage().rejected() describes a rejected record.
  end,         ///< Every source was read to its end.
  read_error,  ///< A source could not be read; error() says which and why. Stop.
};

/// Reads each source to its end through the stage, in the order given, and reports batches
/// and rejects one at a time: the synchronous driver of `nvimport validate` and the benchmark.
/// Not thread-safe.
class record_pump {
 public:
  /// Makes a pump over `sources` feeding `stage`, which must outlive it. Source i starts at
  /// `starts[i]` when given (a checkpoint: the bytes before it are skipped, not parsed).
  record_pump(record_stage& stage, std::vector<std::unique_ptr<source::byte_source>> sources,
              std::vector<source::stream_position> starts = {});

  /// Reads and processes until a batch, a reject, the end, or a read error.
  pump_event next();
  /// Returns the reason of the last read_error, e.g. `cannot read "x": Is a directory`.
  const std::string& error() const noexcept { return error_; }
  /// Returns the stage being driven.
  record_stage& stage() noexcept { return stage_; }

 private:
  bool fill(source::byte_source& source);
  bool open_current();

  record_stage& stage_;
  std::vector<std::unique_ptr<source::byte_source>> sources_;
  std::vector<source::stream_position> starts_;
  std::size_t current_ = 0;
  bool open_ = false;
  std::string error_;
};

}  // namespace nv::pipeline
