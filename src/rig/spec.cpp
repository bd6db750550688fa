// Why: the rig spec is the one contract between a rig author and homeboy;
// this file reads the materialised document into hb::rig::Spec, checking
// every key it uses so a mistake is reported with the file and the JSON path
// instead of surfacing later as a wrong bench (issue 14).

#include "rig/discovery.hpp"
#include "rig/materialize.hpp"
#include "rig/rig.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hb::rig {

namespace fs = std::filesystem;
using detail::spec_error;

const Component*
Spec::find_component(std::string_view id) const
{
  for (const auto& c : components) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

namespace {

struct Reader
{
  fs::path file;

  Result<std::string> string_at(const Json& obj, const std::string& name, const std::string& key) const
  {
    auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) return std::string();
    if (!it->is_string()) return spec_error(file, key, fmt::format("must be a string, not {}", json_type_name(*it)));
    return it->get<std::string>();
  }

  Result<std::vector<std::string>> strings_at(const Json& value, const std::string& key) const
  {
    if (!value.is_array()) return spec_error(file, key, fmt::format("must be an array of strings, not {}", json_type_name(value)));
    std::vector<std::string> out;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (!value[i].is_string()) return spec_error(file, fmt::format("{}[{}]", key, i), "must be a string");
      out.push_back(value[i].get<std::string>());
    }
    return out;
  }

  Result<std::uint64_t> uint_at(const Json& value, const std::string& key) const
  {
    if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<std::int64_t>() >= 0)) {
      return spec_error(file, key, "must be a whole number >= 0");
    }
    return value.get<std::uint64_t>();
  }

  Result<int> int_at(const Json& value, const std::string& key, int lo, int hi) const
  {
    if (!value.is_number_integer() || value.get<std::int64_t>() < lo || value.get<std::int64_t>() > hi) {
      return spec_error(file, key, fmt::format("must be a whole number from {} to {}", lo, hi));
    }
    return static_cast<int>(value.get<std::int64_t>());
  }

  Result<const Json*> object_at(const Json& obj, const std::string& name, const std::string& key) const
  {
    auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) return static_cast<const Json*>(nullptr);
    if (!it->is_object()) return spec_error(file, key, fmt::format("must be an object, not {}", json_type_name(*it)));
    return &*it;
  }
};

#define HB_TRY(var, expr)                                                                                   \
  auto var = (expr);                                                                                        \
  if (!var) return Unexpected(var.error())

Result<TimeSource>
parse_time_source(const Reader& r, const Json& value, const std::string& key)
{
  if (!value.is_object()) return spec_error(r.file, key, "must be an object with `file_mtime` or `process_start`");
  TimeSource src;
  bool file = value.contains("file_mtime"), process = value.contains("process_start");
  if (file == process) return spec_error(r.file, key, "needs exactly one of `file_mtime` and `process_start`");
  if (file) {
    HB_TRY(path, r.string_at(value, "file_mtime", key + ".file_mtime"));
    src.file_mtime = *path;
    return src;
  }
  const Json& disc = value["process_start"];
  if (!disc.is_object()) return spec_error(r.file, key + ".process_start", "must be an object with a `pattern`");
  HB_TRY(pattern, r.string_at(disc, "pattern", key + ".process_start.pattern"));
  if (pattern->empty()) return spec_error(r.file, key + ".process_start.pattern", "must be a non-empty string");
  src.is_process = true;
  src.process_pattern = *pattern;
  if (disc.contains("argv_contains")) {
    HB_TRY(argv, r.strings_at(disc["argv_contains"], key + ".process_start.argv_contains"));
    src.argv_contains = *argv;
  }
  return src;
}

