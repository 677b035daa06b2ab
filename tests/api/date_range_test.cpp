// Tests of the local date range checks.
#include "nv/api/date_range.hpp"

#include <doctest/doctest.h>

using nv::api::check_date_range;
using nv::api::is_iso_date;

TEST_CASE("real YYYY-MM-DD dates only") {
  CHECK(is_iso_date("2024-02-29"));
  CHECK(is_iso_date("2023-12-31"));
  CHECK_FALSE(is_iso_date("2023-02-29"));
  CHECK_FALSE(is_iso_date("2023-13-01"));
  CHECK_FALSE(is_iso_date("2023-04-31"));
  CHECK_FALSE(is_iso_date("2023-4-01"));
  CHECK_FALSE(is_iso_date("2023/04/01"));
  CHECK_FALSE(is_iso_date("2023-04-01T00:00"));
  CHECK_FALSE(is_iso_date("0000-01-01"));
  CHECK_FALSE(is_iso_date(""));
}

TEST_CASE("a range is from <= to, each a real date, with a message naming the flag") {
  CHECK_FALSE(check_date_range("2024-01-01", "2024-01-01"));
  CHECK_FALSE(check_date_range("2023-12-31", "2024-01-01"));
  CHECK(check_date_range("2024-01-02", "2024-01-01").value() ==
        "--from 2024-01-02 is after --to 2024-01-01");
  CHECK(check_date_range("2024-02-30", "2024-03-01").value() ==
        "--from \"2024-02-30\" is not a real date YYYY-MM-DD");
  CHECK(check_date_range("2024-02-01", "tomorrow").value() ==
        "--to \"tomorrow\" is not a real date YYYY-MM-DD");
}
