#pragma once
// The syntax tree and program of an I-Regexp, shared by its parser
// (iregexp_parser.cpp) and its compiler and matcher (iregexp.cpp). Internal
// to src/analysis.

#include "analysis/unicode_category.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace hb::analysis::iregexp {

// Counted repetition copies its operand, so a{1000}{1000} would need a
// million instructions; patterns come from documents, so bound them.
constexpr std::size_t k_max_instructions = 20'000;

/// What one atom matches: ranges and categories, or everything but them.
struct CharSet
{
  std::vector<std::pair<char32_t, char32_t>> ranges;
  CategoryMask categories = 0;
  /// \P{..} items: each admits every code point outside its mask.
  std::vector<CategoryMask> excluded;
  bool negated = false;

  bool contains(char32_t c) const
  {
    bool found = false;
    for (const auto& [low, high] : ranges) {
      if (c >= low && c <= high) {
        found = true;
        break;
      }
    }
    if (!found && (categories != 0 || !excluded.empty())) {
      const CategoryMask bit = category_bit(unicode_category(c));
      found = (categories & bit) != 0;
      for (std::size_t i = 0; !found && i < excluded.size(); ++i) {
        found = (excluded[i] & bit) == 0;
      }
    }
    return found != negated;
  }
};

/// The syntax tree: sets refer to CharSets by index.
struct Node
{
  enum class Kind { set, concat, alternation, repeat, text_start, text_end };
  Kind kind = Kind::concat;
  int set = -1;
  std::vector<Node> children;
  int min = 0;
  int max = -1; // repeat: -1 for unbounded
};

/// The compiled program's instructions (iregexp.cpp).
enum class Op : std::uint8_t { set, split, jump, assert_start, assert_end, match };

struct Inst
{
  Op op;
  int x = 0; // next instruction (set, jump, asserts) or first branch (split)
  int y = 0; // second branch (split)
  int set = -1;
};

/// Parses RFC 9485's grammar (plus the ^ and $ anchors) into `root`, adding
/// its character sets to `sets`. On failure `error` says where and why:
/// "column 3: nothing to repeat before '*'".
bool parse(std::vector<char32_t> pattern, std::vector<CharSet>& sets, Node& root,
           std::string& error);

} // namespace hb::analysis::iregexp
