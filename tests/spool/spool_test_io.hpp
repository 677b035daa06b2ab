// What the spool tests share: an io_context on its own thread, calls made on it, and files.
#pragma once

#include <doctest/doctest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>

namespace nv::test {

/// An io_context running on its own thread, as in the daemon, so blocking test producers can
/// run on the test's thread. Everything that touches the store or listener goes through call().
class io_thread {
 public:
  io_thread() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~io_thread() {
    work_.reset();
    thread_.join();
  }

  /// Returns the executor.
  boost::asio::any_io_executor executor() { return io_.get_executor(); }

  /// Runs `f` on the io thread and returns its result.
  template <typename F>
  auto call(F f) -> std::invoke_result_t<F> {
    std::packaged_task<std::invoke_result_t<F>()> task(std::move(f));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  /// Runs the coroutine `make()` returns on the io thread until it ends; returns its value.
  template <typename F>
  auto await(F make) {
    auto result = boost::asio::co_spawn(io_, make(), boost::asio::use_future);
    return result.get();
  }

  /// Waits until `condition()`, checked on the io thread, holds; fails after 10 s. A wait
  /// for state, not for time: it polls only because the state has no signal to await.
  template <typename F>
  bool wait_until(F condition) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!call(condition)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::yield();
    }
    return true;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

/// Returns the whole content of `path`.
inline std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

/// Writes `text` to `path`, replacing it.
inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

}  // namespace nv::test
