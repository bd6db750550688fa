#include "registry/collect.hpp"
#include "registry/attempts.hpp"

#include "registry/registry.hpp"
#include "util/file_placer.hpp"
#include "util/fs.hpp"
#include "util/id.hpp"
#include "util/json.hpp"

#include <fmt/core.h>

#include <glob.h>
#include <set>

namespace hb::registry {

namespace {

namespace stdfs = std::filesystem;

bool
inside(const stdfs::path& path, const stdfs::path& root)
{
  auto rel = path.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

Artifact
file_artifact(const std::string& run_id, const stdfs::path& path, const fs::FileDigest& digest,
              const std::string& kind, const std::string& label, TimeMs now)
{
  Artifact a;
  a.id = new_uuid_v4();
  a.run_id = run_id;
  a.kind = kind;
  a.type = "file";
  a.path = path.string();
  a.sha256 = digest.sha256;
  a.size_bytes = digest.size;
  a.mime = kind == "command_log" ? "text/plain" : fs::mime_type_for(path);
  a.label = label;
  a.created_at = now;
  return a;
}

// Every regular file a glob's matches name, relative to the canonical cwd.
// Matches that resolve outside it are refused (a warning), never followed.
void
expand(const stdfs::path& cwd, const std::string& pattern, std::set<stdfs::path>& files,
       std::vector<std::string>& warnings)
{
  glob_t matches{};
  std::string full = (cwd / pattern).string();
  int rc = ::glob(full.c_str(), GLOB_NOSORT, nullptr, &matches);
  if (rc != 0) {
    globfree(&matches);
    warnings.push_back(fmt::format("--artifact {} matched nothing", pattern));
    return;
  }
  auto add = [&](const stdfs::path& match) {
    std::error_code ec;
    auto real = stdfs::canonical(match, ec);
    if (ec || !inside(real, cwd)) {
      warnings.push_back(fmt::format("--artifact {}: {} leads outside the run's working directory; "
                                     "not collected",
                                     pattern, match.lexically_relative(cwd).string()));
      return;
    }
    if (stdfs::is_regular_file(real, ec)) {
      files.insert(real.lexically_relative(cwd));
    }
  };
  for (size_t i = 0; i < matches.gl_pathc; ++i) {
    stdfs::path match = matches.gl_pathv[i];
    std::error_code ec;
    if (stdfs::is_directory(match, ec) && !stdfs::is_symlink(match, ec)) {
      for (auto it = stdfs::recursive_directory_iterator(match, ec);
           !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_directory(ec)) {
          add(it->path());
        }
      }
    } else {
      add(match);
    }
  }
  globfree(&matches);
}

Json
manifest_entry(const Artifact& a, const stdfs::path& dir)
{
  return Json{{"id", a.id},
              {"kind", a.kind},
              {"label", a.label},
              {"path", stdfs::path(a.path).lexically_relative(dir).string()},
              {"sha256", a.sha256},
              {"size_bytes", a.size_bytes.value_or(0)}};
}

} // namespace

Result<std::vector<Artifact>>
collect_logs(const Paths& paths, const std::string& run_id, TimeMs now, int attempt)
{
  std::vector<Artifact> out;
  for (bool is_stderr : {false, true}) {
    auto path = log_path(paths, run_id, is_stderr, attempt);
    auto digest = fs::digest_file(path);
    if (!digest) {
      return Unexpected(digest.error());
    }
    out.push_back(file_artifact(run_id, path, *digest, "command_log",
                                is_stderr ? "stderr" : "stdout", now));
  }
  return out;
}

Result<Collection>
collect_files(const Paths& paths, const std::string& run_id, const std::string& cwd,
              const std::vector<std::string>& globs, const std::vector<Artifact>& logs, TimeMs now,
              int attempt)
{
  Collection out;
  auto dir = attempt_dir(paths, run_id, attempt);
  std::error_code ec;
  stdfs::path root = stdfs::canonical(cwd, ec);
  if (ec) {
    return make_error("registry.collect_failed",
                      fmt::format("cannot read the working directory {}: {}", cwd, ec.message()));
  }
  std::set<stdfs::path> files;
  for (const auto& pattern : globs) {
    expand(root, pattern, files, out.warnings);
  }
  fs::FilePlacer placer(dir);
  for (const auto& rel : files) {
    auto target = dir / "files" / rel;
    auto placed = placer.place(root / rel, target, "", "artifact " + rel.string());
    if (!placed) {
      return Unexpected(placed.error());
    }
    auto digest = fs::digest_file(target);
    if (!digest) {
      return Unexpected(digest.error());
    }
    out.artifacts.push_back(file_artifact(run_id, target, *digest, "file", rel.string(), now));
  }
  Json entries = Json::array();
  for (const auto& a : logs) entries.push_back(manifest_entry(a, dir));
  for (const auto& a : out.artifacts) entries.push_back(manifest_entry(a, dir));
  Json manifest = {{"run_id", run_id}, {"attempt", attempt}, {"artifacts", entries}, {"warnings", out.warnings}};
  auto manifest_path = dir / "manifest.json";
  std::string text = dump_json(manifest, 2) + "\n";
  if (auto ok = fs::write_file_atomic(manifest_path, text); !ok) {
    return make_error("registry.collect_failed",
                      fmt::format("cannot write the bundle manifest: {}", ok.error().message));
  }
  out.artifacts.push_back(file_artifact(run_id, manifest_path, {fs::sha256_hex(text), text.size()},
                                        "bundle_manifest", "artifact bundle", now));
  placer.keep();
  return out;
}

} // namespace hb::registry
