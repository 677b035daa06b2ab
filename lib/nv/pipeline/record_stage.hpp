// The synchronous record stage: bytes → lines → wire users → batches, with rejects and counters.
#pragma once

#include "nv/batch/batch_builder.hpp"
#include "nv/record/record_normaliser.hpp"
#include "nv/record/reject.hpp"
#include "nv/source/line_reader.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nv::pipeline {

/// Appends the wire object of one line to `body` (the request body being filled), or returns
/// the reject reason and leaves `body` as it was; in production this calls
/// record::record_normaliser::append_wire(), tests give a stand-in.
using normalise_function =
    std::function<std::optional<record::reject>(std::string_view line, record::text_buffer& body)>;

/// Returns the normalise_function that calls `normaliser` (which must outlive it).
normalise_function normalise_with(record::record_normaliser& normaliser);

/// Limits of the stage: the line reader's and the batch builder's.
struct stage_options {
  source::line_reader_options reader;
  batch::batch_options batches;
};

/// What the stage counted; read = blank + valid + rejected (per code) at every moment.
struct stage_counters {
  std::uint64_t read = 0;   ///< Lines read, blank and too long included.
  std::uint64_t blank = 0;  ///< Blank lines (skipped, not rejected).
  std::uint64_t valid = 0;  ///< Users placed in a batch.
  std::array<std::uint64_t, record::reject_code_count> rejected{};  ///< By reject code.
  std::uint64_t batches = 0;                                        ///< Batches handed out.
  std::uint64_t body_bytes = 0;                                     ///< Sum of their body sizes.

  /// Returns the number of rejected lines, all codes together.
  std::uint64_t rejected_total() const noexcept;
  /// Adds `other`'s counts to these (the totals of several runs).
  stage_counters& operator+=(const stage_counters& other) noexcept;
};

/// A record that was rejected; the views stay valid until the next call on the stage.
struct rejected_record {
  std::uint32_t source_id = 0;
  std::string_view source;  ///< The source's name.
  std::uint64_t line = 0;
  std::uint64_t offset = 0;
  std::uint64_t end_offset = 0;
  record::reject reason;
  std::string_view record;  ///< The line (for a too-long line, its first bytes).
};

/// What record_stage::next() produced.
enum class stage_event : std::uint8_t {
  batch,       ///< take_batch() returns a full batch.
  reject,      ///< rejected() describes a rejected record.
  need_input,  ///< Feed the current source: prepare(), read, commit() or finish().
  source_end,  ///< The current source is done (its last batch was handed out before).
  idle,        ///< No source is open: call open_source().
};

/// The record stage, pull-based and free of I/O so a blocking loop (record_pump) or an
/// asynchronous reader can drive it the same way: open_source(), then next() until it says
/// need_input (feed it) or source_end (open the next source). Batches never mix sources.
/// Not thread-safe: one stage per reading task.
class record_stage {
 public:
  /// Makes a stage that normalises lines with `normalise`.
  explicit record_stage(normalise_function normalise, stage_options options = {});

  /// Starts the source named `name` whose next byte is at `start` (the beginning, or a
  /// checkpoint being resumed); returns its id (0, 1, …).
  std::uint32_t open_source(std::string name, source::stream_position start = {});
  /// Returns writable space for the current source's next bytes.
  std::span<char> prepare() { return reader_.prepare(); }
  /// Adds the first `bytes` of the last prepare() span to the current source.
  void commit(std::size_t bytes) { reader_.commit(bytes); }
  /// Marks the end of the current source.
  void finish() { reader_.finish(); }

  /// Advances until there is something to report.
  stage_event next();
  /// Returns the batch announced by stage_event::batch (null otherwise).
  std::unique_ptr<batch::batch> take_batch() { return std::move(ready_); }
  /// Returns the record announced by stage_event::reject.
  const rejected_record& rejected() const noexcept { return rejected_; }
  /// Hands out the partly filled batch early (a drain sends what was read), or null.
  std::unique_ptr<batch::batch> take_partial();
  /// Returns the position before which every line of the current source is settled at read
  /// time (blank, rejected) or handed out in a batch: the start of the batch being filled,
  /// else the line after the last one read. A checkpoint may not pass it.
  source::stream_position resume_point() const noexcept;

  /// Gives a finished batch back so its buffers are reused.
  void recycle(std::unique_ptr<batch::batch> done) { builder_.recycle(std::move(done)); }

  /// Returns the counters so far.
  const stage_counters& counters() const noexcept { return counters_; }
  /// Returns the name of source `id`.
  const std::string& source_name(std::uint32_t id) const { return sources_.at(id); }

 private:
  std::optional<stage_event> take_line(const source::line_event& line);
  stage_event hand_out(std::unique_ptr<batch::batch> full);
  stage_event reject_line(const source::line_event& line, record::reject reason);

  normalise_function normalise_;
  source::line_reader reader_;
  batch::batch_builder builder_;
  std::vector<std::string> sources_;
  bool open_ = false;
  source::stream_position next_line_;  // the line after the last one read
  std::unique_ptr<batch::batch> ready_;
  rejected_record rejected_;
  stage_counters counters_;
};

}  // namespace nv::pipeline
