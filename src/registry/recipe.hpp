#pragma once
// What a registry run is made from: the command, where and how it runs, and
// its limits. A run keeps its recipe (metadata `recipe`), so it can be
// replayed; secrets are never part of it, only their names.

#include "model/run.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb {
class SecretMasker;
}

namespace hb::registry {

inline constexpr std::int64_t k_default_start_timeout_ms = 60'000;
inline constexpr std::int64_t k_default_heartbeat_timeout_ms = 30'000;
inline constexpr std::int64_t k_default_retry_backoff_min_ms = 10'000;
inline constexpr std::int64_t k_default_retry_backoff_max_ms = 600'000;
inline constexpr int k_max_retries = 100;

struct Recipe
{
  std::vector<std::string> argv;
  std::string cwd; // absolute
  std::map<std::string, std::string> env;  // --env: stored, so never a secret
  // --secret-env: names only, stored as `hidden_env` (a key named "secret"
  // would itself be redacted).
  std::vector<std::string> secret_env;
  std::vector<std::string> artifacts;      // --artifact: globs relative to cwd
  std::map<std::string, std::string> labels;
  std::string name;
  std::string kind = "task";
  std::optional<std::int64_t> timeout_ms;
  std::int64_t start_timeout_ms = k_default_start_timeout_ms;
  std::int64_t heartbeat_timeout_ms = k_default_heartbeat_timeout_ms;
  std::optional<std::int64_t> retain_for_ms;
  // --retry N: a worker starts up to N more attempts of a run that ended for
  // one of `retry_on`, after an exponential backoff with jitter between the
  // two bounds (registry/attempts.hpp).
  int retries = 0;
  std::vector<std::string> retry_on;
  std::int64_t retry_backoff_min_ms = k_default_retry_backoff_min_ms;
  std::int64_t retry_backoff_max_ms = k_default_retry_backoff_max_ms;
};

Json recipe_to_json(const Recipe& recipe);
/// The recipe a run stored; `registry.no_recipe` for runs not made by the
/// registry.
Result<Recipe> recipe_from_run(const Run& run);
/// A recipe from its JSON (recipe_to_json); errors name `owner` ("run X",
/// "schedule Y").
Result<Recipe> recipe_from_json(const Json& node, const std::string& owner);

/// Checks what a user gave: a command, valid variable names, no secret in
/// --env (a secret-named variable must go through --secret-env, which is
/// never stored), artifact globs that stay inside the run's cwd, positive
/// limits. Errors are `validation.*` and say what to do instead.
Result<void> validate(const Recipe& recipe);

/// A queued run for this recipe. `masker` holds the values of the secret
/// variables as the submitter sees them, so a secret typed into the command
/// line is not stored either.
Run make_queued_run(const Recipe& recipe, const SecretMasker& masker, TimeMs now,
                    const std::string& replay_of = "");

/// The command line as one string (arguments with spaces or quotes quoted).
std::string command_text(const std::vector<std::string>& argv);

/// A recipe as the user typed it, not yet checked: the values of the `runs
/// submit` / `runs start` options, or the keys of one --batch line.
struct RecipeOptions
{
  std::string name, cwd, timeout, start_timeout, heartbeat_timeout, retain_for, kind = "task";
  std::string retry, retry_on, retry_backoff; // --retry N, --retry-on A,B, --retry-backoff MIN..MAX
  std::vector<std::string> env, secret_env, artifacts, labels; // env, labels: K=V
};

/// A duration option's value (empty text: none); errors name the flag and
/// the text ("--timeout 3x: ...").
Result<std::optional<std::int64_t>> duration_option(const std::string& flag,
                                                    const std::string& text);

/// The reasons `--retry-on` accepts (and its default): every terminal
/// reason of a failure the next attempt may get past. Never
/// cancelled_by_user.
const std::vector<std::string>& retryable_reasons();

struct RetryOptions
{
  int retries = 0;
  std::vector<std::string> on;
  std::int64_t backoff_min_ms = k_default_retry_backoff_min_ms;
  std::int64_t backoff_max_ms = k_default_retry_backoff_max_ms;
};

/// `--retry N`, `--retry-on A,B` and `--retry-backoff MIN..MAX` (or one
/// duration) as typed; errors name the flag and what to give instead.
Result<RetryOptions> parse_retry(const std::string& retry, const std::string& retry_on,
                                 const std::string& backoff);

/// The recipe for `argv` with these options: cwd made absolute (default:
/// the current directory; must be a directory), K=V pairs split, durations
/// parsed. Errors name the option (`--timeout 3x: ...`). Does not validate().
Result<Recipe> make_recipe(const RecipeOptions& options, const std::vector<std::string>& argv);

/// `runs submit --batch`: one JSON object per line, with the options' names
/// as keys ("argv" for the command; durations as text: {"timeout": "30s"});
/// blank lines are skipped. `source` is the file name errors give ("-" for
/// stdin): "--batch FILE line 3: ...".
Result<std::vector<Recipe>> parse_batch(std::string_view text, std::string_view source);

} // namespace hb::registry
