#pragma once
// `homeboy bench --against <git-ref>` (docs/against.md): the flag and its
// handling, kept out of cmd_bench.cpp but for a few hook lines.

#include "cli/cmd_bench_rig.hpp"
#include "cli/commands.hpp"

#include <string>

namespace hb::cli {

/// Adds --against <git-ref> to `bench`, storing the ref in `ref`.
void add_against_option(CLI::App* bench, std::string& ref);

/// Runs `bench --against ref` for `request` (with --rounds and --report of
/// `rig`; --rig and the sequential-only options are refused) and prints the
/// comparison as `--rig a,b` does; returns the exit code (the comparison's,
/// 2 for bad arguments, 1 for other errors).
int run_bench_against(const std::string& ref, const RigArgs& rig,
                      const app::BenchRequest& request, const OutputOptions& output,
                      bool json_summary);

} // namespace hb::cli
