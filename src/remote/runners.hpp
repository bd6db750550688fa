#pragma once
// Remote runners (docs/runners.md): other machines' homeboy daemons this
// machine reads runs from (`runs list --runner ID`, `runs show|logs
// --runner ID`, `runs list --include-active-runner-jobs`). A runner is a
// name, the daemon's URL and, when its daemon wants one, the path of a 0600
// file holding its token; the token itself is never stored here.
//
// Files: <config>/runners/<id>.json, each written atomically. Threads: any.

#include "model/paths.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace hb::remote {

struct Runner
{
  std::string id;
  std::string url;        // http(s)://host:port, no trailing slash
  std::string token_file; // absolute; empty: the daemon needs none for reads
};

/// Stores a runner; checks the id ([A-Za-z0-9._-], 1..64), the URL (http or
/// https, a host) and the token file (readable, 0600). `runner.exists` when
/// the id is taken.
Result<Runner> add_runner(const Paths& paths, Runner runner);
/// Every stored runner, by id; a damaged file is an error naming it.
Result<std::vector<Runner>> list_runners(const Paths& paths);
/// The runner `id`; `runner.not_found` naming the known ids.
Result<Runner> find_runner(const Paths& paths, const std::string& id);
/// Deletes runner `id`'s file (`runner.not_found` when there is none).
Result<void> remove_runner(const Paths& paths, const std::string& id);

/// GET `path` (starting with /api/v1/, query included) from the runner's
/// daemon, with its token; the JSON body. Errors say which runner and why:
/// `runner.unreachable` (no connection, a TLS error, a timeout),
/// `runner.unauthorized` (401/403: the token is wrong or missing),
/// `runner.http_error` (another status; the daemon's message),
/// `runner.bad_response` (not JSON).
Result<Json> get_json(const Runner& runner, const std::string& path, int timeout_s = 20);

/// GET `path` into the file `dest` (its directory made; written beside it
/// and renamed, so `dest` is whole or absent). Errors as get_json's.
Result<void> download(const Runner& runner, const std::string& path, const std::filesystem::path& dest,
                      int timeout_s = 600);

} // namespace hb::remote
