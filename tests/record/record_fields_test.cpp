// Tests for per-record field collection, duplicate detection and wire serialisation.
#include "nv/record/record_fields.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace nv::record;

TEST_CASE("wire serialisation orders standard attributes and omits what is empty") {
  record_fields fields;
  fields.clear();
  CHECK(fields.claim(field_id::gender, "gender", {}));
  fields.set(field_id::gender, {"male", true});
  CHECK(fields.claim(field_id::user_id, "userId", {}));
  fields.set(field_id::user_id, {"u\"1", false});
  CHECK(fields.claim(field_id::name, "name", "attributes"));
  fields.set(field_id::name, {"", true});  // not provided
  bool cached = false;
  std::optional<attr_type> type;
  CHECK(fields.claim_custom("b", cached, type));
  fields.add_custom({"b", true}, attr_type::number, {"2", true}, false);
  CHECK(fields.claim_custom("a", cached, type));
  fields.object_buffer().append(R"({"x":1})");
  fields.add_object({"a", true}, 0, false);
  CHECK(fields.has_identity());
  std::string wire = "kept:";
  fields.write_wire(wire);
  CHECK(wire == R"(kept:{"userID":"u\"1","user_attributes":{"gender":"male","b":2,"a":{"x":1}}})");
}

TEST_CASE("claims find duplicates under any spelling and custom names given twice") {
  record_fields fields;
  CHECK(fields.claim(field_id::email, "email", {}));
  CHECK_FALSE(fields.claim(field_id::email, "email", "user_attributes"));
  const auto duplicate = fields.duplicate(field_id::email, "email", "user_attributes");
  CHECK(duplicate.code == reject_code::duplicate_key);
  CHECK(duplicate.message == R"(email is given twice: as "email" and as "user_attributes.email")");
  bool cached = false;
  std::optional<attr_type> type;
  CHECK(fields.claim_custom("x", cached, type));
  CHECK_FALSE(fields.claim_custom("x", cached, type));
  fields.clear();
  CHECK(fields.claim(field_id::email, "email", {}));
  CHECK(fields.claim_custom("x", cached, type));
  CHECK_FALSE(fields.has_identity());
}

TEST_CASE("an accepted record's names short-cut the next record's lookups") {
  attribute_types types;
  types.register_type("a", attr_type::string);
  types.register_type("b", attr_type::number);
  record_fields fields;
  bool cached = true;
  std::optional<attr_type> type;
  CHECK(fields.claim_custom("a", cached, type));
  CHECK_FALSE(cached);
  CHECK(fields.claim_custom("b", cached, type));
  fields.remember(types);
  fields.clear();
  CHECK(fields.claim_custom("a", cached, type));
  CHECK(cached);
  CHECK(type == attr_type::string);
  CHECK_FALSE(fields.claim_custom("a", cached, type));  // a repeat leaves the track
  CHECK(fields.claim_custom("b", cached, type));
  CHECK_FALSE(cached);
}
