// One brand's in-memory users and events: what nvsim "stored".
#pragma once

#include "sim/wire_checks.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace nv::sim {

/// A stored user: identity plus the merged attributes of every upsert.
struct stored_user {
  std::string id;
  bool anonymous = false;
  boost::json::object attributes;
};

/// One event: who, what, and the day (YYYY-MM-DD; a date-time is cut to its date).
struct user_event {
  std::string user_id;
  std::string event_name;
  std::string date;
};

/// Users, events and attribute types of one brand. Not thread-safe: simulated_api serialises
/// every call; only a snapshot of the types (types()) may be read by another thread.
class brand_store {
 public:
  /// Notes that a user arrived in a create body and, when `keep`, upserts it as upsert() does;
  /// returns whether it had arrived before (a duplicate). One lookup for both.
  bool receive(const checked_user& user, bool keep);

  /// Creates or updates a user, merging attributes into what is stored.
  void upsert(const checked_user& user);

  /// Removes a user by userID; returns whether it existed.
  bool erase(std::string_view user_id);

  /// Returns the user with this userID, or null.
  const stored_user* find(std::string_view user_id) const;

  /// Records an event (seeded events survive clear()).
  void add_event(user_event event, bool seeded = false);

  /// Returns the userIDs with `event_name` between the two dates (inclusive), sorted, distinct.
  std::vector<std::string> users_with_event(std::string_view event_name, std::string_view start,
                                            std::string_view end) const;

  /// Returns the attribute types this brand has seen, for the consistency check. The map is
  /// never changed once returned (add_types() and clear() publish a new one), so a request may
  /// check a body against it without holding the lock that guards the store.
  const std::shared_ptr<const attribute_types>& types() const { return types_; }

  /// Adds the types an accepted body introduced (a new map, only when there are any).
  void add_types(const attribute_types& introduced);

  /// Returns every stored user, ordered by identity.
  const std::map<std::string, stored_user>& users() const { return users_; }

  /// Forgets users, received identities, types and recorded (not seeded) events.
  void clear();

 private:
  // What the index knows of one identity.
  struct identity {
    stored_user* user = nullptr;  // Null when not stored (lost, deleted, or only received).
    bool received = false;        // Arrived in a create body before.
  };

  // Returns the map key of a user, 'u' or 'a' then the id, in a buffer reused by the next call.
  const std::string& key(std::string_view id, bool anonymous) const;
  // Returns the index entry of a user, created empty when new.
  identity& entry(const checked_user& user);
  // Stores `user` as `slot`'s user, creating it when absent, and merges its attributes.
  void store(identity& slot, const checked_user& user);

  std::map<std::string, stored_user> users_;  // Key: 'u' or 'a' then the id.
  // Every identity received or stored, by the same key, for lookups: ids of one import share
  // long prefixes, which makes each comparison of the ordered map's search a memcmp of most of
  // the key. One table for both questions spares a second hash and probe per user.
  std::unordered_map<std::string, identity, name_hash, std::equal_to<>> index_;
  std::shared_ptr<const attribute_types> types_ = std::make_shared<const attribute_types>();
  std::vector<user_event> seeded_events_;
  std::vector<user_event> events_;
  mutable std::string key_;  // Spares an allocation per lookup.
};

}  // namespace nv::sim
