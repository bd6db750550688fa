// Why: a rig spec is rarely one file; packages share templates through
// `extends`, and a spec's paths carry `${...}` tokens. This file turns a spec
// file into the one document the rest of src/rig reads, with errors that name
// the file and the key (issue 14).

#include "rig/materialize.hpp"

#include "util/path_safety.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace hb::rig::detail {

namespace fs = std::filesystem;

Unexpected<Error>
spec_error(const fs::path& file, const std::string& key, const std::string& problem)
{
  std::string where = key.empty() ? "<root>" : key;
  return make_error("rig.invalid_spec", fmt::format("{}: {}: {}", file.string(), where, problem),
                    dump_json(Json{{"file", file.string()}, {"key", where}}));
}

namespace {

std::string
child_key(const std::string& parent, const std::string& key)
{
  return parent.empty() ? key : parent + "." + key;
}

bool
has_directive(const Json& value)
{
  if (!value.is_object()) return false;
  return std::any_of(value.items().begin(), value.items().end(),
                     [](const auto& item) { return item.key().starts_with('$'); });
}

Result<void>
merge_array_directive(Json& target, Json overlay, const fs::path& file, const std::string& field)
{
  for (const auto& item : overlay.items()) {
    if (item.key().starts_with('$') && item.key() != "$append" && item.key() != "$merge_by") {
      return spec_error(file, field,
                        fmt::format("unknown array merge directive `{}` (use `$append` or `$merge_by`)", item.key()));
    }
  }
  if (overlay.contains("$append") && overlay.contains("$merge_by")) {
    return spec_error(file, field, "use either `$append` or `$merge_by`, not both");
  }
  if (overlay.contains("$append")) {
    if (overlay.size() != 1) return spec_error(file, field, "a `$append` object must hold only `$append`");
    Json& append = overlay["$append"];
    if (!append.is_array()) return spec_error(file, field + ".$append", "must be an array");
    for (auto& entry : append) target.push_back(std::move(entry));
    return {};
  }
  Json& by = overlay["$merge_by"];
  if (!by.is_string() || by.get<std::string>().empty()) {
    return spec_error(file, field + ".$merge_by", "must name the key field that identifies entries");
  }
  std::string key_field = by.get<std::string>();
  if (!overlay.contains("entries")) {
    return spec_error(file, field, "a `$merge_by` object needs an `entries` array");
  }
  if (overlay.size() != 2) return spec_error(file, field, "a `$merge_by` object holds only `$merge_by` and `entries`");
  Json& entries = overlay["entries"];
  if (!entries.is_array()) return spec_error(file, field + ".entries", "must be an array");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    Json& entry = entries[i];
    if (!entry.is_object() || !entry.contains(key_field)) {
      return spec_error(file, fmt::format("{}.entries[{}]", field, i),
                        fmt::format("has no key field `{}`", key_field));
    }
    auto match = std::find_if(target.begin(), target.end(), [&](const Json& candidate) {
      return candidate.is_object() && candidate.contains(key_field) && candidate[key_field] == entry[key_field];
    });
    if (match != target.end()) {
      if (auto ok = merge_json(*match, std::move(entry), file, fmt::format("{}[{}]", field, match - target.begin()));
          !ok) {
        return ok;
      }
    } else {
      target.push_back(std::move(entry));
    }
  }
  return {};
}

Result<Json>
read_spec_json(const fs::path& file)
{
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return make_error("rig.invalid_spec", fmt::format("{}: cannot read the rig spec", file.string()),
                      dump_json(Json{{"file", file.string()}}));
  }
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parse_json(text.str(), "rig spec " + file.string());
  if (!parsed) {
    return make_error("rig.invalid_spec", parsed.error().message, dump_json(Json{{"file", file.string()}}));
  }
  if (!parsed->is_object()) {
    return spec_error(file, "", fmt::format("a rig spec must be a JSON object, not {}", json_type_name(*parsed)));
  }
  return parsed;
}

std::string
chain_text(const std::vector<fs::path>& stack, const fs::path& again)
{
  std::string out;
  for (const auto& p : stack) out += p.string() + " -> ";
  return out + again.string();
}

