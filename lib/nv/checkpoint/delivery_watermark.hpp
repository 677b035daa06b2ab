// The low-water mark of one source: the position below which every line is delivered or
// rejected, advanced as batches settle in any order. Its value is what a checkpoint saves.
#pragma once

#include "nv/checkpoint/position.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>

namespace nv::checkpoint {

/// Tracks the batches of one source between hand-out and settlement. The reading thread reports
/// read_through() and pending(); delivery workers report settled() in any order.
/// Thread-safe: every call takes one mutex (calls come once per batch, not per record).
/// Invariants: safe() never moves backwards and never passes the first line of an unsettled
/// batch. A call that breaks the contract below is a bug: it asserts in a debug build and, in a
/// release build, is ignored (or, for pending(), kept so it still holds the mark back).
class delivery_watermark {
 public:
  /// Starts with everything before `start` (the loaded checkpoint) already finished.
  explicit delivery_watermark(position start = {});

  /// Records that every line before `p` was handed out in a batch or settled when read (blank,
  /// rejected locally). `p` never decreases. While a batch is still being filled, pass its
  /// first line: its lines are not handed out yet.
  void read_through(position p);

  /// Records that the batch `batch_key` was handed out and its first line is at `first`. Keys
  /// and first positions increase from call to call, and `first` is not before the last
  /// read_through() (the batch's first offset makes a good key). It claims nothing about the
  /// lines before `first`: only read_through() does.
  void pending(std::uint64_t batch_key, position first);

  /// Records that every record of batch `batch_key` is delivered or rejected. An unknown or
  /// already settled key is a bug (debug: assert; release: ignored, the mark does not move).
  void settled(std::uint64_t batch_key);

  /// Returns the position below which everything is settled: the first line of the oldest
  /// unsettled batch, or the last read_through() when none is pending (the earlier of the two
  /// when the reader handed out a batch beyond its last read_through()).
  position safe() const;

  /// Returns how many batches are handed out and not yet settled.
  std::size_t in_flight() const;

 private:
  // Recomputes safe_ from the state; callers hold mutex_.
  void advance();

  mutable std::mutex mutex_;
  std::map<std::uint64_t, position> pending_;  // unsettled batches: key -> first line
  std::multiset<position> firsts_;             // their first lines, oldest first
  position read_through_;
  position safe_;
};

}  // namespace nv::checkpoint
