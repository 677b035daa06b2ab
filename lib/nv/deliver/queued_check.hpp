// Checking a queued batch: which user to read back, and whether what came back is what we sent.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nv::deliver {

/// Returns the userID of a wire user object, or nothing when it has none (anonymous) or the
/// text is not a wire user.
std::optional<std::string> wire_user_id(std::string_view wire);

/// Returns true when every attribute of the sent wire user appears in the stored profile
/// `stored` (the `data` of a userData answer) with an equal value. The stored profile may
/// hold more attributes (from earlier imports); numbers compare by value, objects deeply.
bool stored_matches_sent(std::string_view sent_wire, std::string_view stored);

}  // namespace nv::deliver
