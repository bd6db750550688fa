#pragma once
// `homeboy bench --against <git-ref>`: the working tree of a component
// against a git revision of the same repository, in one interleaved
// session. This file is the part before any timing: find the repository,
// resolve the ref, take (or reuse) the ref's worktree from the cache under
// the data root (vcs/worktree_cache.hpp), and run the prepare step in each
// tree. run_against (against_compare.cpp) then hands the two trees to the
// comparison engine as two arms, the ref's first (the reference).

#include "app/bench_service.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::app::against {

struct AgainstRequest
{
  /// What to measure, as `homeboy bench` would: component, iterations,
  /// --exec commands, statistics ... (its path_override is the working tree).
  BenchRequest bench;
  std::string ref; // --against <git-ref>
  /// A pipeline that replaces each tree's `bench.prepare` (a rig's
  /// `bench_prepare`); empty: the component's own.
  std::vector<std::string> prepare_override;
  /// --rig <id> beside --against: the rig's `bench_prepare` (when it has
  /// one) replaces each tree's `bench.prepare`.
  std::optional<std::string> rig_id;
  /// Interleaved rounds; 0: the engine's default.
  std::uint64_t rounds = 0;
};

/// One side of the comparison.
struct Tree
{
  std::string role;                        // "reference" | "current"
  std::string arm_id;                      // "<ref>@<short sha>" | "working-tree"
  std::filesystem::path root;              // the tree's top directory
  std::filesystem::path component_path;    // where the component lives in it
  std::string sha;                         // HEAD of the tree
  std::string branch;                      // "" when detached
  bool dirty = false;                      // current tree: uncommitted tracked changes
  bool created = false;                    // reference tree: made by this run
  std::vector<std::string> prepare;        // the prepare steps for this tree

  /// {sha, branch, path, ...}: the arm's rig_state.
  std::string state_json() const;
};

struct Setup
{
  std::string component_id; // "exec" for ad-hoc --exec
  std::string ref;
  std::string ref_sha;
  std::filesystem::path repository; // the repository's top directory
  Tree reference;
  Tree current;
};

/// Everything before timing, prepare steps not yet run: the component and
/// its working tree, the repository (`vcs.not_a_repository` outside one),
/// the ref (`vcs.unknown_ref`), the ref's cached worktree
/// (`vcs.worktree_dirty` when it has uncommitted changes) and each tree's
/// prepare steps.
Result<Setup> set_up(const AgainstRequest& request);

/// Runs each tree's prepare steps (cwd = that tree, `/bin/sh -c`), the
/// reference's first; the first failure is `bench.prepare_failed` naming
/// the tree, the command, its exit code and the tail of its output.
/// `on_output` receives the steps' output as it arrives.
Result<void> run_prepare(const Setup& setup,
                         const std::function<void(OutputStream, std::string_view)>& on_output);

} // namespace hb::app::against
