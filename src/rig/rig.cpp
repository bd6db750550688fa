// Stub implementations so the header links while the real ones land (issue 14).
#include "rig/rig.hpp"

namespace hb::rig {

const Component* Spec::find_component(std::string_view id) const
{
  for (const auto& c : components)
    if (c.id == id) return &c;
  return nullptr;
}

Result<Spec> load(const Paths&, std::string_view id)
{
  return make_error("rig.not_found", "rig '" + std::string(id) + "' not found");
}
std::vector<Listed> list(const Paths&) { return {}; }
std::vector<std::string> workload_paths(const Spec& spec, std::string_view extension_id)
{
  std::vector<std::string> out;
  for (const auto& [ext, workloads] : spec.bench_workloads)
    if (ext == extension_id)
      for (const auto& w : workloads) out.push_back(w.path.string());
  return out;
}
CheckReport check(const Spec& spec) { return CheckReport{spec.id, true, {}}; }
State snapshot(const Spec& spec) { return State{spec.id, {}, {}}; }
std::string state_json(const State&) { return "{}"; }

} // namespace hb::rig
