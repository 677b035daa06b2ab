// Draws nvsim's faults from one seeded generator so a test run can be repeated.
#include "sim/faults.hpp"

namespace nv::sim {

fault_injector::fault_injector(const fault_options& faults)
    : faults_(faults), random_(faults.seed != 0 ? faults.seed : std::random_device{}()) {
  if (!faults_.reject_user.empty()) reject_user_.emplace(faults_.reject_user);
}

bool fault_injector::roll(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return std::uniform_real_distribution<double>(0.0, 1.0)(random_) < p;
}

std::chrono::milliseconds fault_injector::delay() {
  if (faults_.delay_max_ms == 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<std::uint32_t> d(faults_.delay_min_ms, faults_.delay_max_ms);
  return std::chrono::milliseconds(d(random_));
}

bool fault_injector::rejects_user(std::string_view user_id) const {
  return reject_user_ && std::regex_search(user_id.begin(), user_id.end(), *reject_user_);
}

}  // namespace nv::sim
