// Tests for nvsim's strict wire checks: every rule of API.md's tables, one body at a time.
#include "sim/wire_checks.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <string>

namespace {

// Returns the DOM of `text`, parsed by a parser shared by the test (one document at a time).
simdjson::dom::element parse(const std::string& text) {
  static simdjson::dom::parser parser;
  return parser.parse(text).value();
}

// Returns the error for a one-user body with these user_attributes ("" when accepted).
std::string check_attrs(const std::string& attrs, nv::sim::attribute_types types = {}) {
  auto body = parse(R"({"nv":[{"userID":"u1","user_attributes":)" + attrs + "}]}");
  return nv::sim::check_create_body(body, types).error;
}

std::string check(const std::string& text) {
  nv::sim::attribute_types types;
  return nv::sim::check_create_body(parse(text), types).error;
}

}  // namespace

TEST_CASE("a documented body passes and yields its users") {
  auto body = parse(
      R"({"nv":[{"userID":"michaelclark@example.com","user_attributes":{"name":"Michael Smith",)"
      R"("email":"michaelclark@example.com","mobile":"+551155256325","birth_date":"1990-11-25",)"
      R"("gender":"male","email_opt_in":"1","sms_opt_in":"0","whatsapp_opt_in":"2","plan":"gold"}},)"
      R"({"anonymousID":"anon-1"}]})");
  nv::sim::attribute_types types;
  auto result = nv::sim::check_create_body(body, types);
  REQUIRE(result.ok());
  REQUIRE(result.users.size() == 2);
  CHECK(result.users[0].id == "michaelclark@example.com");
  CHECK_FALSE(result.users[0].anonymous);
  CHECK(result.users[1].id == "anon-1");
  CHECK(result.users[1].anonymous);
  CHECK(result.new_types.at("plan") == nv::sim::attribute_type::string);
  CHECK(types.empty());  // The caller commits.
}

TEST_CASE("the nv array holds 1 to 100 users") {
  CHECK(check(R"({"nv":[]})") == "Error: nv must hold 1-100 users, not 0");
  std::string many = R"({"nv":[)";
  for (int i = 0; i < 101; ++i) {
    if (i > 0) many += ',';
    many += R"({"userID":"x"})";
  }
  CHECK(check(many + "]}") == "Error: nv must hold 1-100 users, not 101");
  CHECK(check(R"({"users":[]})") == "Error: body must be an object with an nv array");
  CHECK(check(R"({"nv":[{"userID":"a"}],"x":1})") == "Error: unexpected field beside nv");
  CHECK(check(R"({"nv":[1]})") == "Error: user must be an object, user #0");
}

TEST_CASE("identity: userID or anonymousID, strings of 1 to 100 code points") {
  CHECK(check(R"({"nv":[{"userID":"a"},{}]})") ==
        "Error: userID and anonymousID cannot be empty, user #1");
  CHECK(check(R"({"nv":[{"userID":""}]})") == "Error: userID must be 1-100 characters, user #0");
  CHECK(check(R"({"nv":[{"userID":7}]})") == "Error: userID must be a string, user #0");
  CHECK(check(R"({"nv":[{"anonymousID":null}]})") ==
        "Error: anonymousID must be a string, user #0");
  std::string hundred_e_acute;
  for (int i = 0; i < 100; ++i) hundred_e_acute += "\xc3\xa9";
  CHECK(check(R"({"nv":[{"userID":")" + hundred_e_acute + R"("}]})").empty());
  CHECK(check(R"({"nv":[{"userID":")" + hundred_e_acute + R"(e"}]})") ==
        "Error: userID must be 1-100 characters, user #0");
  CHECK(check(R"({"nv":[{"userID":"a","email":"a@b"}]})") == "Error: unknown field email, user a");
}