Result<Json>
materialize_at(const fs::path& file, const fs::path& source_root, const RigFileLookup& lookup,
               std::vector<fs::path>& stack)
{
  std::error_code ec;
  fs::path canonical = fs::canonical(file, ec);
  if (ec) canonical = file;
  if (std::find(stack.begin(), stack.end(), canonical) != stack.end()) {
    return make_error("rig.extends_cycle",
                      fmt::format("`extends` forms a cycle: {}; remove one of these links",
                                  chain_text(stack, canonical)),
                      dump_json(Json{{"file", canonical.string()}}));
  }
  auto value = read_spec_json(canonical);
  if (!value) return Unexpected(value.error());

  std::vector<fs::path> parents;
  if (value->contains("extends")) {
    const Json& ext = (*value)["extends"];
    std::vector<std::string> names;
    if (ext.is_string()) {
      names.push_back(ext.get<std::string>());
    } else if (ext.is_array()) {
      for (std::size_t i = 0; i < ext.size(); ++i) {
        if (!ext[i].is_string()) return spec_error(canonical, fmt::format("extends[{}]", i), "must be a string");
        names.push_back(ext[i].get<std::string>());
      }
    } else {
      return spec_error(canonical, "extends", "must be a string or an array of strings");
    }
    fs::path root = fs::weakly_canonical(source_root, ec);
    for (const auto& name : names) {
      if (name.empty() || fs::path(name).is_absolute()) {
        return spec_error(canonical, "extends",
                          fmt::format("`{}`: a parent is a relative .json path or a rig id", name));
      }
      if (name.ends_with(".json")) {
        fs::path parent = fs::weakly_canonical(canonical.parent_path() / name, ec);
        if (!fs::is_regular_file(parent)) {
          return spec_error(canonical, "extends", fmt::format("parent `{}` not found ({})", name, parent.string()));
        }
        if (!hb::fs::resolves_inside(parent, root)) {
          return spec_error(canonical, "extends",
                            fmt::format("parent `{}` is outside the rig's source root {}", name, root.string()));
        }
        parents.push_back(parent);
      } else {
        auto parent = lookup ? lookup(name) : std::nullopt;
        if (!parent) {
          return spec_error(canonical, "extends",
                            fmt::format("parent rig `{}` not found (a parent is a rig id or a relative .json path)", name));
        }
        parents.push_back(*parent);
      }
    }
    value->erase("extends");
  }
  value->erase("shared_templates");

  stack.push_back(canonical);
  Json merged = Json::object();
  for (const auto& parent : parents) {
    auto parent_value = materialize_at(parent, source_root, lookup, stack);
    if (!parent_value) return parent_value;
    if (auto ok = merge_json(merged, std::move(*parent_value), parent, ""); !ok) return Unexpected(ok.error());
  }
  if (auto ok = merge_json(merged, std::move(*value), canonical, ""); !ok) return Unexpected(ok.error());
  stack.pop_back();
  return merged;
}

} // namespace

Result<void>
merge_json(Json& target, Json overlay, const fs::path& file, const std::string& field)
{
  if (overlay.is_object()) {
    if (has_directive(overlay)) {
      if (!target.is_array()) {
        return spec_error(file, field, "an array merge directive (`$append`, `$merge_by`) must override an inherited array");
      }
      return merge_array_directive(target, std::move(overlay), file, field);
    }
    if (!target.is_object()) {
      target = std::move(overlay);
      return {};
    }
    for (auto& item : overlay.items()) {
      std::string key = child_key(field, item.key());
      auto existing = target.find(item.key());
      if (existing != target.end()) {
        if (auto ok = merge_json(*existing, std::move(item.value()), file, key); !ok) return ok;
      } else {
        if (has_directive(item.value())) {
          return spec_error(file, key, "an array merge directive (`$append`, `$merge_by`) must override an inherited array");
        }
        target[item.key()] = std::move(item.value());
      }
    }
    return {};
  }
  target = std::move(overlay);
  return {};
}

Result<Json>
materialize(const fs::path& file, const fs::path& source_root, const RigFileLookup& lookup)
{
  std::vector<fs::path> stack;
  return materialize_at(file, source_root, lookup, stack);
}

Result<std::string>
expand(std::string_view input, const ExpandContext& ctx, const std::string& key)
{
  auto fail = [&](const std::string& problem) -> Result<std::string> {
    return make_error("rig.expansion_failed", fmt::format("{}: {}: {}", ctx.file.string(), key, problem),
                      dump_json(Json{{"file", ctx.file.string()}, {"key", key}}));
  };
  std::string out;
  std::string_view rest = input;
  if (rest == "~" || rest.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') return fail("`~` needs HOME, which is not set");
    out = home;
    rest.remove_prefix(1);
  }
  while (!rest.empty()) {
    auto start = rest.find("${");
    if (start == std::string_view::npos) break;
    auto end = rest.find('}', start + 2);
    if (end == std::string_view::npos) break;
    out.append(rest.substr(0, start));
    std::string token(rest.substr(start + 2, end - start - 2));
    rest.remove_prefix(end + 1);
    if (token.starts_with("env.")) {
      std::string name = token.substr(4);
      const char* value = std::getenv(name.c_str());
      if (value == nullptr) return fail(fmt::format("${{env.{}}}: the environment variable {} is not set", name, name));
      out += value;
    } else if (token == "package.root") {
      if (!ctx.package_root) {
        return fail("${package.root}: this rig was not loaded from a rig package (rig.json under "
                    "rig-packages/ or a rig-sources/<id>.json record)");
      }
      out += ctx.package_root->string();
    } else if (token.starts_with("components.") && token.ends_with(".path") && token.size() > 16) {
      std::string id = token.substr(11, token.size() - 16);
      if (ctx.components == nullptr) return fail(fmt::format("${{{}}}: a component path cannot name another component", token));
      auto match = std::find_if(ctx.components->begin(), ctx.components->end(),
                                [&](const auto& c) { return c.first == id; });
      if (match == ctx.components->end()) {
        std::string known;
        for (const auto& c : *ctx.components) known += (known.empty() ? "" : ", ") + c.first;
        return fail(fmt::format("${{{}}}: unknown component `{}` (the rig's components: {})", token, id,
                                known.empty() ? "none" : known));
      }
      out += match->second;
    } else {
      out += "${" + token + "}";
    }
  }
  out.append(rest);
  return out;
}

} // namespace hb::rig::detail
