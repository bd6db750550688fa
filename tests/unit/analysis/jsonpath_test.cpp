// JSONPath beyond the compliance suite: how errors read, queries over
// homeboy's own documents, normalized paths, and the I-Regexp matcher.

#include "analysis/iregexp.hpp"
#include "analysis/jsonpath.hpp"
#include "util/json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hb::analysis {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A bench results file as runners write it (docs/bench.md), cut down.
const Json&
results()
{
  static const Json document = Json::parse(R"({
    "component_id": "text-tools",
    "iterations": 10,
    "scenarios": [
      {"id": "cold", "iterations": 10,
       "metrics": {"p50_ms": 118.0, "p95_ms": 145.0, "error_rate": 0,
                   "distributions": {"p95_ms": [140.0, 145.0, 150.0]}},
       "tags": ["startup", "io"]},
      {"id": "warm", "iterations": 10,
       "metrics": {"p50_ms": 12.5, "p95_ms": 20.0, "error_rate": 0.01}},
      {"id": "warm_large", "iterations": 5,
       "metrics": {"p50_ms": 80.0, "p95_ms": 95.5}}
    ]
  })");
  return document;
}

/// The selected values, as one array for readable comparisons.
Json
select_values(std::string_view query, const Json& document = results())
{
  const auto path = JsonPath::parse(query);
  EXPECT_TRUE(path) << query << ": " << path.error().message;
  Json values = Json::array();
  if (path) {
    for (const Json* value : path->select(document)) {
      values.push_back(*value);
    }
  }
  return values;
}

std::vector<std::string>
select_paths(std::string_view query, const Json& document = results())
{
  std::vector<std::string> paths;
  for (const auto& node : JsonPath::parse(query)->select_located(document)) {
    paths.push_back(node.path);
  }
  return paths;
}

/// The error message of a query that must not parse.
std::string
parse_error(std::string_view query)
{
  const auto path = JsonPath::parse(query);
  if (path) {
    ADD_FAILURE() << query << " parsed";
    return {};
  }
  EXPECT_EQ(path.error().code, "validation.invalid_jsonpath");
  return path.error().message;
}

TEST(JsonPath, ScenarioMetricById)
{
  EXPECT_EQ(select_values("$.scenarios[?@.id=='cold'].metrics.p95_ms"), Json::parse("[145.0]"));
  EXPECT_EQ(select_values("$.scenarios[?@.id == \"missing\"].metrics.p95_ms"), Json::array());
}

TEST(JsonPath, DescendantsInDocumentOrder)
{
  EXPECT_EQ(select_values("$..p95_ms"), Json::parse("[145.0, [140.0, 145.0, 150.0], 20.0, 95.5]"));
  EXPECT_THAT(select_paths("$..p95_ms"),
              ElementsAre("$['scenarios'][0]['metrics']['p95_ms']",
                          "$['scenarios'][0]['metrics']['distributions']['p95_ms']",
                          "$['scenarios'][1]['metrics']['p95_ms']",
                          "$['scenarios'][2]['metrics']['p95_ms']"));
}

TEST(JsonPath, WildcardsSlicesAndIndexes)
{
  EXPECT_EQ(select_values("$.scenarios[*].id"), Json::parse(R"(["cold", "warm", "warm_large"])"));
  EXPECT_EQ(select_values("$.scenarios[-1].id"), Json::parse(R"(["warm_large"])"));
  EXPECT_EQ(select_values("$.scenarios[::-2].id"), Json::parse(R"(["warm_large", "cold"])"));
  EXPECT_EQ(select_values("$.scenarios[0, 0].id"), Json::parse(R"(["cold", "cold"])"));
  EXPECT_EQ(select_values("$.scenarios[7].id"), Json::array());
}

TEST(JsonPath, FiltersWithFunctions)
{
  EXPECT_EQ(select_values("$.scenarios[?@.metrics.p95_ms > 50 && @.iterations >= 10].id"),
            Json::parse(R"(["cold"])"));
  EXPECT_EQ(select_values("$.scenarios[?match(@.id, 'warm.*')].id"),
            Json::parse(R"(["warm", "warm_large"])"));
  EXPECT_EQ(select_values("$.scenarios[?search(@.id, '_l')].id"), Json::parse(R"(["warm_large"])"));
  EXPECT_EQ(select_values("$.scenarios[?count(@.metrics.*) == 2].id"),
            Json::parse(R"(["warm_large"])"));
  EXPECT_EQ(select_values("$.scenarios[?length(@.tags) == 2].id"), Json::parse(R"(["cold"])"));
  EXPECT_EQ(select_values("$.scenarios[?!@.tags].id"), Json::parse(R"(["warm", "warm_large"])"));
  EXPECT_EQ(select_values("$.scenarios[?value(@..p50_ms) < 100].id"),
            Json::parse(R"(["warm", "warm_large"])"));
  EXPECT_EQ(select_values("$.scenarios[?@.iterations == $.iterations].id"),
            Json::parse(R"(["cold", "warm"])"));
}

