// Components and extensions: registration, detection from the cwd, runner
// resolution and the errors a user meets on the way.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class Components : public HomeboyTest
{};

TEST_F(Components, CreateThenListAndShow)
{
  ComponentOptions o;
  o.register_it = false;
  fs::path dir = make_component("webapp", "two_scenarios.sh", o);

  auto created = run({"component", "create", "--local-path", dir.string(), "--json"});
  ASSERT_EQ(created.exit_code, 0) << created.describe();
  Json c = created.payload();
  EXPECT_EQ(c["id"], "webapp") << "the id comes from homeboy.json";
  EXPECT_EQ(canonical(c["local_path"].get<std::string>()), canonical(dir));
  EXPECT_TRUE(fs::is_regular_file(config_ / "components" / "webapp.json"));

  auto list = run({"component", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.describe();
  EXPECT_EQ(list.payload()["count"], 1);
  EXPECT_EQ(list.payload()["components"][0]["id"], "webapp");

  auto human_list = run({"component", "list"});
  ASSERT_EQ(human_list.exit_code, 0);
  EXPECT_THAT(human_list.out, HasSubstr("webapp"));
  EXPECT_THAT(human_list.out, HasSubstr(dir.string()));

  auto show = run({"component", "show", "webapp", "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.describe();
  EXPECT_EQ(show.payload()["id"], "webapp");
  EXPECT_EQ(show.payload()["bench_scripts"], Json({"./runner.sh"}));
  EXPECT_EQ(show.payload()["registered"], true);

  auto human_show = run({"component", "show", "webapp"});
  ASSERT_EQ(human_show.exit_code, 0);
  EXPECT_THAT(human_show.out, HasSubstr("./runner.sh"));

  // Registering it twice is refused, clearly.
  auto again = run({"component", "create", "--local-path", dir.string()});
  EXPECT_NE(again.exit_code, 0) << again.describe();
  EXPECT_THAT(again.err, HasSubstr("already registered"));

  // And the registered id benches from anywhere.
  auto bench = run({"bench", "webapp", "--iterations", "1"});
  EXPECT_EQ(bench.exit_code, 0) << bench.describe();
}

TEST_F(Components, CreateWithExplicitIdAndNoHomeboyJson)
{
  fs::path dir = work_ / "plain-dir";
  fs::create_directories(dir);
  auto created = run({"component", "create", "--local-path", dir.string(), "--json"});
  ASSERT_EQ(created.exit_code, 0) << created.describe();
  EXPECT_EQ(created.payload()["id"], "plain-dir") << "defaults to the directory name";

  auto named = run({"component", "create", "--local-path", dir.string(), "--id", "custom", "--json"});
  ASSERT_EQ(named.exit_code, 0) << named.describe();
  EXPECT_EQ(named.payload()["id"], "custom");

  auto list = run({"component", "list", "--json"});
  std::vector<std::string> ids;
  Json listed = list.payload();
  for (const auto& c : listed["components"]) ids.push_back(c["id"]);
  EXPECT_THAT(ids, ElementsAre("custom", "plain-dir"));

  auto bad_id = run({"component", "create", "--local-path", dir.string(), "--id", "../evil"});
  EXPECT_NE(bad_id.exit_code, 0) << bad_id.describe();
  EXPECT_THAT(bad_id.err, HasSubstr("not a valid component id"));
}

TEST_F(Components, CreateWithMissingPathFails)
{
  auto r = run({"component", "create", "--local-path", (work_ / "nope").string()});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr((work_ / "nope").string()));
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
  auto list = run({"component", "list", "--json"});
  EXPECT_EQ(list.payload()["count"], 0);
}

TEST_F(Components, BenchDetectsTheComponentFromTheCwd)
{
  ComponentOptions o;
  o.register_it = false;
  fs::path dir = make_component("detected", "two_scenarios.sh", o);
  auto r = bench_json({"--iterations", "1"}, {}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.payload()["component"], "detected");

  // From a subdirectory, too.
  fs::create_directories(dir / "src" / "deep");
  auto deep = bench_json({"--iterations", "1"}, {}, dir / "src" / "deep");
  ASSERT_EQ(deep.exit_code, 0) << deep.describe();
  EXPECT_EQ(deep.payload()["component"], "detected");

  // `component show` without an id detects it the same way.
  auto show = run({"component", "show", "--json"}, {}, dir / "src");
  ASSERT_EQ(show.exit_code, 0) << show.describe();
  EXPECT_EQ(show.payload()["id"], "detected");
  EXPECT_EQ(show.payload()["registered"], false);

  auto runs = list_runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["component_id"], "detected");
}

TEST_F(Components, BenchDetectsARegisteredComponentByItsLocalPath)
{
  // No homeboy.json id to go by: the registry entry's local_path contains
  // the cwd.
  ComponentOptions o;
  o.register_it = false;
  o.homeboy_json_text = R"({"scripts": {"bench": ["./runner.sh"]}})";
  fs::path dir = make_component("anon", "two_scenarios.sh", o);
  auto created = run({"component", "create", "--local-path", dir.string(), "--id", "byreg"});
  ASSERT_EQ(created.exit_code, 0) << created.describe();
  fs::create_directories(dir / "sub");
  auto r = bench_json({"--iterations", "1"}, {}, dir / "sub");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.payload()["component"], "byreg");
}

TEST_F(Components, NoComponentGivenAndNoneFound)
{
  fs::path empty = work_ / "empty";
  fs::create_directories(empty);
  auto r = run({"bench"}, {}, empty);
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("no component given"));
  EXPECT_THAT(r.err, HasSubstr("homeboy component create"));
  EXPECT_TRUE(list_runs().empty());
}

