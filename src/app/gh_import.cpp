// homeboy runs import --from-gh-actions: list the workflow runs and their
// artifacts through the GitHub REST API (curl), download and unzip every
// matching artifact into a private staging directory, check every path, and
// only then write the runs and their JSON files in one store transaction.

#include "app/gh_import.hpp"
#include "util/file_placer.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"
#include "util/text.hpp"
#include "util/path_safety.hpp"
#include "util/process.hpp"
#include "util/secret_mask.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

namespace hb::app {

namespace stdfs = std::filesystem;

namespace {

constexpr const char* k_nothing = "nothing was imported";

// A directory only we can read (mkdtemp makes it 0700), removed with
// everything in it when this goes out of scope.
class PrivateDir
{
public:
  PrivateDir() = default;
  PrivateDir(const PrivateDir&) = delete;
  PrivateDir& operator=(const PrivateDir&) = delete;
  ~PrivateDir()
  {
    if (m_path.empty()) return;
    std::error_code ec;
    stdfs::remove_all(m_path, ec);
  }
  Result<void> create()
  {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = (tmp && *tmp ? std::string(tmp) : std::string("/tmp")) + "/homeboy-gh-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) {
      return make_error("fs.write_failed",
                        fmt::format("cannot create a private staging directory from {}: {}; set "
                                    "TMPDIR to a writable directory; {}",
                                    pattern, std::strerror(errno), k_nothing));
    }
    m_path = buf.data();
    return {};
  }
  const stdfs::path& path() const { return m_path; }

private:
  stdfs::path m_path;
};

std::string
trim(std::string text)
{
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string
read_small(const stdfs::path& path)
{
  auto text = fs::read_file(path);
  return text ? *text : std::string();
}

// The `curl` program with the token in a config file, never in an argv.
class Curl
{
public:
  Curl(const stdfs::path& dir, const GhImportRequest& request)
    : m_dir(dir), m_api(request.api_url), m_has_token(!request.token.empty()),
      m_masker(std::vector<std::string>{request.token})
  {
    while (!m_api.empty() && m_api.back() == '/') m_api.pop_back();
  }

  const std::string& api() const { return m_api; }

  Result<void> write_config(const std::string& token)
  {
    if (token.find_first_of("\r\n") != std::string::npos) {
      return make_error("validation.invalid_argument",
                        "GITHUB_TOKEN holds a line break; set it to the token alone; nothing was imported");
    }
    std::string text = "header = \"Accept: application/vnd.github+json\"\n"
                       "header = \"X-GitHub-Api-Version: 2022-11-28\"\n"
                       "user-agent = \"homeboy\"\n";
    if (!token.empty()) text += "header = " + quote_for_curl_config("Authorization: Bearer " + token) + "\n";
    m_config = m_dir / "curl.config";
    int fd = ::open(m_config.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      return make_error("fs.write_failed", fmt::format("cannot write {}: {}; {}", m_config.string(),
                                                       std::strerror(errno), k_nothing));
    }
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    if (!ok) return make_error("fs.write_failed", fmt::format("cannot write {}; {}", m_config.string(), k_nothing));
    return {};
  }

  /// GET `url` into `out`. `what` names the thing for errors ("workflow run
  /// 123 of acme/widget").
  Result<void> get(const std::string& url, const stdfs::path& out, const std::string& what)
  {
    ++m_calls;
    stdfs::path code_file = m_dir / fmt::format("http-{}.code", m_calls);
    stdfs::path err_file = m_dir / fmt::format("http-{}.err", m_calls);
    SpawnSpec spec;
    spec.argv = {"curl", "-q", "-sS", "--fail-with-body", "-L", "--max-redirs", "5",
                 "--proto", "=http,https", "--proto-redir", "=http,https",
                 "--connect-timeout", "15", "--max-time", "600",
                 "-K", m_config.string(), "-o", out.string(), "-w", "%{http_code}", url};
    spec.env.unset("GITHUB_TOKEN");
    spec.stdout_path = code_file;
    spec.stderr_path = err_file;
    spec.timeout_ms = 660'000;
    auto result = run_process(spec);
    if (!result) {
      Error e = result.error();
      e.message += "; install curl (Debian: apt-get install curl); " + std::string(k_nothing);
      return Unexpected(e);
    }
    std::string code_text = trim(read_small(code_file));
    std::string err = m_masker.mask(trim(read_small(err_file)));
    int code = std::atoi(code_text.c_str());
    if (result->exit_code && *result->exit_code == 0 && code >= 200 && code < 300) return {};
    if (code == 0) {
      return make_error("gh.unreachable",
                        fmt::format("cannot reach {} for {}: {}; check HOMEBOY_GITHUB_API_URL "
                                    "(now {}) and the network, then try again; {}",
                                    url, what, err.empty() ? result->describe() : err, m_api, k_nothing));
    }
    std::string body = m_masker.mask(read_small(out));
    std::string said;
    if (auto parsed = parse_json(body, "response"); parsed && parsed->is_object() &&
                                                     parsed->contains("message") &&
                                                     (*parsed)["message"].is_string()) {
      said = fmt::format(" (GitHub says: {})", (*parsed)["message"].get<std::string>());
    }
    if (code == 401 || code == 403) {
      return make_error(
        "gh.unauthorized",
        fmt::format("GitHub answered {} for {}{}: {}; {}", code, what, said,
                    m_has_token ? "GITHUB_TOKEN was refused: set GITHUB_TOKEN to a token that "
                                  "may read the repository's Actions (fine-grained: Actions read; "
                                  "classic: repo), or wait if the rate limit is used up"
                                : "set GITHUB_TOKEN to a token that may read the repository's "
                                  "Actions (anonymous requests are rate limited and cannot read "
                                  "private repositories)",
                    k_nothing));
    }
    if (code == 404) {
      return make_error("gh.not_found",
                        fmt::format("GitHub has no {} (404 for {}){}: check --repo, --run-id and "
                                    "--workflow{}; {}",
                                    what, url, said,
                                    m_has_token ? "" : " (a private repository answers 404 without "
                                                       "a token: set GITHUB_TOKEN)",
                                    k_nothing));
    }
    return make_error("gh.http_error",
                      fmt::format("GitHub answered {} for {} ({}){}; try again later; {}", code, what,
                                  url, said, k_nothing));
  }

  Result<Json> get_json(const std::string& path_and_query, const std::string& what)
  {
    std::string url = m_api + path_and_query;
    stdfs::path out = m_dir / fmt::format("response-{}.json", m_calls + 1);
    if (auto ok = get(url, out, what); !ok) return Unexpected(ok.error());
    auto text = fs::read_file(out);
    if (!text) return Unexpected(text.error());
    auto parsed = parse_json(*text, "response");
    if (!parsed || !parsed->is_object()) {
      return make_error("gh.invalid_response",
                        fmt::format("the answer for {} from {} is not a JSON object ({}); check "
                                    "that HOMEBOY_GITHUB_API_URL (now {}) is a GitHub REST API; {}",
                                    what, url,
                                    parsed ? std::string("it is ") + json_type_name(*parsed)
                                           : m_masker.mask(parsed.error().message),
                                    m_api, k_nothing));
    }
    return std::move(*parsed);
  }

private:
  stdfs::path m_dir;
  std::string m_api;
  bool m_has_token;
  SecretMasker m_masker;
  stdfs::path m_config;
  int m_calls = 0;
};

Unexpected<Error>
bad_response(const std::string& where, const std::string& what)
{
  return make_error("gh.invalid_response",
                    fmt::format("{}: {}; the GitHub API answered something this homeboy does not "
                                "understand; {}",
                                where, what, k_nothing));
}

struct GhRun
{
  std::int64_t id = 0;
  std::int64_t attempt = 1;
  std::string status, conclusion, head_sha, head_branch, event, html_url, workflow;
  TimeMs created = 0;
  std::optional<TimeMs> started, updated;
};

Result<std::string>
text_field(const Json& o, const char* key, const std::string& where, bool required)
{
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) {
    if (required) return bad_response(where, fmt::format("`{}` is missing", key));
    return std::string();
  }
  if (!it->is_string()) return bad_response(where, fmt::format("`{}` is not a string", key));
  return it->get<std::string>();
}

Result<std::optional<TimeMs>>
time_field(const Json& o, const char* key, const std::string& where)
{
  auto text = text_field(o, key, where, false);
  if (!text) return Unexpected(text.error());
  if (text->empty()) return std::optional<TimeMs>();
  auto t = parse_rfc3339(*text);
  if (!t) return bad_response(where, fmt::format("`{}` is `{}`, not an RFC 3339 time", key, *text));
  return std::optional<TimeMs>(*t);
}

Result<std::int64_t>
int_field(const Json& o, const char* key, const std::string& where, std::optional<std::int64_t> fallback)
{
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) {
    if (fallback) return *fallback;
    return bad_response(where, fmt::format("`{}` is missing", key));
  }
  if (!it->is_number_integer()) return bad_response(where, fmt::format("`{}` is not an integer", key));
  return it->get<std::int64_t>();
}

