// The inbox loop: resume, scan, claim, import, end with a report; wait for the next file.
#include "nv/watch/inbox_importer.hpp"

#include "nv/checkpoint/durable_file.hpp"
#include "nv/watch/file_report.hpp"

#include <fmt/format.h>
#include <boost/asio/experimental/awaitable_operators.hpp>

namespace nv::watch {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using log::level;

void inbox_totals::add(const file_outcome& outcome) {
  local += outcome.result.local;
  remote += outcome.result.remote;
  if (outcome.resumed_from) ++files_resumed;
}

inbox_importer::inbox_importer(asio::any_io_executor executor, api::client& client,
                               checkpoint::checkpoint_store& store,
                               pipeline::normalise_function normalise, inbox& box,
                               log::logger& logger, inbox_importer_options options)
    : client_(client),
      store_(store),
      normalise_(std::move(normalise)),
      executor_(executor),
      inbox_(&box),
      log_(logger),
      options_(options),
      watcher_(std::make_unique<directory_watcher>(executor, box.root(), options.mode)) {}

asio::awaitable<void> inbox_importer::run() {
  co_await resume_left_files();
  while (!stopping_) {
    if (next_inbox_) {
      take_next_inbox();
      co_await resume_left_files();
      continue;
    }
    // Files and spool segments take turns. Named first: GCC 12 miscompiles a co_await inside
    // an if condition followed by continue.
    const bool took_file = co_await take_next_file();
    bool took_segment = false;
    if (!stopping_) took_segment = co_await take_next_segment();
    if (!took_file && !took_segment && !stopping_) co_await wait_for_work();
  }
}

asio::awaitable<void> inbox_importer::wait_for_work() {
  if (!spool_) {
    co_await watcher_->wait(options_.poll);
    co_return;
  }
  // Whichever comes first; the other wait is cancelled.
  auto file = watcher_->wait(options_.poll);
  auto segment = spool_->wait_for_segment();
  auto either = std::move(file) || std::move(segment);
  co_await std::move(either);
}

void inbox_importer::switch_inbox(inbox& next) {
  next_inbox_ = &next;
  watcher_->close();  // a wait for work returns, and the loop takes the new inbox
}

void inbox_importer::take_next_inbox() {
  std::error_code error;
  const auto left = inbox_->left_in_processing(error).size();
  log_.write(level::notice, "inbox_switched",
             {{"from", inbox_->root().string()},
              {"to", next_inbox_->root().string()},
              {"left_in_processing", std::to_string(left)}});
  inbox_ = std::exchange(next_inbox_, nullptr);
  watcher_ = std::make_unique<directory_watcher>(executor_, inbox_->root(), options_.mode);
  if (!watcher_->why_polling().empty())
    log_.write(level::warning, "polling", {{"reason", watcher_->why_polling()}});
}

void inbox_importer::take_segments_from(spool::spool_store& spool) {
  spool_ = &spool;
}

void inbox_importer::stop() {
  stopping_ = true;
  watcher_->close();
  if (current_) current_->stop_reading();
}

void inbox_importer::stop_sending() {
  stop();
  stop_sending_ = true;
  if (current_) current_->stop_sending();
}

void inbox_importer::checkpoint_now() {
  if (current_) current_->checkpoint_now();
}

asio::awaitable<void> inbox_importer::resume_left_files() {
  std::error_code error;
  auto left = inbox_->left_in_processing(error);
  if (error) {
    fail(fmt::format("cannot list \"{}\": {}", inbox_->processing().string(), error.message()));
    co_return;
  }
  // They were claimed by an earlier run that stopped: their checkpoints say where to go on.
  for (auto& file : left) {
    if (stopping_) break;
    co_await import_file(file.path, file.name);
  }
}

bool inbox_importer::ready(const inbox_file& file) const {
  if (watcher_->complete(file.name)) return true;
  if (watcher_->being_written(file.name)) return false;
  auto age = std::filesystem::file_time_type::clock::now() - file.modified;
  return age >= options_.settle;
}

asio::awaitable<bool> inbox_importer::take_next_file() {
  std::error_code error;
  auto files = inbox_->scan(error);
  if (error) {
    log_.write(level::error, "scan_failed",
               {{"dir", inbox_->root().string()}, {"error", error.message()}});
    co_return false;
  }
  for (auto& file : files) {
    if (!ready(file) || unclaimable_.contains(file.name)) continue;
    auto claimed = inbox_->claim(file);
    watcher_->forget(file.name);
    if (!claimed) {
      if (claimed.error() == std::errc::no_such_file_or_directory) continue;  // taken meanwhile
      log_.write(level::error, "claim_failed",
                 {{"file", file.path.string()}, {"error", claimed.error().message()}});
      unclaimable_.insert(file.name);
      continue;
    }
    // One file at a time, then a fresh scan: files that arrived meanwhile keep their order.
    co_await import_file(*claimed, file.name);
    co_return true;
  }
  co_return false;
}

asio::awaitable<void> inbox_importer::import_file(std::filesystem::path path, std::string name) {
  auto outcome = co_await run_import(path, name, inbox::rejects_path(path));
  if (outcome.finished || !outcome.open_error.empty()) end_file(path, name, outcome);
}

asio::awaitable<bool> inbox_importer::take_next_segment() {
  if (!spool_) co_return false;
  auto segments = spool_->sealed_segments();
  if (segments.empty()) co_return false;
  const auto segment = segments.front();
  const auto name = segment.path.filename().string();
  // Socket rejects go where an operator looks for every other reject: done/.
  const auto rejects = inbox_->done() / (name + ".rejects.ndjson");
  auto outcome = co_await run_import(segment.path, name, rejects);
  std::error_code ignored;
  if (std::filesystem::exists(rejects, ignored) &&
      std::filesystem::file_size(rejects, ignored) == 0)
    std::filesystem::remove(rejects, ignored);
  if (!outcome.finished && outcome.open_error.empty()) co_return true;  // stopped: resumes later
  if (!outcome.open_error.empty() || !outcome.result.read_error.empty()) {
    // A segment the spool wrote and synced cannot be read back: keep it for an operator.
    end_file(segment.path, name, outcome);
  } else {
    log_.write(level::notice, "segment_done",
               {{"segment", name},
                {"read", std::to_string(outcome.result.local.read)},
                {"delivered", std::to_string(outcome.result.remote.delivered)},
                {"rejected", std::to_string(deliver::rejected_total(outcome.result.local,
                                                                    outcome.result.remote))}});
  }
  if (auto removed = spool_->remove(segment); !removed) fail(removed.error().message);
  co_return true;
}

asio::awaitable<file_outcome> inbox_importer::run_import(std::filesystem::path path,
                                                         std::string name,
                                                         std::filesystem::path rejects) {
  file_import file(client_, store_, normalise_, options_.file, path, rejects);
  current_ = &file;
  if (stopping_) file.stop_reading();
  if (stop_sending_) file.stop_sending();
  log_.write(level::info, "file_started", {{"file", name}, {"path", path.string()}});
  auto outcome = co_await file.run();
  current_ = nullptr;
  totals_.add(outcome);
  if (!outcome.warning.empty())
    log_.write(level::warning, "checkpoint_ignored", {{"file", name}, {"reason", outcome.warning}});
  if (!outcome.checkpoint_error.empty())
    log_.write(level::error, "checkpoint_failed",
               {{"file", name}, {"error", outcome.checkpoint_error}});
  if (!outcome.result.fatal_message.empty()) fail(outcome.result.fatal_message);
  if (!outcome.result.reject_error.empty()) fail(outcome.result.reject_error);
  if (!outcome.finished && outcome.open_error.empty()) {
    log_.write(level::notice, "file_paused",
               {{"file", name},
                {"delivered", std::to_string(outcome.result.remote.delivered)},
                {"note", "continues from its checkpoint at the next start"}});
  }
  co_return outcome;
}

void inbox_importer::end_file(const std::filesystem::path& path, const std::string& name,
                              const file_outcome& outcome) {
  const bool failed = !outcome.open_error.empty() || !outcome.result.read_error.empty();
  const auto end = failed ? file_end::failed : file_end::done;
  auto ended = inbox_->finish(path, end);
  if (!ended) {
    // Left in processing/ without a checkpoint it would be sent again whole at the next start.
    fail(fmt::format("cannot move \"{}\" out of processing/: {}", path.string(),
                     ended.error().message()));
    return;
  }
  failed ? ++totals_.files_failed : ++totals_.files_done;
  auto report = file_report_json(name, *ended, end, outcome);
  if (auto error = checkpoint::replace_file_durably(ended->report.string(), report)) {
    log_.write(level::error, "report_failed",
               {{"file", ended->report.string()}, {"error", error.message()}});
  }
  const auto& r = outcome.result;
  auto rejected = deliver::rejected_total(r.local, r.remote);
  if (failed) {
    log_.write(level::error, "file_failed",
               {{"file", name},
                {"error", outcome.open_error.empty() ? r.read_error : outcome.open_error},
                {"delivered", std::to_string(r.remote.delivered)},
                {"moved_to", ended->file.string()}});
    return;
  }
  log_.write(level::notice, "file_done",
             {{"file", name},
              {"read", std::to_string(r.local.read)},
              {"delivered", std::to_string(r.remote.delivered)},
              {"rejected", std::to_string(rejected)},
              {"requests", std::to_string(r.remote.requests)},
              {"moved_to", ended->file.string()}});
}

void inbox_importer::fail(std::string message) {
  if (fatal_message_.empty()) fatal_message_ = std::move(message);
  stopping_ = true;
  watcher_->close();
}

}  // namespace nv::watch