TEST_F(Components, UnknownComponentErrorListsRegisteredIds)
{
  make_component("alpha-svc", "two_scenarios.sh");
  make_component("beta-svc", "two_scenarios.sh");
  auto r = run({"bench", "gamma-svc"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("gamma-svc"));
  EXPECT_THAT(r.err, HasSubstr("alpha-svc, beta-svc"));
  EXPECT_THAT(r.err, HasSubstr("homeboy component create"));
  EXPECT_TRUE(list_runs().empty());

  auto j = bench_json({"gamma-svc"});
  EXPECT_NE(j.exit_code, 0);
  Json env = j.json();
  EXPECT_EQ(env["success"], false);
  EXPECT_EQ(env["error"]["code"], "component.not_found");
  EXPECT_EQ(env["error"]["details"]["known_components"], Json({"alpha-svc", "beta-svc"}));

  auto show = run({"component", "show", "gamma-svc"});
  EXPECT_NE(show.exit_code, 0);
  EXPECT_THAT(show.err, HasSubstr("alpha-svc, beta-svc"));
}

TEST_F(Components, RegisteredPathThatNoLongerExists)
{
  fs::path dir = make_component("moved", "two_scenarios.sh");
  fs::remove_all(dir);
  auto r = run({"bench", "moved"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr(dir.string()));
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
  EXPECT_TRUE(list_runs().empty());

  // --path points the run somewhere else.
  fs::path elsewhere = make_component("moved-copy", "two_scenarios.sh", ComponentOptions{false, {}, {}});
  auto with_path = bench_json({"moved", "--iterations", "1", "--path", elsewhere.string()});
  EXPECT_EQ(with_path.exit_code, 0) << with_path.describe();
}

TEST_F(Components, ComponentWithoutABenchRunner)
{
  ComponentOptions o;
  o.homeboy_json_text = R"({"id": "norunner"})";
  make_component("norunner", "", o);
  auto r = run({"bench", "norunner"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("norunner"));
  EXPECT_THAT(r.err, HasSubstr("no bench runner"));
  EXPECT_THAT(r.err, HasSubstr("scripts"));
  EXPECT_TRUE(list_runs().empty());
}

TEST_F(Components, ExtensionBenchScriptRuns)
{
  fs::path ext = make_extension("perfkit", "env_dump.sh");
  ComponentOptions o;
  o.register_it = false;
  o.homeboy_json_text = R"({"id": "extc"})";
  fs::path dir = make_component("extc", "", o);
  auto created = run({"component", "create", "--local-path", dir.string(), "--extension", "perfkit"});
  ASSERT_EQ(created.exit_code, 0) << created.describe();

  auto r = bench_json({"extc", "--iterations", "2", "--", "--flag"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.payload()["results"]["scenarios"][0]["id"], "env_probe");
  auto env = read_env_dump(dir / "env.bin");
  EXPECT_EQ(env["HOMEBOY_EXTENSION_ID"], "perfkit");
  EXPECT_EQ(canonical(env["HOMEBOY_EXTENSION_PATH"]), canonical(ext));
  EXPECT_EQ(env["HOMEBOY_COMPONENT_ID"], "extc");
  EXPECT_EQ(canonical(read_file(dir / "cwd.txt").substr(0, read_file(dir / "cwd.txt").size() - 1)),
            canonical(dir));
  EXPECT_THAT(read_nul_list(dir / "args.bin"), ElementsAre("--flag"));

  auto show = show_run(r.payload()["persisted_run"]["run_id"]);
  EXPECT_EQ(show["metadata"]["runner"]["extension_id"], "perfkit");
}

TEST_F(Components, ExtensionLinkedFromHomeboyJson)
{
  make_extension("perfkit", "two_scenarios.sh");
  ComponentOptions o;
  o.homeboy_json_text = R"({"id": "linked", "extensions": {"perfkit": {}}})";
  make_component("linked", "", o);
  auto r = bench_json({"linked", "--iterations", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.payload()["results"]["scenarios"].size(), 2u);
}

TEST_F(Components, MissingExtensionManifestIsNamed)
{
  ComponentOptions o;
  o.homeboy_json_text = R"({"id": "orphan", "extensions": {"ghost": {}}})";
  make_component("orphan", "", o);
  auto r = run({"bench", "orphan"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("ghost"));
  EXPECT_THAT(r.err, HasSubstr((config_ / "extensions" / "ghost" / "ghost.json").string()));
  EXPECT_TRUE(list_runs().empty());

  // Linking an extension that does not exist is refused at create time.
  fs::path dir = work_ / "other";
  fs::create_directories(dir);
  auto created = run({"component", "create", "--local-path", dir.string(), "--extension", "ghost"});
  EXPECT_NE(created.exit_code, 0) << created.describe();
  EXPECT_THAT(created.err, HasSubstr("ghost"));
}

TEST_F(Components, MalformedExtensionManifestIsAClearError)
{
  fs::path ext = make_extension("broken", "two_scenarios.sh");
  write_file(ext / "broken.json", R"({"bench": {"extension_script": )");
  ComponentOptions o;
  o.homeboy_json_text = R"({"id": "user", "extensions": {"broken": {}}})";
  make_component("user", "", o);
  auto r = run({"bench", "user"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr((ext / "broken.json").string()));
  EXPECT_THAT(r.err, HasSubstr("JSON"));
  EXPECT_TRUE(list_runs().empty());

  // Valid JSON, wrong shape.
  write_file(ext / "broken.json", R"({"bench": {"extension_script": 5}})");
  auto shape = run({"bench", "user"});
  EXPECT_NE(shape.exit_code, 0) << shape.describe();
  EXPECT_THAT(shape.err, HasSubstr("extension_script"));
  EXPECT_THAT(shape.err, HasSubstr((ext / "broken.json").string()));
}

TEST_F(Components, ExtensionScriptThatDoesNotExist)
{
  fs::path ext = make_extension("partial", "two_scenarios.sh");
  fs::remove(ext / "scripts" / "bench" / "bench-runner.sh");
  ComponentOptions o;
  o.homeboy_json_text = R"({"id": "user", "extensions": {"partial": {}}})";
  make_component("user", "", o);
  auto r = run({"bench", "user"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("bench-runner.sh"));
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
}

TEST_F(Components, ExtensionRunnerNotExecutableSuggestsChmod)
{
  fs::path ext = make_extension("noexec", "two_scenarios.sh");
  make_executable(ext / "scripts" / "bench" / "bench-runner.sh", false);
  ComponentOptions o;
  o.homeboy_json_text = R"({"id": "user", "extensions": {"noexec": {}}})";
  make_component("user", "", o);
  auto r = run({"bench", "user"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("not executable"));
  EXPECT_THAT(r.err, HasSubstr("chmod +x " + (ext / "scripts" / "bench" / "bench-runner.sh").string()));
}

TEST_F(Components, RegistryEnvReachesTheRunner)
{
  fs::path dir = make_component("withenv", "env_dump.sh");
  fs::path registry = config_ / "components" / "withenv.json";
  OrderedJson reg = OrderedJson::parse(read_file(registry));
  reg["env"] = {{"MY_BENCH_TARGET", "staging"}};
  write_file(registry, reg.dump(2));
  auto r = run({"bench", "withenv", "--iterations", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(read_env_dump(dir / "env.bin")["MY_BENCH_TARGET"], "staging");
}

TEST_F(Components, MissingHomeIsAClearError)
{
  auto r = run({"component", "list"}, {{"HOME", std::nullopt}});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("HOME"));
}

TEST_F(Components, ComponentRunnerNotExecutableSuggestsChmod)
{
  fs::path dir = make_component("noexec", "two_scenarios.sh");
  make_executable(dir / "runner.sh", false);
  auto r = run({"bench", "noexec", "--iterations", "1"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("runner.sh"));
  EXPECT_THAT(r.err, HasSubstr("chmod +x")) << "the fix should be spelled out, as for extensions";
}

} // namespace
