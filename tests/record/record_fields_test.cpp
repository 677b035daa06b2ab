// Tests for per-record field collection, duplicate detection and wire serialisation.
#include "nv/record/record_fields.hpp"

#include <deque>
#include <string>

#include <doctest/doctest.h>

using namespace nv::record;

namespace {

/// Texts for set() and add_custom(), each followed by copy_padding readable bytes, as the
/// input line and the parser's buffers are.
class padded_texts {
 public:
  std::string_view operator()(std::string_view text) {
    auto& stored = texts_.emplace_back(text);
    stored.append(copy_padding, '\xff');
    return std::string_view(stored).substr(0, text.size());
  }

 private:
  std::deque<std::string> texts_;
};

}  // namespace

TEST_CASE("wire serialisation orders standard attributes and omits what is empty") {
  padded_texts padded;
  record_fields fields;
  fields.clear();
  CHECK(fields.claim(field_id::gender, "gender", {}));
  fields.set(field_id::gender, {padded("male"), true});
  CHECK(fields.claim(field_id::user_id, "userId", {}));
  fields.set(field_id::user_id, {"u\"1", false});
  CHECK(fields.claim(field_id::name, "name", "attributes"));
  fields.set(field_id::name, {"", true});  // not provided
  bool cached = false;
  std::optional<attr_type> type;
  CHECK(fields.claim_custom("b", cached, type));
  fields.add_custom({padded("b"), true}, attr_type::number, {padded("2"), true}, false);
  CHECK(fields.claim_custom("a", cached, type));
  fields.object_buffer().append(R"({"x":1})");
  fields.add_object({padded("a"), true}, 0, false);
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
