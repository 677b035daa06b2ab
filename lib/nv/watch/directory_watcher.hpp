// Wakes the daemon when a file in the watched directory may be ready, through inotify on the
// io_context, or by polling where inotify is not available.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_set>

namespace nv::watch {

/// How a watcher learns about new files.
enum class watch_mode {
  automatic,  ///< inotify when the kernel offers it, else polling
  polling,    ///< only periodic scans (e.g. a network file system inotify does not see)
};

/// Follows the files of one directory. With inotify it knows which files are still open for
/// writing (created or modified, not yet closed) and which are complete (closed after
/// writing, or renamed in); without it, only a scan's "unchanged for a while" can tell.
/// Use from the io_context's thread.
class directory_watcher {
 public:
  /// Watches `dir`; falls back to polling when inotify cannot be set up (why() says so).
  directory_watcher(boost::asio::any_io_executor executor, const std::filesystem::path& dir,
                    watch_mode mode = watch_mode::automatic);
  ~directory_watcher();

  /// Returns true when inotify is in use.
  bool uses_inotify() const noexcept { return inotify_.is_open(); }
  /// Returns why the watcher polls ("" when it uses inotify or polling was asked for).
  const std::string& why_polling() const noexcept { return why_polling_; }

  /// Returns when something changed since the last call, or after `poll` at the latest.
  boost::asio::awaitable<void> wait(std::chrono::milliseconds poll);

  /// Returns true when `name` was closed after writing or renamed in since it last appeared.
  bool complete(const std::string& name) const { return complete_.contains(name); }
  /// Returns true when `name` was created or written to and not closed since.
  bool being_written(const std::string& name) const { return writing_.contains(name); }
  /// Forgets `name` (it was claimed, or removed).
  void forget(const std::string& name);

  /// Stops watching; a pending wait() returns.
  void close();

 private:
  void read_events();
  void handle_event(std::uint32_t mask, std::string_view name);

  boost::asio::posix::stream_descriptor inotify_;
  boost::asio::steady_timer wake_;
  std::string why_polling_;
  bool changed_ = true;  // the first wait() returns at once: scan what is already there
  bool closed_ = false;
  std::unordered_set<std::string> complete_;
  std::unordered_set<std::string> writing_;
  alignas(8) std::array<char, 16384> events_{};
};

}  // namespace nv::watch
