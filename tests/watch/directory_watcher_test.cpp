// Tests of the directory watcher: inotify's view of files being written, closed, renamed in.
#include "nv/watch/directory_watcher.hpp"

#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>

namespace fs = std::filesystem;
namespace asio = boost::asio;
using namespace std::chrono_literals;
using nv::watch::directory_watcher;
using nv::watch::watch_mode;

namespace {

/// Runs one wait() and returns how long it took.
std::chrono::milliseconds timed_wait(asio::io_context& io, directory_watcher& watcher,
                                     std::chrono::milliseconds poll) {
  auto start = std::chrono::steady_clock::now();
  auto done = asio::co_spawn(io, watcher.wait(poll), asio::use_future);
  io.restart();
  io.run();
  done.get();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

}  // namespace

TEST_CASE("with inotify, a file is being written until closed, then complete") {
  auto dir = nv::test::make_temp_dir("watch-inotify");
  asio::io_context io;
  directory_watcher watcher(io.get_executor(), dir);
  REQUIRE(watcher.uses_inotify());
  CHECK(watcher.why_polling().empty());
  CHECK(timed_wait(io, watcher, 60s) < 10s);  // the first wait returns at once: scan now

  std::FILE* file = std::fopen((dir / "users.ndjson").c_str(), "w");
  REQUIRE(file);
  std::fputs("{}\n", file);
  std::fflush(file);
  // Far below the poll time: inotify woke it.
  CHECK(timed_wait(io, watcher, 60s) < 30s);
  CHECK(watcher.being_written("users.ndjson"));
  CHECK_FALSE(watcher.complete("users.ndjson"));

  std::fclose(file);
  CHECK(timed_wait(io, watcher, 60s) < 30s);
  CHECK(watcher.complete("users.ndjson"));
  CHECK_FALSE(watcher.being_written("users.ndjson"));

  watcher.forget("users.ndjson");
  CHECK_FALSE(watcher.complete("users.ndjson"));
}

TEST_CASE("with inotify, a file renamed in is complete and a dotfile is not followed") {
  auto dir = nv::test::make_temp_dir("watch-rename");
  asio::io_context io;
  directory_watcher watcher(io.get_executor(), dir);
  REQUIRE(watcher.uses_inotify());
  timed_wait(io, watcher, 60s);
  std::ofstream(dir / ".users.tmp") << "{}\n";
  timed_wait(io, watcher, 60s);
  CHECK_FALSE(watcher.being_written(".users.tmp"));
  CHECK_FALSE(watcher.complete(".users.tmp"));
  fs::rename(dir / ".users.tmp", dir / "users.ndjson");
  timed_wait(io, watcher, 60s);
  CHECK(watcher.complete("users.ndjson"));
  fs::remove(dir / "users.ndjson");
  timed_wait(io, watcher, 60s);
  CHECK_FALSE(watcher.complete("users.ndjson"));
}

TEST_CASE("polling waits the poll time and knows nothing about writers") {
  auto dir = nv::test::make_temp_dir("watch-poll");
  asio::io_context io;
  directory_watcher watcher(io.get_executor(), dir, watch_mode::polling);
  CHECK_FALSE(watcher.uses_inotify());
  CHECK(watcher.why_polling().empty());
  timed_wait(io, watcher, 60s);
  std::ofstream(dir / "users.ndjson") << "{}\n";
  CHECK(timed_wait(io, watcher, 50ms) >= 50ms);
  CHECK_FALSE(watcher.complete("users.ndjson"));
  CHECK_FALSE(watcher.being_written("users.ndjson"));
}

TEST_CASE("a directory that cannot be watched falls back to polling and says why") {
  asio::io_context io;
  directory_watcher watcher(io.get_executor(), "/nonexistent/nvimport-watch-test");
  CHECK_FALSE(watcher.uses_inotify());
  CHECK(watcher.why_polling() ==
        "cannot watch \"/nonexistent/nvimport-watch-test\" with inotify: No such file or "
        "directory");
}

TEST_CASE("close() makes a pending and every later wait return") {
  auto dir = nv::test::make_temp_dir("watch-close");
  asio::io_context io;
  directory_watcher watcher(io.get_executor(), dir);
  timed_wait(io, watcher, 60s);
  auto done = asio::co_spawn(io, watcher.wait(60s), asio::use_future);
  io.restart();
  io.poll();  // the wait is now pending
  watcher.close();
  io.run();
  done.get();
  CHECK(timed_wait(io, watcher, 60s) < 10s);
}
