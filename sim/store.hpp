// One brand's in-memory users and events: what nvsim "stored".
#pragma once

#include "sim/wire_checks.hpp"

#include <boost/container/pmr/unsynchronized_pool_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace nv::sim {

/// One attribute of a stored user: its name, by its index among the brand's names, and value.
struct stored_attribute {
  std::uint32_t name;
  boost::json::value value;
};

/// A stored user: identity plus the merged attributes of every upsert, in the order each was
/// first set. The names are the brand's (brand_store::attributes_json() spells them out): an
/// import's million users share a few dozen names, which are then held once, not per user.
struct stored_user {
  std::string id;
  bool anonymous = false;
  std::vector<stored_attribute> attributes;
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

  /// Returns the user with this userID, or null. Valid until the next change of the store.
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

  /// Returns the attributes of a user of this store as a JSON object, in their stored order.
  boost::json::object attributes_json(const stored_user& user) const;

  /// Returns every stored user, anonymousIDs first, each kind ordered by id. Sorts on each
  /// call: the dump and the tests ask, not the hot path.
  std::vector<const stored_user*> users() const;

  /// Returns the number of stored users.
  std::size_t size() const { return stored_; }

  /// Forgets users, received identities, types and recorded (not seeded) events.
  void clear();

 private:
  // What the store knows of one identity received or stored.
  struct identity {
    identity(std::string_view id, bool anonymous, std::uint64_t hash)
        : user{std::string(id), anonymous, {}}, hash(hash) {}

    stored_user user;  // id and anonymous always; attributes only while stored.
    std::uint64_t hash = 0;
    bool stored = false;    // False when lost, deleted, or only received.
    bool received = false;  // Arrived in a create body before.
  };
  // One place of the open-addressing index: the high half of an identity's hash, so most
  // probes are answered without touching (and missing the cache on) the identity itself, and
  // the identity's position in identities_ plus one (0: empty place).
  struct place {
    std::uint32_t tag = 0;
    std::uint32_t position = 0;
  };

  // Returns the position of an identity in identities_ plus one, or 0 when unknown.
  std::uint32_t locate(std::string_view id, bool anonymous, std::uint64_t hash) const;
  // Returns the identity of a user, created (neither stored nor received) when new.
  identity& entry(const checked_user& user);
  // Puts identity `position` into the index; there must be room.
  void index(std::uint32_t position);
  // Stores `user` in its identity, merging its attributes.
  void store(identity& slot, const checked_user& user);
  // Sets each incoming attribute, keeping the stored ones it does not name.
  void merge(std::vector<stored_attribute>& stored, simdjson::dom::object incoming);
  // Returns the index of `name`, added when new, and remembers it for `position`.
  std::uint32_t remember_name(std::size_t position, std::string_view name);

  // The memory of stored attribute values. Boost.JSON allocates each longer string and each
  // nested object apart: an import's million users make millions of small blocks, which a pool
  // of blocks by size hands out from free lists, without malloc's search and per-block header.
  // Freed blocks return to their list. On the heap, so the store can move; declared before
  // identities_, so it outlives the attributes it holds.
  std::unique_ptr<boost::container::pmr::unsynchronized_pool_resource> pool_ =
      std::make_unique<boost::container::pmr::unsynchronized_pool_resource>();
  // Every identity received or stored. A deque: identities never move as it grows, and an
  // import's million users cost no reallocation of those already there.
  std::deque<identity> identities_;
  // Linear probing over a power-of-two table at most half full. Built for the insert path of
  // an import (a new identity per user, a million of them): a node-based map paid an
  // allocation per user and, without cached hashes, hashed other keys again on every probe.
  std::vector<place> places_;
  std::size_t stored_ = 0;
  // Attribute names, each once: names_[i] is name i, found by name through name_index_. A
  // deque, so a name's text never moves; name_texts_[i] views it, one load away.
  std::deque<std::string> names_;
  std::vector<std::string_view> name_texts_;
  std::unordered_map<std::string_view, std::uint32_t, name_hash> name_index_;  // Views names_.
  // The names of the last user merged, by position: users of one import share the names and
  // order of their attributes, so a name is mostly found by one comparison, without a hash.
  struct remembered_name {
    std::string_view text;  // In names_.
    std::uint32_t index;
  };
  std::vector<remembered_name> name_memo_;
  std::shared_ptr<const attribute_types> types_ = std::make_shared<const attribute_types>();
  std::vector<user_event> seeded_events_;
  std::vector<user_event> events_;
};

}  // namespace nv::sim
