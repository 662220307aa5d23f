// The "did you mean" rule shared by variable names and subcommand names (core/suggest.hpp).
#include "promtls/core/suggest.hpp"

#include <catch2/catch.hpp>

using promtls::core::edit_distance;
using promtls::core::near_enough;
using promtls::core::nearest;

TEST_CASE("edit distance counts an adjacent transposition as one edit") {
  CHECK(edit_distance("inspect", "inspect") == 0);
  CHECK(edit_distance("inspec", "inspect") == 1);
  CHECK(edit_distance("valdiate", "validate") == 1);
  CHECK(edit_distance("", "serve") == 5);
  CHECK(edit_distance("rules", "serve") == 5);  // no letter in place: every one differs
}

TEST_CASE("a word is near enough within two edits or a third of its length") {
  CHECK(near_enough("abc", 2));
  CHECK_FALSE(near_enough("abc", 3));
  CHECK(near_enough("abcdefghi", 3));  // 9 / 3
  CHECK_FALSE(near_enough("abcdefghi", 4));
}

TEST_CASE("the nearest candidate is suggested only when it is near enough") {
  const std::vector<std::string_view> subcommands = {"validate", "inspect", "selftest",
                                                     "rules",    "serve",   "help"};
  CHECK(nearest("inspec", subcommands) == "inspect");
  CHECK(nearest("serv", subcommands) == "serve");
  CHECK(nearest("rule", subcommands) == "rules");
  CHECK(nearest("kubectl", subcommands).empty());
  CHECK(nearest("x", {}).empty());
  // On a tie the first candidate wins, so the order of the list decides.
  CHECK(nearest("ab", {"abc", "abd"}) == "abc");
}
