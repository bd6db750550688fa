// Wires invocation isolation into the bench pipeline: measure.cpp and
// prepare.cpp's discovery call begin_child/end_child around each spawn.

#include "app/bench/isolation.hpp"

#include "util/json.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cstdio>

namespace hb::app::pipeline {

invocation::LeaseRequest
lease_request(const Prepared& p, const BenchRequest& request)
{
  invocation::LeaseRequest out;
  if (!request.rig) return out;
  for (const auto& need : request.rig->isolation) {
    if (need.extension != p.runner.extension_id) continue;
    out.port_range_size = std::max<std::uint64_t>(out.port_range_size, need.port_range_size);
    for (const auto& name : need.named_leases) {
      if (std::find(out.named_leases.begin(), out.named_leases.end(), name) == out.named_leases.end()) {
        out.named_leases.push_back(name);
      }
    }
  }
  return out;
}

Result<invocation::Invocation>
begin_child(const Prepared& p, const BenchRequest& request, const std::string& run_id)
{
  invocation::Options options;
  options.config_root = p.paths.config_root;
  options.request = lease_request(p, request);
  options.run_id = run_id;
  options.component_id = p.component.id;
  invocation::IndexNotes notes;
  auto inv = invocation::Invocation::acquire(options, notes);
  for (const auto& warning : notes.warnings) {
    warn(request, warning);
  }
  return inv;
}

void
end_child(invocation::Invocation& inv, const std::filesystem::path& run_dir)
{
  if (!run_dir.empty()) {
    auto kept = inv.preserve(run_dir / "invocations");
    if (!kept) {
      fmt::print(stderr, "warning: the artifacts of invocation {} could not be preserved ({}); "
                         "they are lost with its directory {}\n",
                 inv.id(), kept.error().message, inv.artifact_dir().string());
    }
  }
  inv.release();
}

void
warn(const BenchRequest& request, const std::string& text)
{
  std::string line = fmt::format("warning: {}\n", text);
  if (request.on_runner_output) {
    request.on_runner_output(OutputStream::stderr_stream, line);
  } else {
    std::fputs(line.c_str(), stderr);
  }
}

std::string
resources_state_of(const std::string& resources_json)
{
  if (resources_json.empty()) return "";
  Json doc = parse_json_or_discard(resources_json);
  return doc.is_object() ? json_member_or(doc, "state", "") : "";
}

std::string
recorded_resources_state(Store& store, const std::string& run_id)
{
  auto run = store.get_run(run_id);
  if (!run || !*run) return "";
  Json meta = parse_json_or_discard((*run)->metadata_json);
  if (!meta.is_object() || !meta.contains("resources")) return "";
  return resources_state_of(dump_json(meta["resources"]));
}

} // namespace hb::app::pipeline
