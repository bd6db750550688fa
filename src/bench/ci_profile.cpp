// Reads an extension's CI profile into the one bench job it must declare
// (ci_profile.hpp). The manifest is the extension author's file: every
// wrong shape is a message that names the file and the key, never a crash.

#include "bench/ci_profile.hpp"

#include "util/json.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

namespace hb::bench {

namespace {

Unexpected<Error>
invalid(const Extension& ext, const std::string& what)
{
  return make_error("validation.invalid_argument",
                    fmt::format("--ci-profile: {} (in {})", what, ext.manifest_path.string()));
}

std::vector<std::string>
keys_of(const Json& object)
{
  std::vector<std::string> keys;
  if (object.is_object()) {
    for (const auto& [k, v] : object.items()) keys.push_back(k);
  }
  return keys;
}

std::string
listed(const std::vector<std::string>& names)
{
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
}

} // namespace

Result<CiBenchJob>
resolve_ci_bench_job(const Extension& ext, const std::string& profile_id)
{
  if (ext.ci_json.empty()) {
    return invalid(ext, fmt::format("extension `{}` declares no CI profiles (no `ci` object); "
                                    "drop --ci-profile or add `ci.profiles` to its manifest",
                                    ext.id));
  }
  auto ci = parse_json(ext.ci_json, "the manifest's ci object");
  if (!ci || !ci->is_object()) {
    return invalid(ext, "`ci` must be an object with `profiles` and `jobs`");
  }
  const Json profiles = ci->value("profiles", Json::object());
  const Json jobs = ci->value("jobs", Json::object());
  if (!profiles.is_object() || !jobs.is_object()) {
    return invalid(ext, "`ci.profiles` and `ci.jobs` must be objects");
  }
  auto profile = profiles.find(profile_id);
  if (profile == profiles.end()) {
    return invalid(ext, fmt::format("CI profile `{}` is not declared by extension `{}`; the "
                                    "declared profiles: {}",
                                    profile_id, ext.id, listed(keys_of(profiles))));
  }
  if (!profile->is_object()) {
    return invalid(ext, fmt::format("CI profile `{}` must be an object with `jobs`", profile_id));
  }
  const Json job_ids = profile->value("jobs", Json::array());
  if (!job_ids.is_array()) {
    return invalid(ext, fmt::format("`jobs` of CI profile `{}` must be an array of job ids",
                                    profile_id));
  }
  if (job_ids.size() != 1) {
    return invalid(ext, fmt::format("CI profile `{}` declares {} jobs; --ci-profile needs exactly "
                                    "one `bench` job (run a multi-job profile with your CI "
                                    "provider instead)",
                                    profile_id, job_ids.size()));
  }
  if (!job_ids[0].is_string()) {
    return invalid(ext, fmt::format("`jobs` of CI profile `{}` must hold job ids (strings)",
                                    profile_id));
  }
  const std::string job_id = job_ids[0].get<std::string>();
  auto job = jobs.find(job_id);
  if (job == jobs.end() || !job->is_object()) {
    return invalid(ext, fmt::format("CI job `{}` of profile `{}` is not declared under `ci.jobs`; "
                                    "the declared jobs: {}",
                                    job_id, profile_id, listed(keys_of(jobs))));
  }
  const Json command = job->value("command", Json());
  if (!command.is_string() || command.get<std::string>() != "bench") {
    return invalid(ext, fmt::format("CI job `{}` declares command {}, but `homeboy bench "
                                    "--ci-profile` only runs `bench` jobs",
                                    job_id, command.is_null() ? "none" : dump_json(command)));
  }
  CiBenchJob out{profile_id, job_id, {}, {}};
  const Json args = job->value("args", Json::array());
  if (!args.is_array()) {
    return invalid(ext, fmt::format("`args` of CI job `{}` must be an array of strings", job_id));
  }
  for (const auto& a : args) {
    if (!a.is_string()) {
      return invalid(ext, fmt::format("`args` of CI job `{}` must be strings; found {}", job_id,
                                      dump_json(a)));
    }
    out.args.push_back(a.get<std::string>());
  }
  const Json env = job->value("env", Json::object());
  if (!env.is_object()) {
    return invalid(ext, fmt::format("`env` of CI job `{}` must be an object of strings", job_id));
  }
  for (const auto& [name, value] : env.items()) {
    if (!value.is_string()) {
      return invalid(ext, fmt::format("`env.{}` of CI job `{}` must be a string", name, job_id));
    }
    if (name.empty() || name.find('=') != std::string::npos) {
      return invalid(ext, fmt::format("`env` of CI job `{}` has an invalid variable name `{}`",
                                      job_id, name));
    }
    out.env.emplace_back(name, value.get<std::string>());
  }
  return out;
}

} // namespace hb::bench
