// Tells the service manager how the daemon is doing, over sd_notify(3) from libsystemd.
#include "nv/service/service_notifier.hpp"

#include <fmt/format.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace nv::service {

bool service_notifier::enabled() const {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  return socket != nullptr && socket[0] != '\0';
}

std::error_code service_notifier::ready() {
  return send("READY=1");
}

std::error_code service_notifier::status(std::string_view text) {
  std::string state = fmt::format("STATUS={}", text);
  std::replace(state.begin(), state.end(), '\n', ' ');
  return send(state);
}

std::error_code service_notifier::reloading() {
  return send("RELOADING=1");
}

std::error_code service_notifier::stopping() {
  return send("STOPPING=1");
}

std::error_code service_notifier::watchdog() {
  return send("WATCHDOG=1");
}

std::error_code service_notifier::extend_timeout(std::chrono::microseconds more) {
  return send(fmt::format("EXTEND_TIMEOUT_USEC={}", std::max<std::int64_t>(more.count(), 0)));
}

std::optional<std::chrono::microseconds> service_notifier::watchdog_interval() const {
  std::uint64_t usec = 0;
  // Keep the variables (unset_environment = 0): a restart of the event loop may ask again.
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(usec));
}

std::error_code service_notifier::send(const std::string& state) {
  // Keep $NOTIFY_SOCKET (unset_environment = 0): the daemon notifies many times over its life.
  int sent = sd_notify(0, state.c_str());
  if (sent < 0) return std::error_code(-sent, std::system_category());
  return {};
}

}  // namespace nv::service