TEST_CASE("standard attributes follow API.md's rules") {
  CHECK(check_attrs(R"({"gender":"Male"})") ==
        R"(Error: bad gender "Male" (male, female or other), user u1)");
  CHECK(check_attrs(R"({"gender":"other"})").empty());
  CHECK(check_attrs(R"({"email_opt_in":1})") == "Error: email_opt_in must be a string, user u1");
  CHECK(check_attrs(R"({"sms_opt_in":"3"})") ==
        R"(Error: bad sms_opt_in "3" ("0", "1" or "2"), user u1)");
  CHECK(check_attrs(R"({"birth_date":"1990-02-29"})") ==
        R"(Error: bad birth_date "1990-02-29" (YYYY-MM-DD), user u1)");
  CHECK(check_attrs(R"({"birth_date":"2000-02-29"})").empty());
  CHECK(check_attrs(R"({"birth_date":"1986-08-19T15:45:00-0800"})") ==
        R"(Error: bad birth_date "1986-08-19T15:45:00-0800" (YYYY-MM-DD), user u1)");
  CHECK(check_attrs(R"({"mobile":"+0123456789"})") ==
        R"(Error: bad mobile "+0123456789" (E.164), user u1)");
  CHECK(check_attrs(R"({"mobile":"5511552563"})") ==
        R"(Error: bad mobile "5511552563" (E.164), user u1)");
  CHECK(check_attrs(R"({"email":"a@b@c"})") == R"(Error: bad email "a@b@c", user u1)");
  CHECK(check_attrs(R"({"email":"@b"})") == R"(Error: bad email "@b", user u1)");
  CHECK(check_attrs(R"({"name":")" + std::string(1000, 'n') + R"("})") ==
        "Error: name longer than 999 characters, user u1");
  CHECK(check_attrs(R"({"name":")" + std::string(999, 'n') + R"("})").empty());
}

TEST_CASE("custom attributes: names, values and one type per attribute per brand") {
  CHECK(check_attrs(R"({"":"x"})") ==
        R"(Error: attribute name "" must be 1-49 characters, user u1)");
  CHECK(check_attrs(R"({")" + std::string(50, 'a') + R"(":"x"})") ==
        "Error: attribute name \"" + std::string(50, 'a') + "\" must be 1-49 characters, user u1");
  CHECK(check_attrs(R"({"tags":[1]})") ==
        "Error: attribute tags must be a string, number, boolean or object, user u1");
  CHECK(check_attrs(R"({"note":null})") ==
        "Error: attribute note must be a string, number, boolean or object, user u1");
  CHECK(check_attrs(R"({"note":")" + std::string(1000, 'x') + R"("})") ==
        "Error: attribute note longer than 999 characters, user u1");
  CHECK(check_attrs(R"({"n":1.5,"b":true,"o":{"k":[1]}})").empty());

  nv::sim::attribute_types brand{{"age", nv::sim::attribute_type::number}};
  CHECK(check_attrs(R"({"age":"7"})", brand) ==
        "Error: attribute age changed type from number to string, user u1");
  CHECK(check(R"({"nv":[{"userID":"a","user_attributes":{"k":true}},)"
              R"({"userID":"b","user_attributes":{"k":{}}}]})") ==
        "Error: attribute k changed type from boolean to object, user b");
}

TEST_CASE("a rejected body introduces no attribute types") {
  nv::sim::attribute_types types;
  auto body = parse(
      R"({"nv":[{"userID":"a","user_attributes":{"k":1}},{"userID":"b","user_attributes":{"gender":"M"}}]})");
  auto result = nv::sim::check_create_body(body, types);
  CHECK_FALSE(result.ok());
  CHECK(result.users.empty());
  CHECK(result.new_types.empty());
}

TEST_CASE("user_event/create bodies carry a user and an event") {
  nv::sim::attribute_types types;
  auto good = parse(R"({"nv":{"userID":"a","event_name":"buy","date":"2024-01-02"}})");
  CHECK(nv::sim::check_event_body(good, types).ok());
  auto no_event = parse(R"({"nv":{"userID":"a"}})");
  CHECK(nv::sim::check_event_body(no_event, types).error ==
        "Error: event_name must be a non-empty string, user a");
  auto bad_date = parse(R"({"nv":{"userID":"a","event_name":"e","date":"2024-13-01"}})");
  CHECK(nv::sim::check_event_body(bad_date, types).error ==
        "Error: date must be YYYY-MM-DD, user a");
}

TEST_CASE("a key twice in one object is found anywhere in the body") {
  CHECK_FALSE(nv::sim::find_duplicate_key(parse(R"({"nv":[{"userID":"a"},{"userID":"b"}]})")));
  CHECK(nv::sim::find_duplicate_key(parse(R"({"nv":[{"userID":"a","userID":"b"}]})")) == "userID");
  CHECK(nv::sim::find_duplicate_key(
            parse(R"({"nv":[{"userID":"a","user_attributes":{"x":{"c":1,"c":2}}}]})")) == "c");
  std::string wide = R"({"nv":[{"userID":"a","user_attributes":{)";
  for (int i = 0; i < 40; ++i) wide += "\"k" + std::to_string(i) + "\":1,";
  CHECK_FALSE(nv::sim::find_duplicate_key(parse(wide + R"("k40":1}}]})")));
  CHECK(nv::sim::find_duplicate_key(parse(wide + R"("k7":1}}]})")) == "k7");
}

