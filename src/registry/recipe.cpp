#include "registry/recipe.hpp"

#include "util/id.hpp"
#include "util/json.hpp"
#include "util/path_safety.hpp"
#include "util/secret_mask.hpp"
#include "util/time.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <tuple>

#include <filesystem>

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

Result<std::pair<std::string, std::string>>
key_value(const std::string& flag, const std::string& text)
{
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return make_error("validation.invalid_option",
                      fmt::format("{} {}: expected KEY=VALUE", flag, text));
  }
  return std::make_pair(text.substr(0, eq), text.substr(eq + 1));
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
    {"retry", {{"retries", r.retries},
               {"on", r.retry_on},
               {"backoff_min_ms", r.retry_backoff_min_ms},
               {"backoff_max_ms", r.retry_backoff_max_ms}}},
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
  return recipe_from_json((*metadata)["recipe"], fmt::format("run {}", run.id));
}

Result<Recipe>
recipe_from_json(const Json& node, const std::string& owner)
{
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
                      fmt::format("{} has a damaged recipe ({})", owner, e.what()));
  }
  r.timeout_ms = opt_from(node, "timeout_ms");
  r.start_timeout_ms = opt_from(node, "start_timeout_ms").value_or(k_default_start_timeout_ms);
  r.heartbeat_timeout_ms =
    opt_from(node, "heartbeat_timeout_ms").value_or(k_default_heartbeat_timeout_ms);
  r.retain_for_ms = opt_from(node, "retain_for_ms");
  if (auto retry = node.find("retry"); retry != node.end() && retry->is_object()) {
    r.retries = static_cast<int>(opt_from(*retry, "retries").value_or(0));
    if (auto on = retry->find("on"); on != retry->end() && on->is_array()) {
      for (const auto& reason : *on) {
        if (reason.is_string()) r.retry_on.push_back(reason.get<std::string>());
      }
    }
    r.retry_backoff_min_ms = opt_from(*retry, "backoff_min_ms").value_or(k_default_retry_backoff_min_ms);
    r.retry_backoff_max_ms = opt_from(*retry, "backoff_max_ms").value_or(k_default_retry_backoff_max_ms);
  }
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

Result<std::optional<std::int64_t>>
duration_option(const std::string& flag, const std::string& text)
{
  if (text.empty()) {
    return std::optional<std::int64_t>();
  }
  auto ms = parse_duration_ms(text);
  if (!ms) {
    return make_error("validation.invalid_duration",
                      fmt::format("{} {}: {}", flag, text, ms.error().message));
  }
  return std::optional<std::int64_t>(*ms);
}

const std::vector<std::string>&
retryable_reasons()
{
  static const std::vector<std::string> reasons = {"heartbeat_lost", "owner_gone", "exit_code",
                                                   "signal", "timed_out", "interrupted"};
  return reasons;
}