TEST(JsonPath, ComparisonSemantics)
{
  const Json document = Json::parse(R"([
    {"v": 1}, {"v": 1.0}, {"v": "1"}, {"v": {"a": 1, "b": [2]}}, {"v": {"b": [2], "a": 1.0}}, {}
  ])");
  // Numbers by value; strings are not numbers.
  EXPECT_EQ(select_values("$[?@.v == 1]", document), Json::parse(R"([{"v": 1}, {"v": 1.0}])"));
  // Objects deeply and regardless of member order.
  EXPECT_EQ(select_values("$[?@.v == $[3].v]", document).size(), 2u);
  // Nothing equals only Nothing.
  EXPECT_EQ(select_values("$[?@.v == @.w]", document), Json::parse("[{}]"));
  EXPECT_EQ(select_values("$[?@.v <= 'z']", document), Json::parse(R"([{"v": "1"}])"));
}

TEST(JsonPath, NormalizedPathsEscapeNames)
{
  const Json document = Json::parse(R"({"it's": {"a\nb": [0, {"\u0001": true}]}})");
  EXPECT_THAT(select_paths("$..*", document),
              ElementsAre("$['it\\'s']", "$['it\\'s']['a\\nb']", "$['it\\'s']['a\\nb'][0]",
                          "$['it\\'s']['a\\nb'][1]", "$['it\\'s']['a\\nb'][1]['\\u0001']"));
}

TEST(JsonPath, ErrorsNameColumnAndExpectation)
{
  EXPECT_EQ(parse_error("$.a["),
            "invalid JSONPath at column 5: expected a selector: a quoted name, '*', an index, a "
            "slice or '?' and a filter, found the end of the query");
  EXPECT_EQ(parse_error(" $"),
            "invalid JSONPath at column 1: expected '$' (a query starts at the root), found a "
            "space");
  EXPECT_EQ(parse_error("$.scenarios[0 1]"),
            "invalid JSONPath at column 15: expected ',' or ']' after a selector, found '1'");
  EXPECT_EQ(parse_error("$[?@.id = 'cold']"),
            "invalid JSONPath at column 9: '=' is not an operator; compare with '=='");
  EXPECT_EQ(parse_error("$[01]"),
            "invalid JSONPath at column 3: an integer cannot have leading zeros");
  EXPECT_EQ(parse_error("$[-0]"),
            "invalid JSONPath at column 3: -0 is not an integer here; write 0");
  EXPECT_THAT(parse_error("$[9007199254740992]"),
              HasSubstr("column 3: integer outside the I-JSON"));
  EXPECT_THAT(parse_error("$['a\\x']"), HasSubstr("column 5: invalid escape"));
  EXPECT_THAT(parse_error("$['\\uD800']"), HasSubstr("column 10: expected a low surrogate"));
  // Columns count characters, not bytes.
  EXPECT_THAT(parse_error("$.é€ ]"), HasSubstr("column 5: expected a segment"));
}

TEST(JsonPath, TypeErrorsAreParseErrors)
{
  EXPECT_THAT(parse_error("$[?@.*.p95_ms > 1]"),
              HasSubstr("column 4: only a singular query"));
  EXPECT_THAT(parse_error("$[?length(@.*) > 1]"),
              HasSubstr("column 11: length() argument 1 must be a value"));
  EXPECT_THAT(parse_error("$[?count(1) > 1]"),
              HasSubstr("column 10: count() argument 1 must be a query"));
  EXPECT_THAT(parse_error("$[?length(@.id)]"),
              HasSubstr("column 4: length() returns a value, which must be compared"));
  EXPECT_THAT(parse_error("$[?match(@.id, 'a') == true]"),
              HasSubstr("column 4: match() returns a logical, which cannot be compared"));
  EXPECT_THAT(parse_error("$[?match(@.id)]"), HasSubstr("column 4: match() takes 2 arguments"));
  EXPECT_THAT(parse_error("$[?p95(@.id)]"), HasSubstr("column 4: unknown function p95()"));
  EXPECT_THAT(parse_error("$[?true]"), HasSubstr("column 4: a literal must be compared"));
  EXPECT_THAT(parse_error("$[?!@.id == 'cold']"), HasSubstr("write !(a == b)"));
}

TEST(JsonPath, ErrorDetailsCarryQueryAndColumn)
{
  const auto path = JsonPath::parse("$.a..");
  ASSERT_FALSE(path);
  EXPECT_EQ(details_json(path.error()), Json::parse(R"({"query": "$.a..", "column": 6})"));
}

TEST(JsonPath, DeepNestingIsRefused)
{
  const std::string query = "$[?" + std::string(1000, '(') + "@" + std::string(1000, ')') + "]";
  EXPECT_THAT(parse_error(query), HasSubstr("nested too deeply"));
}

TEST(JsonPath, DeepDocumentsDoNotExhaustTheStack)
{
  Json document = Json::array();
  Json* innermost = &document;
  for (int i = 0; i < 200'000; ++i) {
    innermost->push_back(Json::array());
    innermost = &innermost->back();
  }
  innermost->push_back(Json::object({{"p95_ms", 1}}));
  EXPECT_EQ(select_values("$..p95_ms", document), Json::parse("[1]"));
}

bool
matches(std::string_view pattern, std::string_view text)
{
  const auto regex = IRegexp::compile(pattern);
  EXPECT_TRUE(regex) << pattern << ": " << regex.error().message;
  return regex && regex->matches(text);
}

bool
search(std::string_view pattern, std::string_view text)
{
  const auto regex = IRegexp::compile(pattern);
  EXPECT_TRUE(regex) << pattern << ": " << regex.error().message;
  return regex && regex->search(text);
}

TEST(IRegexp, MatchIsAnchoredSearchIsNot)
{
  EXPECT_TRUE(matches("warm.*", "warm_large"));
  EXPECT_FALSE(matches("warm", "warm_large"));
  EXPECT_TRUE(search("arm", "warm_large"));
  EXPECT_FALSE(search("^arm", "warm_large"));
  EXPECT_TRUE(search("large$", "warm_large"));
  EXPECT_TRUE(matches("", ""));
  EXPECT_TRUE(search("", "anything"));
}

TEST(IRegexp, DotClassesAndCategories)
{
  EXPECT_FALSE(matches(".", "\n"));
  EXPECT_FALSE(matches(".", "\r"));
  EXPECT_TRUE(matches(".", "\xE2\x80\xA8")); // U+2028
  EXPECT_TRUE(matches("a.b", "a\xF0\x90\x84\x81" "b")); // one code point, four bytes
  EXPECT_TRUE(matches("[^a-c]", "\n"));
  EXPECT_TRUE(matches("[a-c-]+", "ab-c"));
  EXPECT_TRUE(matches("\\p{Lu}\\p{Ll}+", "\xD0\x96\xD0\xB6")); // Жж
  EXPECT_FALSE(matches("\\p{L}", "1"));
  EXPECT_TRUE(matches("\\P{L}", "1"));
  EXPECT_TRUE(matches("[\\p{Nd}x]{3}", "1x2"));
  EXPECT_TRUE(matches("\\.\\^[$]\\\\", ".^$\\"));
}

TEST(IRegexp, Repetition)
{
  EXPECT_TRUE(matches("a{2,3}", "aaa"));
  EXPECT_FALSE(matches("a{2,3}", "aaaa"));
  EXPECT_TRUE(matches("(ab|c){2,}", "abcab"));
  EXPECT_TRUE(matches("a?b*c+", "c"));
  // No backtracking: a pattern that is exponential for backtracking engines.
  const std::string text(10'000, 'a');
  EXPECT_FALSE(matches("(a*)*b", text));
  EXPECT_FALSE(search("(a|aa)*c", text));
}

TEST(IRegexp, InvalidPatterns)
{
  for (const char* pattern : {"[", "(a", "a)", "a**", "*", "a{2,1}", "\\d", "\\p{Xx}", "[]",
                              "[a-]b-]", "[z-a]", "a{1000000}", "(a{1000}){1000}", "^*", "]"}) {
    const auto regex = IRegexp::compile(pattern);
    EXPECT_FALSE(regex) << pattern;
    if (!regex) {
      EXPECT_EQ(regex.error().code, "validation.invalid_iregexp");
    }
  }
  EXPECT_THAT(IRegexp::compile("ab(").error().message, HasSubstr("column 4: expected ')'"));
}

TEST(JsonPath, InvalidPatternSelectsNothing)
{
  // RFC 9535: match() is false when the pattern is not an I-Regexp.
  EXPECT_EQ(select_values("$.scenarios[?match(@.id, 'c[')]"), Json::array());
  EXPECT_EQ(select_values("$.scenarios[?!match(@.id, 'c[')].id").size(), 3u);
}

} // namespace
} // namespace hb::analysis
