#include "analysis/jsonpath_functions.hpp"

#include "util/json.hpp"

#include <array>

namespace hb::analysis::jsonpath {

namespace {

// In FunctionId order, so function_signature() can index it.
constexpr std::array<FunctionSignature, 5> k_functions = {{
  {"length", FunctionId::length, ExprType::value, 1, {ExprType::value}},
  {"count", FunctionId::count, ExprType::value, 1, {ExprType::nodes}},
  {"match", FunctionId::match, ExprType::logical, 2, {ExprType::value, ExprType::value}},
  {"search", FunctionId::search, ExprType::logical, 2, {ExprType::value, ExprType::value}},
  {"value", FunctionId::value, ExprType::value, 1, {ExprType::nodes}},
}};

const std::string*
string_of(Value value)
{
  if (value.kind != Value::Kind::node || !value.node->is_string()) {
    return nullptr;
  }
  return &value.node->get_ref<const std::string&>();
}

bool
run_regex(const IRegexp& regex, FunctionId function, const std::string& text)
{
  return function == FunctionId::match ? regex.matches(text) : regex.search(text);
}

} // namespace

const FunctionSignature*
find_function(std::string_view name)
{
  for (const auto& function : k_functions) {
    if (function.name == name) {
      return &function;
    }
  }
  return nullptr;
}

const FunctionSignature&
function_signature(FunctionId id)
{
  return k_functions[static_cast<std::size_t>(id)];
}

std::string_view
function_names()
{
  return "length, count, match, search, value";
}

Value
function_length(Value argument)
{
  if (argument.kind != Value::Kind::node) {
    return {};
  }
  const Json& value = *argument.node;
  if (value.is_string()) {
    // Unicode scalar values, not bytes: count the bytes that start one.
    std::int64_t characters = 0;
    for (char c : value.get_ref<const std::string&>()) {
      characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }
    return Value::of_count(characters);
  }
  if (value.is_array() || value.is_object()) {
    return Value::of_count(static_cast<std::int64_t>(value.size()));
  }
  return {};
}

Value
function_value(const std::vector<Node>& nodes)
{
  return nodes.size() == 1 ? Value::of(nodes.front().value) : Value{};
}

bool
function_regex(const Expr& call, Value text, Value pattern)
{
  const std::string* subject = string_of(text);
  if (!subject) {
    return false;
  }
  if (call.literal_pattern) {
    return call.regex && run_regex(*call.regex, call.function, *subject);
  }
  const std::string* source = string_of(pattern);
  if (!source) {
    return false;
  }
  const auto regex = IRegexp::compile(*source);
  return regex && run_regex(*regex, call.function, *subject);
}

void
prepare_regex(Expr& call)
{
  const Expr& pattern = call.operands[1];
  if (pattern.kind != Expr::Kind::literal || !pattern.literal->is_string()) {
    return;
  }
  call.literal_pattern = true;
  if (auto regex = IRegexp::compile(pattern.literal->get_ref<const std::string&>())) {
    call.regex = std::make_shared<const IRegexp>(std::move(*regex));
  }
}

} // namespace hb::analysis::jsonpath
