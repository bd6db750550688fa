// Rig spec loading: flat files and packages, extends with deep merge,
// $append and $merge_by, cycles, ${...} expansion, and errors that name the
// file and the key.

#include "rig/rig.hpp"
#include "unit/rig/rig_test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace hb;
using rigtest::TempRoot;
namespace fs = std::filesystem;
using ::testing::HasSubstr;

namespace {

nlohmann::json
shown(const rig::Spec& spec)
{
  return nlohmann::json::parse(spec.json);
}

} // namespace

TEST(RigSpec, LoadsAFlatSpecWithEveryPart)
{
  TempRoot t;
  t.rig("studio", R"({
    "description": "trunk",
    "components": {"web": {"path": "/srv/web", "branch": "trunk"}, "api": {"path": "/srv/api", "ref": "v1"}},
    "services": {"db": {"kind": "command", "command": "mysqld"}},
    "bench": {"default_component": "web", "components": ["web", "api"], "default_baseline_rig": "base",
              "warmup_iterations": 2,
              "metric_gates": {"cold": {"errors": {"equals": 0}, "rate": {"gte": 0.5, "lte": 1}}}},
    "bench_workloads": {"nodejs": ["${components.web.path}/a.mjs",
                                   {"path": "/w/b.mjs", "port_range_size": 8, "named_leases": ["browser"]}]},
    "bench_prepare": ["make -C ${components.api.path}"],
    "pipeline": {"check": [{"kind": "check", "label": "up", "http": "http://127.0.0.1:1/"}]}
  })");
  auto spec = rig::load(t.paths(), "studio");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->id, "studio");
  EXPECT_EQ(spec->description, "trunk");
  ASSERT_EQ(spec->components.size(), 2u);
  EXPECT_EQ(spec->components[0].id, "api"); // sorted by id
  EXPECT_EQ(spec->components[0].ref, "v1");
  ASSERT_NE(spec->find_component("web"), nullptr);
  EXPECT_EQ(spec->find_component("web")->branch, "trunk");
  EXPECT_EQ(spec->find_component("nope"), nullptr);
  EXPECT_EQ(spec->bench.default_component, "web");
  EXPECT_EQ(spec->bench.components, (std::vector<std::string>{"web", "api"}));
  EXPECT_EQ(spec->bench.default_baseline_rig, "base");
  EXPECT_EQ(spec->bench.warmup_iterations, 2u);
  ASSERT_EQ(spec->metric_gates.size(), 3u);
  EXPECT_EQ(spec->metric_gates[0].scenario_id, "cold");
  EXPECT_EQ(spec->metric_gates[0].metric, "errors");
  EXPECT_EQ(spec->metric_gates[0].op, "equals");
  EXPECT_EQ(spec->metric_gates[2].op, "lte");
  EXPECT_EQ(rig::workload_paths(*spec, "nodejs"), (std::vector<std::string>{"/srv/web/a.mjs", "/w/b.mjs"}));
  EXPECT_TRUE(rig::workload_paths(*spec, "php").empty());
  EXPECT_EQ(spec->bench_workloads[0].second[1].port_range_size, 8u);
  EXPECT_EQ(spec->bench_workloads[0].second[1].named_leases, std::vector<std::string>{"browser"});
  EXPECT_EQ(spec->bench_prepare, std::vector<std::string>{"make -C /srv/api"});
  EXPECT_EQ(spec->service_ids, std::vector<std::string>{"db"});
  ASSERT_EQ(spec->checks.size(), 1u);
  EXPECT_EQ(spec->checks[0].probe, "http");
  EXPECT_EQ(spec->checks[0].expect_status, 200);
  EXPECT_EQ(shown(*spec)["id"], "studio");
  EXPECT_EQ(shown(*spec)["services"]["db"]["command"], "mysqld");
}

TEST(RigSpec, UnknownRigListsTheKnownOnes)
{
  TempRoot t;
  t.rig("b", "{}");
  t.rig("a", "{}");
  auto spec = rig::load(t.paths(), "zz");
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().code, "rig.not_found");
  EXPECT_THAT(spec.error().message, HasSubstr("known rigs: a, b"));
  TempRoot empty;
  auto none = rig::load(empty.paths(), "zz");
  ASSERT_FALSE(none);
  EXPECT_THAT(none.error().message, HasSubstr("no rigs are defined"));
}

