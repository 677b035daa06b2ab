// inotify on the io_context: one readiness wait raced against the poll timer.
#include "nv/watch/directory_watcher.hpp"

#include "nv/watch/inbox.hpp"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/inotify.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace nv::watch {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

constexpr std::uint32_t watched_events = IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO |
                                         IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF |
                                         IN_ONLYDIR;

std::string errno_text(int error) {
  return std::strerror(error);
}

}  // namespace

directory_watcher::directory_watcher(asio::any_io_executor executor,
                                     const std::filesystem::path& dir, watch_mode mode)
    : inotify_(executor), wake_(executor) {
  if (mode == watch_mode::polling) return;
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    why_polling_ = fmt::format("inotify is not available: {}", errno_text(errno));
    return;
  }
  if (::inotify_add_watch(fd, dir.c_str(), watched_events) < 0) {
    why_polling_ =
        fmt::format("cannot watch \"{}\" with inotify: {}", dir.string(), errno_text(errno));
    ::close(fd);
    return;
  }
  inotify_.assign(fd);
}

directory_watcher::~directory_watcher() = default;

asio::awaitable<void> directory_watcher::wait(std::chrono::milliseconds poll) {
  if (closed_) co_return;
  if (std::exchange(changed_, false)) co_return;
  wake_.expires_after(poll);
  if (!inotify_.is_open()) {
    co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return;
  }
  auto readable = inotify_.async_wait(asio::posix::stream_descriptor::wait_read,
                                      asio::as_tuple(asio::use_awaitable));
  auto tick = wake_.async_wait(asio::as_tuple(asio::use_awaitable));
  auto either = std::move(readable) || std::move(tick);
  co_await std::move(either);
  read_events();
  changed_ = false;  // this wait reports what was read now
}

void directory_watcher::read_events() {
  // Non-blocking reads until the queue is empty: one wake may carry many events.
  while (inotify_.is_open()) {
    auto n = ::read(inotify_.native_handle(), events_.data(), events_.size());
    if (n <= 0) break;
    for (std::size_t at = 0; at < static_cast<std::size_t>(n);) {
      const auto* event = reinterpret_cast<const inotify_event*>(events_.data() + at);
      handle_event(event->mask, event->len ? std::string_view(event->name) : std::string_view());
      at += sizeof(inotify_event) + event->len;
    }
  }
}

void directory_watcher::handle_event(std::uint32_t mask, std::string_view view) {
  changed_ = true;
  if (mask & IN_Q_OVERFLOW) {
    // Events were lost: a close may be among them, so stop trusting "being written" and let
    // the scan's settle time decide.
    writing_.clear();
    return;
  }
  if (mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
    why_polling_ = "the watched directory was removed or moved; polling";
    inotify_.close();
    return;
  }
  std::string name(view);
  if (mask & (IN_MOVED_FROM | IN_DELETE)) {
    forget(name);
    return;
  }
  if ((mask & IN_ISDIR) || !is_input_name(name)) return;
  if (mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
    writing_.erase(name);
    complete_.insert(std::move(name));
  } else if (mask & (IN_CREATE | IN_MODIFY)) {
    complete_.erase(name);
    writing_.insert(std::move(name));
  }
}

void directory_watcher::forget(const std::string& name) {
  complete_.erase(name);
  writing_.erase(name);
}

void directory_watcher::close() {
  closed_ = true;
  wake_.cancel();
  boost::system::error_code ignored;
  inotify_.cancel(ignored);
}

}  // namespace nv::watch
