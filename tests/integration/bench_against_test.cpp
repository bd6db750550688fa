// homeboy bench --against <git-ref>: what a user sees when the input is bad
// (outside a repository, unknown ref, a dirty cached worktree, a failing
// prepare step, --baseline/--ratchet), and `runs cleanup` over the
// worktree cache. Every repository is made here with the git program.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::HasSubstr;

namespace {

class BenchAgainst : public HomeboyTest
{
protected:
  /// <work>/repo: a git repository with two commits of a homeboy.json
  /// component `demo` whose bench.commands run `true`; `extra` is merged
  /// into both commits' homeboy.json.
  fs::path make_repo(const Json& extra = Json::object())
  {
    fs::path repo = work_ / "repo";
    fs::create_directories(repo);
    git(repo, {"init", "--quiet", "-b", "main"});
    git(repo, {"config", "user.email", "t@example.com"});
    git(repo, {"config", "user.name", "t"});
    Json config = {{"id", "demo"}, {"bench", {{"commands", {{"noop", "true"}}}}}};
    config.merge_patch(extra);
    write_file(repo / "homeboy.json", config.dump(2));
    write_file(repo / "work.txt", "one\n");
    git(repo, {"add", "."});
    git(repo, {"commit", "--quiet", "-m", "first"});
    write_file(repo / "work.txt", "two\n");
    git(repo, {"commit", "--quiet", "-am", "second"});
    return repo;
  }
  void git(const fs::path& cwd, std::vector<std::string> args)
  {
    args.insert(args.begin(), "git");
    RunOptions options;
    options.cwd = cwd;
    auto r = exec(args, options);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }
  /// The cached worktrees under the data root.
  std::vector<fs::path> cached_trees()
  {
    std::vector<fs::path> trees;
    if (!fs::exists(data_ / "worktrees")) return trees;
    for (const auto& repo : fs::directory_iterator(data_ / "worktrees")) {
      for (const auto& e : fs::directory_iterator(repo.path())) {
        if (e.is_directory()) trees.push_back(e.path());
      }
    }
    return trees;
  }
};

} // namespace

TEST_F(BenchAgainst, OutsideAGitRepositoryIsRefused)
{
  fs::create_directories(work_ / "plain");
  auto r = run({"bench", "--exec", "noop=true", "--against", "main"}, {}, work_ / "plain");
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("is not inside a git repository"));
  EXPECT_THAT(r.err, HasSubstr((work_ / "plain").string()));
  EXPECT_TRUE(list_runs().empty()) << "nothing was recorded";
}

TEST_F(BenchAgainst, AnUnknownRefNamesTheRefTheRepositoryAndFetch)
{
  fs::path repo = make_repo();
  auto r = run({"bench", "--against", "no-such-branch", "--json"}, {}, repo);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json error = r.json()["error"];
  EXPECT_EQ(error["code"], "vcs.unknown_ref");
  const std::string message = error["message"];
  EXPECT_THAT(message, HasSubstr("`no-such-branch`"));
  EXPECT_THAT(message, HasSubstr(repo.string()));
  EXPECT_THAT(message, HasSubstr("fetch"));
  EXPECT_TRUE(cached_trees().empty()) << "no worktree for a ref that names nothing";
}

TEST_F(BenchAgainst, BaselineAndRatchetAreRefused)
{
  fs::path repo = make_repo();
  for (const char* flag : {"--baseline", "--ratchet"}) {
    auto r = run({"bench", "--against", "HEAD~1", flag}, {}, repo);
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_THAT(r.err, HasSubstr(std::string("drop ") + flag));
  }
  EXPECT_TRUE(cached_trees().empty());
  auto rigs = run({"bench", "--against", "HEAD~1", "--rig", "a,b"}, {}, repo);
  EXPECT_EQ(rigs.exit_code, 2) << rigs.describe();
  EXPECT_THAT(rigs.err, HasSubstr("use one of them"));
  auto unknown_rig = run({"bench", "--against", "HEAD~1", "--rig", "nope"}, {}, repo);
  EXPECT_EQ(unknown_rig.exit_code, 1) << unknown_rig.describe();
  EXPECT_THAT(unknown_rig.err, HasSubstr("rig `nope` not found"));
}

