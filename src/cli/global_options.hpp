#pragma once
// The original's global options, which go before the command
// (`homeboy --output json runs refs ...`). Scripts written for the original
// must parse: a global option is moved onto the command it applies to.

#include "util/error.hpp"

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace hb::cli {

struct GlobalOptions
{
  bool json = false;                      // --output json
  std::optional<std::string> output_file; // --output FILE
  bool force_hot = false;                 // --force-hot: no warm/hot warning
};

/// Removes the global options that precede the command from `args` (the
/// arguments without argv[0], in order). Errors: a global option without its
/// value.
Result<GlobalOptions> take_global_options(std::vector<std::string>& args);

/// Inserts `globals` after the deepest subcommand named in `args` (as
/// `--json` / `--format json` and `--output FILE`). Errors when that command
/// has no JSON output or uses --output for something else.
Result<void> apply_global_options(const CLI::App& app, const GlobalOptions& globals,
                            std::vector<std::string>& args);

} // namespace hb::cli