TEST(RigSpec, ExtendsMergesDeeplyAndOverlaysWin)
{
  TempRoot t;
  t.rig("base", R"({"description": "base", "components": {"web": {"path": "/srv/web", "branch": "trunk"}},
                   "bench": {"default_component": "web", "warmup_iterations": 1}, "tags": ["a", "b"]})");
  t.rig("branch", R"({"extends": "base.json", "description": "branch",
                     "components": {"web": {"branch": "feature"}}, "bench": {"warmup_iterations": 3},
                     "tags": ["c"]})");
  auto spec = rig::load(t.paths(), "branch");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->description, "branch");
  EXPECT_EQ(spec->find_component("web")->path, "/srv/web");
  EXPECT_EQ(spec->find_component("web")->branch, "feature");
  EXPECT_EQ(spec->bench.default_component, "web");
  EXPECT_EQ(spec->bench.warmup_iterations, 3u);
  EXPECT_EQ(shown(*spec)["tags"], nlohmann::json::parse(R"(["c"])")); // arrays replace
  EXPECT_FALSE(shown(*spec).contains("extends"));
}

TEST(RigSpec, ExtendsSeveralParentsInOrderAndByRigId)
{
  TempRoot t;
  t.write("config/rigs/templates/one.base.json", R"({"description": "one", "x": 1})");
  t.rig("two", R"({"description": "two", "y": 2})");
  t.rig("child", R"({"extends": ["templates/one.base.json", "two"], "z": 3})");
  auto spec = rig::load(t.paths(), "child");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->description, "two"); // the later parent wins
  EXPECT_EQ(shown(*spec)["x"], 1);
  EXPECT_EQ(shown(*spec)["y"], 2);
  EXPECT_EQ(shown(*spec)["z"], 3);
}

TEST(RigSpec, AppendAndMergeByEditInheritedArrays)
{
  TempRoot t;
  t.rig("base", R"({"pipeline": {"check": [
      {"kind": "check", "label": "a", "file": "/a"},
      {"kind": "check", "label": "b", "file": "/b"}]},
    "bench_prepare": ["one"]})");
  t.rig("child", R"({"extends": "base.json",
    "pipeline": {"check": {"$merge_by": "label", "entries": [
      {"label": "b", "file": "/b2"}, {"kind": "check", "label": "c", "file": "/c"}]}},
    "bench_prepare": {"$append": ["two"]}})");
  auto spec = rig::load(t.paths(), "child");
  ASSERT_TRUE(spec) << spec.error().message;
  ASSERT_EQ(spec->checks.size(), 3u);
  EXPECT_EQ(spec->checks[0].file, "/a");
  EXPECT_EQ(spec->checks[1].label, "b");
  EXPECT_EQ(spec->checks[1].file, "/b2");
  EXPECT_EQ(spec->checks[2].label, "c");
  EXPECT_EQ(spec->bench_prepare, (std::vector<std::string>{"one", "two"}));
}

TEST(RigSpec, MergeDirectiveErrorsNameFileAndKey)
{
  TempRoot t;
  t.rig("base", R"({"list": [1], "obj": {"a": 1}})");
  struct Case
  {
    const char* child;
    const char* expected;
  };
  for (const Case& c : {Case{R"({"extends": "base.json", "obj": {"$append": [1]}})", "obj: an array merge directive"},
                        Case{R"({"extends": "base.json", "list": {"$prepend": [1]}})", "list: unknown array merge directive `$prepend`"},
                        Case{R"({"extends": "base.json", "list": {"$append": 1}})", "list.$append: must be an array"},
                        Case{R"({"extends": "base.json", "list": {"$merge_by": "id"}})", "list: a `$merge_by` object needs an `entries` array"},
                        Case{R"({"extends": "base.json", "list": {"$merge_by": "id", "entries": [{"x": 1}]}})",
                             "list.entries[0]: has no key field `id`"},
                        Case{R"({"extends": "base.json", "fresh": {"$append": [1]}})", "fresh: an array merge directive"}}) {
    auto file = t.rig("child", c.child);
    auto spec = rig::load(t.paths(), "child");
    ASSERT_FALSE(spec) << c.child;
    EXPECT_EQ(spec.error().code, "rig.invalid_spec");
    EXPECT_THAT(spec.error().message, HasSubstr(file.string())) << c.child;
    EXPECT_THAT(spec.error().message, HasSubstr(c.expected));
  }
}

TEST(RigSpec, ExtendsCycleNamesTheChain)
{
  TempRoot t;
  t.rig("a", R"({"extends": "b.json"})");
  t.rig("b", R"({"extends": "a"})");
  auto spec = rig::load(t.paths(), "a");
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().code, "rig.extends_cycle");
  EXPECT_THAT(spec.error().message, HasSubstr("a.json -> "));
  EXPECT_THAT(spec.error().message, HasSubstr("b.json -> "));
  t.rig("self", R"({"extends": "self.json"})");
  auto self = rig::load(t.paths(), "self");
  ASSERT_FALSE(self);
  EXPECT_EQ(self.error().code, "rig.extends_cycle");
}

