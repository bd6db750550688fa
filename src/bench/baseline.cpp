#include "bench/baseline.hpp"

#include "stats/descriptive.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace hb::bench {

namespace stdfs = std::filesystem;

const BaselineScenario*
Baseline::find(std::string_view scenario_id) const
{
  for (const auto& s : scenarios) {
    if (s.id == scenario_id) {
      return &s;
    }
  }
  return nullptr;
}

std::string
baseline_key(const std::string& rig_id)
{
  return rig_id.empty() ? "bench" : "bench.rig." + rig_id;
}

namespace {

Result<Json>
read_document(const stdfs::path& file)
{
  auto text = fs::read_file(file);
  if (!text) {
    return Unexpected(text.error());
  }
  auto doc = parse_json(*text, file.string());
  if (!doc) {
    return make_error("baseline.invalid",
                      doc.error().message + "; fix the file before comparing or saving a baseline",
                      doc.error().details);
  }
  if (!doc->is_object()) {
    return make_error("baseline.invalid", fmt::format("{} must hold a JSON object, not {}",
                                                      file.string(), json_type_name(*doc)));
  }
  return doc;
}

Result<std::vector<double>>
read_numbers(const Json& value, const std::string& where)
{
  if (!value.is_array()) {
    return make_error("baseline.invalid", where + " must be an array of numbers");
  }
  std::vector<double> out;
  for (const auto& v : value) {
    if (!v.is_number() || !std::isfinite(v.get<double>())) {
      return make_error("baseline.invalid", where + " must hold only finite numbers");
    }
    out.push_back(v.get<double>());
  }
  return out;
}

// A malformed baseline: where, what is wrong, and how to get a good one.
Unexpected<Error>
invalid_baseline(const std::string& where, const std::string& what)
{
  return make_error("baseline.invalid",
                    fmt::format("{}: {}; fix it, or save a new baseline with "
                                "`homeboy bench --baseline`",
                                where, what));
}

// `sessions` of one scenario: {metric: {sizes: [...], centres: [...]}}.
// A metric with samples needs sizes that add up to them (centres optional,
// one per session); one without samples needs centres and no sizes.
Result<void>
read_sessions(const Json& node, BaselineScenario& scenario, const std::string& where)
{
  auto bad = [&](const std::string& what) { return invalid_baseline(where, what); };
  if (!node.is_object()) {
    return bad("`sessions` must be an object of {sizes, centres} per metric");
  }
  for (const auto& [name, value] : node.items()) {
    const std::string at = fmt::format("sessions.{}", name);
    if (!value.is_object()) {
      return bad(at + " must be an object with `sizes` and/or `centres`");
    }
    const std::vector<double>* samples = scenario.samples(name);
    std::vector<std::size_t> sizes;
    if (value.contains("sizes")) {
      if (!samples) {
        return bad(at + ".sizes given, but the metric has no samples in `distributions`");
      }
      if (!value["sizes"].is_array() || value["sizes"].empty()) {
        return bad(at + ".sizes must be a non-empty array of positive integers");
      }
      std::size_t total = 0;
      for (const auto& n : value["sizes"]) {
        if (!n.is_number_unsigned() || n.get<std::uint64_t>() == 0) {
          return bad(at + ".sizes must hold only positive integers");
        }
        sizes.push_back(n.get<std::size_t>());
        total += sizes.back();
      }
      if (total != samples->size()) {
        return bad(fmt::format("{}.sizes add up to {} samples, but distributions.{} has {}", at,
                               total, name, samples->size()));
      }
    } else if (samples) {
      return bad(at + " needs `sizes`: how the metric's samples split into sessions");
    }
    std::vector<double> centres;
    if (value.contains("centres")) {
      auto numbers = read_numbers(value["centres"], fmt::format("{}: {}.centres", where, at));
      if (!numbers) {
        return Unexpected(numbers.error());
      }
      centres = std::move(*numbers);
      if (centres.empty()) {
        return bad(at + ".centres must be a non-empty array of numbers");
      }
      if (!sizes.empty() && centres.size() != sizes.size()) {
        return bad(fmt::format("{} has {} sizes but {} centres", at, sizes.size(),
                               centres.size()));
      }
    } else if (!samples) {
      return bad(at + " needs `centres` (the metric has no samples)");
    }
    if (!sizes.empty()) {
      scenario.sessions.emplace_back(name, std::move(sizes));
    }
    if (!centres.empty()) {
      scenario.session_centres.emplace_back(name, std::move(centres));
    }
  }
  return {};
}

Result<Baseline>
parse_baseline(const Json& node, const std::string& where)
{
  auto bad = [&](const std::string& what) { return invalid_baseline(where, what); };
  if (!node.is_object()) {
    return bad(fmt::format("must be an object, not {}", json_type_name(node)));
  }
  Baseline baseline;
  if (node.contains("created_at") && node["created_at"].is_string()) {
    baseline.created_at = node["created_at"].get<std::string>();
  }
  if (node.contains("context_id") && node["context_id"].is_string()) {
    baseline.context_id = node["context_id"].get<std::string>();
  }
  if (!node.contains("metadata") || !node["metadata"].is_object()) {
    return bad("`metadata` must be an object with `scenarios`");
  }
  const Json& meta = node["metadata"];
  if (meta.contains("iterations") && meta["iterations"].is_number_unsigned()) {
    baseline.iterations = meta["iterations"].get<std::uint64_t>();
  }
  if (meta.contains("host") && meta["host"].is_object()) {
    baseline.host = host_from_json(meta["host"]);
  }
  if (meta.contains("run_id") && meta["run_id"].is_string()) {
    baseline.run_id = meta["run_id"].get<std::string>();
  }
  if (meta.contains("machine_speed")) {
    auto speed = machine_speed_from_json(meta["machine_speed"]);
    if (!speed) {
      return bad("`metadata.machine_speed` " + speed.error().message);
    }
    baseline.machine_speed = std::move(*speed);
  }
  if (!meta.contains("scenarios") || !meta["scenarios"].is_array()) {
    return bad("`metadata.scenarios` must be an array");
  }
  for (const auto& entry : meta["scenarios"]) {
    if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string()) {
      return bad("every entry of `metadata.scenarios` needs a string `id`");
    }
    BaselineScenario scenario;
    scenario.id = entry["id"].get<std::string>();
    std::string at = fmt::format("scenario `{}`", scenario.id);
    if (entry.contains("metrics")) {
      if (!entry["metrics"].is_object()) {
        return bad(at + ": `metrics` must be an object of numbers");
      }
      for (const auto& [name, value] : entry["metrics"].items()) {
        if (name == "distributions") {
          continue;
        }
        if (!value.is_number() || !std::isfinite(value.get<double>())) {
          return bad(fmt::format("{}: metric `{}` must be a finite number", at, name));
        }
        scenario.metrics.push_back({name, value.get<double>()});
      }
    }
    // Legacy snapshots carry the latency figures on the scenario itself.
    for (const char* legacy : {"p95_ms", "p50_ms", "mean_ms"}) {
      if (entry.contains(legacy) && !scenario.metric(legacy)) {
        if (!entry[legacy].is_number()) {
          return bad(fmt::format("{}: `{}` must be a number", at, legacy));
        }
        scenario.metrics.push_back({legacy, entry[legacy].get<double>()});
      }
    }
    if (entry.contains("distributions")) {
      if (!entry["distributions"].is_object()) {
        return bad(at + ": `distributions` must be an object of number arrays");
      }
      for (const auto& [name, values] : entry["distributions"].items()) {
        auto numbers = read_numbers(values, fmt::format("{}: {}: distributions.{}", where,
                                                        at, name));
        if (!numbers) {
          return Unexpected(numbers.error());
        }
        scenario.distributions.emplace_back(name, std::move(*numbers));
      }
    }
    if (entry.contains("sessions")) {
      if (auto read = read_sessions(entry["sessions"], scenario, where + ": " + at); !read) {
        return Unexpected(read.error());
      }
    }
    baseline.scenarios.push_back(std::move(scenario));
  }
  return baseline;
}