Result<RetryOptions>
parse_retry(const std::string& retry, const std::string& retry_on, const std::string& backoff)
{
  RetryOptions out;
  if (retry.empty()) {
    if (!retry_on.empty() || !backoff.empty()) {
      return make_error("validation.invalid_option",
                        fmt::format("{} needs --retry N (how many more attempts a worker may start)",
                                    !retry_on.empty() ? "--retry-on" : "--retry-backoff"));
    }
    return out;
  }
  std::size_t used = 0;
  int n = -1;
  try {
    n = std::stoi(retry, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != retry.size() || n < 0 || n > k_max_retries) {
    return make_error("validation.invalid_option",
                      fmt::format("--retry {}: expected how many times to retry, a whole number "
                                  "from 0 to {}",
                                  retry, k_max_retries));
  }
  out.retries = n;
  const auto& allowed = retryable_reasons();
  if (retry_on.empty()) {
    out.on = allowed;
  }
  for (std::size_t at = 0; !retry_on.empty() && at <= retry_on.size();) {
    std::size_t comma = retry_on.find(',', at);
    if (comma == std::string::npos) comma = retry_on.size();
    std::string reason = retry_on.substr(at, comma - at);
    at = comma + 1;
    if (reason == "cancelled_by_user" || reason == "cancelled") {
      return make_error("validation.invalid_option",
                        "--retry-on cancelled_by_user: a run a user cancelled is never retried; "
                        "resume it by hand with `homeboy runs resume <id>`");
    }
    if (std::find(allowed.begin(), allowed.end(), reason) == allowed.end()) {
      return make_error("validation.invalid_option",
                        fmt::format("--retry-on {}: `{}` is not a reason a run can be retried for; "
                                    "give a comma-separated list of {}",
                                    retry_on, reason, fmt::join(allowed, ", ")));
    }
    if (std::find(out.on.begin(), out.on.end(), reason) == out.on.end()) out.on.push_back(reason);
  }
  if (!backoff.empty()) {
    std::size_t dots = backoff.find("..");
    std::string low = dots == std::string::npos ? backoff : backoff.substr(0, dots);
    std::string high = dots == std::string::npos ? backoff : backoff.substr(dots + 2);
    auto min = parse_duration_ms(low);
    auto max = parse_duration_ms(high);
    if (!min || !max || *min <= 0 || *max <= 0) {
      return make_error("validation.invalid_duration",
                        fmt::format("--retry-backoff {}: expected MIN..MAX, two durations longer "
                                    "than 0 (e.g. 10s..10m), or one duration for a fixed wait",
                                    backoff));
    }
    if (*min > *max) {
      return make_error("validation.invalid_duration",
                        fmt::format("--retry-backoff {}: the minimum ({}) is longer than the "
                                    "maximum ({}); give MIN..MAX",
                                    backoff, low, high));
    }
    out.backoff_min_ms = *min;
    out.backoff_max_ms = *max;
  }
  return out;
}

Result<Recipe>
make_recipe(const RecipeOptions& a, const std::vector<std::string>& argv)
{
  Recipe r;
  r.argv = argv;
  r.name = a.name;
  r.kind = a.kind;
  std::error_code ec;
  auto cwd = std::filesystem::absolute(
    a.cwd.empty() ? std::filesystem::current_path(ec) : std::filesystem::path(a.cwd), ec);
  if (ec || !std::filesystem::is_directory(cwd, ec)) {
    return make_error("validation.invalid_cwd",
                      fmt::format("--cwd {}: not a directory", a.cwd.empty() ? "." : a.cwd));
  }
  r.cwd = cwd.lexically_normal().string();
  for (const auto& text : a.env) {
    auto kv = key_value("--env", text);
    if (!kv) return Unexpected(kv.error());
    r.env[kv->first] = kv->second;
  }
  for (const auto& text : a.labels) {
    auto kv = key_value("--label", text);
    if (!kv) return Unexpected(kv.error());
    r.labels[kv->first] = kv->second;
  }
  r.secret_env = a.secret_env;
  r.artifacts = a.artifacts;
  auto timeout = duration_option("--timeout", a.timeout);
  auto start = duration_option("--start-timeout", a.start_timeout);
  auto beat = duration_option("--heartbeat-timeout", a.heartbeat_timeout);
  auto retain = duration_option("--retain-for", a.retain_for);
  for (const auto* parsed : {&timeout, &start, &beat, &retain}) {
    if (!*parsed) return Unexpected(parsed->error());
  }
  r.timeout_ms = *timeout;
  r.start_timeout_ms = start->value_or(k_default_start_timeout_ms);
  r.heartbeat_timeout_ms = beat->value_or(k_default_heartbeat_timeout_ms);
  r.retain_for_ms = *retain;
  auto retry = parse_retry(a.retry, a.retry_on, a.retry_backoff);
  if (!retry) return Unexpected(retry.error());
  r.retries = retry->retries;
  r.retry_on = retry->on;
  r.retry_backoff_min_ms = retry->backoff_min_ms;
  r.retry_backoff_max_ms = retry->backoff_max_ms;
  return r;
}

Result<std::vector<Recipe>>
parse_batch(std::string_view text, std::string_view source)
{
  std::vector<Recipe> out;
  std::size_t line_no = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto where = fmt::format("--batch {} line {}", source, line_no);
    auto node = parse_json(line, where);
    if (!node) return Unexpected(node.error());
    if (!node->is_object() || !node->contains("argv") || !(*node)["argv"].is_array()) {
      return make_error("validation.invalid_batch",
                        fmt::format("{}: expected an object with \"argv\": [\"cmd\", \"arg\", ...]",
                                    where));
    }
    // Every field is checked for its type, so an error names the field.
    auto bad = [&](const char* key, const char* wanted, const Json& value) {
      return make_error("validation.invalid_batch",
                        fmt::format("{}: `{}` must be {}, not {}", where, key, wanted,
                                    json_type_name(value)));
    };
    auto text = [&](const char* key, std::string fallback) -> Result<std::string> {
      auto it = node->find(key);
      if (it == node->end() || it->is_null()) return fallback;
      if (!it->is_string()) return bad(key, "a string", *it);
      return it->get<std::string>();
    };
    auto strings = [&](const char* key) -> Result<std::vector<std::string>> {
      std::vector<std::string> out;
      auto it = node->find(key);
      if (it == node->end() || it->is_null()) return out;
      if (!it->is_array()) return bad(key, "an array of strings", *it);
      for (const auto& v : *it) {
        if (!v.is_string()) return bad(key, "an array of strings", v);
        out.push_back(v.get<std::string>());
      }
      return out;
    };
    auto pairs = [&](const char* key) -> Result<std::vector<std::string>> {
      std::vector<std::string> out;
      auto it = node->find(key);
      if (it == node->end() || it->is_null()) return out;
      if (!it->is_object()) return bad(key, "an object of strings", *it);
      for (const auto& [k, v] : it->items()) {
        if (!v.is_string()) return bad(key, "an object of strings", v);
        out.push_back(k + "=" + v.get<std::string>());
      }
      return out;
    };
    RecipeOptions a;
    auto argv = strings("argv");
    if (!argv) return Unexpected(argv.error());
    for (auto [key, into, fallback] :
         {std::tuple<const char*, std::string*, const char*>{"name", &a.name, ""},
          {"cwd", &a.cwd, ""}, {"kind", &a.kind, "task"}, {"timeout", &a.timeout, ""},
          {"start_timeout", &a.start_timeout, ""},
          {"heartbeat_timeout", &a.heartbeat_timeout, ""}, {"retain_for", &a.retain_for, ""},
          {"retry", &a.retry, ""}, {"retry_on", &a.retry_on, ""},
          {"retry_backoff", &a.retry_backoff, ""}}) {
      auto value = text(key, fallback);
      if (!value) return Unexpected(value.error());
      *into = std::move(*value);
    }
    auto env = pairs("env");
    if (!env) return Unexpected(env.error());
    a.env = std::move(*env);
    auto labels = pairs("labels");
    if (!labels) return Unexpected(labels.error());
    a.labels = std::move(*labels);
    auto secret_env = strings("secret_env");
    if (!secret_env) return Unexpected(secret_env.error());
    a.secret_env = std::move(*secret_env);
    auto artifacts = strings("artifacts");
    if (!artifacts) return Unexpected(artifacts.error());
    a.artifacts = std::move(*artifacts);
    auto recipe = make_recipe(a, *argv);
    if (!recipe) {
      return make_error(recipe.error().code, fmt::format("{}: {}", where, recipe.error().message));
    }
    out.push_back(std::move(*recipe));
  }
  if (out.empty()) {
    return make_error("validation.invalid_batch", fmt::format("--batch {}: no runs in it", source));
  }
  return out;
}

} // namespace hb::registry
