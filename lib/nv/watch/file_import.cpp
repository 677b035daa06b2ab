// One file through an import_job, with a checkpoint loop beside it.
#include "nv/watch/file_import.hpp"

#include "nv/source/byte_source.hpp"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace nv::watch {

namespace asio = boost::asio;

file_import::file_import(api::client& client, checkpoint::checkpoint_store& store,
                         pipeline::normalise_function normalise, file_import_options options,
                         std::filesystem::path file, std::filesystem::path rejects)
    : client_(client),
      store_(store),
      normalise_(std::move(normalise)),
      options_(options),
      file_(std::move(file)),
      rejects_path_(std::move(rejects)) {}

file_import::~file_import() = default;

bool file_import::open(file_outcome& outcome) {
  auto identity = checkpoint::identify(file_.string());
  if (!identity) {
    outcome.open_error = identity.error().message;
    return false;
  }
  identity_ = *identity;
  checkpoint::position start;
  if (auto loaded = store_.load(*identity_); !loaded) {
    // Sending the file again is safe (at least once); guessing a position is not.
    outcome.warning = fmt::format("{}; importing the file from its start", loaded.error().message);
  } else if (*loaded) {
    start = **loaded;
    outcome.resumed_from = start;
  }
  auto opened = source::open_file(file_.string());
  if (!opened.source) {
    outcome.open_error = opened.error;
    return false;
  }
  std::string error;
  rejects_ =
      deliver::reject_writer::open(rejects_path_.string(), deliver::open_mode::append, error);
  if (!rejects_) {
    outcome.open_error = error;
    return false;
  }
  std::vector<std::unique_ptr<source::byte_source>> sources;
  sources.push_back(std::move(opened.source));
  watermark_.emplace(start);
  saved_ = start;
  job_ = std::make_unique<deliver::import_job>(client_, std::move(sources), normalise_,
                                               rejects_.get(), options_.import);
  job_->track(*watermark_, start);
  if (stopped_) job_->stop_reading();
  return true;
}

asio::awaitable<file_outcome> file_import::run() {
  file_outcome outcome;
  outcome.started = std::chrono::system_clock::now();
  if (!open(outcome)) {
    outcome.ended = std::chrono::system_clock::now();
    co_return outcome;
  }
  auto executor = co_await asio::this_coro::executor;
  tick_ = std::make_unique<asio::steady_timer>(executor);
  loop_end_ = std::make_unique<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
  importing_ = loop_running_ = true;
  asio::co_spawn(executor, checkpoint_loop(), [this](std::exception_ptr) {
    loop_running_ = false;
    loop_end_->cancel();
  });
  outcome.result = co_await job_->run();
  co_await stop_checkpoint_loop();
  finish(outcome);
  job_.reset();
  outcome.ended = std::chrono::system_clock::now();
  co_return outcome;
}

std::uint64_t file_import::checkpoint_lag_bytes() const {
  if (!job_) return 0;
  const auto read = job_->progress().bytes.load(std::memory_order_relaxed);
  return read > saved_.offset ? read - saved_.offset : 0;
}

void file_import::stop_reading() {
  stopped_ = true;
  if (job_) job_->stop_reading();
}

void file_import::stop_sending() {
  stopped_ = true;
  if (job_) job_->stop_sending();
}

void file_import::checkpoint_now() {
  if (job_) write_checkpoint();
}

asio::awaitable<void> file_import::checkpoint_loop() {
  while (importing_) {
    tick_->expires_after(options_.checkpoint_interval);
    co_await tick_->async_wait(asio::as_tuple(asio::use_awaitable));
    if (importing_) write_checkpoint();
  }
}

asio::awaitable<void> file_import::stop_checkpoint_loop() {
  importing_ = false;
  tick_->cancel();
  while (loop_running_) co_await loop_end_->async_wait(asio::as_tuple(asio::use_awaitable));
}

void file_import::write_checkpoint() {
  const auto safe = watermark_->safe();
  if (safe == saved_) return;
  // The rejects before `safe` must be on disk first, or a crash would lose them for good.
  if (auto error = job_->sync_rejects()) {
    last_checkpoint_error_ =
        fmt::format("checkpoint not moved: cannot write the rejects \"{}\": {}",
                    rejects_path_.string(), error.message());
    return;
  }
  if (auto error = store_.save(*identity_, safe, file_.string())) {
    last_checkpoint_error_ = fmt::format("cannot write checkpoint \"{}\": {}",
                                         store_.path_of(*identity_), error.message());
    return;
  }
  saved_ = safe;
}

void file_import::finish(file_outcome& outcome) {
  auto& result = outcome.result;
  outcome.finished = !stopped_ && result.fatal_message.empty() && result.reject_error.empty() &&
                     result.remote.not_sent == 0;
  if (!outcome.finished) write_checkpoint();
  if (auto error = rejects_->close(); error && result.reject_error.empty()) {
    result.reject_error =
        fmt::format("cannot write reject file \"{}\": {}", rejects_path_.string(), error.message());
    outcome.finished = false;
  }
  if (outcome.finished) {
    if (auto error = store_.erase(*identity_)) {
      last_checkpoint_error_ = fmt::format("cannot remove checkpoint \"{}\": {}",
                                           store_.path_of(*identity_), error.message());
    }
  }
  outcome.checkpoint_error = last_checkpoint_error_;
}

}  // namespace nv::watch