Result<CheckStep>
parse_check_step(const Reader& r, const Json& value, const std::string& key)
{
  if (!value.is_object()) return spec_error(r.file, key, "a pipeline step must be an object");
  CheckStep step;
  HB_TRY(kind, r.string_at(value, "kind", key + ".kind"));
  HB_TRY(label, r.string_at(value, "label", key + ".label"));
  step.kind = kind->empty() ? "check" : *kind;
  step.label = *label;
  if (step.kind != "check") {
    if (step.label.empty()) step.label = step.kind;
    return step;
  }
  static const char* const k_probes[] = {"http", "file", "any_file_exists", "command", "newer_than"};
  std::vector<std::string> set;
  for (const char* probe : k_probes) {
    if (value.contains(probe) && !value[probe].is_null()) set.emplace_back(probe);
  }
  std::string named = step.label.empty() ? key : fmt::format("{} (\"{}\")", key, step.label);
  if (set.size() != 1) {
    return spec_error(r.file, named,
                      set.empty() ? "a check step needs one probe: http, file, any_file_exists, command or newer_than"
                                  : fmt::format("a check step has exactly one probe, this one has {} ({}, {})",
                                                set.size(), set[0], set[1]));
  }
  step.probe = set[0];
  if (step.probe == "http") {
    HB_TRY(url, r.string_at(value, "http", key + ".http"));
    step.http = *url;
    if (value.contains("expect_status")) {
      HB_TRY(status, r.int_at(value["expect_status"], key + ".expect_status", 100, 599));
      step.expect_status = *status;
    }
  } else if (step.probe == "file") {
    HB_TRY(file, r.string_at(value, "file", key + ".file"));
    step.file = *file;
    if (value.contains("contains")) {
      HB_TRY(needle, r.string_at(value, "contains", key + ".contains"));
      step.contains = *needle;
    }
  } else if (step.probe == "any_file_exists") {
    HB_TRY(files, r.strings_at(value["any_file_exists"], key + ".any_file_exists"));
    if (files->empty()) return spec_error(r.file, key + ".any_file_exists", "must list at least one path");
    step.any_file_exists = *files;
  } else if (step.probe == "command") {
    HB_TRY(command, r.string_at(value, "command", key + ".command"));
    step.command = *command;
    if (value.contains("expect_exit")) {
      HB_TRY(code, r.int_at(value["expect_exit"], key + ".expect_exit", 0, 255));
      step.expect_exit = *code;
    }
    if (value.contains("timeout_ms")) {
      HB_TRY(ms, r.int_at(value["timeout_ms"], key + ".timeout_ms", 1, 24 * 3600 * 1000));
      step.timeout_ms = *ms;
    }
  } else {
    const Json& nt = value["newer_than"];
    if (!nt.is_object() || !nt.contains("left") || !nt.contains("right")) {
      return spec_error(r.file, key + ".newer_than", "must be an object with `left` and `right`");
    }
    HB_TRY(left, parse_time_source(r, nt["left"], key + ".newer_than.left"));
    HB_TRY(right, parse_time_source(r, nt["right"], key + ".newer_than.right"));
    step.left = *left;
    step.right = *right;
  }
  return step;
}

Result<void>
parse_bench(const Reader& r, const Json& bench, Spec& spec)
{
  HB_TRY(dc, r.string_at(bench, "default_component", "bench.default_component"));
  spec.bench.default_component = *dc;
  if (bench.contains("components")) {
    HB_TRY(components, r.strings_at(bench["components"], "bench.components"));
    spec.bench.components = *components;
  }
  HB_TRY(baseline, r.string_at(bench, "default_baseline_rig", "bench.default_baseline_rig"));
  spec.bench.default_baseline_rig = *baseline;
  if (bench.contains("warmup_iterations") && !bench["warmup_iterations"].is_null()) {
    HB_TRY(warmup, r.uint_at(bench["warmup_iterations"], "bench.warmup_iterations"));
    spec.bench.warmup_iterations = *warmup;
  }
  HB_TRY(gates, r.object_at(bench, "metric_gates", "bench.metric_gates"));
  if (*gates == nullptr) return {};
  for (const auto& scenario : (*gates)->items()) {
    std::string skey = "bench.metric_gates." + scenario.key();
    if (!scenario.value().is_object()) return spec_error(r.file, skey, "must map metric names to conditions");
    for (const auto& metric : scenario.value().items()) {
      std::string mkey = skey + "." + metric.key();
      if (!metric.value().is_object() || metric.value().empty()) {
        return spec_error(r.file, mkey, "must be a condition object such as {\"gte\": 1}");
      }
      for (const char* op : {"equals", "gte", "lte"}) {
        auto it = metric.value().find(op);
        if (it == metric.value().end()) continue;
        if (!it->is_number() || !std::isfinite(it->get<double>())) {
          return spec_error(r.file, mkey + "." + op, "must be a finite number");
        }
        spec.metric_gates.push_back(Gate{scenario.key(), metric.key(), op, it->get<double>()});
      }
      for (const auto& cond : metric.value().items()) {
        if (cond.key() != "equals" && cond.key() != "gte" && cond.key() != "lte") {
          return spec_error(r.file, mkey + "." + cond.key(),
                            "unknown gate operator (use equals, gte or lte)");
        }
      }
    }
  }
  std::stable_sort(spec.metric_gates.begin(), spec.metric_gates.end(), [](const Gate& a, const Gate& b) {
    return std::tie(a.scenario_id, a.metric) < std::tie(b.scenario_id, b.metric);
  });
  return {};
}