#define HB_TRY(var, expr)                                                                          \
  auto var##_r = (expr);                                                                           \
  if (!var##_r) return Unexpected(var##_r.error());                                                \
  auto var = std::move(*var##_r)

Result<GhRun>
parse_run(const Json& o, const std::string& where, const std::string& workflow_arg)
{
  if (!o.is_object()) return bad_response(where, "a workflow run must be an object");
  GhRun r;
  HB_TRY(id, int_field(o, "id", where, std::nullopt));
  HB_TRY(attempt, int_field(o, "run_attempt", where, 1));
  HB_TRY(status, text_field(o, "status", where, false));
  HB_TRY(conclusion, text_field(o, "conclusion", where, false));
  HB_TRY(sha, text_field(o, "head_sha", where, false));
  HB_TRY(branch, text_field(o, "head_branch", where, false));
  HB_TRY(event, text_field(o, "event", where, false));
  HB_TRY(html, text_field(o, "html_url", where, false));
  HB_TRY(path, text_field(o, "path", where, false));
  HB_TRY(name, text_field(o, "name", where, false));
  HB_TRY(created, time_field(o, "created_at", where));
  HB_TRY(started, time_field(o, "run_started_at", where));
  HB_TRY(updated, time_field(o, "updated_at", where));
  if (!created) return bad_response(where, "`created_at` is missing");
  r.id = id;
  r.attempt = attempt;
  r.status = status;
  r.conclusion = conclusion;
  r.head_sha = sha;
  r.head_branch = branch;
  r.event = event;
  r.html_url = html;
  // "path" is ".github/workflows/ci.yml" (sometimes with "@ref").
  std::string file = path.substr(0, path.find('@'));
  if (auto slash = file.rfind('/'); slash != std::string::npos) file = file.substr(slash + 1);
  r.workflow = !file.empty() ? file : !workflow_arg.empty() ? workflow_arg : name;
  r.created = *created;
  r.started = started ? started : created;
  r.updated = updated;
  return r;
}

std::string
uuid_from(const std::string& seed)
{
  const std::string h = fs::sha256_hex(seed);
  return fmt::format("{}-{}-5{}-a{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(13, 3),
                     h.substr(17, 3), h.substr(20, 12));
}

struct StagedFile
{
  Artifact artifact;   // path: the final place under the artifact root
  stdfs::path staged;  // where it was extracted
};

struct StagedRun
{
  Run run;
  GhImportedRun summary;
};

// Runs a helper program (unzip) under the supervisor; its stdout text.
Result<std::string>
run_tool(const std::vector<std::string>& argv, const stdfs::path& dir, const std::string& what)
{
  static int n = 0;
  ++n;
  SpawnSpec spec;
  spec.argv = argv;
  spec.env.unset("GITHUB_TOKEN");
  spec.stdout_path = dir / fmt::format("tool-{}.out", n);
  spec.stderr_path = dir / fmt::format("tool-{}.err", n);
  spec.timeout_ms = 600'000;
  auto result = run_process(spec);
  if (!result) {
    Error e = result.error();
    e.message += fmt::format("; install {} (Debian: apt-get install {}); {}", argv[0], argv[0], k_nothing);
    return Unexpected(e);
  }
  // unzip: 0 ok, 1 warnings only (every path is checked afterwards anyway).
  if (!result->exit_code || *result->exit_code > 1) {
    return make_error("gh.bad_archive",
                      fmt::format("{} failed for {} ({}): {}; download it again, or check the "
                                  "artifact on GitHub; {}",
                                  argv[0], what, result->describe(),
                                  trim(read_small(spec.stderr_path)), k_nothing));
  }
  return read_small(spec.stdout_path);
}

// Unzips `zip` into `dest` after checking every entry name, then checks
// that everything extracted is a plain file or directory inside `dest`.
// Returns the extracted files' paths relative to `dest`, sorted.
Result<std::vector<std::string>>
safe_extract(const stdfs::path& zip, const stdfs::path& dest, const stdfs::path& scratch,
             const std::string& what)
{
  HB_TRY(listing, run_tool({"unzip", "-Z1", zip.string()}, scratch, what));
  std::size_t start = 0;
  while (start < listing.size()) {
    std::size_t end = listing.find('\n', start);
    if (end == std::string::npos) end = listing.size();
    std::string name = listing.substr(start, end - start);
    start = end + 1;
    if (!name.empty() && name.back() == '\r') name.pop_back();
    if (name.empty()) continue;
    std::string rel = name;
    if (rel.back() == '/') rel.pop_back();
    if (auto ok = fs::check_relative_path(rel); !ok) {
      return make_error("gh.unsafe_archive",
                        fmt::format("{} holds the entry `{}`, which would be written outside its "
                                    "directory ({}); the archive was refused and {}; check who "
                                    "uploaded this artifact",
                                    what, name, ok.error().message, k_nothing));
    }
  }
  // Symbolic links are refused before anything is extracted: a link entry
  // followed by an entry beneath it could write outside `dest`. In the long
  // listing a link's mode starts with `l`.
  HB_TRY(modes, run_tool({"unzip", "-Z", zip.string()}, scratch, what));
  for (std::size_t at = 0; at < modes.size();) {
    std::size_t end = modes.find('\n', at);
    if (end == std::string::npos) end = modes.size();
    std::string line = modes.substr(at, end - at);
    at = end + 1;
    if (line.rfind('l', 0) == 0) {
      return make_error("gh.unsafe_archive",
                        fmt::format("{} holds a symbolic link (`{}`); the archive was refused and "
                                    "{}; check who uploaded this artifact",
                                    what, line, k_nothing));
    }
  }
  if (auto ok = fs::create_directories(dest); !ok) return Unexpected(ok.error());
  if (auto ok = run_tool({"unzip", "-qq", "-o", zip.string(), "-d", dest.string()}, scratch, what); !ok) {
    return Unexpected(ok.error());
  }
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = stdfs::recursive_directory_iterator(dest, ec); !ec && it != stdfs::recursive_directory_iterator();
       it.increment(ec)) {
    auto type = it->symlink_status(ec).type();
    std::string rel = stdfs::relative(it->path(), dest, ec).generic_string();
    if (type == stdfs::file_type::directory) continue;
    if (type != stdfs::file_type::regular) {
      return make_error("gh.unsafe_archive",
                        fmt::format("{} holds `{}`, which is {}, not a plain file; the archive "
                                    "was refused and {}",
                                    what, rel, type == stdfs::file_type::symlink ? "a symbolic link" : "special",
                                    k_nothing));
    }
    if (auto ok = fs::regular_file_beneath(dest, rel); !ok) {
      return make_error("gh.unsafe_archive",
                        fmt::format("{}: `{}` is not safely inside the artifact ({}); the archive "
                                    "was refused and {}",
                                    what, rel, ok.error().message, k_nothing));
    }
    files.push_back(rel);
  }
  if (ec) {
    return make_error("fs.read_failed", fmt::format("cannot read what {} extracted to {}: {}; {}", what,
                                                    dest.string(), ec.message(), k_nothing));
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool
is_json_name(const std::string& rel)
{
  if (rel.size() < 5) return false;
  std::string ext = rel.substr(rel.size() - 5);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".json";
}

RunStatus
status_for(const std::string& conclusion, std::string& terminal_reason)
{
  if (conclusion == "success") return RunStatus::succeeded;
  if (conclusion == "failure") return RunStatus::failed;
  if (conclusion == "cancelled") return RunStatus::cancelled;
  if (conclusion == "timed_out") return RunStatus::timed_out;
  terminal_reason = conclusion.empty() ? "no_conclusion" : conclusion;
  return RunStatus::failed;
}

} // namespace

bool
GhImportReport::changed() const
{
  return std::any_of(runs.begin(), runs.end(), [](const auto& r) { return r.imported; }) ||
         std::any_of(artifacts.begin(), artifacts.end(), [](const auto& a) { return a.imported; });
}

Result<void>
validate_gh_import(const GhImportRequest& r)
{
  auto invalid = [](const std::string& message) {
    return make_error("validation.invalid_argument", message);
  };
  if (r.component_id.empty()) {
    return invalid("--from-gh-actions needs --component <id>: the component the imported runs belong to");
  }
  auto slash = r.repo.find('/');
  auto segment_ok = [](std::string_view s) {
    return !s.empty() && s != "." && s != ".." && std::all_of(s.begin(), s.end(), [](unsigned char c) {
      return std::isalnum(c) || c == '-' || c == '_' || c == '.';
    });
  };
  if (r.repo.empty() || slash == std::string::npos ||
      !segment_ok(std::string_view(r.repo).substr(0, slash)) ||
      !segment_ok(std::string_view(r.repo).substr(slash + 1))) {
    return invalid(fmt::format("--repo must be owner/name (e.g. octo-org/octo-repo), not `{}`", r.repo));
  }
  if (r.workflow.empty() == r.run_id.empty()) {
    return invalid("--from-gh-actions needs exactly one of --workflow <file.yml> (recent runs of a "
                   "workflow) or --run-id <id> (one run)");
  }
  if (!r.run_id.empty() && !std::all_of(r.run_id.begin(), r.run_id.end(), [](unsigned char c) {
        return std::isdigit(c);
      })) {
    return invalid(fmt::format("--run-id must be the numeric id of a GitHub Actions run (the number "
                               "in .../actions/runs/<id>), not `{}`",
                               r.run_id));
  }
  if (r.run_id.size() > 18) return invalid(fmt::format("--run-id `{}` is too long for a run id", r.run_id));
  if (r.limit < 1 || r.limit > 100) {
    return invalid(fmt::format("--limit must be between 1 and 100, not {}", r.limit));
  }
  if (r.artifact_glob.empty()) {
    return invalid("--from-gh-actions needs --artifact-glob <glob>: which artifacts to import "
                   "(e.g. 'bench-*'; '*' for all)");
  }
  if (r.api_url.rfind("http://", 0) != 0 && r.api_url.rfind("https://", 0) != 0) {
    return invalid(fmt::format("HOMEBOY_GITHUB_API_URL must be an http(s) URL, not `{}`", r.api_url));
  }
  return {};
}

Result<GhImportReport>
import_from_gh_actions(OpenStore& open, const GhImportRequest& request)
{
  if (auto ok = validate_gh_import(request); !ok) return Unexpected(ok.error());
  PrivateDir scratch;
  if (auto ok = scratch.create(); !ok) return Unexpected(ok.error());
  Curl curl(scratch.path(), request);
  if (auto ok = curl.write_config(request.token); !ok) return Unexpected(ok.error());

  GhImportReport report;
  report.repo = request.repo;
  const std::string base = "/repos/" + request.repo + "/actions";

  // 1. The workflow runs.
  std::vector<GhRun> gh_runs;
  if (!request.run_id.empty()) {
    std::string what = fmt::format("workflow run {} of {}", request.run_id, request.repo);
    HB_TRY(doc, curl.get_json(base + "/runs/" + request.run_id, what));
    HB_TRY(run, parse_run(doc, what, ""));
    gh_runs.push_back(std::move(run));
  } else {
    std::string what = fmt::format("workflow {} of {}", request.workflow, request.repo);
    HB_TRY(doc, curl.get_json(fmt::format("{}/workflows/{}/runs?per_page={}", base,
                                          percent_encode(request.workflow), request.limit),
                              what));
    auto list = doc.find("workflow_runs");
    if (list == doc.end() || !list->is_array()) return bad_response(what, "`workflow_runs` is not an array");
    for (std::size_t i = 0; i < list->size() && static_cast<int>(i) < request.limit; ++i) {
      HB_TRY(run, parse_run((*list)[i], fmt::format("{}: workflow_runs[{}]", what, i), request.workflow));
      gh_runs.push_back(std::move(run));
    }
  }

  // 2. Their artifacts: downloaded, checked and extracted into staging.
  std::vector<StagedRun> runs;
  std::vector<StagedFile> files;
  std::set<std::string> seen_runs;
  for (const GhRun& g : gh_runs) {
    if (g.status != "completed") {
      report.skipped.push_back({g.id, "", fmt::format("the run is still {}; import it again when it has "
                                                      "finished",
                                                      g.status.empty() ? "not completed" : g.status)});
      continue;
    }
    StagedRun sr;
    Run& run = sr.run;
    // GitHub's owner and repository names are case-insensitive.
    std::string repo_key = request.repo;
    std::transform(repo_key.begin(), repo_key.end(), repo_key.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    run.id = uuid_from(fmt::format("homeboy gh-actions\n{}\n{}\n{}", repo_key, g.id, g.attempt));
    if (!seen_runs.insert(run.id).second) continue; // listed twice
    run.kind = "gh_actions";
    run.component_id = request.component_id;
    run.git_sha = g.head_sha;
    run.homeboy_version = request.homeboy_version;
    run.status = status_for(g.conclusion, run.terminal_reason);
    run.created_at = g.created;
    run.started_at = g.started;
    run.finished_at = g.updated ? g.updated : g.started;

    std::string what = fmt::format("the artifacts of workflow run {} of {}", g.id, request.repo);
    // 100 per page; more pages while total_count says there are more.
    Json all = Json::array();
    for (int page = 1;; ++page) {
      HB_TRY(doc, curl.get_json(fmt::format("{}/runs/{}/artifacts?per_page=100{}", base, g.id,
                                            page == 1 ? std::string() : fmt::format("&page={}", page)),
                                what));
      auto list = doc.find("artifacts");
      if (list == doc.end() || !list->is_array()) return bad_response(what, "`artifacts` is not an array");
      for (auto& a : *list) all.push_back(std::move(a));
      auto total = doc.find("total_count");
      bool more = list->size() == 100 && total != doc.end() && total->is_number_integer() &&
                  total->get<std::int64_t>() > static_cast<std::int64_t>(all.size());
      if (!more || page >= 50) break;
    }
    const Json* list = &all;
    Json names = Json::array();
    for (std::size_t i = 0; i < list->size(); ++i) {
      const Json& a = (*list)[i];
      std::string where = fmt::format("{}: artifacts[{}]", what, i);
      if (!a.is_object()) return bad_response(where, "an artifact must be an object");
      HB_TRY(name, text_field(a, "name", where, true));
      HB_TRY(artifact_id, int_field(a, "id", where, std::nullopt));
      if (::fnmatch(request.artifact_glob.c_str(), name.c_str(), 0) != 0) {
        ++report.artifacts_not_matching;
        continue;
      }
      auto expired = a.find("expired");
      if (expired != a.end() && expired->is_boolean() && expired->get<bool>()) {
        HB_TRY(expires, text_field(a, "expires_at", where, false));
        report.skipped.push_back(
          {g.id, name, fmt::format("the artifact expired on GitHub{}; its files can no longer be downloaded",
                                   expires.empty() ? "" : " at " + expires)});
        continue;
      }
      HB_TRY(url, text_field(a, "archive_download_url", where, true));
      HB_TRY(artifact_created, time_field(a, "created_at", where));
      std::string artifact_what = fmt::format("artifact `{}` ({}) of workflow run {}", name, artifact_id, g.id);
      stdfs::path zip = scratch.path() / fmt::format("artifact-{}.zip", artifact_id);
      if (auto ok = curl.get(url, zip, artifact_what); !ok) return Unexpected(ok.error());
      stdfs::path dest = scratch.path() / "extracted" / fmt::format("{}-{}", g.id, artifact_id);
      HB_TRY(extracted, safe_extract(zip, dest, scratch.path(), artifact_what));
      names.push_back(name);
      const std::string segment = fs::safe_path_segment(name);
      for (const std::string& rel : extracted) {
        if (!is_json_name(rel)) continue;
        StagedFile f;
        f.staged = dest / rel;
        HB_TRY(digest, fs::digest_file(f.staged));
        Artifact& art = f.artifact;
        art.run_id = run.id;
        art.id = uuid_from(fmt::format("homeboy gh-actions artifact\n{}\n{}\n{}", run.id, name, rel));
        art.kind = "json";
        art.type = "file";
        art.path = (open.paths.run_dir(run.id) / "gh-actions" / segment / rel).string();
        art.sha256 = digest.sha256;
        art.size_bytes = digest.size;
        art.mime = "application/json";
        art.label = name + "/" + rel;
        art.created_at = artifact_created.value_or(run.created_at);
        art.metadata_json = dump_json(Json{
          {"github", Json{{"artifact_id", artifact_id}, {"artifact_name", name}, {"path", rel}}}});
        files.push_back(std::move(f));
      }
    }
    Json github = {{"repo", request.repo},      {"run_id", g.id},
                   {"workflow", g.workflow},    {"run_attempt", g.attempt},
                   {"html_url", g.html_url},    {"head_branch", g.head_branch},
                   {"event", g.event},          {"conclusion", g.conclusion},
                   {"artifacts", names}};
    run.metadata_json = dump_json(Json{{"github", github}});
    sr.summary.id = run.id;
    sr.summary.gh_run_id = g.id;
    sr.summary.run_attempt = g.attempt;
    sr.summary.status = to_string(run.status);
    sr.summary.conclusion = g.conclusion;
    sr.summary.html_url = g.html_url;
    runs.push_back(std::move(sr));
  }

  // 3. One transaction: the runs, then their files, placed before the commit
  //    and removed again if it fails.
  fs::FilePlacer placer(open.paths.artifact_root);
  std::vector<GhImportedArtifact> placed;
  auto body = [&](ImportWriter& w) -> Result<void> {
    // The body runs again from the start if the store was busy.
    placed.clear();
    for (auto& sr : runs) {
      auto existing = w.find_run(sr.run.id);
      if (!existing) return Unexpected(existing.error());
      sr.summary.imported = !*existing;
      if (!*existing) {
        if (auto ok = w.insert_run(sr.run, {}, {}); !ok) return ok;
      }
    }
    for (const auto& f : files) {
      const Artifact& a = f.artifact;
      GhImportedArtifact out;
      out.id = a.id;
      out.run_id = a.run_id;
      out.gh_artifact = fmt::format("{}", a.label.substr(0, a.label.find('/')));
      out.label = a.label;
      out.path = a.path;
      out.sha256 = a.sha256;
      out.size_bytes = a.size_bytes.value_or(0);
      auto existing = w.find_artifact(a.id);
      if (!existing) return Unexpected(existing.error());
      if (*existing) {
        if ((*existing)->sha256 != a.sha256) {
          return make_error("import.conflict",
                            fmt::format("artifact {} ({}) of run {} is already in the store with "
                                        "sha256 {}, but GitHub now serves sha256 {}; {}; remove "
                                        "the run's artifacts (homeboy runs artifact cleanup-persisted "
                                        "--run {} --apply) to import it again",
                                        a.id, a.label, a.run_id, (*existing)->sha256, a.sha256,
                                        k_nothing, a.run_id));
        }
        out.path = (*existing)->path;
        placed.push_back(std::move(out));
        continue;
      }
      auto copied = placer.place(f.staged, f.artifact.path, f.artifact.sha256, "a downloaded file");
      if (!copied) {
        Error e = copied.error();
        e.message += fmt::format("; {}", k_nothing);
        return Unexpected(e);
      }
      if (auto ok = w.insert_artifact(a); !ok) return ok;
      out.imported = true;
      placed.push_back(std::move(out));
    }
    return {};
  };
  if (auto ok = open.store->import_transaction(body); !ok) return Unexpected(ok.error());
  placer.keep();
  for (auto& sr : runs) report.runs.push_back(sr.summary);
  report.artifacts = std::move(placed);
  return report;
}

Json
gh_import_payload(const GhImportReport& r)
{
  Json runs = Json::array();
  std::size_t runs_new = 0, artifacts_new = 0;
  for (const auto& run : r.runs) {
    runs_new += run.imported;
    runs.push_back(Json{{"id", run.id},
                        {"gh_run_id", run.gh_run_id},
                        {"run_attempt", run.run_attempt},
                        {"status", run.status},
                        {"conclusion", run.conclusion},
                        {"html_url", run.html_url},
                        {"state", run.imported ? "imported" : "already_present"}});
  }
  Json artifacts = Json::array();
  for (const auto& a : r.artifacts) {
    artifacts_new += a.imported;
    artifacts.push_back(Json{{"id", a.id},
                             {"run_id", a.run_id},
                             {"gh_artifact", a.gh_artifact},
                             {"label", a.label},
                             {"path", a.path.string()},
                             {"sha256", a.sha256},
                             {"size_bytes", a.size_bytes},
                             {"state", a.imported ? "imported" : "already_present"}});
  }
  Json skipped = Json::array();
  for (const auto& s : r.skipped) {
    skipped.push_back(Json{{"gh_run_id", s.gh_run_id},
                           {"artifact", s.artifact.empty() ? Json(nullptr) : Json(s.artifact)},
                           {"reason", s.reason}});
  }
  auto counts = [](std::size_t imported, std::size_t total) {
    return Json{{"imported", imported}, {"already_present", total - imported}};
  };
  return Json{{"command", "runs.import"},
              {"source", "github-actions"},
              {"repo", r.repo},
              {"changed", r.changed()},
              {"counts", Json{{"runs", counts(runs_new, r.runs.size())},
                              {"artifacts", counts(artifacts_new, r.artifacts.size())},
                              {"skipped", r.skipped.size()},
                              {"artifacts_not_matching", r.artifacts_not_matching}}},
              {"runs", runs},
              {"artifacts", artifacts},
              {"skipped", skipped}};
}

} // namespace hb::app