TEST_F(BenchAgainst, AFailingPrepareStopsBeforeTimingAndNamesTheTree)
{
  // The prepare step fails in the ref's tree (its work.txt says "one").
  fs::path repo = make_repo(
    {{"bench",
      {{"commands", {{"timed", "touch " + (root_ / "timed.marker").string()}}},
       {"prepare", Json::array({"echo building; grep -q two work.txt || { echo 'no two here' "
                                "; exit 3; }"})}}}});
  auto r = run({"bench", "--against", "HEAD~1"}, {}, repo);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  ASSERT_EQ(cached_trees().size(), 1u);
  const fs::path tree = cached_trees()[0];
  EXPECT_THAT(r.err, HasSubstr("failed in the reference tree " + tree.string()));
  EXPECT_THAT(r.err, HasSubstr("exited with code 3"));
  EXPECT_THAT(r.err, HasSubstr("grep -q two work.txt"));
  EXPECT_THAT(r.err, HasSubstr("no two here")) << "the tail of its output";
  EXPECT_THAT(r.err, HasSubstr("stopped before timing"));
  EXPECT_FALSE(fs::exists(root_ / "timed.marker")) << "nothing was timed";
  EXPECT_TRUE(list_runs().empty()) << "nothing was recorded";
}

TEST_F(BenchAgainst, AFailingPrepareInTheWorkingTreeNamesIt)
{
  fs::path repo = make_repo({{"bench", {{"prepare", "test -f built.flag"}}}});
  auto r = run({"bench", "--against", "HEAD~1", "--json"}, {}, repo);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json error = r.json()["error"];
  EXPECT_EQ(error["code"], "bench.prepare_failed");
  EXPECT_EQ(error["details"]["tree"], "reference");
  // Once the reference passes, the working tree's failure names it.
  ASSERT_EQ(cached_trees().size(), 1u);
  write_file(cached_trees()[0] / "built.flag", "");
  r = run({"bench", "--against", "HEAD~1", "--json"}, {}, repo);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  error = r.json()["error"];
  EXPECT_EQ(error["details"]["tree"], "current");
  EXPECT_EQ(error["details"]["path"], canonical(repo).string());
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("failed in the working tree"));
}

TEST_F(BenchAgainst, ARigsBenchPrepareReplacesTheComponents)
{
  fs::path repo = make_repo({{"bench", {{"prepare", "true"}}}});
  write_file(config_ / "rigs" / "ci.json",
             Json({{"id", "ci"}, {"bench_prepare", {"echo from the rig; exit 4"}}}).dump());
  auto r = run({"bench", "--against", "HEAD~1", "--rig", "ci", "--json"}, {}, repo);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json error = r.json()["error"];
  EXPECT_EQ(error["code"], "bench.prepare_failed");
  EXPECT_EQ(error["details"]["command"], "echo from the rig; exit 4");
  EXPECT_EQ(error["details"]["exit_code"], 4);
}

TEST_F(BenchAgainst, UncommittedChangesInTheCachedWorktreeAreRefused)
{
  fs::path repo = make_repo({{"bench", {{"prepare", "false"}}}});
  (void)run({"bench", "--against", "HEAD~1"}, {}, repo); // makes the tree, then fails to prepare
  ASSERT_EQ(cached_trees().size(), 1u);
  const fs::path tree = cached_trees()[0];
  EXPECT_EQ(read_file(tree / "work.txt"), "one\n") << "the tree holds the ref's commit";
  write_file(tree / "work.txt", "edited by hand\n");
  auto r = run({"bench", "--against", "HEAD~1"}, {}, repo);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("has uncommitted changes"));
  EXPECT_THAT(r.err, HasSubstr("git -C " + tree.string() + " status"));
  EXPECT_THAT(r.err, HasSubstr("work.txt"));
}

