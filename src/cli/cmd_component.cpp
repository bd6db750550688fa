// homeboy component create | list | show.

#include "cli/commands.hpp"
#include "model/component.hpp"
#include "util/json.hpp"
#include "util/table.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>

namespace hb::cli {

namespace {

Json
component_json(const Component& c)
{
  return Json{{"id", c.id},
              {"local_path", c.local_path.string()},
              {"extensions", c.extension_ids},
              {"bench_scripts", c.bench_scripts},
              {"settings", parse_json_or_discard(c.settings_json)},
              {"registered", c.registered},
              {"registry_file", c.registry_file.empty() ? Json(nullptr) : Json(c.registry_file.string())}};
}

std::string
describe(const Component& c)
{
  std::string runner = !c.bench_scripts.empty()
                         ? fmt::format("scripts.bench: {}", fmt::join(c.bench_scripts, "; "))
                         : c.extension_ids.empty() ? "none (add scripts.bench or an extension)"
                                                   : fmt::format("extensions: {}", fmt::join(c.extension_ids, ", "));
  return fmt::format("component   {}\nlocal path  {}\nbench       {}\nsettings    {}\nregistry    {}\n",
                     c.id, c.local_path.string(), runner, c.settings_json,
                     c.registered ? c.registry_file.string() : "(not registered; found by homeboy.json)");
}

} // namespace

void
add_component_commands(CLI::App& app, Invocation& inv)
{
  auto* group = app.add_subcommand("component", "Register and inspect components");
  group->require_subcommand(1);

  struct CreateArgs
  {
    std::string local_path;
    std::string id;
    std::vector<std::string> extensions;
    OutputOptions output;
  };
  auto create_args = std::make_shared<CreateArgs>();
  auto* create = group->add_subcommand("create", "Register a component directory");
  create->add_option("--local-path", create_args->local_path, "The component's directory")->required();
  create->add_option("--id", create_args->id,
                     "Component id (default: the id in its homeboy.json, else the directory name)");
  create->add_option("--extension", create_args->extensions, "Link an extension (repeatable)");
  add_output_options(create, create_args->output);
  create->callback([create_args, &inv] {
    auto paths = resolve_paths(std::nullopt);
    if (!paths) {
      inv.exit_code = emit_error(create_args->output, paths.error());
      return;
    }
    CreateComponentOptions options;
    options.local_path = create_args->local_path;
    if (!create_args->id.empty()) options.id = create_args->id;
    options.extension_ids = create_args->extensions;
    auto created = create_component(*paths, options);
    if (!created) {
      inv.exit_code = emit_error(create_args->output, created.error());
      return;
    }
    inv.exit_code = emit(create_args->output, "create", component_json(*created),
                         fmt::format("Registered component `{}`\n\n{}\nNext: homeboy bench {}\n",
                                     created->id, describe(*created), created->id));
  });

  auto list_output = std::make_shared<OutputOptions>();
  auto* list = group->add_subcommand("list", "List registered components");
  add_output_options(list, *list_output);
  list->callback([list_output, &inv] {
    auto paths = resolve_paths(std::nullopt);
    if (!paths) {
      inv.exit_code = emit_error(*list_output, paths.error());
      return;
    }
    auto components = list_components(*paths);
    if (!components) {
      inv.exit_code = emit_error(*list_output, components.error());
      return;
    }
    Json items = Json::array();
    TextTable table({"id", "local path", "extensions"});
    for (const auto& c : *components) {
      items.push_back(component_json(c));
      table.add_row({c.id, c.local_path.string(), fmt::format("{}", fmt::join(c.extension_ids, ","))});
    }
    std::string human = components->empty()
                          ? "No components registered. Add one: homeboy component create --local-path DIR\n"
                          : table.render();
    inv.exit_code = emit(*list_output, "list",
                         Json{{"count", components->size()}, {"components", std::move(items)}}, human);
  });

  struct ShowArgs
  {
    std::string id;
    OutputOptions output;
  };
  auto show_args = std::make_shared<ShowArgs>();
  auto* show = group->add_subcommand("show", "Show a component as homeboy resolves it");
  show->add_option("component", show_args->id, "Component id (default: detected from the current directory)");
  add_output_options(show, show_args->output);
  show->callback([show_args, &inv] {
    auto paths = resolve_paths(std::nullopt);
    if (!paths) {
      inv.exit_code = emit_error(show_args->output, paths.error());
      return;
    }
    std::error_code ec;
    auto cwd = std::filesystem::current_path(ec);
    auto component = show_args->id.empty() ? detect_component(*paths, cwd)
                                           : load_component(*paths, show_args->id, cwd);
    if (!component) {
      inv.exit_code = emit_error(show_args->output, component.error());
      return;
    }
    inv.exit_code = emit(show_args->output, "show", component_json(*component), describe(*component));
  });
}

} // namespace hb::cli