Json
baseline_to_json(const Baseline& baseline)
{
  std::set<std::string> ids;
  Json scenarios = Json::array();
  for (const auto& s : baseline.scenarios) {
    ids.insert(s.id);
    Json metrics = Json::object();
    for (const auto& m : s.metrics) {
      metrics[m.name] = m.value;
    }
    Json entry = {{"id", s.id}, {"metrics", std::move(metrics)}};
    if (!s.distributions.empty()) {
      Json dist = Json::object();
      for (const auto& [name, values] : s.distributions) {
        dist[name] = values;
      }
      entry["distributions"] = std::move(dist);
    }
    Json sessions = Json::object();
    for (const auto& [name, sizes] : s.sessions) {
      sessions[name]["sizes"] = sizes;
    }
    for (const auto& [name, centres] : s.session_centres) {
      sessions[name]["centres"] = centres;
    }
    if (!sessions.empty()) {
      entry["sessions"] = std::move(sessions);
    }
    scenarios.push_back(std::move(entry));
  }
  Json metadata = {{"iterations", baseline.iterations}, {"scenarios", std::move(scenarios)}};
  if (baseline.host) {
    metadata["host"] = host_to_json(*baseline.host);
  }
  if (!baseline.run_id.empty()) {
    metadata["run_id"] = baseline.run_id;
  }
  if (baseline.machine_speed) {
    metadata["machine_speed"] = machine_speed_to_json(*baseline.machine_speed);
  }
  return Json{{"created_at", baseline.created_at},
              {"context_id", baseline.context_id},
              {"item_count", baseline.scenarios.size()},
              {"known_fingerprints", Json(std::vector<std::string>(ids.begin(), ids.end()))},
              {"metadata", std::move(metadata)}};
}

} // namespace