TEST(RigSpec, ExtendsProblems)
{
  TempRoot t;
  t.write("outside.json", "{}");
  t.rig("missing", R"({"extends": "nope.json"})");
  t.rig("unknown", R"({"extends": "no-such-rig"})");
  t.rig("escape", R"({"extends": "../../outside.json"})");
  t.rig("badtype", R"({"extends": 5})");
  EXPECT_THAT(rig::load(t.paths(), "missing").error().message, HasSubstr("extends: parent `nope.json` not found"));
  EXPECT_THAT(rig::load(t.paths(), "unknown").error().message, HasSubstr("parent rig `no-such-rig` not found"));
  EXPECT_THAT(rig::load(t.paths(), "escape").error().message, HasSubstr("outside the rig's source root"));
  EXPECT_THAT(rig::load(t.paths(), "badtype").error().message, HasSubstr("extends: must be a string or an array"));
}

TEST(RigSpec, MalformedSpecsNameTheFileAndKey)
{
  TempRoot t;
  struct Case
  {
    const char* text;
    const char* expected;
  };
  for (const Case& c : {Case{"{\"description\": ", "rig spec"},
                        Case{"[1]", "<root>: a rig spec must be a JSON object"},
                        Case{R"({"description": 5})", "description: must be a string"},
                        Case{R"({"components": []})", "components: must be an object"},
                        Case{R"({"components": {"web": {}}})", "components.web.path: a rig component needs a `path`"},
                        Case{R"({"components": {"web": {"path": "/x", "branch": 1}}})", "components.web.branch: must be a string"},
                        Case{R"({"services": {"db": {}}})", "services.db.kind"},
                        Case{R"({"bench": {"warmup_iterations": -1}})", "bench.warmup_iterations: must be a whole number"},
                        Case{R"({"bench": {"components": "web"}})", "bench.components: must be an array of strings"},
                        Case{R"({"bench": {"metric_gates": {"s": {"m": {"between": 1}}}}})",
                             "bench.metric_gates.s.m.between: unknown gate operator (use equals, gte or lte)"},
                        Case{R"({"bench": {"metric_gates": {"s": {"m": {"gte": "1"}}}}})", "bench.metric_gates.s.m.gte: must be a finite number"},
                        Case{R"({"bench_workloads": {"nodejs": [5]}})", "bench_workloads.nodejs[0]: must be a path string"},
                        Case{R"({"bench_workloads": {"nodejs": [{"path": "/x", "port_range_size": "8"}]}})",
                             "bench_workloads.nodejs[0].port_range_size"},
                        Case{R"({"bench_prepare": "make"})", "bench_prepare: must be an array of strings"},
                        Case{R"({"pipeline": {"check": [{"kind": "check", "label": "none"}]}})",
                             "pipeline.check[0] (\"none\"): a check step needs one probe"},
                        Case{R"({"pipeline": {"check": [{"kind": "check", "file": "/a", "command": "true"}]}})",
                             "pipeline.check[0]: a check step has exactly one probe, this one has 2 (file, command)"},
                        Case{R"({"pipeline": {"check": [{"kind": "check", "http": "http://x/", "expect_status": "200"}]}})",
                             "pipeline.check[0].expect_status"},
                        Case{R"({"pipeline": {"check": [{"kind": "check", "newer_than": {"left": {}, "right": {"file_mtime": "/a"}}}]}})",
                             "pipeline.check[0].newer_than.left: needs exactly one of"}}) {
    auto file = t.rig("bad", c.text);
    auto spec = rig::load(t.paths(), "bad");
    ASSERT_FALSE(spec) << c.text;
    EXPECT_EQ(spec.error().code, "rig.invalid_spec") << c.text;
    EXPECT_THAT(spec.error().message, HasSubstr(file.string())) << c.text;
    EXPECT_THAT(spec.error().message, HasSubstr(c.expected)) << c.text;
  }
}