TEST_F(BenchAgainst, RunsCleanupRemovesWorktreesUnusedLongerThanItsLimit)
{
  fs::path repo = make_repo({{"bench", {{"prepare", "false"}}}});
  (void)run({"bench", "--against", "HEAD~1"}, {}, repo);
  ASSERT_EQ(cached_trees().size(), 1u);
  const fs::path tree = cached_trees()[0];
  const fs::path marker = tree.parent_path() / (tree.filename().string() + ".last-used");
  ASSERT_TRUE(fs::exists(marker));

  auto recent = run({"runs", "cleanup", "--older-than", "1d", "--json"});
  ASSERT_EQ(recent.exit_code, 0) << recent.describe();
  EXPECT_TRUE(recent.payload()["worktrees"]["worktrees"].empty()) << "used just now";

  // Last used ten days ago.
  RunOptions options;
  auto touched = exec({"touch", "-d", "10 days ago", marker.string()}, options);
  ASSERT_EQ(touched.exit_code, 0) << touched.describe();
  auto dry = run({"runs", "cleanup"});
  ASSERT_EQ(dry.exit_code, 0) << dry.describe();
  EXPECT_THAT(dry.out, HasSubstr("cached worktrees of bench --against unused for"));
  EXPECT_THAT(dry.out, HasSubstr(tree.string()));
  EXPECT_TRUE(fs::exists(tree)) << "a dry run deletes nothing";

  auto applied = run({"runs", "cleanup", "--older-than", "7d", "--apply", "--json"});
  ASSERT_EQ(applied.exit_code, 0) << applied.describe();
  Json trees = applied.payload()["worktrees"]["worktrees"];
  ASSERT_EQ(trees.size(), 1u);
  EXPECT_EQ(trees[0]["action"], "deleted");
  EXPECT_EQ(trees[0]["path"], tree.string());
  EXPECT_FALSE(fs::exists(tree));
  RunOptions in_repo;
  in_repo.cwd = repo;
  auto listed = exec({"git", "worktree", "list"}, in_repo);
  EXPECT_THAT(listed.out, ::testing::Not(HasSubstr(tree.string()))) << "git forgot it too";
}

namespace {

// A runner whose samples are known: 100 x the number in scale.txt (of the
// tree it runs in) x (1 + 3 % of a fixed sequence that moves on each call).
constexpr const char* k_scaled_runner = R"(#!/usr/bin/env bash
set -euo pipefail
dir="${HOMEBOY_COMPONENT_PATH:?}"
calls=$(( $(cat "$dir/calls.count" 2>/dev/null || echo 0) + 1 ))
echo "$calls" > "$dir/calls.count"
scale=$(cat "$dir/scale.txt")
awk -v n="$HOMEBOY_BENCH_ITERATIONS" -v c="$calls" -v s="$scale" -v id="$HOMEBOY_COMPONENT_ID" 'BEGIN {
  printf "{\"component_id\": \"%s\", \"iterations\": %d, \"metric_policies\": {\"t\": {\"direction\": \"lower_is_better\", \"variance_aware\": true, \"regression_test\": \"mann_whitney_u\", \"regression_threshold_percent\": 2}}, \"scenarios\": [{\"id\": \"work\", \"iterations\": %d, \"metrics\": {\"t\": %.9g, \"distributions\": {\"t\": [", id, n, n, 100 * s
  for (i = 0; i < n; i++) { d = (((c * 7 + i) * 37 + 11) % 41 - 20) / 20; printf "%s%.9g", (i ? ", " : ""), 100 * s * (1 + 0.03 * d) }
  printf "]}}}]}\n"
}' > "$HOMEBOY_BENCH_RESULTS_FILE"
)";

} // namespace