TEST_CASE("every standard attribute name is recognised, and near misses are custom") {
  for (std::string name :
       {"name", "first_name", "last_name", "company", "hashed_email", "hashed_mobile", "email",
        "mobile", "birth_date", "gender", "email_opt_in", "sms_opt_in", "whatsapp_opt_in"}) {
    CAPTURE(name);
    CHECK(check_attrs(R"({")" + name + R"(":7})") ==
          "Error: " + name + " must be a string, user u1");
  }
  for (std::string name : {"nome", "emails", "gendre", "sms_opt_ix", "Email"}) {
    CAPTURE(name);
    CHECK(check_attrs(R"({")" + name + R"(":7})").empty());
  }
  CHECK(check_attrs(R"({"whatsapp_opt_in":"1","sms_opt_in":"11"})") ==
        R"(Error: bad sms_opt_in "11" ("0", "1" or "2"), user u1)");
}

TEST_CASE("the create check itself refuses a key twice anywhere, before any other rule") {
  const std::string malformed = "Error: malformed JSON: duplicate key ";
  CHECK(check(R"({"nv":[{"userID":"a","userID":"b"}]})") == malformed + "userID");
  CHECK(check(R"({"nv":[{"userID":"a","user_attributes":{"p":1,"q":2,"p":3}}]})") ==
        malformed + "p");
  CHECK(check(R"({"nv":[{"userID":"a","user_attributes":{"o":{"z":{"c":1,"c":2}}}}]})") ==
        malformed + "c");
  CHECK(check(R"({"nv":[{"userID":"a"}],"nv":[{"userID":"b"}]})") == malformed + "nv");
  CHECK(check(R"([{"a":1,"a":2}])") == malformed + "a");
  // A rule broken by an earlier user does not hide a duplicate in a later one.
  CHECK(check(R"({"nv":[{"userID":"a","user_attributes":{"gender":"M"}},)"
              R"({"userID":"b","user_attributes":{"x":1,"x":1}}]})") == malformed + "x");
  // The key named is the one find_duplicate_key names (an object's own keys before those of
  // the objects inside it), whichever object the check's walk met first.
  CHECK(check(R"({"nv":[{"userID":"a","user_attributes":{"o":{"k":1,"k":2},"m":1,"m":2}}]})") ==
        malformed + "m");
  // Users after the first are searched unless their names are the previous user's, in order.
  auto users = [](std::initializer_list<std::string> attrs) {
    std::string body = R"({"nv":[)";
    int i = 0;
    for (const auto& a : attrs) {
      if (i > 0) body += ',';
      body += R"({"userID":"u)";
      body += std::to_string(i++);
      body += R"(","user_attributes":{)";
      body += a;
      body += "}}";
    }
    return body + "]}";
  };
  CHECK(check(users({R"("p":1,"q":1)", R"("p":1,"q":1)", R"("q":1,"p":1)"})).empty());
  CHECK(check(users({R"("p":1,"q":1)", R"("p":1,"q":1,"p":2)"})) == malformed + "p");
  CHECK(check(users({R"("p":1,"q":1)", R"("q":1,"q":2)"})) == malformed + "q");
  CHECK(check(users({R"("p":1,"q":1,"r":1)", R"("p":1,"p":2)"})) == malformed + "p");
  CHECK(check(users({R"("p":1,"q":1)", R"("r":1)", R"("p":1,"q":1)", R"("r":1,"r":2)"})) ==
        malformed + "r");
  CHECK(check(users({R"("gender":"male","email":"a@b")", R"("gender":"male","gender":"male")"})) ==
        malformed + "gender");
  // Objects wider than the pairwise limit, for the user and for its attributes.
  std::string wide = R"({"nv":[{"userID":"a","user_attributes":{)";
  for (int i = 0; i < 40; ++i) wide += "\"k" + std::to_string(i) + "\":1,";
  CHECK(check(wide + R"("k40":1}}]})").empty());
  CHECK(check(wide + R"("k39":1}}]})") == malformed + "k39");
  CHECK(check(R"({"nv":[{"userID":"a","user_attributes":{"x":{"a":1,"a":{}}}}]})") ==
        malformed + "a");
  auto result = nv::sim::check_create_body(
      parse(R"({"nv":[{"userID":"a","user_attributes":{"k":1}},{"userID":"a","userID":"b"}]})"),
      {});
  CHECK(result.users.empty());
  CHECK(result.new_types.empty());
}

