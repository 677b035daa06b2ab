// Tests for activated_listen_fds: what systemd's LISTEN_PID/LISTEN_FDS hand over.
#include "nv/spool/socket_activation.hpp"

#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using nv::spool::activated_listen_fds;

TEST_CASE("activated_listen_fds: nothing when the process was not socket-activated") {
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  CHECK(activated_listen_fds().empty());
}

TEST_CASE("activated_listen_fds: the listening socket systemd put at descriptor 3") {
  const auto path = nv::test::make_temp_dir("activation") / "in.sock";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strcpy(address.sun_path, path.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  // As systemd does it: in a fresh process, the socket at 3 and the variables naming that pid.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::dup2(fd, 3) != 3) ::_exit(2);
    ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
    ::setenv("LISTEN_FDS", "1", 1);
    const bool found = activated_listen_fds() == std::vector<int>{3};
    const bool unset = std::getenv("LISTEN_FDS") == nullptr;  // children do not inherit them
    ::_exit(found && unset ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  ::close(fd);
}
