#include "app/runs_service.hpp"

#include "analysis/jsonpath.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"
#include "util/text.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hb::app {

Result<OpenStore>
open_store()
{
  auto paths = resolve_paths(std::nullopt);
  if (!paths) {
    return Unexpected(paths.error());
  }
  auto store = open_store(*paths);
  if (!store) {
    return Unexpected(store.error());
  }
  return OpenStore{std::move(*paths), std::move(*store)};
}

namespace {

/// The record `get` returns for `id_or_prefix`, else for the one id
/// `resolve` finds with that prefix; empty when neither finds one. Runs and
/// findings are looked up this one way.
template <class Get, class Resolve>
auto
get_by_id_or_prefix(const std::string& id_or_prefix, Get get, Resolve resolve)
  -> decltype(get(id_or_prefix))
{
  auto found = get(id_or_prefix);
  if (!found || *found) {
    return found;
  }
  auto resolved = resolve(id_or_prefix);
  if (!resolved) {
    return Unexpected(resolved.error());
  }
  return *resolved ? get(**resolved) : found;
}

} // namespace

Result<Run>
find_run(Store& store, const std::string& id_or_prefix)
{
  auto run = get_by_id_or_prefix(
    id_or_prefix, [&](const std::string& id) { return store.get_run(id); },
    [&](const std::string& prefix) { return store.resolve_run_id(prefix); });
  if (!run) {
    return Unexpected(run.error());
  }
  if (!*run) {
    return make_error("run.not_found",
                      fmt::format("no run `{}` in the observation store; `homeboy runs list` "
                                  "shows recorded runs",
                                  truncate_for_message(id_or_prefix, 60)));
  }
  return std::move(**run);
}

Result<Artifact>
find_artifact(Store& store, const std::string& run_id, const std::string& id_or_prefix)
{
  auto exact = store.get_artifact(run_id, id_or_prefix);
  if (!exact) {
    return Unexpected(exact.error());
  }
  if (*exact) {
    return std::move(**exact);
  }
  std::vector<Artifact> matches;
  if (id_or_prefix.size() >= 4) {
    auto all = store.run_artifacts(run_id);
    if (!all) {
      return Unexpected(all.error());
    }
    for (auto& a : *all) {
      if (a.id.starts_with(id_or_prefix)) matches.push_back(std::move(a));
    }
  }
  if (matches.size() > 1) {
    return make_error("validation.ambiguous_id",
                      fmt::format("artifact id prefix `{}` matches {} artifacts of run {} ({}, {}, "
                                  "...); give more characters",
                                  id_or_prefix, matches.size(), run_id, matches[0].id,
                                  matches[1].id));
  }
  if (matches.empty()) {
    return make_error("artifact.not_found",
                      fmt::format("run {} has no artifact `{}`; `homeboy runs artifacts {}` lists "
                                  "them",
                                  run_id, truncate_for_message(id_or_prefix, 60), run_id));
  }
  return std::move(matches.front());
}

Result<Finding>
find_finding(Store& store, const std::string& id_or_prefix)
{
  auto found = get_by_id_or_prefix(
    id_or_prefix, [&](const std::string& id) { return store.get_finding(id); },
    [&](const std::string& prefix) { return store.resolve_finding_id(prefix); });
  if (!found) {
    return Unexpected(found.error());
  }
  if (!*found) {
    return make_error("finding.not_found",
                      fmt::format("no finding `{}`; `homeboy runs findings <run-id>` lists a run's "
                                  "findings",
                                  truncate_for_message(id_or_prefix, 60)));
  }
  return std::move(**found);
}

Result<Json>
select_field(const Json& document, const std::string& query)
{
  auto path = analysis::JsonPath::parse(query);
  if (!path) {
    return Unexpected(path.error());
  }
  auto nodes = path->select(document);
  if (nodes.empty()) {
    return Json(nullptr);
  }
  if (nodes.size() == 1) {
    return *nodes.front();
  }
  Json all = Json::array();
  for (const Json* node : nodes) {
    all.push_back(*node);
  }
  return all;
}

Result<std::string>
read_artifact_bytes(const Artifact& a)
{
  int fd = ::open(a.path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ELOOP) {
      return make_error("artifact.tampered",
                        fmt::format("artifact {}'s file {} was replaced by a symbolic link; "
                                    "refusing to follow it",
                                    a.id, a.path));
    }
    return make_error("artifact.missing",
                      err == ENOENT ? fmt::format("artifact {}'s file {} no longer exists", a.id,
                                                  a.path)
                                    : fmt::format("artifact {}'s file {} cannot be read: {}", a.id,
                                                  a.path, std::strerror(err)));
  }
  struct stat info{};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return make_error("artifact.missing",
                      fmt::format("artifact {}'s file {} is not a regular file", a.id, a.path));
  }
  std::string content;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!a.sha256.empty()) {
    std::string actual = fs::sha256_hex(content);
    if (actual != a.sha256) {
      return make_error("artifact.tampered",
                        fmt::format("artifact {}'s file {} changed since it was recorded (sha256 "
                                    "{}, recorded {}); refusing to serve it",
                                    a.id, a.path, actual, a.sha256));
    }
  }
  return content;
}

} // namespace hb::app
