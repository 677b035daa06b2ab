// Unit tests of service_notifier: the exact datagrams a notify socket receives (at a path and
// in the abstract namespace), the no-op without one, and when the watchdog applies to us.
#include "nv/service/service_notifier.hpp"
#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;
using nv::service::service_notifier;

namespace {

/// Clears the variables libsystemd reads for the test's lifetime and puts the old values back,
/// so one test's socket never leaks into the next (or into the test runner's own manager).
class saved_environment {
 public:
  saved_environment() {
    for (std::size_t i = 0; i < names_.size(); ++i) {
      const char* value = std::getenv(names_[i]);
      if (value != nullptr) saved_[i] = value;
      ::unsetenv(names_[i]);
    }
  }
  ~saved_environment() {
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (saved_[i]) {
        ::setenv(names_[i], saved_[i]->c_str(), 1);
      } else {
        ::unsetenv(names_[i]);
      }
    }
  }
  saved_environment(const saved_environment&) = delete;
  saved_environment& operator=(const saved_environment&) = delete;

  /// Sets one variable until the destructor restores it.
  void set(const char* name, const std::string& value) { ::setenv(name, value.c_str(), 1); }

 private:
  std::array<const char*, 3> names_{"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"};
  std::array<std::optional<std::string>, 3> saved_;
};

/// The manager's side: a bound AF_UNIX datagram socket the test reads notifications from.
class notify_receiver {
 public:
  /// Binds at `name`: a file path, or "@name" for the abstract namespace (as in NOTIFY_SOCKET).
  explicit notify_receiver(std::string name) : name_(std::move(name)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (name_.size() >= sizeof(address.sun_path)) throw std::length_error("socket name too long");
    std::memcpy(address.sun_path, name_.data(), name_.size());
    // An abstract name starts with a NUL byte and its length is exact, not NUL-terminated.
    if (name_.starts_with('@')) address.sun_path[0] = '\0';
    auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
      throw std::runtime_error("cannot bind " + name_ + ": " + std::strerror(errno));
    }
  }
  ~notify_receiver() { ::close(fd_); }
  notify_receiver(const notify_receiver&) = delete;
  notify_receiver& operator=(const notify_receiver&) = delete;

  /// Returns the value NOTIFY_SOCKET must hold to reach this socket.
  const std::string& name() const { return name_; }

  /// Returns the next queued datagram, or nothing when none is queued. sd_notify has sent by
  /// the time it returns, so a notification the call made is already here: no waiting.
  std::optional<std::string> take() {
    std::array<char, 4096> buffer{};
    ssize_t got = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (got < 0) return std::nullopt;
    return std::string(buffer.data(), static_cast<std::size_t>(got));
  }

 private:
  std::string name_;
  int fd_ = -1;
};

/// Sends each kind of notification once and checks each arrives as exactly one datagram.
void check_every_notification(notify_receiver& receiver) {
  service_notifier notifier;
  CHECK(notifier.enabled());
  CHECK(!notifier.ready());
  CHECK(receiver.take() == "READY=1");
  CHECK(!notifier.status("read=12 delivered=10 rejected=1"));
  CHECK(receiver.take() == "STATUS=read=12 delivered=10 rejected=1");
  CHECK(!notifier.watchdog());
  CHECK(receiver.take() == "WATCHDOG=1");
  CHECK(!notifier.extend_timeout(45s));
  CHECK(receiver.take() == "EXTEND_TIMEOUT_USEC=45000000");
  CHECK(!notifier.reloading());
  CHECK(receiver.take() == "RELOADING=1");
  CHECK(!notifier.stopping());
  CHECK(receiver.take() == "STOPPING=1");
  CHECK(receiver.take() == std::nullopt);
}

}  // namespace

TEST_CASE("without NOTIFY_SOCKET every notification is a no-op that reports no error") {
  saved_environment environment;
  service_notifier notifier;
  CHECK(!notifier.enabled());
  CHECK(!notifier.ready());
  CHECK(!notifier.status("idle"));
  CHECK(!notifier.watchdog());
  CHECK(!notifier.extend_timeout(1s));
  CHECK(!notifier.stopping());
  CHECK(notifier.watchdog_interval() == std::nullopt);
}

TEST_CASE("notifications arrive as exact datagrams at a socket path") {
  saved_environment environment;
  notify_receiver receiver((nv::test::make_temp_dir("notify") / "notify.sock").string());
  environment.set("NOTIFY_SOCKET", receiver.name());
  check_every_notification(receiver);
}

TEST_CASE("notifications arrive as exact datagrams at an abstract socket") {
  saved_environment environment;
  notify_receiver receiver("@nv-service-test-" + std::to_string(::getpid()));
  environment.set("NOTIFY_SOCKET", receiver.name());
  check_every_notification(receiver);
}

TEST_CASE("a status with line breaks stays one STATUS assignment") {
  saved_environment environment;
  notify_receiver receiver((nv::test::make_temp_dir("notify") / "notify.sock").string());
  environment.set("NOTIFY_SOCKET", receiver.name());
  service_notifier notifier;
  CHECK(!notifier.status("draining\nREADY=1\n"));
  CHECK(receiver.take() == "STATUS=draining READY=1 ");
  CHECK(receiver.take() == std::nullopt);
}

TEST_CASE("a negative timeout extension is sent as zero") {
  saved_environment environment;
  notify_receiver receiver((nv::test::make_temp_dir("notify") / "notify.sock").string());
  environment.set("NOTIFY_SOCKET", receiver.name());
  service_notifier notifier;
  CHECK(!notifier.extend_timeout(-5s));
  CHECK(receiver.take() == "EXTEND_TIMEOUT_USEC=0");
}

TEST_CASE("a notify socket nobody bound returns the send error") {
  saved_environment environment;
  environment.set("NOTIFY_SOCKET", (nv::test::make_temp_dir("notify") / "absent.sock").string());
  service_notifier notifier;
  CHECK(notifier.enabled());
  CHECK(notifier.ready() == std::errc::no_such_file_or_directory);
  CHECK(notifier.status("still running") == std::errc::no_such_file_or_directory);
}

TEST_CASE("watchdog_interval follows WATCHDOG_USEC and WATCHDOG_PID") {
  saved_environment environment;
  service_notifier notifier;

  SUBCASE("off without WATCHDOG_USEC") {
    CHECK(notifier.watchdog_interval() == std::nullopt);
  }
  SUBCASE("on for any process when WATCHDOG_PID is unset") {
    environment.set("WATCHDOG_USEC", "30000000");
    CHECK(notifier.watchdog_interval() == std::chrono::microseconds(30'000'000));
  }
  SUBCASE("on when WATCHDOG_PID is ours") {
    environment.set("WATCHDOG_USEC", "2500000");
    environment.set("WATCHDOG_PID", std::to_string(::getpid()));
    CHECK(notifier.watchdog_interval() == std::chrono::microseconds(2'500'000));
  }
  SUBCASE("off when WATCHDOG_PID names another process") {
    environment.set("WATCHDOG_USEC", "30000000");
    environment.set("WATCHDOG_PID", std::to_string(::getppid()));
    CHECK(notifier.watchdog_interval() == std::nullopt);
  }
  SUBCASE("off when WATCHDOG_USEC is zero or not a number") {
    environment.set("WATCHDOG_USEC", "0");
    CHECK(notifier.watchdog_interval() == std::nullopt);
    environment.set("WATCHDOG_USEC", "soon");
    CHECK(notifier.watchdog_interval() == std::nullopt);
  }
}
