#pragma once
// Materialises the runtime helpers that runner scripts source or import
// (runtime-helpers.md section 1) and says which variables point at them.

#include "model/paths.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace hb::bench {

struct HelperFile
{
  std::string env_var;          // HOMEBOY_RUNTIME_BENCH_HELPER_SH, ...
  std::filesystem::path path;
};

/// Writes every built-in helper to <config>/runtime/ (atomically, only when
/// the content differs), then the helpers declared by
/// $HOMEBOY_RUNTIME_HELPERS_JSON. Unlike the original, a bad declaration is an
/// error naming what is wrong instead of silently exporting nothing.
Result<std::vector<HelperFile>> materialize_runtime_helpers(const Paths& paths);

} // namespace hb::bench
