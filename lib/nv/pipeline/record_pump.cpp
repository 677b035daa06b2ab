// The blocking driver: open each source in turn and feed the stage whenever it needs input.
#include "nv/pipeline/record_pump.hpp"

#include <fmt/core.h>

namespace nv::pipeline {

record_pump::record_pump(record_stage& stage,
                         std::vector<std::unique_ptr<source::byte_source>> sources)
    : stage_(stage), sources_(std::move(sources)) {}

pump_event record_pump::next() {
  for (;;) {
    if (!open_) {
      if (current_ == sources_.size()) return pump_event::end;
      stage_.open_source(std::string(sources_[current_]->name()));
      open_ = true;
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

bool record_pump::fill(source::byte_source& source) {
  auto result = source.read_some(stage_.prepare());
  if (result.error) {
    error_ = fmt::format("cannot read \"{}\": {}", source.name(), result.error.message());
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
