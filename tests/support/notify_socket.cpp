// A bound abstract AF_UNIX datagram socket read through poll() with a deadline.
#include "support/notify_socket.hpp"

#include <fmt/format.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>

namespace nv::test {

notify_socket::notify_socket() {
  static std::atomic<unsigned> counter{0};
  name_ = fmt::format("@nv-notify-test-{}-{}", ::getpid(), counter++);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, name_.data(), name_.size());
  // An abstract name starts with a NUL byte and its length is exact, not NUL-terminated.
  address.sun_path[0] = '\0';
  auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
    auto why = std::strerror(errno);
    if (fd_ >= 0) ::close(fd_);
    throw std::runtime_error(fmt::format("cannot bind notify socket {}: {}", name_, why));
  }
}

notify_socket::~notify_socket() {
  ::close(fd_);
}

std::optional<std::string> notify_socket::receive(std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  for (;;) {
    std::array<char, 4096> buffer{};
    ssize_t got = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (got >= 0) return std::string(buffer.data(), static_cast<std::size_t>(got));
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd readable{fd_, POLLIN, 0};
    ::poll(&readable, 1, static_cast<int>(left.count()));
  }
}

}  // namespace nv::test
