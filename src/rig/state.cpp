// Why: a bench pinned to a rig records which commit of each component it
// measured; the snapshot is the original's rig_state shape (issue 14).

#include "rig/rig.hpp"

#include "util/json.hpp"
#include "util/process.hpp"
#include "util/time.hpp"

namespace hb::rig {

namespace {

/// `git -C dir args...`'s first output line, or empty.
std::string
git_line(const std::filesystem::path& dir, std::vector<std::string> args)
{
  SpawnSpec spawn;
  spawn.argv = {"git", "-C", dir.string()};
  spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
  spawn.timeout_ms = 10000;
  std::string out;
  spawn.on_output = [&](OutputStream stream, std::string_view chunk) {
    if (stream == OutputStream::stdout_stream && out.size() < 4096) out.append(chunk);
  };
  auto result = run_process(spawn);
  if (!result || result->exit_code != 0) return {};
  auto newline = out.find('\n');
  return newline == std::string::npos ? out : out.substr(0, newline);
}

} // namespace

State
snapshot(const Spec& spec)
{
  State state{spec.id, format_rfc3339(now_ms()), {}};
  for (const auto& c : spec.components) {
    ComponentState cs{c.id, c.path, {}, {}};
    std::error_code ec;
    if (std::filesystem::is_directory(c.path, ec)) {
      cs.sha = git_line(c.path, {"rev-parse", "HEAD"});
      if (!cs.sha.empty()) cs.branch = git_line(c.path, {"rev-parse", "--abbrev-ref", "HEAD"});
    }
    state.components.push_back(std::move(cs));
  }
  return state;
}

std::string
state_json(const State& state)
{
  Json components = Json::object();
  for (const auto& c : state.components) {
    Json entry = {{"path", c.path.string()}};
    if (!c.sha.empty()) entry["sha"] = c.sha;
    if (!c.branch.empty()) entry["branch"] = c.branch;
    components[c.id] = std::move(entry);
  }
  return dump_json(Json{{"rig_id", state.rig_id}, {"captured_at", state.captured_at}, {"components", components}});
}

} // namespace hb::rig
