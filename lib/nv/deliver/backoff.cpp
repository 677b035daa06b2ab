// Exponential backoff with full jitter, bounded by attempts and by age.
#include "nv/deliver/backoff.hpp"

#include <algorithm>

namespace nv::deliver {

backoff::backoff(backoff_policy policy, std::uint64_t seed) : policy_(policy), random_(seed) {}

std::optional<std::chrono::milliseconds> backoff::next_delay(std::uint32_t attempt,
                                                             std::chrono::milliseconds age) {
  if (attempt >= policy_.max_attempts || age >= policy_.max_age) return std::nullopt;
  // base·2^(attempt-1), computed without overflow: past 2^20 the cap has long been reached.
  auto exponent = std::min<std::uint32_t>(attempt == 0 ? 0 : attempt - 1, 20);
  auto ceiling = std::min<std::int64_t>(policy_.cap.count(), policy_.base.count() << exponent);
  // Never wait past the age bound: the attempt after that wait would not be allowed anyway.
  ceiling = std::min<std::int64_t>(ceiling, (policy_.max_age - age).count());
  std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(ceiling, 0));
  return std::chrono::milliseconds{pick(random_)};
}

}  // namespace nv::deliver
