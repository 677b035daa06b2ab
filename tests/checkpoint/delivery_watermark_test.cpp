// Tests for the delivery watermark: exact marks after each step, out-of-order settles, misuse
// that must not move the mark, and many threads settling concurrently.
#include "nv/checkpoint/delivery_watermark.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

using nv::checkpoint::delivery_watermark;
using nv::checkpoint::position;

namespace {

#ifdef NDEBUG
constexpr bool debug_build = false;
#else
constexpr bool debug_build = true;
#endif

// The position of line `n` when every line is 10 bytes long.
position line_at(std::uint64_t n) {
  return {.offset = (n - 1) * 10, .line = n};
}

}  // namespace

TEST_CASE("delivery_watermark: starts at the loaded checkpoint with nothing in flight") {
  const delivery_watermark fresh;
  CHECK(fresh.safe() == position{0, 1});
  CHECK(fresh.in_flight() == 0);
  const delivery_watermark resumed(line_at(501));
  CHECK(resumed.safe() == line_at(501));
}

TEST_CASE("delivery_watermark: read_through alone moves the mark when nothing is pending") {
  delivery_watermark mark;
  mark.read_through(line_at(4));  // three blank or locally rejected lines
  CHECK(mark.safe() == line_at(4));
  mark.read_through(line_at(4));
  CHECK(mark.safe() == line_at(4));
}

TEST_CASE("delivery_watermark: out-of-order settles move the mark to the oldest unsettled batch") {
  delivery_watermark mark;
  // The reader's protocol: read_through(first line of the batch it starts filling), then
  // pending() when it hands that batch out.
  mark.read_through(line_at(1));
  mark.pending(0, line_at(1));  // lines 1-100
  mark.read_through(line_at(101));
  mark.pending(1000, line_at(101));  // lines 101-200
  mark.read_through(line_at(201));
  mark.pending(2000, line_at(201));  // lines 201-300
  mark.read_through(line_at(301));   // the reader is filling the batch from line 301
  CHECK(mark.safe() == line_at(1));
  CHECK(mark.in_flight() == 3);

  mark.settled(1000);
  CHECK(mark.safe() == line_at(1));
  CHECK(mark.in_flight() == 2);
  mark.settled(0);
  CHECK(mark.safe() == line_at(201));
  mark.read_through(line_at(351));  // 50 more lines, all rejected locally
  CHECK(mark.safe() == line_at(201));
  mark.settled(2000);
  CHECK(mark.safe() == line_at(351));
  CHECK(mark.in_flight() == 0);
}

TEST_CASE("delivery_watermark: a batch handed out beyond read_through holds the mark there") {
  delivery_watermark mark;
  mark.read_through(line_at(3));
  mark.pending(50, line_at(6));  // lines 3-5 were never reported done
  CHECK(mark.safe() == line_at(3));
  mark.settled(50);
  CHECK(mark.safe() == line_at(3));
  mark.read_through(line_at(106));
  CHECK(mark.safe() == line_at(106));
}

TEST_CASE("delivery_watermark: settling an unknown or settled batch does not move the mark" *
          doctest::skip(debug_build)) {
  delivery_watermark mark;
  mark.read_through(line_at(1));
  mark.pending(0, line_at(1));
  mark.read_through(line_at(101));
  mark.pending(1000, line_at(101));
  mark.read_through(line_at(201));
  mark.settled(0);
  CHECK(mark.safe() == line_at(101));
  mark.settled(0);     // twice
  mark.settled(7777);  // never handed out
  CHECK(mark.safe() == line_at(101));
  CHECK(mark.in_flight() == 1);
}

TEST_CASE("delivery_watermark: the mark never moves backwards, even when called wrongly" *
          doctest::skip(debug_build)) {
  delivery_watermark mark;
  mark.read_through(line_at(50));
  mark.read_through(line_at(20));  // backwards: ignored
  CHECK(mark.safe() == line_at(50));
  mark.pending(10, line_at(30));  // starts before read_through: kept, holds the mark
  CHECK(mark.safe() == line_at(50));
  mark.read_through(line_at(80));
  CHECK(mark.safe() == line_at(50));
  mark.pending(10, line_at(90));  // a repeated key: refused
  CHECK(mark.in_flight() == 1);
  mark.settled(10);
  CHECK(mark.safe() == line_at(80));
  CHECK(mark.in_flight() == 0);
}

TEST_CASE("delivery_watermark: many workers settling in any order end at the exact mark") {
  constexpr std::uint64_t batches = 20'000;
  constexpr std::uint64_t lines_per_batch = 100;
  constexpr std::uint64_t held_back = 12'345;  // settled last, alone
  constexpr int workers = 4;
  delivery_watermark mark;

  // Handed-out batch keys travel to the workers through a queue, as in the pipeline.
  std::mutex queue_mutex;
  std::condition_variable queue_ready;
  std::deque<std::uint64_t> queue;
  bool reading_done = false;

  std::atomic<bool> went_backwards = false;
  std::atomic<bool> observing = true;
  std::thread observer([&] {
    position last = mark.safe();
    while (observing.load()) {
      const position now = mark.safe();
      if (now < last) went_backwards = true;
      last = now;
    }
  });

  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (;;) {
        std::unique_lock lock(queue_mutex);
        queue_ready.wait(lock, [&] { return !queue.empty() || reading_done; });
        if (queue.empty()) return;
        // Taking from either end settles batches out of order.
        const bool from_back = queue.size() % 3 == 0;
        const auto key = from_back ? queue.back() : queue.front();
        from_back ? queue.pop_back() : queue.pop_front();
        lock.unlock();
        if (key != held_back * lines_per_batch * 10) mark.settled(key);
      }
    });
  }

  for (std::uint64_t b = 0; b < batches; ++b) {
    const auto first = line_at(b * lines_per_batch + 1);
    mark.read_through(first);
    mark.pending(first.offset, first);
    {
      std::lock_guard lock(queue_mutex);
      queue.push_back(first.offset);
    }
    queue_ready.notify_one();
  }
  const auto end = line_at(batches * lines_per_batch + 1);
  mark.read_through(end);
  {
    std::lock_guard lock(queue_mutex);
    reading_done = true;
  }
  queue_ready.notify_all();
  for (auto& t : pool) t.join();

  CHECK(mark.in_flight() == 1);
  CHECK(mark.safe() == line_at(held_back * lines_per_batch + 1));
  mark.settled(held_back * lines_per_batch * 10);
  CHECK(mark.in_flight() == 0);
  CHECK(mark.safe() == end);
  observing = false;
  observer.join();
  CHECK(!went_backwards.load());
}
