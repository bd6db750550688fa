// bench --against, before timing: repository, ref, cached worktree, the
// component's place in each tree, and the prepare steps (against.hpp).

#include "app/against/against.hpp"

#include "model/component.hpp"
#include "model/paths.hpp"
#include "rig/rig.hpp"
#include "util/json.hpp"
#include "util/process.hpp"
#include "vcs/git.hpp"
#include "vcs/worktree_cache.hpp"

#include <fmt/core.h>

namespace hb::app::against {

namespace stdfs = std::filesystem;

namespace {

std::string
output_tail(const std::string& text, std::size_t max_lines = 20)
{
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  std::size_t pos = t.size();
  for (std::size_t lines = 0; lines < max_lines && pos != std::string::npos && pos > 0; ++lines) {
    pos = t.rfind('\n', pos - 1);
  }
  std::string out = (pos == std::string::npos || pos == 0) ? t : t.substr(pos + 1);
  if (out.size() > 4000) out = "..." + out.substr(out.size() - 4000);
  return out;
}

/// The component as the bench would resolve it, rooted at `path` (the
/// working tree when `path` is empty).
Result<Component>
component_at(const Paths& paths, const BenchRequest& request,
             const std::optional<stdfs::path>& path)
{
  if (request.component_id) {
    return load_component(paths, *request.component_id, request.cwd, path);
  }
  if (!request.exec_commands.empty()) {
    Component adhoc;
    adhoc.id = "exec";
    adhoc.local_path = path.value_or(request.cwd);
    return adhoc;
  }
  return detect_component(paths, path.value_or(request.cwd), path);
}

} // namespace

std::string
Tree::state_json() const
{
  Json state = {{"sha", sha}, {"branch", branch}, {"path", component_path.string()},
                {"tree", role}};
  if (role == "current") state["dirty"] = dirty;
  return dump_json(state);
}

Result<Setup>
set_up(const AgainstRequest& request)
{
  auto paths = resolve_paths(request.bench.artifact_root);
  if (!paths) return Unexpected(paths.error());
  std::optional<stdfs::path> override;
  if (request.bench.path_override) {
    std::error_code ec;
    override = stdfs::absolute(*request.bench.path_override, ec).lexically_normal();
  }
  auto component = component_at(*paths, request.bench, override);
  if (!component) return Unexpected(component.error());
  std::vector<std::string> prepare_override = request.prepare_override;
  if (request.rig_id) {
    auto spec = rig::load(*paths, *request.rig_id);
    if (!spec) return Unexpected(spec.error());
    if (!spec->bench_prepare.empty()) prepare_override = spec->bench_prepare;
  }

  Setup setup;
  setup.component_id = component->id;
  setup.ref = request.ref;
  std::error_code ec;
  const stdfs::path working = stdfs::canonical(component->local_path, ec);
  if (ec) {
    return make_error("component.path_missing",
                      fmt::format("the component's directory {} does not exist; pass --path DIR",
                                  component->local_path.string()));
  }
  auto repo = vcs::find_repository(working);
  if (!repo) return Unexpected(repo.error());
  setup.repository = repo->top;
  auto sha = vcs::resolve_commit(*repo, request.ref);
  if (!sha) return Unexpected(sha.error());
  setup.ref_sha = *sha;

  const stdfs::path top = stdfs::canonical(repo->top, ec);
  const stdfs::path inside = working.lexically_relative(top.empty() ? repo->top : top);

  Tree& current = setup.current;
  current.role = "current";
  current.arm_id = "working-tree";
  current.root = repo->top;
  current.component_path = working;
  if (auto head = vcs::head_commit(repo->top)) current.sha = *head;
  current.branch = vcs::current_branch(repo->top);
  if (auto changes = vcs::tracked_changes(repo->top)) current.dirty = !changes->empty();
  current.prepare = prepare_override.empty() ? component->bench_prepare : prepare_override;

  auto tree = vcs::acquire_worktree(paths->data_root / "worktrees", *repo, *sha);
  if (!tree) return Unexpected(tree.error());
  Tree& reference = setup.reference;
  reference.role = "reference";
  reference.arm_id = fmt::format("{}@{}", request.ref, vcs::short_sha(*sha));
  reference.root = tree->path;
  reference.component_path =
    (inside.empty() || inside == ".") ? tree->path : (tree->path / inside).lexically_normal();
  reference.sha = *sha;
  reference.created = tree->created;
  if (!stdfs::is_directory(reference.component_path, ec)) {
    return make_error("component.path_missing",
                      fmt::format("the component's directory {} does not exist at {} ({} in the "
                                  "worktree {}); compare against a ref that has the component",
                                  inside.string(), reference.arm_id,
                                  reference.component_path.string(), tree->path.string()));
  }
  if (!prepare_override.empty()) {
    reference.prepare = prepare_override;
  } else if (!request.bench.exec_commands.empty() && !request.bench.component_id) {
    reference.prepare = current.prepare;
  } else {
    // The ref's own homeboy.json says how to prepare the ref.
    BenchRequest at_ref = request.bench;
    auto ref_component = component_at(*paths, at_ref, reference.component_path);
    if (!ref_component) {
      Error e = ref_component.error();
      e.message = fmt::format("at {} (worktree {}): {}", reference.arm_id,
                              reference.root.string(), e.message);
      return Unexpected(e);
    }
    reference.prepare = ref_component->bench_prepare;
  }
  return setup;
}

Result<void>
run_prepare(const Setup& setup, const std::function<void(OutputStream, std::string_view)>& on_output)
{
  for (const Tree* tree : {&setup.reference, &setup.current}) {
    for (const auto& command : tree->prepare) {
      SpawnSpec spec;
      spec.argv = {"/bin/sh", "-c", command};
      spec.cwd = tree->component_path;
      spec.env.set("HOMEBOY_AGAINST_TREE", tree->role);
      spec.env.set("HOMEBOY_AGAINST_SHA", tree->sha);
      std::string captured;
      spec.on_output = [&](OutputStream stream, std::string_view chunk) {
        captured.append(chunk);
        if (captured.size() > 1'000'000) captured.erase(0, captured.size() - 500'000);
        if (on_output) on_output(stream, chunk);
      };
      auto ran = run_process(spec);
      if (!ran) return Unexpected(ran.error());
      ran->interpret_shell_status();
      if (ran->exit_code == 0 && !ran->signal) continue;
      std::string tail = output_tail(captured);
      return make_error(
        "bench.prepare_failed",
        fmt::format("the prepare step `{}` failed in the {} tree {} ({}): {}; the comparison "
                    "stopped before timing anything. Fix the step (bench.prepare in "
                    "homeboy.json) and run again.{}",
                    command, tree->role == "reference" ? "reference" : "working",
                    tree->component_path.string(), tree->arm_id, ran->describe(),
                    tail.empty() ? std::string(" It printed nothing.")
                                 : "\nLast output:\n" + tail),
        dump_json(Json{{"tree", tree->role},
                       {"path", tree->component_path.string()},
                       {"command", command},
                       {"exit_code", ran->shell_exit_code()}}));
    }
  }
  return {};
}

} // namespace hb::app::against