Result<void>
parse_workloads(const Reader& r, const Json& workloads, const detail::ExpandContext& ctx, Spec& spec)
{
  for (const auto& ext : workloads.items()) {
    std::string ekey = "bench_workloads." + ext.key();
    if (!ext.value().is_array()) return spec_error(r.file, ekey, "must be an array of paths or {\"path\": ...} objects");
    std::vector<Workload> list;
    for (std::size_t i = 0; i < ext.value().size(); ++i) {
      const Json& entry = ext.value()[i];
      std::string key = fmt::format("{}[{}]", ekey, i);
      Workload w;
      std::string raw;
      if (entry.is_string()) {
        raw = entry.get<std::string>();
      } else if (entry.is_object()) {
        HB_TRY(path, r.string_at(entry, "path", key + ".path"));
        raw = *path;
        if (entry.contains("port_range_size")) {
          HB_TRY(size, r.uint_at(entry["port_range_size"], key + ".port_range_size"));
          // The invocation port pool is 20000-60999 (docs/isolation.md).
          if (*size == 0) {
            return spec_error(r.file, key + ".port_range_size",
                              "must be at least 1 (leave it out when the workload needs no ports)");
          }
          if (*size > 41000) {
            return spec_error(r.file, key + ".port_range_size",
                              "must be at most 41000, the size of the port pool 20000-60999");
          }
          w.port_range_size = *size;
        }
        if (entry.contains("named_leases")) {
          HB_TRY(leases, r.strings_at(entry["named_leases"], key + ".named_leases"));
          w.named_leases = *leases;
        }
        key += ".path";
      } else {
        return spec_error(r.file, key, "must be a path string or an object with `path`");
      }
      if (raw.empty()) return spec_error(r.file, key, "the workload path is empty");
      HB_TRY(expanded, detail::expand(raw, ctx, key));
      w.path = *expanded;
      list.push_back(std::move(w));
    }
    spec.bench_workloads.emplace_back(ext.key(), std::move(list));
  }
  return {};
}

Result<Spec>
parse_spec(const detail::Found& found, Json doc)
{
  Reader r{found.file};
  Spec spec;
  spec.id = found.id;
  spec.file = found.file;
  spec.package_root = found.package_root;
  doc.erase("id");
  HB_TRY(description, r.string_at(doc, "description", "description"));
  spec.description = *description;

  detail::ExpandContext ctx{found.file, found.package_root, nullptr};
  std::vector<std::pair<std::string, std::string>> component_paths;
  HB_TRY(components, r.object_at(doc, "components", "components"));
  if (*components != nullptr) {
    for (const auto& c : (*components)->items()) {
      std::string key = "components." + c.key();
      if (!c.value().is_object()) return spec_error(r.file, key, "must be an object with a `path`");
      HB_TRY(path, r.string_at(c.value(), "path", key + ".path"));
      if (path->empty()) return spec_error(r.file, key + ".path", "a rig component needs a `path` (its checkout)");
      HB_TRY(expanded, detail::expand(*path, ctx, key + ".path"));
      HB_TRY(branch, r.string_at(c.value(), "branch", key + ".branch"));
      HB_TRY(ref, r.string_at(c.value(), "ref", key + ".ref"));
      spec.components.push_back(Component{c.key(), fs::path(*expanded), *branch, *ref});
    }
  }
  std::sort(spec.components.begin(), spec.components.end(),
            [](const Component& a, const Component& b) { return a.id < b.id; });
  for (const auto& c : spec.components) component_paths.emplace_back(c.id, c.path.string());
  ctx.components = &component_paths;

  HB_TRY(services, r.object_at(doc, "services", "services"));
  if (*services != nullptr) {
    for (const auto& s : (*services)->items()) {
      std::string key = "services." + s.key();
      if (!s.value().is_object()) return spec_error(r.file, key, "must be an object with a `kind`");
      HB_TRY(kind, r.string_at(s.value(), "kind", key + ".kind"));
      if (kind->empty()) return spec_error(r.file, key + ".kind", "a service needs a `kind` (e.g. \"command\")");
      spec.service_ids.push_back(s.key());
    }
  }

  HB_TRY(bench, r.object_at(doc, "bench", "bench"));
  if (*bench != nullptr) {
    if (auto ok = parse_bench(r, **bench, spec); !ok) return Unexpected(ok.error());
  }
  HB_TRY(workloads, r.object_at(doc, "bench_workloads", "bench_workloads"));
  if (*workloads != nullptr) {
    if (auto ok = parse_workloads(r, **workloads, ctx, spec); !ok) return Unexpected(ok.error());
  }
  if (doc.contains("bench_prepare") && !doc["bench_prepare"].is_null()) {
    HB_TRY(prepare, r.strings_at(doc["bench_prepare"], "bench_prepare"));
    for (std::size_t i = 0; i < prepare->size(); ++i) {
      HB_TRY(expanded, detail::expand((*prepare)[i], ctx, fmt::format("bench_prepare[{}]", i)));
      spec.bench_prepare.push_back(*expanded);
    }
  }
  HB_TRY(pipeline, r.object_at(doc, "pipeline", "pipeline"));
  if (*pipeline != nullptr && (*pipeline)->contains("check")) {
    const Json& steps = (**pipeline)["check"];
    if (!steps.is_array()) return spec_error(r.file, "pipeline.check", "must be an array of steps");
    for (std::size_t i = 0; i < steps.size(); ++i) {
      HB_TRY(step, parse_check_step(r, steps[i], fmt::format("pipeline.check[{}]", i)));
      spec.checks.push_back(std::move(*step));
    }
  }
  Json shown = Json::object();
  shown["id"] = spec.id;
  for (auto& item : doc.items()) shown[item.key()] = std::move(item.value());
  spec.json = dump_json(shown, 2);
  return spec;
}

