// The record stage's loop: one line at a time through the normaliser into the batch builder.
#include "nv/pipeline/record_stage.hpp"

#include <fmt/core.h>

namespace nv::pipeline {

normalise_function normalise_with(record::record_normaliser& normaliser) {
  return [&normaliser](std::string_view line, record::text_buffer& body) {
    return normaliser.append_wire(line, body);
  };
}

std::uint64_t stage_counters::rejected_total() const noexcept {
  std::uint64_t total = 0;
  for (auto n : rejected) total += n;
  return total;
}

stage_counters& stage_counters::operator+=(const stage_counters& other) noexcept {
  read += other.read;
  blank += other.blank;
  valid += other.valid;
  for (std::size_t i = 0; i < rejected.size(); ++i) rejected[i] += other.rejected[i];
  batches += other.batches;
  body_bytes += other.body_bytes;
  return *this;
}

record_stage::record_stage(normalise_function normalise, stage_options options)
    : normalise_(std::move(normalise)), reader_(options.reader), builder_(options.batches) {}

std::uint32_t record_stage::open_source(std::string name, source::stream_position start) {
  sources_.push_back(std::move(name));
  reader_.reset(start.offset, start.line);
  next_line_ = start;
  open_ = true;
  return static_cast<std::uint32_t>(sources_.size() - 1);
}

stage_event record_stage::next() {
  if (!open_) return stage_event::idle;
  for (;;) {
    const source::line_event line = reader_.next();
    if (line.kind != source::line_kind::need_more && line.kind != source::line_kind::end)
      next_line_ = {line.end_offset, line.number + 1};
    switch (line.kind) {
      case source::line_kind::need_more:
        return stage_event::need_input;
      case source::line_kind::end:
        // Hand out the source's last partial batch first; the next call reports the end.
        if (auto last = builder_.flush()) return hand_out(std::move(last));
        open_ = false;
        return stage_event::source_end;
      case source::line_kind::blank:
        ++counters_.read;
        ++counters_.blank;
        continue;
      case source::line_kind::too_long:
        ++counters_.read;
        return reject_line(line, {record::reject_code::line_too_long,
                                  fmt::format("line is {} bytes, over the maximum of {} bytes",
                                              line.length, reader_.options().max_line_bytes)});
      case source::line_kind::line:
        if (auto event = take_line(line)) return *event;
        continue;
    }
  }
}

std::optional<stage_event> record_stage::take_line(const source::line_event& line) {
  ++counters_.read;
  // Written straight into the body being filled: a copy of every user saved.
  const auto source_id = static_cast<std::uint32_t>(sources_.size() - 1);
  if (auto reason = normalise_(line.text, builder_.start_user(source_id))) {
    builder_.cancel_user();
    return reject_line(line, std::move(*reason));
  }
  auto added = builder_.finish_user(
      {.line = line.number, .offset = line.offset, .end_offset = line.end_offset}, line.text);
  if (added.rejected) return reject_line(line, std::move(*added.rejected));
  ++counters_.valid;
  if (added.full) return hand_out(std::move(added.full));
  return std::nullopt;
}

std::unique_ptr<batch::batch> record_stage::take_partial() {
  auto partial = builder_.flush();
  if (!partial) return nullptr;
  hand_out(std::move(partial));
  return take_batch();
}

source::stream_position record_stage::resume_point() const noexcept {
  if (const auto* filling = builder_.filling()) {
    const auto& first = filling->user(0);
    return {first.offset, first.line};
  }
  return next_line_;
}

stage_event record_stage::hand_out(std::unique_ptr<batch::batch> full) {
  ++counters_.batches;
  counters_.body_bytes += full->body().size();
  ready_ = std::move(full);
  return stage_event::batch;
}

stage_event record_stage::reject_line(const source::line_event& line, record::reject reason) {
  ++counters_.rejected[static_cast<std::size_t>(reason.code)];
  rejected_.source_id = static_cast<std::uint32_t>(sources_.size() - 1);
  rejected_.source = sources_.back();
  rejected_.line = line.number;
  rejected_.offset = line.offset;
  rejected_.end_offset = line.end_offset;
  rejected_.reason = std::move(reason);
  rejected_.record = line.text;
  return stage_event::reject;
}

}  // namespace nv::pipeline
