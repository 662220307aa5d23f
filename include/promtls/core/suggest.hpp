// "Did you mean" support: the edit distance between two words and the rule for when a known word
// is near enough to an unknown one to be suggested. Used for variable names (profile.hpp) and for
// subcommand names (the cli layer). Performs no I/O; all functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace promtls::core {

// Optimal string alignment distance: Levenshtein (insert, delete, substitute one byte) plus the
// transposition of two adjacent bytes, each costing 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

// True when `distance` edits turn a known word into `word` plausibly by mistake: at most 2, or a
// third of the word's length for longer words.
bool near_enough(std::string_view word, std::size_t distance);

// The first of `candidates` nearest to `word` by edit_distance when near_enough; else "".
std::string_view nearest(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace promtls::core