TEST(RigSpec, ExpansionOfTildeEnvComponentsAndPackageRoot)
{
  TempRoot t;
  ::setenv("HOME", "/home/tester", 1);
  ::setenv("HB_RIG_TEST_ROOT", "/opt/root", 1);
  ::unsetenv("HB_RIG_TEST_UNSET");
  t.rig("exp", R"({"components": {"web": {"path": "~/src/web"}, "api": {"path": "${env.HB_RIG_TEST_ROOT}/api"}},
                  "bench_workloads": {"php": ["${components.api.path}/w.php", "~/w2.php", "${other}/kept"]}})");
  auto spec = rig::load(t.paths(), "exp");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->find_component("web")->path, "/home/tester/src/web");
  EXPECT_EQ(spec->find_component("api")->path, "/opt/root/api");
  EXPECT_EQ(rig::workload_paths(*spec, "php"),
            (std::vector<std::string>{"/opt/root/api/w.php", "/home/tester/w2.php", "${other}/kept"}));

  struct Case
  {
    const char* text;
    const char* expected;
  };
  for (const Case& c : {Case{R"({"bench_workloads": {"php": ["${env.HB_RIG_TEST_UNSET}/w.php"]}})",
                             "bench_workloads.php[0]: ${env.HB_RIG_TEST_UNSET}: the environment variable HB_RIG_TEST_UNSET is not set"},
                        Case{R"({"components": {"web": {"path": "/w"}}, "bench_workloads": {"php": ["${components.api.path}/w"]}})",
                             "bench_workloads.php[0]: ${components.api.path}: unknown component `api` (the rig's components: web)"},
                        Case{R"({"bench_workloads": {"php": [{"path": "${package.root}/w"}]}})",
                             "bench_workloads.php[0].path: ${package.root}: this rig was not loaded from a rig package"},
                        Case{R"({"components": {"web": {"path": "${components.x.path}"}}})", "components.web.path"}}) {
    auto file = t.rig("bad", c.text);
    auto bad = rig::load(t.paths(), "bad");
    ASSERT_FALSE(bad) << c.text;
    EXPECT_EQ(bad.error().code, "rig.expansion_failed");
    EXPECT_THAT(bad.error().message, HasSubstr(file.string()));
    EXPECT_THAT(bad.error().message, HasSubstr(c.expected));
  }
}

TEST(RigSpec, PackagesAreDiscoveredWithTheirRoot)
{
  TempRoot t;
  t.write("config/rig-packages/suite/rigs/alpha/rig.json",
          R"({"description": "alpha", "extends": "../../shared/base.json",
              "bench_workloads": {"nodejs": ["${package.root}/bench/a.mjs"]}})");
  t.write("config/rig-packages/suite/shared/base.json", R"({"components": {"web": {"path": "${package.root}/web"}}})");
  t.write("config/rig-packages/single/rig.json", R"({"id": "solo", "description": "one rig"})");
  auto alpha = rig::load(t.paths(), "alpha");
  ASSERT_TRUE(alpha) << alpha.error().message;
  fs::path root = fs::canonical(t.dir / "config/rig-packages/suite");
  ASSERT_TRUE(alpha->package_root);
  EXPECT_EQ(*alpha->package_root, root);
  EXPECT_EQ(rig::workload_paths(*alpha, "nodejs"), std::vector<std::string>{(root / "bench/a.mjs").string()});
  EXPECT_EQ(alpha->find_component("web")->path, root / "web");

  auto listed = rig::list(t.paths());
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, "alpha");
  EXPECT_EQ(listed[1].id, "solo");
  EXPECT_EQ(listed[1].description, "one rig");
  EXPECT_FALSE(listed[1].error);
}

TEST(RigSpec, ListShowsABrokenSpecWithoutHidingTheOthers)
{
  TempRoot t;
  t.rig("good", R"({"description": "fine"})");
  t.rig("broken", R"({"description": )");
  auto listed = rig::list(t.paths());
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, "broken");
  ASSERT_TRUE(listed[0].error);
  EXPECT_EQ(listed[0].error->code, "rig.invalid_spec");
  EXPECT_EQ(listed[1].description, "fine");
}

TEST(RigSpec, RecordedPackageRootFromRigSources)
{
  TempRoot t;
  t.rig("installed", R"({"bench_workloads": {"nodejs": ["${package.root}/w.mjs"]}})");
  t.write("config/rig-sources/installed.json", R"({"source": "x", "package_path": "/pkgs/installed", "rig_path": "/x", "linked": false})");
  auto spec = rig::load(t.paths(), "installed");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(rig::workload_paths(*spec, "nodejs"), std::vector<std::string>{"/pkgs/installed/w.mjs"});
}

TEST(RigSpec, ParseTextReadsOneSpecAndRefusesExtends)
{
  auto spec = rig::parse_text(R"({"description": "d", "components": {"w": {"path": "/w"}}})", "x", "/r/x.json");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->id, "x");
  EXPECT_EQ(spec->find_component("w")->path, "/w");
  auto ext = rig::parse_text(R"({"extends": "a.json"})", "x", "/r/x.json");
  ASSERT_FALSE(ext);
  EXPECT_THAT(ext.error().message, HasSubstr("/r/x.json: extends: needs the spec's file"));
  auto deep = rig::parse_text(std::string(300, '[') + std::string(300, ']'), "x", "/r/x.json");
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().code, "rig.invalid_spec");
}