TEST_CASE("the event check refuses a key twice, in the event's attributes too") {
  nv::sim::attribute_types types;
  auto in_user = parse(R"({"nv":{"userID":"a","event_name":"e","event_name":"f"}})");
  CHECK(nv::sim::check_event_body(in_user, types).error ==
        "Error: malformed JSON: duplicate key event_name");
  auto in_attributes =
      parse(R"({"nv":{"userID":"a","event_name":"e","attributes":{"n":1,"n":2}}})");
  CHECK(nv::sim::check_event_body(in_attributes, types).error ==
        "Error: malformed JSON: duplicate key n");
  auto fine = parse(R"({"nv":{"userID":"a","event_name":"e","attributes":{"n":1,"m":2}}})");
  CHECK(nv::sim::check_event_body(fine, types).ok());
}

TEST_CASE("attribute types stay consistent whatever the order of each user's attributes") {
  // Same position, another name; same name, another position; and a type change at a position
  // whose name the previous user shared.
  CHECK(check(R"({"nv":[{"userID":"a","user_attributes":{"p":1,"q":"x"}},)"
              R"({"userID":"b","user_attributes":{"q":"y","p":2}},)"
              R"({"userID":"c","user_attributes":{"q":"z","p":"3"}}]})") ==
        "Error: attribute p changed type from number to string, user c");
  CHECK(check(R"({"nv":[{"userID":"a","user_attributes":{"p":1,"q":"x"}},)"
              R"({"userID":"b","user_attributes":{"p":2,"q":true}}]})") ==
        "Error: attribute q changed type from string to boolean, user b");
  CHECK(check(R"({"nv":[{"userID":"a","user_attributes":{"p":1,"gender":"male","q":"x"}},)"
              R"({"userID":"b","user_attributes":{"gender":"male","q":"y","p":false}}]})") ==
        "Error: attribute p changed type from number to boolean, user b");
  nv::sim::attribute_types brand{{"q", nv::sim::attribute_type::string}};
  auto body = parse(R"({"nv":[{"userID":"a","user_attributes":{"p":1,"q":"x"}},)"
                    R"({"userID":"b","user_attributes":{"p":2,"q":"y","r":{}}}]})");
  auto result = nv::sim::check_create_body(body, brand);
  REQUIRE(result.ok());
  CHECK(result.new_types.size() == 2);
  CHECK(result.new_types.at("p") == nv::sim::attribute_type::number);
  CHECK(result.new_types.at("r") == nv::sim::attribute_type::object);
  auto changed = parse(R"({"nv":[{"userID":"a","user_attributes":{"q":"x"}},)"
                       R"({"userID":"b","user_attributes":{"q":2}}]})");
  CHECK(nv::sim::check_create_body(changed, brand).error ==
        "Error: attribute q changed type from string to number, user b");
}

TEST_CASE("same_text compares every length, including differences only at either end") {
  using nv::sim::same_text;
  for (std::size_t n = 0; n <= 40; ++n) {
    CAPTURE(n);
    std::string a(n, 'x'), b(n, 'x');
    for (std::size_t i = 0; i < n; ++i) a[i] = b[i] = static_cast<char>('a' + i % 26);
    CHECK(same_text(a, b));
    if (n == 0) continue;
    for (std::size_t at : {std::size_t{0}, n / 2, n - 1}) {
      std::string c = b;
      c[at] = '#';
      CHECK_FALSE(same_text(a, c));
    }
    CHECK_FALSE(same_text(a, b.substr(0, n - 1)));
  }
}

TEST_CASE("is_calendar_date agrees with std::chrono on every month and day of 13 chosen years") {
  using namespace std::chrono;
  for (int y : {0, 1, 4, 99, 100, 400, 1900, 1999, 2000, 2023, 2024, 2100, 9999}) {
    for (unsigned m = 0; m <= 13; ++m) {
      for (unsigned d = 0; d <= 32; ++d) {
        std::string text = fmt::format("{:04}-{:02}-{:02}", y, m, d);
        bool real = y >= 1 && year_month_day{year{y}, month{m}, day{d}}.ok();
        CAPTURE(text);
        CHECK(nv::sim::is_calendar_date(text) == real);
      }
    }
  }
  for (const char* bad : {"2024-1-01", "2024-01-1 ", "2024/01/01", "2O24-01-01", "2024-0a-01",
                          "2024-01-0:", "+024-01-01", "2024-01-01T", "", "20240101"})
    CHECK_FALSE(nv::sim::is_calendar_date(bad));
}