Result<std::optional<Baseline>>
read_baseline(const stdfs::path& homeboy_json, std::string_view key)
{
  std::error_code ec;
  if (!stdfs::exists(homeboy_json, ec)) {
    return std::optional<Baseline>();
  }
  auto doc = read_document(homeboy_json);
  if (!doc) {
    return Unexpected(doc.error());
  }
  if (!doc->contains("baselines") || (*doc)["baselines"].is_null()) {
    return std::optional<Baseline>();
  }
  const Json& baselines = (*doc)["baselines"];
  std::string where = fmt::format("{}: baselines.{}", homeboy_json.string(), key);
  if (!baselines.is_object()) {
    return make_error("baseline.invalid",
                      fmt::format("{}: `baselines` must be an object, not {}",
                                  homeboy_json.string(), json_type_name(baselines)));
  }
  std::string k(key);
  if (!baselines.contains(k) || baselines[k].is_null()) {
    return std::optional<Baseline>();
  }
  auto parsed = parse_baseline(baselines[k], where);
  if (!parsed) {
    return Unexpected(parsed.error());
  }
  return std::optional<Baseline>(std::move(*parsed));
}

Baseline
make_baseline(const BenchResults& results, TimeMs now, std::optional<HostFingerprint> host,
              std::optional<MachineSpeed> speed)
{
  Baseline baseline;
  baseline.host = std::move(host);
  baseline.machine_speed = std::move(speed);
  baseline.created_at = format_rfc3339(now);
  baseline.context_id = results.component_id;
  baseline.iterations = results.iterations;
  for (const auto& s : results.scenarios) {
    BaselineScenario scenario{s.id, s.metrics, s.distributions, {}, {}};
    for (const auto& [name, sizes] : s.sessions) {
      const auto* samples = s.samples(name);
      auto split = samples ? split_sessions(*samples, &sizes) : std::nullopt;
      if (!split || split->size() < 2) {
        continue; // one session, or sizes that do not fit: saved as one session
      }
      std::vector<double> centres;
      for (const auto& session : *split) {
        centres.push_back(stats::median(session));
      }
      scenario.sessions.emplace_back(name, sizes);
      scenario.session_centres.emplace_back(name, std::move(centres));
    }
    baseline.scenarios.push_back(std::move(scenario));
  }
  return baseline;
}

Result<void>
write_baseline(const Paths& paths, const stdfs::path& homeboy_json, std::string_view key,
               const Baseline& baseline)
{
  // The lock lives in our config dir, not beside the user's file, so no lock
  // files appear in their repository.
  auto lock_dir = paths.config_root / "locks";
  if (auto made = fs::create_directories(lock_dir); !made) {
    return made;
  }
  if (auto made = fs::create_directories(homeboy_json.parent_path()); !made) {
    return made;
  }
  auto lock_path = lock_dir / ("baseline-" + fs::sha256_hex(stdfs::absolute(homeboy_json).string()).substr(0, 16) + ".lock");
  auto lock = fs::FileLock::acquire(lock_path);
  if (!lock) {
    return Unexpected(lock.error());
  }
  Json doc = Json::object();
  std::error_code ec;
  if (stdfs::exists(homeboy_json, ec)) {
    auto existing = read_document(homeboy_json);
    if (!existing) {
      return Unexpected(existing.error());
    }
    doc = std::move(*existing);
  } else {
    doc["id"] = baseline.context_id;
  }
  if (!doc.contains("baselines") || doc["baselines"].is_null()) {
    doc["baselines"] = Json::object();
  }
  if (!doc["baselines"].is_object()) {
    return make_error("baseline.invalid",
                      fmt::format("{}: `baselines` must be an object; refusing to overwrite it",
                                  homeboy_json.string()));
  }
  doc["baselines"][std::string(key)] = baseline_to_json(baseline);
  return fs::write_file_atomic(homeboy_json, dump_json(doc, 2) + "\n");
}

} // namespace hb::bench
