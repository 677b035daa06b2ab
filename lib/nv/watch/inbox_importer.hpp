// The daemon's main loop: take each complete file of the watched directory, oldest first,
// import it with a checkpoint, and end it in done/ or failed/ with a report.
#pragma once

#include "nv/log/logger.hpp"
#include "nv/spool/spool_store.hpp"
#include "nv/watch/directory_watcher.hpp"
#include "nv/watch/file_import.hpp"
#include "nv/watch/inbox.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>

namespace nv::watch {

/// The shape of the loop.
struct inbox_importer_options {
  file_import_options file;
  /// A file found by a scan (not seen closed or renamed in) is taken once unchanged this long.
  std::chrono::milliseconds settle{5000};
  std::chrono::milliseconds poll{2000};  ///< rescan at least this often
  watch_mode mode = watch_mode::automatic;
};

/// What this process did with the inbox, summed over the files that ended.
struct inbox_totals {
  std::uint64_t files_done = 0;
  std::uint64_t files_failed = 0;
  std::uint64_t files_resumed = 0;  ///< files continued from a checkpoint
  pipeline::stage_counters local;
  deliver::delivery_counters remote;

  /// Adds one file's counters.
  void add(const file_outcome& outcome);
};

/// Imports the files of an inbox one after another until stop(). Files an earlier run left in
/// processing/ go first (they resume from their checkpoints); then complete files of the root,
/// oldest first. A file is complete when inotify saw it closed after writing or renamed in,
/// or, when it was not seen being written, once its modification time is `settle` old.
/// Use from the io_context's thread; everything given must outlive run().
class inbox_importer {
 public:
  inbox_importer(boost::asio::any_io_executor executor, api::client& client,
                 checkpoint::checkpoint_store& store, pipeline::normalise_function normalise,
                 inbox& box, log::logger& logger, inbox_importer_options options);

  /// Also imports the spool's sealed segments, taking turns with the inbox's files, and
  /// removes each once it is imported (a segment that cannot be read goes to failed/). Socket
  /// rejects go to done/ as `<segment>.rejects.ndjson`. Call before run().
  void take_segments_from(spool::spool_store& spool);

  /// Watches `next` instead from the next file on (a reload that moved the watched directory);
  /// files already claimed stay in the old processing/ and resume when it is watched again.
  /// `next` must outlive run().
  void switch_inbox(inbox& next);

  /// Returns the shape of each file's import run.
  const deliver::import_options& import_options() const noexcept { return options_.file.import; }
  /// Changes it from the next file or segment on (a reload); the current one keeps its own.
  void set_import_options(const deliver::import_options& options) {
    options_.file.import = options;
  }

  /// Runs until stop() (then the current file is drained) or a fatal error.
  boost::asio::awaitable<void> run();

  /// Stops taking files; the current one stops reading and delivers what it read.
  void stop();
  /// Stops sending too (a drain past its deadline): the current file keeps its checkpoint.
  void stop_sending();
  /// Writes the current file's checkpoint now.
  void checkpoint_now();

  /// Returns the file being imported, or null.
  const file_import* current() const noexcept { return current_; }
  /// Returns the totals of the files that ended.
  const inbox_totals& totals() const noexcept { return totals_; }
  /// Returns why the loop stopped by itself ("" when it did not): refused credentials, a
  /// file that could not be moved out of processing/.
  const std::string& fatal_message() const noexcept { return fatal_message_; }
  /// Returns true when inotify is in use (else the directory is polled).
  bool uses_inotify() const noexcept { return watcher_->uses_inotify(); }
  /// Returns why the directory is polled, when inotify was wanted but is not available.
  const std::string& why_polling() const noexcept { return watcher_->why_polling(); }

 private:
  boost::asio::awaitable<void> resume_left_files();
  void take_next_inbox();
  boost::asio::awaitable<bool> take_next_file();
  boost::asio::awaitable<void> import_file(std::filesystem::path path, std::string name);
  boost::asio::awaitable<bool> take_next_segment();
  boost::asio::awaitable<file_outcome> run_import(std::filesystem::path path, std::string name,
                                                  std::filesystem::path rejects);
  boost::asio::awaitable<void> wait_for_work();
  bool ready(const inbox_file& file) const;
  void end_file(const std::filesystem::path& path, const std::string& name,
                const file_outcome& outcome);
  void fail(std::string message);

  api::client& client_;
  checkpoint::checkpoint_store& store_;
  pipeline::normalise_function normalise_;
  boost::asio::any_io_executor executor_;
  inbox* inbox_;
  inbox* next_inbox_ = nullptr;  // switch_inbox() asked for it; taken between two files
  log::logger& log_;
  inbox_importer_options options_;
  std::unique_ptr<directory_watcher> watcher_;
  inbox_totals totals_;
  spool::spool_store* spool_ = nullptr;
  file_import* current_ = nullptr;
  bool stopping_ = false;
  bool stop_sending_ = false;
  std::string fatal_message_;
  std::unordered_set<std::string> unclaimable_;  // names whose claim failed, logged once
};

}  // namespace nv::watch