TEST_F(BenchAgainst, ComparesTheRefsWorktreeWithTheWorkingTreeAndGatesOnRegressed)
{
  fs::path repo = work_ / "repo";
  fs::create_directories(repo);
  git(repo, {"init", "--quiet", "-b", "main"});
  git(repo, {"config", "user.email", "t@example.com"});
  git(repo, {"config", "user.name", "t"});
  write_file(repo / "homeboy.json",
             Json({{"id", "demo"}, {"scripts", {{"bench", {"./runner.sh"}}}}}).dump());
  write_file(repo / "runner.sh", k_scaled_runner);
  make_executable(repo / "runner.sh");
  write_file(repo / ".gitignore", "calls.count\n");
  write_file(repo / "scale.txt", "1.0\n");
  git(repo, {"add", "."});
  git(repo, {"commit", "--quiet", "-m", "fast"});
  write_file(repo / "scale.txt", "1.3\n"); // 30 % more work
  git(repo, {"commit", "--quiet", "-am", "slow"});

  // The ref is the commit before: the working tree regressed, exit 1.
  auto slower = run({"bench", "--against", "HEAD~1", "--iterations", "20", "--json"}, {}, repo);
  EXPECT_EQ(slower.exit_code, 1) << slower.describe();
  Json p = slower.payload();
  EXPECT_EQ(p["comparison"], "against");
  EXPECT_EQ(p["measurement"]["mode"], "interleaved");
  ASSERT_EQ(p["rigs"].size(), 2u);
  const std::string sha = p["rigs"][0]["rig_state"]["sha"];
  ASSERT_EQ(sha.size(), 40u);
  EXPECT_EQ(p["rigs"][0]["rig_id"], "HEAD~1@" + sha.substr(0, 7)) << "the ref is the reference";
  EXPECT_EQ(p["rigs"][1]["rig_id"], "working-tree");
  ASSERT_EQ(cached_trees().size(), 1u);
  const fs::path tree = cached_trees()[0];
  EXPECT_EQ(tree.filename().string(), sha);
  EXPECT_EQ(p["rigs"][0]["rig_state"]["path"], tree.string());
  EXPECT_EQ(p["rigs"][0]["rig_state"]["tree"], "reference");
  EXPECT_EQ(p["rigs"][1]["rig_state"]["path"], canonical(repo).string());
  EXPECT_EQ(p["rigs"][1]["rig_state"]["dirty"], false);
  EXPECT_THAT(p["notes"].dump(), HasSubstr("measured in the new worktree " + tree.string()));
  EXPECT_TRUE(fs::exists(tree / "calls.count")) << "the ref's runner ran in its worktree";
  EXPECT_EQ(p["diff"]["by_scenario"]["work"]["t"]["working-tree"]["verdict"], "regressed");

  auto human = run({"bench", "--against", "HEAD~1", "--iterations", "20"}, {}, repo);
  EXPECT_EQ(human.exit_code, 1) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("HEAD~1@" + sha.substr(0, 7) + " (ref)"));
  EXPECT_THAT(human.out, HasSubstr("interleaved in"));
  EXPECT_THAT(human.out, HasSubstr("regressed"));

  // Against itself nothing regressed, exit 0; the tree of HEAD is another.
  auto same = run({"bench", "--against", "HEAD", "--iterations", "20", "--json"}, {}, repo);
  EXPECT_EQ(same.exit_code, 0) << same.describe();
  EXPECT_NE(same.payload()["diff"]["by_scenario"]["work"]["t"]["working-tree"]["verdict"],
            "regressed");
  EXPECT_EQ(cached_trees().size(), 2u);
  // A later run of the same commit reuses its tree.
  auto again = run({"bench", "--against", "main~1", "--iterations", "20", "--json"}, {}, repo);
  EXPECT_EQ(again.exit_code, 1) << again.describe();
  EXPECT_THAT(again.payload()["notes"].dump(), HasSubstr("measured in the cached worktree"));
  EXPECT_EQ(cached_trees().size(), 2u);
}
