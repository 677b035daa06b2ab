// sd_listen_fds: systemd's descriptors start at SD_LISTEN_FDS_START.
#include "nv/spool/socket_activation.hpp"

#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include <system_error>

namespace nv::spool {

std::vector<int> activated_listen_fds() {
  const int count = ::sd_listen_fds(1);
  if (count < 0) throw std::system_error(-count, std::generic_category(), "sd_listen_fds");
  std::vector<int> fds;
  for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + count; ++fd) {
    if (::sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) > 0) fds.push_back(fd);
  }
  return fds;
}

}  // namespace nv::spool
