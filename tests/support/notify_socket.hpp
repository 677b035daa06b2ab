// The service manager's end of systemd's notify protocol for tests: a datagram socket the test
// owns, whose name goes into a child's NOTIFY_SOCKET, read with deadlines.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace nv::test {

/// An AF_UNIX datagram socket bound in the abstract namespace (no file to clean up, no path
/// length limit from a deep build directory). Not thread-safe.
class notify_socket {
 public:
  /// Binds a fresh abstract name. Throws std::runtime_error when it cannot.
  notify_socket();
  ~notify_socket();
  notify_socket(const notify_socket&) = delete;
  notify_socket& operator=(const notify_socket&) = delete;

  /// Returns the value NOTIFY_SOCKET must hold to reach this socket ("@name").
  const std::string& name() const { return name_; }

  /// Returns the next datagram, or nothing when none arrived within `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout);

 private:
  std::string name_;
  int fd_ = -1;
};

}  // namespace nv::test
