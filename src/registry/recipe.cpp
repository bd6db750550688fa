#include "registry/recipe.hpp"

#include "util/id.hpp"
#include "util/json.hpp"
#include "util/path_safety.hpp"
#include "util/secret_mask.hpp"

#include <fmt/core.h>

namespace hb::registry {

namespace {

bool
valid_env_name(const std::string& name)
{
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

Json
opt_json(const std::optional<std::int64_t>& value)
{
  return value ? Json(*value) : Json(nullptr);
}

std::optional<std::int64_t>
opt_from(const Json& node, const char* key)
{
  auto it = node.find(key);
  if (it == node.end() || !it->is_number_integer()) {
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

} // namespace

std::string
command_text(const std::vector<std::string>& argv)
{
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) {
      out += ' ';
    }
    bool plain = !arg.empty() && arg.find_first_of(" \t\n'\"\\$`*?;&|<>()") == std::string::npos;
    if (plain) {
      out += arg;
      continue;
    }
    out += '\'';
    for (char c : arg) {
      out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    out += '\'';
  }
  return out;
}

Json
recipe_to_json(const Recipe& r)
{
  return Json{
    {"argv", r.argv},
    {"cwd", r.cwd},
    {"env", r.env},
    {"hidden_env", r.secret_env},
    {"artifacts", r.artifacts},
    {"labels", r.labels},
    {"name", r.name},
    {"kind", r.kind},
    {"timeout_ms", opt_json(r.timeout_ms)},
    {"start_timeout_ms", r.start_timeout_ms},
    {"heartbeat_timeout_ms", r.heartbeat_timeout_ms},
    {"retain_for_ms", opt_json(r.retain_for_ms)},
  };
}

Result<Recipe>
recipe_from_run(const Run& run)
{
  auto metadata = parse_json(run.metadata_json, "run metadata");
  if (!metadata || !metadata->is_object() || !metadata->contains("recipe")
      || !(*metadata)["recipe"].is_object()) {
    return make_error("registry.no_recipe",
                      fmt::format("run {} has no recipe: only runs made by `homeboy runs submit` "
                                  "or `runs start` can be replayed",
                                  run.id));
  }
  const Json& node = (*metadata)["recipe"];
  Recipe r;
  try {
    r.argv = node.value("argv", std::vector<std::string>{});
    r.cwd = node.value("cwd", std::string());
    r.env = node.value("env", std::map<std::string, std::string>{});
    r.secret_env = node.value("hidden_env", std::vector<std::string>{});
    r.artifacts = node.value("artifacts", std::vector<std::string>{});
    r.labels = node.value("labels", std::map<std::string, std::string>{});
    r.name = node.value("name", std::string());
    r.kind = node.value("kind", std::string("task"));
  } catch (const Json::exception& e) {
    return make_error("registry.no_recipe",
                      fmt::format("run {} has a damaged recipe ({})", run.id, e.what()));
  }
  r.timeout_ms = opt_from(node, "timeout_ms");
  r.start_timeout_ms = opt_from(node, "start_timeout_ms").value_or(k_default_start_timeout_ms);
  r.heartbeat_timeout_ms =
    opt_from(node, "heartbeat_timeout_ms").value_or(k_default_heartbeat_timeout_ms);
  r.retain_for_ms = opt_from(node, "retain_for_ms");
  return r;
}

Result<void>
validate(const Recipe& r)
{
  if (r.argv.empty() || r.argv[0].empty()) {
    return make_error("validation.missing_command",
                      "no command given: put it after `--`, e.g. `homeboy runs submit -- make test`");
  }
  if (r.kind.empty()) {
    return make_error("validation.invalid_kind", "--kind must not be empty");
  }
  for (const auto& [name, value] : r.env) {
    if (!valid_env_name(name)) {
      return make_error("validation.invalid_env",
                        fmt::format("--env {}=...: `{}` is not a variable name (letters, digits "
                                    "and _, not starting with a digit)",
                                    name, name));
    }
    if (is_secret_key(name)) {
      return make_error("validation.secret_in_env",
                        fmt::format("--env {} looks like a secret, and --env values are stored "
                                    "with the run; export it and pass --secret-env {} instead, "
                                    "which hands it to the command without storing it",
                                    name, name));
    }
  }
  for (const auto& name : r.secret_env) {
    if (!valid_env_name(name)) {
      return make_error("validation.invalid_env",
                        fmt::format("--secret-env {}: not a variable name (give the name of an "
                                    "exported variable, not its value)",
                                    name));
    }
  }
  for (const auto& glob : r.artifacts) {
    if (!glob.empty() && glob[0] == '/') {
      return make_error("validation.unsafe_path",
                        fmt::format("--artifact {}: artifact globs are relative to the run's "
                                    "working directory (--cwd); an absolute path escapes it",
                                    glob));
    }
    if (auto ok = fs::check_relative_path(glob); !ok) {
      return make_error("validation.unsafe_path",
                        fmt::format("--artifact {}: {}; artifact globs must stay inside the "
                                    "run's working directory",
                                    glob, ok.error().message));
    }
  }
  auto positive = [](const char* flag, std::optional<std::int64_t> ms) -> Result<void> {
    if (ms && *ms <= 0) {
      return make_error("validation.invalid_duration",
                        fmt::format("{} must be longer than 0 (e.g. 30s, 15m, 2h)", flag));
    }
    return {};
  };
  for (auto check : {positive("--timeout", r.timeout_ms),
                     positive("--start-timeout", r.start_timeout_ms),
                     positive("--heartbeat-timeout", r.heartbeat_timeout_ms),
                     positive("--retain-for", r.retain_for_ms)}) {
    if (!check) {
      return check;
    }
  }
  if (r.heartbeat_timeout_ms < 1000) {
    return make_error("validation.invalid_duration",
                      "--heartbeat-timeout must be at least 1s: the supervisor beats every "
                      "quarter of it and a shorter one would settle live runs");
  }
  return {};
}

Run
make_queued_run(const Recipe& recipe, const SecretMasker& masker, TimeMs now,
                const std::string& replay_of)
{
  Run run;
  run.id = new_uuid_v4();
  run.kind = recipe.kind;
  run.status = RunStatus::queued;
  run.command = masker.mask(command_text(recipe.argv));
  run.cwd = masker.mask(recipe.cwd);
  run.created_at = now;
  run.start_timeout_ms = recipe.start_timeout_ms;
  run.timeout_ms = recipe.timeout_ms;
  run.heartbeat_timeout_ms = recipe.heartbeat_timeout_ms;
  Json metadata = {{"recipe", recipe_to_json(recipe)}};
  if (!recipe.name.empty()) {
    metadata["name"] = recipe.name;
  }
  if (!recipe.labels.empty()) {
    metadata["labels"] = recipe.labels;
  }
  if (!replay_of.empty()) {
    metadata["replay_of"] = replay_of;
  }
  run.metadata_json = dump_json(redact_secrets(metadata, masker));
  return run;
}

} // namespace hb::registry
