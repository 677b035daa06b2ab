// The spool: producers' lines appended to segment files on disk, fsync'd in groups, bounded in
// size, sealed for the importer by size or age, deleted once imported.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace nv::spool {

/// Why a spool operation failed: the code, and one line naming what, where and why, e.g.
/// "spool segment \"/var/spool/nvimport/segment-…0007.open\": cannot write 812 bytes: No space
/// left on device". `code` is std::errc::operation_canceled when the waiting caller was cancelled.
struct spool_error {
  std::error_code code;
  std::string message;
};

/// Throws the error as std::system_error; lets boost::system::result::value() work.
[[noreturn]] void throw_exception_from_error(const spool_error& error,
                                             const boost::source_location& where);

/// Where the spool lives and how big it may grow.
struct spool_options {
  std::filesystem::path dir;                              ///< Created when missing.
  std::uint64_t segment_bytes = std::uint64_t{64} << 20;  ///< A segment is sealed at this size.
  /// A segment holding data is sealed this long after its first byte, so a trickle of records
  /// still reaches the importer soon.
  std::chrono::milliseconds seal_after{2000};
  std::uint64_t max_bytes = std::uint64_t{1} << 30;  ///< All segment files together, at most.
};

/// A sealed segment: complete, durable, never written again; the importer reads it like a file.
struct spool_segment {
  std::uint64_t sequence = 0;  ///< Segments are sealed in sequence order.
  std::filesystem::path path;  ///< `<dir>/segment-<20 digits>.ndjson`.
  std::uint64_t bytes = 0;
  friend bool operator==(const spool_segment&, const spool_segment&) = default;
};

/// What the store has done since it opened (and two gauges).
struct spool_counters {
  std::uint64_t appends = 0;          ///< append() calls that wrote their bytes.
  std::uint64_t appended_bytes = 0;   ///< Bytes those appends wrote.
  std::uint64_t syncs = 0;            ///< fdatasync rounds; each covers every append before it.
  std::uint64_t sealed = 0;           ///< Segments sealed (by size, age, a full store or seal_now).
  std::uint64_t removed = 0;          ///< Segments removed after import.
  std::uint64_t full_waits = 0;       ///< Appends that had to wait for room.
  std::uint64_t recovered = 0;        ///< Segments left open by a crash, cut and sealed at start.
  std::uint64_t cut_bytes = 0;        ///< Bytes of partial last lines cut off at start.
  std::uint64_t disk_bytes = 0;       ///< Gauge: bytes in all segment files now.
  std::uint64_t waiting_appends = 0;  ///< Gauge: appends waiting for room now.
};

/// The end of an append in the store's stream of bytes; durable() waits until a sync covers it.
struct spool_ticket {
  std::uint64_t end = 0;
};

/// A directory of segment files `segment-<20-digit sequence>.ndjson`, plus the one being
/// appended to, `segment-<sequence>.open`. Sealing is the rename from `.open` to `.ndjson` after
/// an fdatasync, so a reader never sees a segment that may still grow or lose its tail.
///
/// Writes are plain write(2) calls on the io thread: they land in the page cache and take
/// microseconds. fdatasync does not (about 5 ms per call on the ext4 disk this was written
/// on, 8 ms at worst, which on the io thread would stall every socket), so it runs on a
/// dedicated thread and its completion is posted back. Group commit: one sync covers every
/// append made before it started, and appends made while it runs are covered together by the
/// next, so N producers waiting for durability cost about two syncs, not N.
///
/// Use from the executor's thread only. The store must outlive every append(), durable() and
/// wait_for_segment() in flight (cancel them and let them finish before destroying it).
class spool_store {
 public:
  /// Opens the spool in `options.dir`. A `.open` segment a crash left behind is cut after its
  /// last '\n' (a partial line was never acknowledged), synced and sealed; an empty one is
  /// removed. Throws std::system_error naming the path when the directory cannot be used (a
  /// start-up error), std::invalid_argument on a zero size.
  spool_store(boost::asio::any_io_executor executor, spool_options options);
  ~spool_store();
  spool_store(const spool_store&) = delete;
  spool_store& operator=(const spool_store&) = delete;

