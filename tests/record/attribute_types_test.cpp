// Tests for the run-wide attribute type registry.
#include "nv/record/attribute_types.hpp"

#include <doctest/doctest.h>

using namespace nv::record;

TEST_CASE("the first registered type wins") {
  attribute_types types;
  CHECK(types.size() == 0);
  CHECK_FALSE(types.find("plan").has_value());
  CHECK(types.register_type("plan", attr_type::string) == attr_type::string);
  CHECK(types.register_type("plan", attr_type::number) == attr_type::string);
  CHECK(types.find("plan") == attr_type::string);
  CHECK(types.register_type("vip", attr_type::boolean) == attr_type::boolean);
  CHECK(types.size() == 2);
  CHECK(attr_type_name(attr_type::object) == "object");
  CHECK(attr_type_name(attr_type::number) == "number");
}
