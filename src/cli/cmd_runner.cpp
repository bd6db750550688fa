// `homeboy runner add | list | remove | status`: the remote runners (other
// machines' daemons) that `runs list|show --runner ID` reads
// (docs/runners.md).

#include "cli/commands.hpp"
#include "cli/runs_common.hpp"
#include "remote/runners.hpp"
#include "util/json.hpp"
#include "util/table.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>

namespace hb::cli {

namespace {

Json
runner_json(const remote::Runner& r)
{
  return Json{{"id", r.id}, {"url", r.url},
              {"token_file", r.token_file.empty() ? Json(nullptr) : Json(r.token_file)}};
}

} // namespace

void
add_runner_commands(CLI::App& app, Invocation& inv)
{
  auto* group = app.add_subcommand("runner", "Remote runners: other machines' homeboy daemons "
                                             "that `runs list|show --runner ID` reads");
  group->require_subcommand(1);

  struct AddArgs { std::string id, url, token_file; OutputOptions output; };
  auto add_args = std::make_shared<AddArgs>();
  auto* add = group->add_subcommand("add", "Add a runner: `homeboy runner add ID --url http://HOST:PORT [--token-file F]`");
  add->add_option("id", add_args->id, "A name for the runner")->required();
  add->add_option("--url", add_args->url, "Its daemon's address (http://HOST:PORT)")->required();
  add->add_option("--token-file", add_args->token_file,
                  "A 0600 file holding the daemon's token (its daemon.token, or its --token-file); "
                  "only the path is stored");
  add_output_options(add, add_args->output);
  add->callback([add_args, &inv] {
    auto paths = resolve_paths(std::nullopt);
    if (!paths) {
      inv.exit_code = emit_error(add_args->output, paths.error());
      return;
    }
    auto added = remote::add_runner(*paths, {add_args->id, add_args->url, add_args->token_file});
    if (!added) {
      inv.exit_code = emit_error(add_args->output, added.error(), exit_code_for(added.error()));
      return;
    }
    inv.exit_code = emit(add_args->output, "runner.add", runner_json(*added),
                         fmt::format("Added runner {} ({}). Check it with `homeboy runner status {}`.\n",
                                     added->id, added->url, added->id));
  });

  struct ListArgs { OutputOptions output; };
  auto list_args = std::make_shared<ListArgs>();
  auto* list = group->add_subcommand("list", "List the runners");
  add_output_options(list, list_args->output);
  list->callback([list_args, &inv] {
    auto paths = resolve_paths(std::nullopt);
    auto runners = paths ? remote::list_runners(*paths) : Result<std::vector<remote::Runner>>(Unexpected(paths.error()));
    if (!runners) {
      inv.exit_code = emit_error(list_args->output, runners.error());
      return;
    }
    Json items = Json::array();
    TextTable table({"ID", "URL", "TOKEN FILE"});
    for (const auto& r : *runners) {
      items.push_back(runner_json(r));
      table.add_row({r.id, r.url, r.token_file});
    }
    inv.exit_code = emit(list_args->output, "runner.list", Json{{"runners", items}, {"count", items.size()}},
                         table.empty() ? "No runners. Add one with `homeboy runner add ID --url URL`.\n"
                                       : table.render());
  });

  struct OneArgs { std::string id; OutputOptions output; };
  auto remove_args = std::make_shared<OneArgs>();
  auto* remove = group->add_subcommand("remove", "Forget a runner (nothing on its machine changes)");
  remove->add_option("id", remove_args->id, "The runner")->required();
  add_output_options(remove, remove_args->output);
  remove->callback([remove_args, &inv] {
    auto paths = resolve_paths(std::nullopt);
    Result<void> removed = paths ? remote::remove_runner(*paths, remove_args->id)
                                 : Result<void>(Unexpected(paths.error()));
    if (!removed) {
      inv.exit_code = emit_error(remove_args->output, removed.error(), exit_code_for(removed.error()));
      return;
    }
    inv.exit_code = emit(remove_args->output, "runner.remove", Json{{"id", remove_args->id}, {"removed", true}},
                         fmt::format("Removed runner {}.\n", remove_args->id));
  });

  auto status_args = std::make_shared<OneArgs>();
  auto* status = group->add_subcommand("status", "Ask each runner's daemon (or one) whether it answers");
  status->add_option("id", status_args->id, "Only this runner");
  add_output_options(status, status_args->output);
  status->callback([status_args, &inv] {
    auto paths = resolve_paths(std::nullopt);
    auto runners = paths ? remote::list_runners(*paths) : Result<std::vector<remote::Runner>>(Unexpected(paths.error()));
    if (runners && !status_args->id.empty()) {
      auto one = remote::find_runner(*paths, status_args->id);
      runners = one ? Result<std::vector<remote::Runner>>(std::vector<remote::Runner>{*one})
                    : Result<std::vector<remote::Runner>>(Unexpected(one.error()));
    }
    if (!runners) {
      inv.exit_code = emit_error(status_args->output, runners.error(), exit_code_for(runners.error()));
      return;
    }
    Json items = Json::array();
    TextTable table({"ID", "URL", "STATE", "VERSION", "DETAIL"});
    bool all_up = true;
    for (const auto& r : *runners) {
      auto answer = remote::get_json(r, "/api/v1/status", 10);
      Json item = runner_json(r);
      item["reachable"] = answer.has_value();
      if (answer) {
        item["version"] = answer->value("version", "");
        item["uptime_ms"] = answer->value("uptime_ms", std::int64_t{0});
        table.add_row({r.id, r.url, "up", item["version"].get<std::string>(), ""});
      } else {
        all_up = false;
        item["error"] = {{"code", answer.error().code}, {"message", answer.error().message}};
        table.add_row({r.id, r.url, "unreachable", "", answer.error().message});
      }
      items.push_back(std::move(item));
    }
    inv.exit_code = emit(status_args->output, "runner.status", Json{{"runners", items}},
                         table.empty() ? "No runners. Add one with `homeboy runner add ID --url URL`.\n"
                                       : table.render());
    // A runner that does not answer is a failed check, for scripts.
    if (inv.exit_code == 0 && !all_up) inv.exit_code = 1;
  });
}

} // namespace hb::cli
