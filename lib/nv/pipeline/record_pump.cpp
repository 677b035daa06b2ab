// The blocking driver: open each source in turn and feed the stage whenever it needs input.
#include "nv/pipeline/record_pump.hpp"

#include <fmt/core.h>

namespace nv::pipeline {

record_pump::record_pump(record_stage& stage,
                         std::vector<std::unique_ptr<source::byte_source>> sources,
                         std::vector<source::stream_position> starts)
    : stage_(stage), sources_(std::move(sources)), starts_(std::move(starts)) {}

pump_event record_pump::next() {
  for (;;) {
    if (!open_) {
      if (current_ == sources_.size()) return pump_event::end;
      if (!open_current()) return pump_event::read_error;
    }
    switch (stage_.next()) {
      case stage_event::batch:
        return pump_event::batch;
      case stage_event::reject:
        return pump_event::reject;
      case stage_event::need_input:
        if (!fill(*sources_[current_])) return pump_event::read_error;
        continue;
      case stage_event::source_end:
      case stage_event::idle:
        sources_[current_].reset();  // close it now: a long run may list many files
        ++current_;
        open_ = false;
        continue;
    }
  }
}

bool record_pump::open_current() {
  auto& source = *sources_[current_];
  source::stream_position start;
  if (current_ < starts_.size()) start = starts_[current_];
  if (start.offset > 0) {
    if (auto error = source.skip(start.offset)) {
      const auto& detail = source.error_detail();
      error_ = fmt::format("cannot resume \"{}\" at byte {}: {}", source.name(), start.offset,
                           detail.empty() ? error.message() : detail);
      return false;
    }
  }
  stage_.open_source(std::string(source.name()), start);
  open_ = true;
  return true;
}

bool record_pump::fill(source::byte_source& source) {
  auto result = source.read_some(stage_.prepare());
  if (result.error) {
    error_ = source::read_error_message(source, result.error);
    return false;
  }
  if (result.eof) {
    stage_.finish();
  } else {
    stage_.commit(result.bytes);
  }
  return true;
}

}  // namespace nv::pipeline
