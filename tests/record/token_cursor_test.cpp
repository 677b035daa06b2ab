// Tests for token_cursor: the tokens of stage 1's index as the fast path reads them.
#include "nv/record/token_cursor.hpp"

#include <string>
#include <string_view>

#include <doctest/doctest.h>
#include <simdjson.h>

#include "record/record_test_support.hpp"

using namespace nv::record;
namespace od = simdjson::ondemand;

namespace {

/// Runs `use(cursor)` on the tokens of `line`, in a buffer whose padding is hostile.
template <typename Use>
void with_tokens(std::string_view line, Use use) {
  testing::with_padded_line(line, testing::hostile_padding, [&](std::string_view padded) {
    od::parser parser;
    od::json_iterator iter;
    const simdjson::padded_string_view input(padded.data(), padded.size(),
                                             padded.size() + simdjson::SIMDJSON_PADDING);
    REQUIRE_FALSE(parser.iterate_raw(input).get(iter));
    token_cursor cursor(iter);
    use(cursor);
    return 0;
  });
}

}  // namespace

TEST_CASE("peek() and token() see each token with the spaces after it; advance() moves on") {
  with_tokens(R"({ "a" : 12 , "b":"x\"y"})", [](token_cursor& tokens) {
    CHECK(*tokens.peek() == '{');
    CHECK(tokens.token() == "{ ");
    CHECK(tokens.token(1) == R"("a" )");
    CHECK(*tokens.peek(2) == ':');
    CHECK(tokens.token(3) == "12 ");
    tokens.advance(4);
    CHECK(tokens.token() == ", ");
    CHECK(tokens.token(1) == R"("b")");
    CHECK(tokens.token(3) == R"("x\"y")");
    CHECK(tokens.last_is_close());
    CHECK_FALSE(tokens.at_end());
    tokens.advance(4);
    CHECK(tokens.token() == "}");
    CHECK_FALSE(tokens.at_end());
    tokens.advance(1);
    CHECK(tokens.at_end());
  });
}

TEST_CASE("copies move on their own; at_end() answers for the copy it is called on") {
  with_tokens(R"({"a":1})", [](token_cursor& tokens) {
    token_cursor ahead = tokens;
    ahead.advance(5);
    CHECK(ahead.at_end());
    CHECK(*tokens.peek() == '{');  // the first cursor has not moved
    tokens.advance(4);
    CHECK(*tokens.peek() == '}');
  });
}

TEST_CASE("last_is_close() looks at the last token, whatever comes before") {
  with_tokens(R"({"a":1})", [](token_cursor& tokens) { CHECK(tokens.last_is_close()); });
  with_tokens(R"({"a":1)", [](token_cursor& tokens) { CHECK_FALSE(tokens.last_is_close()); });
  with_tokens(R"([1,{}])", [](token_cursor& tokens) { CHECK_FALSE(tokens.last_is_close()); });
  with_tokens(R"(}   )", [](token_cursor& tokens) { CHECK(tokens.last_is_close()); });
}

TEST_CASE("unescape() reads a string with escapes as get_string() does") {
  with_tokens(R"({"k":"a\u00e9\n\"b"})", [](token_cursor& tokens) {
    std::string_view text;
    REQUIRE(tokens.unescape(tokens.peek(3), text) == simdjson::SUCCESS);
    CHECK(text == "a\xc3\xa9\n\"b");
  });
  with_tokens(R"({"k":"a\x"})", [](token_cursor& tokens) {
    std::string_view text;
    CHECK(tokens.unescape(tokens.peek(3), text) != simdjson::SUCCESS);
  });
}
