// One import run: a reading thread feeds batches through a bounded channel to delivery workers.
#pragma once

#include "nv/checkpoint/delivery_watermark.hpp"
#include "nv/deliver/batch_deliverer.hpp"
#include "nv/deliver/reject_writer.hpp"
#include "nv/pipeline/record_stage.hpp"
#include "nv/source/byte_source.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace nv::deliver {

/// The shape of one run.
struct import_options {
  pipeline::stage_options stage;
  delivery_options delivery;
  std::size_t workers = 8;        ///< batches being delivered at once
  std::size_t queue_batches = 8;  ///< batches read ahead of the workers (back-pressure bound)
};

/// Counters the reading thread publishes for a live progress line.
struct read_progress {
  std::atomic<std::uint64_t> read{0};      ///< lines read (blank included)
  std::atomic<std::uint64_t> rejected{0};  ///< lines rejected locally
  std::atomic<std::uint64_t> bytes{0};     ///< source bytes consumed
  /// Lines rejected locally, by reject code (metrics read them live).
  std::array<std::atomic<std::uint64_t>, record::reject_code_count> rejected_by_code{};
};

/// The end of a run, for the summary and the exit status.
struct import_result {
  pipeline::stage_counters local;  ///< what the record stage read, accepted and rejected
  delivery_counters remote;        ///< what became of the accepted users
  std::string read_error;          ///< a source that could not be read, if any
  std::string reject_error;        ///< the reject file could not be written, if any
  std::string last_failure;        ///< the last error that made a batch give up, if any
  bool auth_failed = false;        ///< the API refused the credentials
  std::string fatal_message;       ///< why the run stopped early ("" when it ran to the end)
};

/// Returns the users rejected in all: locally, refused by the server, or given up on.
std::uint64_t rejected_total(const pipeline::stage_counters& local,
                             const delivery_counters& remote) noexcept;

/// Returns the rejected users by reject code: the local codes, server_rejected (refused by the
/// server) and delivery_failed (given up on).
std::array<std::uint64_t, record::reject_code_count> rejects_by_code(
    const pipeline::stage_counters& local, const delivery_counters& remote) noexcept;

/// Reads the sources on a thread of its own (blocking reads never stall the io_context, and
/// parsing runs beside the TLS work on a second core), hands batches over a bounded channel to
/// `options.workers` delivery coroutines, and writes every reject. Memory stays flat: when the
/// workers wait for rate budget, the channel fills and the reading thread blocks.
class import_job {
 public:
  /// Prepares a run; `client` and `rejects` (may be null) must outlive run().
  import_job(api::client& client, std::vector<std::unique_ptr<source::byte_source>> sources,
             pipeline::normalise_function normalise, reject_writer* rejects,
             import_options options);
  ~import_job();

  /// Runs the import to its end; never throws for a record or a request.
  boost::asio::awaitable<import_result> run();

  /// Returns the live reading counters (safe from any thread).
  const read_progress& progress() const noexcept { return progress_; }

  /// Returns the live delivery counters (the io_context's thread only).
  const delivery_counters& delivered() const noexcept { return counters_; }

  /// Resumes the run's only source at `start` (a checkpoint) and reports to `watermark` what
  /// is settled, so the daemon's checkpoints never pass an unsettled line. Call before run();
  /// `watermark` must outlive run().
  void track(checkpoint::delivery_watermark& watermark, checkpoint::position start);

  /// Writes the buffered rejects out and waits for the disk: a checkpoint may pass them then.
  std::error_code sync_rejects();

  /// Stops taking input; what was read, the partly filled batch included, is still delivered
  /// (a drain).
  void stop_reading() noexcept { stop_reading_ = true; }

  /// Stops sending too: batches not settled yet end as not_sent (a drain past its deadline).
  void stop_sending() noexcept {
    stop_reading_ = true;
    deliverer_.stop();
  }

 private:
  struct channel_box;
  void read_all(channel_box& channel);
  void mark_read();
  void write_reject(std::string_view source, std::uint64_t line, std::uint64_t offset,
                    const record::reject& reason, std::string_view text);
  boost::asio::awaitable<void> worker(channel_box& channel);

  api::client& client_;
  std::vector<std::unique_ptr<source::byte_source>> sources_;
  std::vector<std::string> source_names_;  // by source id, readable from any thread
  pipeline::record_stage stage_;
  reject_writer* rejects_;
  std::mutex rejects_mutex_;  // the reading thread and the workers both reject
  std::string reject_error_;
  import_options options_;
  delivery_counters counters_;
  batch_deliverer deliverer_;
  read_progress progress_;
  std::atomic<bool> stop_reading_{false};
  checkpoint::delivery_watermark* watermark_ = nullptr;  // set by track()
  checkpoint::position start_;
  std::string read_error_;  // written by the reading thread before it ends
};

}  // namespace nv::deliver
