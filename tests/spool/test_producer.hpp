// A blocking POSIX producer for the listener tests: connect, write, half-close, read the ack.
#pragma once

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace nv::test {

/// Returns the address of the Unix socket `path`.
inline sockaddr_un unix_address(const std::filesystem::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const auto text = path.string();
  REQUIRE(text.size() < sizeof address.sun_path);
  std::memcpy(address.sun_path, text.c_str(), text.size() + 1);
  return address;
}

/// One producer connection with blocking I/O (the io_context runs on its own thread).
class test_producer {
 public:
  /// Connects to the Unix socket `path`; throws std::runtime_error when it cannot.
  static test_producer to_unix(const std::filesystem::path& path) {
    const auto address = unix_address(path);
    return test_producer(AF_UNIX, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  }
  /// Connects to 127.0.0.1:`port`.
  static test_producer to_tcp(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return test_producer(AF_INET, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  }

  test_producer(test_producer&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  ~test_producer() {
    if (fd_ >= 0) ::close(fd_);
  }

  /// Writes all of `text` (blocking).
  void send(std::string_view text) {
    while (!text.empty()) {
      const auto n = ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      REQUIRE(n > 0);
      text.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  /// Writes as much of `text` as the socket takes without blocking; returns the bytes written
  /// (fewer than asked once the socket's buffers are full: EAGAIN).
  std::size_t send_some(std::string_view text) {
    const auto n = ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    REQUIRE(n >= 0);
    return static_cast<std::size_t>(n);
  }
  /// Says "that is all" (shutdown(SHUT_WR)): the listener answers with its ack line.
  void half_close() { REQUIRE(::shutdown(fd_, SHUT_WR) == 0); }

  /// Reads until the listener closes; nullopt when nothing came within 10 s.
  std::optional<std::string> read_to_end() {
    std::string text;
    char buffer[4096];
    for (;;) {
      pollfd ready{.fd = fd_, .events = POLLIN, .revents = 0};
      if (::poll(&ready, 1, 10000) <= 0) return std::nullopt;
      const auto n = ::read(fd_, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return text;  // EOF, or a reset after the listener gave up on us
      text.append(buffer, static_cast<std::size_t>(n));
    }
  }

  /// Returns the descriptor.
  int fd() const noexcept { return fd_; }

 private:
  test_producer(int family, const sockaddr* address, socklen_t length)
      : fd_(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0 || ::connect(fd_, address, length) != 0)
      throw std::runtime_error(std::string("test producer cannot connect: ") +
                               std::strerror(errno));
  }

  int fd_ = -1;
};

}  // namespace nv::test
