// One file of the watched directory imported with a checkpoint: resumed where an earlier run
// stopped, and never marked further than what is settled.
#pragma once

#include "nv/checkpoint/checkpoint_store.hpp"
#include "nv/checkpoint/delivery_watermark.hpp"
#include "nv/deliver/import_job.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace nv::watch {

/// The shape of one file's import.
struct file_import_options {
  deliver::import_options import;
  std::chrono::milliseconds checkpoint_interval{1000};  ///< at most one checkpoint write per
};

/// How one file's import ended.
struct file_outcome {
  deliver::import_result result;                     ///< counters, errors
  std::optional<checkpoint::position> resumed_from;  ///< set when a checkpoint was resumed
  /// Read to its end and every user settled: the file goes to done/ (or to failed/ on a read
  /// error, see result.read_error). False when stopped: it stays in processing/.
  bool finished = false;
  std::string open_error;        ///< the file could not be opened, identified or resumed
  std::string checkpoint_error;  ///< the last checkpoint that could not be written, if any
  std::string warning;           ///< e.g. an unreadable checkpoint (the file restarts at 0)
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point ended;
};

/// Imports one file of processing/ through an import_job. Its checkpoint (in `store`) moves
/// only past lines that are delivered or rejected, and only once their rejects are on disk;
/// it is written at most every `checkpoint_interval` while importing and once at the end, and
/// erased when the file is finished. Use from the io_context's thread; `client`, `store` and
/// `normalise`'s state must outlive run().
class file_import {
 public:
  file_import(api::client& client, checkpoint::checkpoint_store& store,
              pipeline::normalise_function normalise, file_import_options options,
              std::filesystem::path file, std::filesystem::path rejects);
  ~file_import();

  /// Imports the file; never throws for a record, a request or an I/O error.
  boost::asio::awaitable<file_outcome> run();

  /// Stops reading; what was read is still delivered and checkpointed (a drain).
  void stop_reading();
  /// Stops sending: unsettled batches are left for the next run (a drain past its deadline).
  void stop_sending();
  /// Writes the checkpoint now if it moved (before an exit that cannot wait for the run).
  void checkpoint_now();

  /// Returns the running job (null before run() opened the file or after it ended).
  const deliver::import_job* job() const noexcept { return job_.get(); }
  /// Returns the batches handed out and not settled yet (0 before run() opened the file).
  std::size_t in_flight() const { return watermark_ ? watermark_->in_flight() : 0; }
  /// Returns the bytes read past the last checkpoint written: what a crash would read again.
  std::uint64_t checkpoint_lag_bytes() const;

  /// Returns the file being imported.
  const std::filesystem::path& file() const noexcept { return file_; }

 private:
  bool open(file_outcome& outcome);
  boost::asio::awaitable<void> checkpoint_loop();
  boost::asio::awaitable<void> stop_checkpoint_loop();
  void write_checkpoint();
  void finish(file_outcome& outcome);

  api::client& client_;
  checkpoint::checkpoint_store& store_;
  pipeline::normalise_function normalise_;
  file_import_options options_;
  std::filesystem::path file_;
  std::filesystem::path rejects_path_;
  std::optional<checkpoint::file_identity> identity_;
  std::optional<checkpoint::delivery_watermark> watermark_;
  checkpoint::position saved_;  // the last position written
  std::string last_checkpoint_error_;
  std::unique_ptr<deliver::reject_writer> rejects_;
  std::unique_ptr<deliver::import_job> job_;
  bool stopped_ = false;
  bool importing_ = false;
  std::unique_ptr<boost::asio::steady_timer> tick_;      // paces the checkpoint loop
  std::unique_ptr<boost::asio::steady_timer> loop_end_;  // woken when the loop has ended
  bool loop_running_ = false;
};

}  // namespace nv::watch
