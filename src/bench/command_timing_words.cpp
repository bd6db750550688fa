// The words of an --exec command: split_command splits it the way a POSIX
// shell would, and needs_shell decides when that is not enough and the
// command must run through /bin/sh -c (bench/command_timing.hpp).

#include "bench/command_timing.hpp"

#include "util/json.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <iterator>

namespace hb::bench {

namespace {

bool
is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\n';
}

bool
is_shell_special(char c)
{
  constexpr std::string_view special = "|&;<>()$`*?[]{}~#!";
  return special.find(c) != std::string_view::npos;
}

bool
is_assignment(std::string_view word)
{
  auto eq = word.find('=');
  if (eq == 0 || eq == std::string_view::npos) {
    return false;
  }
  auto name_char = [](char c) { return c == '_' || std::isalnum(static_cast<unsigned char>(c)); };
  if (std::isdigit(static_cast<unsigned char>(word[0]))) {
    return false;
  }
  return std::all_of(word.begin(), word.begin() + static_cast<std::ptrdiff_t>(eq), name_char);
}

// Builtins and keywords with no program of the same name on a usual system
// (echo, printf, test, true, kill, pwd have one, so they run shell-less).
constexpr std::string_view k_shell_words[] = {
  ".",        ":",        "[[",      "alias",    "bg",      "break",   "builtin", "case",
  "cd",       "command",  "continue", "declare", "do",      "done",    "elif",    "else",
  "esac",     "eval",     "exec",    "exit",     "export",  "fc",      "fg",      "fi",
  "for",      "function", "getopts", "hash",     "if",      "jobs",    "let",     "local",
  "read",     "readonly", "return",  "select",   "set",     "shift",   "source",  "then",
  "time",     "times",    "trap",    "typeset",  "ulimit",  "umask",   "unalias", "unset",
  "until",    "wait",     "while"};

bool
is_shell_word(std::string_view word)
{
  return std::find(std::begin(k_shell_words), std::end(k_shell_words), word)
         != std::end(k_shell_words);
}

} // namespace

Result<std::vector<std::string>>
split_command(std::string_view command)
{
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  std::size_t i = 0;
  auto unterminated = [&](std::string_view what) {
    return make_error("validation.invalid_argument",
                      fmt::format("command `{}` has an unterminated {}", command, what),
                      dump_json(Json{{"command", std::string(command)}}));
  };
  while (i < command.size()) {
    char c = command[i];
    if (is_blank(c)) {
      if (in_word) {
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
      ++i;
    } else if (c == '\'') {
      auto close = command.find('\'', i + 1);
      if (close == std::string_view::npos) {
        return unterminated("single quote (')");
      }
      word.append(command.substr(i + 1, close - i - 1));
      in_word = true;
      i = close + 1;
    } else if (c == '"') {
      in_word = true;
      ++i;
      while (true) {
        if (i >= command.size()) {
          return unterminated("double quote (\")");
        }
        char d = command[i];
        if (d == '"') {
          ++i;
          break;
        }
        if (d == '\\' && i + 1 < command.size()) {
          char next = command[i + 1];
          if (next == '\n') {
            i += 2;
            continue;
          }
          if (next == '"' || next == '\\' || next == '$' || next == '`') {
            word += next;
            i += 2;
            continue;
          }
        }
        word += d;
        ++i;
      }
    } else if (c == '\\') {
      if (i + 1 >= command.size()) {
        word += c; // a trailing backslash stays literal
        in_word = true;
        ++i;
      } else if (command[i + 1] == '\n') {
        i += 2; // line continuation
      } else {
        word += command[i + 1];
        in_word = true;
        i += 2;
      }
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) {
    words.push_back(std::move(word));
  }
  if (words.empty()) {
    return make_error("validation.invalid_argument",
                      fmt::format("command `{}` is empty; give a program and its arguments",
                                  command),
                      dump_json(Json{{"command", std::string(command)}}));
  }
  return words;
}

bool
needs_shell(std::string_view command)
{
  bool in_single = false;
  bool in_double = false;
  for (std::size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (c == '\n') {
      return true;
    }
    if (in_single) {
      in_single = c != '\'';
      continue;
    }
    if (c == '\\') {
      ++i; // the escaped character is literal for the shell and for us
      continue;
    }
    if (c == '\'' && !in_double) {
      in_single = true;
    } else if (c == '"') {
      in_double = !in_double;
    } else if (is_shell_special(c)) {
      return true;
    }
  }
  if (in_single || in_double) {
    return false; // split_command reports the unterminated quote
  }
  auto words = split_command(command);
  if (!words) {
    return false;
  }
  // The first word as written: an assignment must be unquoted to count.
  std::string_view raw = command.substr(command.find_first_not_of(" \t"));
  raw = raw.substr(0, raw.find_first_of(" \t"));
  return is_assignment(raw) || is_shell_word(words->front());
}

} // namespace hb::bench
