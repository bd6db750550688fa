#pragma once
// I-Regexp (RFC 9485), the regular expressions of JSONPath's match() and
// search(). Ours rather than std::regex because I-Regexp works on code points
// and needs Unicode categories (\p{Lu}), which std::regex has neither of. The
// matcher simulates the automaton (no backtracking), so a hostile pattern
// costs time linear in the text.
//
// One addition the JSONPath compliance suite expects (as ECMAScript-based
// implementations behave): `^` and `$` outside a class anchor at the start
// and the end of the text. A literal caret is \^, a literal dollar [$].

#include "util/error.hpp"

#include <memory>
#include <string_view>

namespace hb::analysis {

class IRegexp
{
public:
  /// Compiles `pattern` (UTF-8). Error code "validation.invalid_iregexp", the
  /// message names the code point column and what was wrong there.
  static Result<IRegexp> compile(std::string_view pattern);

  /// Whether the whole of `text` matches (JSONPath's match()). False for
  /// text that is not UTF-8.
  bool matches(std::string_view text) const;
  /// Whether some substring of `text` matches (JSONPath's search()).
  bool search(std::string_view text) const;

  struct Program;

private:
  explicit IRegexp(std::shared_ptr<const Program> program);
  bool run(std::string_view text, bool anchored) const;

  std::shared_ptr<const Program> m_program;
};

} // namespace hb::analysis
