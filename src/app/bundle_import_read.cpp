// runs import, step one: the bundle directory and its files. Finds and
// parses each record file, checks the manifest (format, version, and the
// counts it declares) and has bundle_import_records.cpp read the records;
// nothing is written.

#include "app/bundle_format.hpp"
#include "app/bundle_import_internal.hpp"
#include "util/fs.hpp"
#include "util/path_safety.hpp"
#include "util/json.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <cstdint>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace hb::app::bundle_import {

namespace stdfs = std::filesystem;
using namespace bundle;

Unexpected<Error>
bad(const std::string& where, const std::string& what)
{
  return make_error("import.invalid_bundle",
                    fmt::format("{}: {}; nothing was imported", where, what));
}

namespace {

// A bundle file, parsed; nullopt-like null Json when optional and absent.
Result<Json>
file(const stdfs::path& dir, const std::string& name, bool required)
{
  auto path = fs::regular_file_beneath(dir, name);
  if (!path) {
    if (path.error().code == "fs.not_found") {
      if (!required) return Json(nullptr);
      if (name == "manifest.json") {
        return make_error("import.invalid_bundle",
                          fmt::format("{} is not a homeboy bundle: manifest.json is missing "
                                      "(pass the directory `homeboy runs export --output` "
                                      "wrote); nothing was imported",
                                      dir.string()));
      }
      return bad(name, fmt::format("the file is missing from {}", dir.string()));
    }
    return bad(name, path.error().message);
  }
  auto text = fs::read_file(*path);
  if (!text) return Unexpected(text.error());
  return parse_bundle_file(*text, name);
}

Result<Json>
array_file(const stdfs::path& dir, const std::string& name, bool required)
{
  HB_TRY(parsed, file(dir, name, required));
  if (parsed.is_null()) return Json::array();
  if (!parsed.is_array()) {
    return bad(name, fmt::format("must hold a JSON array, not {}", json_type_name(parsed)));
  }
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    if (!parsed[i].is_object()) {
      return bad(fmt::format("{}[{}]", name, i),
                 fmt::format("must be an object, not {}", json_type_name(parsed[i])));
    }
  }
  return parsed;
}

Result<void>
check_manifest(const Json& manifest)
{
  if (!manifest.is_object()) return bad("manifest.json", "must hold a JSON object");
  auto format = manifest.find("format");
  if (format == manifest.end() || !format->is_string() || format->get<std::string>() != k_format) {
    return bad("manifest.json",
               fmt::format("`format` is {}, not \"{}\": this is not a homeboy observations bundle",
                           format == manifest.end() ? "missing" : dump_json(*format), k_format));
  }
  auto version = manifest.find("version");
  if (version == manifest.end() || !version->is_number_integer() ||
      version->get<std::int64_t>() != k_version) {
    return make_error("import.unsupported_version",
                      fmt::format("manifest.json: bundle version {} is not one this homeboy "
                                  "reads (it reads version {}); import it with the homeboy that "
                                  "wrote it, or export it again with this one; nothing was "
                                  "imported",
                                  version == manifest.end() ? "(missing)" : dump_json(*version),
                                  k_version));
  }
  return {};
}

} // namespace

Result<Bundle>
read_bundle(const stdfs::path& dir)
{
  std::error_code ec;
  auto status = stdfs::status(dir, ec);
  if (ec || status.type() == stdfs::file_type::not_found) {
    return make_error("import.not_found",
                      fmt::format("{} does not exist; pass the directory `homeboy runs export "
                                  "--output` wrote; nothing was imported",
                                  dir.string()));
  }
  if (status.type() != stdfs::file_type::directory) {
    return make_error("import.invalid_bundle",
                      fmt::format("{} is a file, but a bundle is a directory (zip bundles are "
                                  "not part of the v1 format: unzip it and pass the directory); nothing "
                                  "was imported",
                                  dir.string()));
  }
  HB_TRY(manifest, file(dir, "manifest.json", true));
  if (auto ok = check_manifest(manifest); !ok) return Unexpected(ok.error());
  HB_TRY(runs, array_file(dir, "runs.json", true));
  HB_TRY(artifacts, array_file(dir, "artifacts.json", true));
  HB_TRY(bytes, array_file(dir, "artifact_bytes.json", false));
  HB_TRY(spans, array_file(dir, "trace_spans.json", true));
  HB_TRY(findings, array_file(dir, "findings.json", false));
  HB_TRY(failures, array_file(dir, "test_failures.json", false));
  HB_TRY(extras, file(dir, k_extras_file, false));

  Bundle b;
  if (auto ok = read_runs(runs, extras, b); !ok) return Unexpected(ok.error());
  if (auto ok = read_artifacts(dir, artifacts, bytes, extras, b); !ok) return Unexpected(ok.error());
  if (auto ok = read_spans(spans, b); !ok) return Unexpected(ok.error());
  std::unordered_set<std::string> finding_ids;
  if (auto ok = read_findings(findings, "findings.json", finding_ids, b); !ok) return Unexpected(ok.error());
  // test_failures.json is a subset of findings.json; one missing there is
  // still imported, as the original does.
  if (auto ok = read_findings(failures, "test_failures.json", finding_ids, b); !ok) {
    return Unexpected(ok.error());
  }
  const std::pair<const char*, std::size_t> counts[] = {
    {"run_count", runs.size()},           {"artifact_count", artifacts.size()},
    {"artifact_byte_count", bytes.size()}, {"trace_span_count", spans.size()},
    {"finding_count", b.findings.size()}, {"test_failure_count", failures.size()},
  };
  for (const auto& [key, actual] : counts) {
    auto it = manifest.find(key);
    bool optional = std::string_view(key) != "run_count" && std::string_view(key) != "artifact_count" &&
                    std::string_view(key) != "trace_span_count";
    std::uint64_t declared = 0;
    if (it != manifest.end() && it->is_number_unsigned()) {
      declared = it->get<std::uint64_t>();
    } else if (it != manifest.end() || !optional) {
      return bad("manifest.json", fmt::format("`{}` must be a count (a non-negative integer)", key));
    }
    if (declared != actual) {
      return bad("manifest.json",
                 fmt::format("`{}` is {} but the record files hold {}; the bundle is incomplete "
                             "or was edited: export it again",
                             key, declared, actual));
    }
  }
  return b;
}

} // namespace hb::app::bundle_import
