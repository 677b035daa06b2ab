// Tells the service manager how the daemon is doing, over sd_notify(3) from libsystemd.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace nv::service {

/// Sends state changes to systemd when it started us with Type=notify ($NOTIFY_SOCKET set);
/// every call is a no-op returning no error otherwise, so the daemon runs the same in a
/// terminal. Each call is one datagram sent on a fresh socket: cheap, but not for a hot loop.
/// A send can only wait when the manager's receive queue is full.
/// Errors returned: the send's errno (e.g. no such socket); a failed notification never stops
/// the service, the caller logs it and carries on. Thread-safe as long as nobody changes the
/// environment at the same time (libsystemd reads it on every call).
class service_notifier {
 public:
  /// Returns true when $NOTIFY_SOCKET names a socket to report to.
  bool enabled() const;

  /// Reports start-up finished (READY=1): configuration read, sources open.
  std::error_code ready();

  /// Reports a one-line status shown by `systemctl status` (STATUS=...); line breaks become
  /// spaces, because a newline would start another assignment in the message.
  std::error_code status(std::string_view text);

  /// Reports that the configuration is being read again (RELOADING=1); say ready() after.
  std::error_code reloading();

  /// Reports that a graceful stop began (STOPPING=1), before the drain.
  std::error_code stopping();

  /// Tells the watchdog the event loop is alive (WATCHDOG=1).
  std::error_code watchdog();

  /// Asks for `more` time before the manager's start or stop timeout fires
  /// (EXTEND_TIMEOUT_USEC=...); send it again before it runs out while a drain lasts.
  std::error_code extend_timeout(std::chrono::microseconds more);

  /// Returns the watchdog timeout when the manager expects WATCHDOG=1 from this process
  /// ($WATCHDOG_USEC set, and $WATCHDOG_PID unset or ours); ping at half of it. Nothing when
  /// the watchdog is off, meant for another process, or its variables are malformed.
  std::optional<std::chrono::microseconds> watchdog_interval() const;

 private:
  // Sends one newline-separated list of assignments; 0 from sd_notify (no socket) is no error.
  std::error_code send(const std::string& state);
};

}  // namespace nv::service
