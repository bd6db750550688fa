// I-Regexp: the syntax tree of iregexp_parser.cpp compiled to an NFA program
// that a Pike-style simulation runs over the text's code points. No captures
// are needed (match() and search() only say yes or no), so a thread is just
// a program counter.

#include "analysis/iregexp.hpp"

#include "analysis/iregexp_syntax.hpp"
#include "analysis/utf8.hpp"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hb::analysis {

struct IRegexp::Program
{
  std::vector<iregexp::Inst> code;
  std::vector<iregexp::CharSet> sets;
};

namespace {

using iregexp::Inst;
using iregexp::k_max_instructions;
using iregexp::Node;
using iregexp::Op;

class Compiler
{
public:
  explicit Compiler(std::vector<Inst>& code) : m_code(code) {}

  bool compile(const Node& node)
  {
    switch (node.kind) {
    case Node::Kind::set: return emit({Op::set, 0, 0, node.set}).has_value();
    case Node::Kind::text_start: return emit({Op::assert_start}).has_value();
    case Node::Kind::text_end: return emit({Op::assert_end}).has_value();
    case Node::Kind::concat:
      for (const auto& child : node.children) {
        if (!compile(child)) {
          return false;
        }
      }
      return true;
    case Node::Kind::alternation: return compile_alternation(node.children);
    case Node::Kind::repeat: return compile_repeat(node.children.front(), node.min, node.max);
    }
    return false;
  }

  bool finish() { return emit({Op::match}).has_value(); }

private:
  int here() const { return static_cast<int>(m_code.size()); }

  /// Appends an instruction whose `x` is the next one (callers patch jumps
  /// and splits); nothing once the program is too large.
  std::optional<int> emit(Inst inst)
  {
    if (m_code.size() >= k_max_instructions) {
      return std::nullopt;
    }
    inst.x = here() + 1;
    m_code.push_back(inst);
    return here() - 1;
  }

  bool compile_alternation(const std::vector<Node>& branches)
  {
    std::vector<int> exits;
    for (std::size_t i = 0; i + 1 < branches.size(); ++i) {
      const auto split = emit({Op::split});
      if (!split || !compile(branches[i])) {
        return false;
      }
      const auto exit = emit({Op::jump});
      if (!exit) {
        return false;
      }
      exits.push_back(*exit);
      m_code[*split].y = here();
    }
    if (!compile(branches.back())) {
      return false;
    }
    for (int exit : exits) {
      m_code[exit].x = here();
    }
    return true;
  }

  bool compile_repeat(const Node& operand, int min, int max)
  {
    for (int i = 0; i < min; ++i) {
      if (!compile(operand)) {
        return false;
      }
    }
    if (max == -1) {
      const auto loop = emit({Op::split});
      if (!loop || !compile(operand)) {
        return false;
      }
      const auto back = emit({Op::jump});
      if (!back) {
        return false;
      }
      m_code[*back].x = *loop;
      m_code[*loop].y = here();
      return true;
    }
    // x{n,m}: n copies, then m - n optional ones, each of which may skip to
    // the end.
    std::vector<int> skips;
    for (int i = min; i < max; ++i) {
      const auto skip = emit({Op::split});
      if (!skip || !compile(operand)) {
        return false;
      }
      skips.push_back(*skip);
    }
    for (int skip : skips) {
      m_code[skip].y = here();
    }
    return true;
  }

  std::vector<Inst>& m_code;
};

/// The set of live threads (program counters) at one text position: a sparse
/// set, so insertion, membership and clearing are O(1).
class ThreadList
{
public:
  explicit ThreadList(std::size_t size) : m_dense(size), m_sparse(size) {}

  bool contains(int pc) const
  {
    const std::size_t index = m_sparse[pc];
    return index < m_size && m_dense[index] == pc;
  }
  void insert(int pc)
  {
    m_sparse[pc] = m_size;
    m_dense[m_size++] = pc;
  }
  void clear() { m_size = 0; }
  std::size_t size() const { return m_size; }
  int operator[](std::size_t i) const { return m_dense[i]; }

private:
  std::vector<int> m_dense;
  std::vector<std::size_t> m_sparse;
  std::size_t m_size = 0;
};

/// Adds `start` and everything reachable from it without consuming a code
/// point; the asserts see whether the position is the text's start or end.
void
add_thread(const std::vector<Inst>& code, ThreadList& list, std::vector<int>& stack, int start,
           bool at_start, bool at_end)
{
  stack.push_back(start);
  while (!stack.empty()) {
    const int pc = stack.back();
    stack.pop_back();
    if (list.contains(pc)) {
      continue;
    }
    list.insert(pc);
    const Inst& inst = code[pc];
    switch (inst.op) {
    case Op::jump: stack.push_back(inst.x); break;
    case Op::split:
      stack.push_back(inst.y);
      stack.push_back(inst.x);
      break;
    case Op::assert_start:
      if (at_start) {
        stack.push_back(inst.x);
      }
      break;
    case Op::assert_end:
      if (at_end) {
        stack.push_back(inst.x);
      }
      break;
    case Op::set:
    case Op::match: break;
    }
  }
}

} // namespace

IRegexp::IRegexp(std::shared_ptr<const Program> program) : m_program(std::move(program)) {}

Result<IRegexp>
IRegexp::compile(std::string_view pattern)
{
  std::vector<char32_t> chars;
  for (std::size_t pos = 0; pos < pattern.size();) {
    const auto c = decode_utf8(pattern, pos);
    if (!c) {
      return make_error("validation.invalid_iregexp",
                        fmt::format("I-Regexp column {}: not UTF-8", chars.size() + 1));
    }
    chars.push_back(*c);
  }
  auto program = std::make_shared<Program>();
  Node root;
  std::string error;
  if (!iregexp::parse(std::move(chars), program->sets, root, error)) {
    return make_error("validation.invalid_iregexp", "I-Regexp " + error);
  }
  Compiler compiler(program->code);
  if (!compiler.compile(root) || !compiler.finish()) {
    return make_error("validation.invalid_iregexp",
                      fmt::format("I-Regexp needs more than {} instructions; use smaller "
                                  "repetition counts",
                                  k_max_instructions));
  }
  return IRegexp(std::move(program));
}

bool
IRegexp::matches(std::string_view text) const
{
  return run(text, true);
}

bool
IRegexp::search(std::string_view text) const
{
  return run(text, false);
}

bool
IRegexp::run(std::string_view text, bool anchored) const
{
  const auto& code = m_program->code;
  const int match_pc = static_cast<int>(code.size()) - 1;
  ThreadList current(code.size());
  ThreadList next(code.size());
  std::vector<int> stack;
  add_thread(code, current, stack, 0, true, text.empty());
  std::size_t pos = 0;
  while (true) {
    if (!anchored && current.contains(match_pc)) {
      return true;
    }
    if (pos == text.size() || (anchored && current.size() == 0)) {
      break;
    }
    const auto c = decode_utf8(text, pos);
    if (!c) {
      return false;
    }
    const bool at_end = pos == text.size();
    next.clear();
    for (std::size_t i = 0; i < current.size(); ++i) {
      const Inst& inst = code[current[i]];
      if (inst.op == Op::set && m_program->sets[inst.set].contains(*c)) {
        add_thread(code, next, stack, inst.x, false, at_end);
      }
    }
    if (!anchored) {
      // search(): a match may also begin here.
      add_thread(code, next, stack, 0, false, at_end);
    }
    std::swap(current, next);
  }
  return current.contains(match_pc);
}

} // namespace hb::analysis
