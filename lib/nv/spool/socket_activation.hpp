// The listening sockets systemd passed to the service (socket activation, nvimport.socket).
#pragma once

#include <vector>

namespace nv::spool {

/// Returns the listening stream sockets systemd passed (LISTEN_FDS for this process), and unsets
/// the variables so children do not inherit them; empty when not socket-activated. Descriptors
/// that are not listening stream sockets are left out. Throws std::system_error when the
/// variables are malformed (a start-up error).
std::vector<int> activated_listen_fds();

}  // namespace nv::spool
