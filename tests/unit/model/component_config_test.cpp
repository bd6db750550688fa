// parse_component_config: a component file read from text, as the fuzz
// target and load_component read it; malformed files are errors naming the
// file, never an exception.

#include "model/component.hpp"

#include <gtest/gtest.h>

using namespace hb;

TEST(ComponentConfig, ReadsWhatLoadComponentReads)
{
  auto c = parse_component_config(R"({"id": "web", "local_path": "/srv/web",
    "extensions": {"wp": {"settings": {"php": "8.3"}}},
    "scripts": {"bench": ["./bench.sh"]},
    "bench": {"commands": {"sort": "sort -n data.txt"}},
    "env": {"LC_ALL": "C"}, "settings": {"lines": 10}})",
                                  "/x/homeboy.json");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->id, "web");
  EXPECT_EQ(c->local_path, "/srv/web");
  EXPECT_EQ(c->extension_ids, std::vector<std::string>{"wp"});
  EXPECT_EQ(c->bench_scripts, std::vector<std::string>{"./bench.sh"});
  ASSERT_EQ(c->bench_commands.size(), 1u);
  EXPECT_EQ(c->bench_commands[0].second, "sort -n data.txt");
  EXPECT_EQ(c->settings_json, R"({"php":"8.3","lines":10})");
}

TEST(ComponentConfig, AnIdThatIsNotAStringIsAnErrorNotAThrow)
{
  // Was nlohmann's type_error out of Json::value(): `terminate called`.
  for (const char* text : {R"({"id": 5})", R"({"id": ["a"]})", R"({"id": {}})"}) {
    auto c = parse_component_config(text, "/x/web.json");
    ASSERT_FALSE(c) << text;
    EXPECT_EQ(c.error().code, "config.invalid");
    EXPECT_NE(c.error().message.find("/x/web.json: `id` must be a string"), std::string::npos)
      << c.error().message;
  }
  auto fallback = parse_component_config(R"({"id": null})", "/x/web.json");
  ASSERT_TRUE(fallback);
  EXPECT_EQ(fallback->id, "web");
}

TEST(ComponentConfig, MalformedFilesNameTheFile)
{
  auto not_object = parse_component_config("[1]", "/x/homeboy.json");
  ASSERT_FALSE(not_object);
  EXPECT_EQ(not_object.error().code, "config.invalid");
  EXPECT_NE(not_object.error().message.find("/x/homeboy.json"), std::string::npos);
  auto not_json = parse_component_config("{\"id\": ", "/x/homeboy.json");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().code, "config.invalid");
}

TEST(ComponentConfig, BenchPrepareIsACommandOrAList)
{
  auto one = parse_component_config(R"({"id": "web", "bench": {"prepare": "make -j2"}})",
                                    "/x/homeboy.json");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->bench_prepare, std::vector<std::string>{"make -j2"});
  auto two = parse_component_config(
    R"({"id": "web", "bench": {"prepare": ["./configure", "make"], "commands": {"a": "true"}}})",
    "/x/homeboy.json");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->bench_prepare, (std::vector<std::string>{"./configure", "make"}));
  for (const char* text : {R"({"id": "web", "bench": {"prepare": 3}})",
                           R"({"id": "web", "bench": {"prepare": [""]}})",
                           R"({"id": "web", "bench": {"prepare": ""}})"}) {
    auto bad = parse_component_config(text, "/x/homeboy.json");
    ASSERT_FALSE(bad) << text;
    EXPECT_NE(bad.error().message.find("`bench.prepare` must be a shell command string"),
              std::string::npos)
      << bad.error().message;
  }
}
