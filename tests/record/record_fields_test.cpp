// Tests for per-record field collection, duplicate detection and wire serialisation.
#include "nv/record/record_fields.hpp"

#include <string>

#include <doctest/doctest.h>

#include "record/padded_texts.hpp"

using namespace nv::record;
using nv::record::testing::padded_texts;

namespace {

/// Texts for set() and add_custom(), each followed by copy_padding readable bytes, as the
/// input line and the parser's buffers are.
padded_texts padded_for_wire() {
  return padded_texts(std::string(copy_padding, '\xff'));
}

const std::string_view names_for_test[] = {"n0",  "n1",  "n2",  "n3",  "n4",  "n5",  "n6",
                                           "n7",  "n8",  "n9",  "n10", "n11", "n12", "n13",
                                           "n14", "n15", "n16", "n17", "n18", "n19"};

}  // namespace

TEST_CASE("wire serialisation orders standard attributes and omits what is empty") {
  auto padded = padded_for_wire();
  record_fields fields;
  fields.clear();
  CHECK(fields.claim(field_id::gender, "gender", {}));
  fields.set(field_id::gender, {padded("male"), true});
  CHECK(fields.claim(field_id::user_id, "userId", {}));
  fields.set(field_id::user_id, {"u\"1", false});
  CHECK(fields.claim(field_id::name, "name", "attributes"));
  fields.set(field_id::name, {"", true});  // not provided
  CHECK(fields.claim_custom("b", false));
  fields.add_custom({padded("b"), true}, attr_type::number, {padded("2"), true}, false);
  CHECK(fields.claim_custom("a", false));
  fields.object_buffer().append(R"({"x":1})");
  fields.add_object({padded("a"), true}, 0, false);
  CHECK(fields.has_identity());
  text_buffer wire;
  wire.append("kept:");
  fields.write_wire(wire);
  CHECK(wire.view() ==
        R"(kept:{"userID":"u\"1","user_attributes":{"gender":"male","b":2,"a":{"x":1}}})");
  // Appended after what the buffer holds; the block copies' overrun past it is not kept.
  wire.truncate(2);
  fields.write_wire(wire);
  CHECK(wire.view() ==
        R"(ke{"userID":"u\"1","user_attributes":{"gender":"male","b":2,"a":{"x":1}}})");
}

TEST_CASE("custom attributes are written in input order, escaped where needed; new names listed") {
  auto padded = padded_for_wire();
  record_fields fields;
  for (int round = 0; round < 2; ++round) {  // the second record reuses the buffers
    fields.clear();
    CHECK(fields.claim(field_id::user_id, "userID", {}));
    fields.set(field_id::user_id, {padded("u"), true});
    fields.add_custom({padded("s"), true}, attr_type::string, {padded("a\"b\n"), false}, true);
    fields.add_custom({padded("k\"ey"), false}, attr_type::boolean, {padded("true"), true}, false);
    fields.object_buffer().append(R"({"o":[1,"x"]})");
    fields.add_object({padded("obj"), true}, 0, false);
    CHECK(fields.object_buffer().empty());  // copied into the wire at once
    fields.add_custom({padded("n"), true}, attr_type::number, {padded("-1.5e3"), true}, true);
    fields.add_custom({padded("e"), true}, attr_type::string, {padded(""), true}, false);
    text_buffer wire;
    fields.write_wire(wire);
    CHECK(wire.view() == R"({"userID":"u","user_attributes":{"s":"a\"b\n","k\"ey":true,)"
                         R"("obj":{"o":[1,"x"]},"n":-1.5e3,"e":""}})");
    REQUIRE(fields.unregistered().size() == 3);
    CHECK(fields.unregistered()[0].name == "k\"ey");
    CHECK(fields.unregistered()[0].type == attr_type::boolean);
    CHECK(fields.unregistered()[1].name == "obj");
    CHECK(fields.unregistered()[1].type == attr_type::object);
    CHECK(fields.unregistered()[2].name == "e");
    CHECK(fields.unregistered()[2].type == attr_type::string);
  }
  // Only custom attributes: user_attributes holds them alone.
  fields.clear();
  fields.set(field_id::anonymous_id, {padded("v"), true});
  fields.add_custom({padded("c"), true}, attr_type::number, {padded("7"), true}, true);
  text_buffer wire;
  fields.write_wire(wire);
  CHECK(wire.view() == R"({"anonymousID":"v","user_attributes":{"c":7}})");
  CHECK(fields.unregistered().empty());
}

TEST_CASE("claims find duplicates under any spelling and custom names given twice") {
  record_fields fields;
  CHECK(fields.claim(field_id::email, "email", {}));
  CHECK_FALSE(fields.claim(field_id::email, "email", "user_attributes"));
  const auto duplicate = fields.duplicate(field_id::email, "email", "user_attributes");
  CHECK(duplicate.code == reject_code::duplicate_key);
  CHECK(duplicate.message == R"(email is given twice: as "email" and as "user_attributes.email")");
  CHECK(fields.claim_custom("x", false));
  CHECK_FALSE(fields.claim_custom("x", false));
  fields.clear();
  CHECK(fields.claim(field_id::email, "email", {}));
  CHECK(fields.claim_custom("x", false));
  CHECK_FALSE(fields.has_identity());
}

TEST_CASE("a custom name the caller knows to be distinct is not compared") {
  record_fields fields;
  CHECK(fields.claim_custom("a", true));
  CHECK(fields.claim_custom("a", true));  // trusted: no scan
  CHECK_FALSE(fields.claim_custom("a", false));
  for (int i = 0; i < 20; ++i) CHECK(fields.claim_custom(names_for_test[i], true));
  // Past the linear scan, the set of names is built from every name claimed, trusted or not.
  CHECK_FALSE(fields.claim_custom(names_for_test[3], false));
  CHECK_FALSE(fields.claim_custom("a", false));
  CHECK(fields.claim_custom("new", false));
  CHECK_FALSE(fields.claim_custom("new", false));
}