std::string
known_ids_text(const std::vector<detail::Found>& found)
{
  std::string out;
  for (const auto& f : found) out += (out.empty() ? "" : ", ") + f.id;
  return out;
}

Result<Spec>
load_found(const std::vector<detail::Found>& all, const detail::Found& found)
{
  auto lookup = [&](std::string_view id) -> std::optional<fs::path> {
    for (const auto& f : all) {
      if (f.id == id) return f.file;
    }
    return std::nullopt;
  };
  auto doc = detail::materialize(found.file, found.source_root, lookup);
  if (!doc) return Unexpected(doc.error());
  return parse_spec(found, std::move(*doc));
}

} // namespace

Result<Spec>
load(const Paths& paths, std::string_view id)
{
  auto all = detail::discover(paths);
  for (const auto& f : all) {
    if (f.id == id) return load_found(all, f);
  }
  fs::path where = detail::registry_root(paths) / "rigs";
  std::string known = known_ids_text(all);
  return make_error("rig.not_found",
                    known.empty()
                      ? fmt::format("rig `{}` not found: no rigs are defined (add {}/{}.json)", id, where.string(), id)
                      : fmt::format("rig `{}` not found; known rigs: {}", id, known),
                    dump_json(Json{{"id", std::string(id)}, {"known", [&] {
                                     Json ids = Json::array();
                                     for (const auto& f : all) ids.push_back(f.id);
                                     return ids;
                                   }()}}));
}

Result<Spec>
parse_text(std::string_view text, std::string_view id, const fs::path& file)
{
  auto doc = parse_json(text, "rig spec " + file.string());
  if (!doc) return make_error("rig.invalid_spec", doc.error().message, dump_json(Json{{"file", file.string()}}));
  if (!doc->is_object()) {
    return spec_error(file, "", fmt::format("a rig spec must be a JSON object, not {}", json_type_name(*doc)));
  }
  if (doc->contains("extends")) return spec_error(file, "extends", "needs the spec's file to resolve (load the rig by id)");
  detail::Found found{std::string(id), file, std::nullopt, file.parent_path()};
  return parse_spec(found, std::move(*doc));
}

std::vector<Listed>
list(const Paths& paths)
{
  auto all = detail::discover(paths);
  std::vector<Listed> out;
  for (const auto& f : all) {
    Listed item{f.id, f.file, {}, std::nullopt};
    auto spec = load_found(all, f);
    if (spec) {
      item.description = spec->description;
    } else {
      item.error = spec.error();
    }
    out.push_back(std::move(item));
  }
  return out;
}

std::vector<std::string>
workload_paths(const Spec& spec, std::string_view extension_id)
{
  std::vector<std::string> out;
  for (const auto& [ext, workloads] : spec.bench_workloads) {
    if (ext != extension_id) continue;
    for (const auto& w : workloads) out.push_back(w.path.string());
  }
  return out;
}

} // namespace hb::rig