  /// Appends `lines` (complete lines, each ending in '\n') to the open segment, creating one
  /// when none is open, and returns the ticket to pass to durable(). While the store is full,
  /// waits (first come, first served) until remove() makes room; nothing is ever dropped.
  /// Errors returned: a write failure (the partial write is cut off again), an append larger
  /// than max_bytes, a store failed by an earlier sync error, or operation_canceled on
  /// cancellation while waiting (nothing was written then).
  boost::asio::awaitable<boost::system::result<spool_ticket, spool_error>> append(
      std::string_view lines);

  /// Waits until an fdatasync has covered `ticket` (and the directory entry of its segment).
  /// Errors returned: the sync failed (the store is failed from then on: after a failed fsync
  /// the kernel may have dropped the pages, so nothing unsynced can be trusted), or
  /// operation_canceled on cancellation.
  boost::asio::awaitable<boost::system::result<void, spool_error>> durable(spool_ticket ticket);

  /// Returns the sealed segments, oldest first.
  std::vector<spool_segment> sealed_segments() const;
  /// Waits until at least one sealed segment exists; returns at once when one does.
  /// Errors returned: operation_canceled on cancellation.
  boost::asio::awaitable<boost::system::result<void, spool_error>> wait_for_segment();
  /// Deletes a sealed segment once it is fully imported and wakes appends waiting for room.
  /// A segment already gone from disk counts as removed. Errors returned: not a sealed segment
  /// of this store, or unlink failed.
  boost::system::result<void, spool_error> remove(const spool_segment& segment);

  /// Seals the open segment now when it holds data, and waits until it and every segment
  /// sealed before it are in sealed_segments() (a drain at shutdown). Errors returned: the
  /// sync failed, or operation_canceled on cancellation.
  boost::asio::awaitable<boost::system::result<void, spool_error>> seal();

  /// Returns the counters and gauges.
  spool_counters counters() const;
  /// Returns the options the store was opened with.
  const spool_options& options() const noexcept { return options_; }

 private:
  struct parked;
  struct open_segment {
    std::uint64_t sequence = 0;
    int fd = -1;
    std::uint64_t bytes = 0;
  };
  struct sync_job;
  struct sync_outcome;

  void recover();
  std::optional<spool_error> open_new_segment();
  void seal_open();
  void arm_age_timer(std::uint64_t sequence);
  void start_sync();
  void finish_sync(sync_outcome outcome);
  void fail(spool_error error);
  boost::asio::awaitable<bool> park(parked& self);
  void wake_room_head();
  std::filesystem::path segment_path(std::uint64_t sequence, bool sealed) const;
  spool_error error_at(const std::filesystem::path& path, std::string_view what, int error) const;

  boost::asio::any_io_executor executor_;
  spool_options options_;
  boost::asio::thread_pool sync_thread_{1};
  boost::asio::steady_timer age_timer_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // completions check it is still here

  std::optional<open_segment> open_;
  std::vector<open_segment> sealing_;  // closed for appends, sealed by the next sync
  std::deque<spool_segment> sealed_;
  std::uint64_t next_sequence_ = 1;
  std::uint64_t last_sealing_ = 0;    // the newest segment handed to a sync for sealing
  std::uint64_t sealed_through_ = 0;  // the newest segment a finished sync sealed
  std::uint64_t written_ = 0;         // stream position after the last append
  std::uint64_t synced_ = 0;          // stream position the last finished sync covered
  bool sync_running_ = false;
  bool dir_dirty_ = false;  // a segment file was created or removed since the last sync
  std::optional<spool_error> failed_;
  spool_counters counters_;

  // Callers parked in append (FIFO: only the head checks for room), durable (and seal, with
  // ticket 0: woken after every sync) and wait_for_segment.
  std::list<parked*> room_waiters_;
  std::list<parked*> durable_waiters_;
  std::list<parked*> segment_waiters_;
};

}  // namespace nv::spool
