#include "bench/runtime_helpers.hpp"

#include "bench/runtime_assets.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"

#include <fmt/core.h>

#include <cstdlib>

namespace hb::bench {

namespace {

const char*
env_var_for(std::string_view file_name)
{
  if (file_name == "runner-steps.sh") return "HOMEBOY_RUNTIME_RUNNER_STEPS";
  if (file_name == "runner-prelude.sh") return "HOMEBOY_RUNTIME_RUNNER_PRELUDE";
  if (file_name == "bash-preflight.sh") return "HOMEBOY_RUNTIME_BASH_PREFLIGHT";
  if (file_name == "failure-trap.sh") return "HOMEBOY_RUNTIME_FAILURE_TRAP";
  if (file_name == "sidecar-writer.sh") return "HOMEBOY_RUNTIME_SIDECAR_WRITER";
  if (file_name == "resolve-context.sh") return "HOMEBOY_RUNTIME_RESOLVE_CONTEXT";
  if (file_name == "bench-helper.sh") return "HOMEBOY_RUNTIME_BENCH_HELPER_SH";
  if (file_name == "bench-helper.mjs") return "HOMEBOY_RUNTIME_BENCH_HELPER_JS";
  if (file_name == "bench-helper.php") return "HOMEBOY_RUNTIME_BENCH_HELPER_PHP";
  return nullptr;
}

Result<void>
write_if_different(const std::filesystem::path& path, std::string_view content)
{
  auto existing = fs::read_file(path);
  if (existing && *existing == content) {
    return {};
  }
  return fs::write_file_atomic(path, content);
}

Result<void>
add_declared_helpers(const std::filesystem::path& dir, std::vector<HelperFile>& out)
{
  const char* declared = std::getenv("HOMEBOY_RUNTIME_HELPERS_JSON");
  if (declared == nullptr || *declared == '\0') {
    return {};
  }
  auto doc = parse_json(declared, "HOMEBOY_RUNTIME_HELPERS_JSON");
  if (!doc) {
    return Unexpected(doc.error());
  }
  auto bad = [](const std::string& what) {
    return make_error("config.invalid",
                      "HOMEBOY_RUNTIME_HELPERS_JSON: " + what
                        + " (expected an array of {\"filename\", \"source\", \"env_var\"})");
  };
  if (!doc->is_array()) {
    return bad(fmt::format("must be an array, not {}", json_type_name(*doc)));
  }
  for (const auto& entry : *doc) {
    if (!entry.is_object()) {
      return bad("every entry must be an object");
    }
    for (const char* key : {"filename", "source", "env_var"}) {
      if (!entry.contains(key) || !entry[key].is_string() || entry[key].get<std::string>().empty()) {
        return bad(fmt::format("an entry lacks a non-empty string `{}`", key));
      }
    }
    std::string filename = entry["filename"].get<std::string>();
    if (filename.find('/') != std::string::npos || filename == "." || filename == "..") {
      return bad(fmt::format("filename `{}` must be a plain file name", filename));
    }
    auto content = fs::read_file(entry["source"].get<std::string>());
    if (!content) {
      return bad(content.error().message);
    }
    auto path = dir / filename;
    if (auto written = write_if_different(path, *content); !written) {
      return Unexpected(written.error());
    }
    out.push_back({entry["env_var"].get<std::string>(), path});
  }
  return {};
}

} // namespace

Result<std::vector<HelperFile>>
materialize_runtime_helpers(const Paths& paths)
{
  auto dir = paths.runtime_dir();
  if (auto made = fs::create_directories(dir); !made) {
    return Unexpected(made.error());
  }
  std::vector<HelperFile> out;
  for (const auto& asset : runtime_assets()) {
    auto path = dir / std::string(asset.name);
    if (auto written = write_if_different(path, asset.content); !written) {
      return Unexpected(written.error());
    }
    if (const char* var = env_var_for(asset.name)) {
      out.push_back({var, path});
    }
  }
  if (auto declared = add_declared_helpers(dir, out); !declared) {
    return Unexpected(declared.error());
  }
  return out;
}

} // namespace hb::bench
