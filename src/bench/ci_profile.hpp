#pragma once
// `homeboy bench --ci-profile <ID>` (bench.md): a CI profile declared in the
// runner's extension manifest reproduces one CI bench job locally. The
// manifest's shape, as the original reads it:
//   "ci": {"profiles": {"<ID>": {"label": "...", "jobs": ["<job>"]}},
//          "jobs": {"<job>": {"command": "bench", "args": [...], "env": {...}}}}
// Only a profile with exactly one job whose command is "bench" is accepted.

#include "model/component.hpp"
#include "util/error.hpp"

#include <string>
#include <utility>
#include <vector>

namespace hb::bench {

struct CiBenchJob
{
  std::string profile_id;
  std::string job_id;
  std::vector<std::string> args;                            // before the CLI's `-- args`
  std::vector<std::pair<std::string, std::string>> env;     // to the runner
};

/// The bench job of `profile_id` in `extension`'s manifest. Errors
/// (validation.invalid_argument, each naming the manifest and what to fix):
/// no `ci`, an unknown profile (the declared ones are listed), zero or
/// several jobs, an undeclared job, a job whose command is not "bench", and
/// args/env of the wrong types.
Result<CiBenchJob> resolve_ci_bench_job(const Extension& extension, const std::string& profile_id);

} // namespace hb::bench
