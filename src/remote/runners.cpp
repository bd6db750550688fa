// Stored runners and a GET against their daemon through the `curl` program
// (TLS, proxies and IPv6 for free; httplib would cost every command its
// start-up). The bearer token goes to curl in a 0600 config file, never in
// its argv, where `ps` would show it.

#include "remote/runners.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"
#include "util/text.hpp"
#include "util/process.hpp"
#include "util/secret_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace hb::remote {

namespace {

namespace stdfs = std::filesystem;

stdfs::path
runners_dir(const Paths& paths)
{
  return paths.config_root / "runners";
}

bool
valid_id(const std::string& id)
{
  return !id.empty() && id.size() <= 64 && id.front() != '.' &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
         });
}

Result<Runner>
read_runner(const stdfs::path& file)
{
  auto text = fs::read_file(file);
  if (!text) return Unexpected(text.error());
  auto node = parse_json(*text, file.string());
  if (!node) return Unexpected(node.error());
  Runner r;
  if (!node->is_object() || !(*node)["id"].is_string() || !(*node)["url"].is_string()) {
    return make_error("runner.bad_file",
                      fmt::format("runner file {} is damaged (it needs \"id\" and \"url\"); remove "
                                  "it and add the runner again",
                                  file.string()));
  }
  r.id = (*node)["id"].get<std::string>();
  r.url = (*node)["url"].get<std::string>();
  r.token_file = json_member_or(*node, "token_file", "");
  return r;
}

} // namespace

Result<Runner>
add_runner(const Paths& paths, Runner r)
{
  if (!valid_id(r.id)) {
    return make_error("validation.invalid_runner_id",
                      fmt::format("runner id \"{}\": use 1-64 letters, digits, '.', '_' or '-'", r.id));
  }
  while (!r.url.empty() && r.url.back() == '/') r.url.pop_back();
  bool scheme = r.url.rfind("http://", 0) == 0 || r.url.rfind("https://", 0) == 0;
  std::size_t host_at = r.url.find("://") + 3;
  if (!scheme || r.url.size() <= host_at || r.url.find_first_of(" \t\r\n\"") != std::string::npos ||
      r.url.find('/', host_at) != std::string::npos) {
    return make_error("validation.invalid_url",
                      fmt::format("--url {}: give the daemon's address as http://HOST:PORT or "
                                  "https://HOST:PORT (what `homeboy daemon status` prints there)",
                                  r.url));
  }
  if (!r.token_file.empty()) {
    r.token_file = stdfs::absolute(r.token_file).lexically_normal().string();
    if (auto token = read_secret_file(r.token_file, "--token-file " + r.token_file); !token) {
      return Unexpected(token.error());
    }
  }
  stdfs::path file = runners_dir(paths) / (r.id + ".json");
  std::error_code ec;
  if (stdfs::exists(file, ec)) {
    return make_error("runner.exists",
                      fmt::format("a runner named {} exists already; `homeboy runner remove {}` "
                                  "first to replace it",
                                  r.id, r.id));
  }
  if (auto made = fs::create_directories(runners_dir(paths)); !made) return Unexpected(made.error());
  Json node = {{"id", r.id}, {"url", r.url}, {"token_file", r.token_file}};
  if (auto ok = fs::write_file_atomic(file, dump_json(node, 2) + "\n"); !ok) return Unexpected(ok.error());
  return r;
}

Result<std::vector<Runner>>
list_runners(const Paths& paths)
{
  std::vector<Runner> out;
  std::error_code ec;
  if (!stdfs::is_directory(runners_dir(paths), ec)) return out;
  std::vector<stdfs::path> files;
  for (const auto& entry : stdfs::directory_iterator(runners_dir(paths), ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    auto r = read_runner(file);
    if (!r) return Unexpected(r.error());
    out.push_back(std::move(*r));
  }
  return out;
}

Result<Runner>
find_runner(const Paths& paths, const std::string& id)
{
  auto all = list_runners(paths);
  if (!all) return Unexpected(all.error());
  for (const auto& r : *all) {
    if (r.id == id) return r;
  }
  std::string known;
  for (const auto& r : *all) known += (known.empty() ? "" : ", ") + r.id;
  return make_error("runner.not_found",
                    fmt::format("no runner named {}; {}", id,
                                known.empty() ? "add one with `homeboy runner add ID --url URL`"
                                              : "known runners: " + known));
}

Result<void>
remove_runner(const Paths& paths, const std::string& id)
{
  auto r = find_runner(paths, id);
  if (!r) return Unexpected(r.error());
  std::error_code ec;
  stdfs::remove(runners_dir(paths) / (id + ".json"), ec);
  if (ec) {
    return make_error("fs.remove_failed", fmt::format("cannot remove runner {}: {}", id, ec.message()));
  }
  return {};
}

namespace {

/// GETs `path` into `dest`; a 2xx status, or the error it means.
Result<void>
fetch(const Runner& runner, const std::string& path, const stdfs::path& dest, int timeout_s)
{
  auto scratch = fs::TempDir::create(stdfs::temp_directory_path(), "hb-runner-");
  if (!scratch) return Unexpected(scratch.error());
  std::string config = "user-agent = \"homeboy\"\n";
  if (!runner.token_file.empty()) {
    auto token = read_secret_file(runner.token_file, fmt::format("runner {}'s token file {}",
                                                                 runner.id, runner.token_file));
    if (!token) return Unexpected(token.error());
    config += "header = " + quote_for_curl_config("Authorization: Bearer " + *token) + "\n";
  }
  stdfs::path config_file = scratch->path() / "curl.config";
  int fd = ::open(config_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, config.data(), config.size()) != static_cast<ssize_t>(config.size())) {
    if (fd >= 0) ::close(fd);
    return make_error("fs.write_failed", fmt::format("cannot write {}: {}", config_file.string(),
                                                     std::strerror(errno)));
  }
  ::close(fd);
  stdfs::path code = scratch->path() / "code";
  stdfs::path err = scratch->path() / "err";
  SpawnSpec spec;
  spec.argv = {"curl", "-q", "-sS", "--proto", "=http,https", "--connect-timeout", "5",
               "--max-time", std::to_string(timeout_s), "-K", config_file.string(),
               "-o", dest.string(), "-w", "%{http_code}", runner.url + path};
  spec.stdout_path = code;
  spec.stderr_path = err;
  spec.timeout_ms = (timeout_s + 5) * 1000LL;
  auto ran = run_process(spec);
  if (!ran) {
    Error e = ran.error();
    e.message += " (homeboy reads runners with curl: apt-get install curl)";
    return Unexpected(e);
  }
  auto read = [](const stdfs::path& p) {
    auto text = fs::read_file(p);
    std::string s = text ? *text : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  };
  int status = std::atoi(read(code).c_str());
  if (status == 0) {
    std::string why = read(err);
    return make_error("runner.unreachable",
                      fmt::format("runner {} ({}) did not answer: {}; is its daemon running "
                                  "(`homeboy daemon status` there)?",
                                  runner.id, runner.url, why.empty() ? ran->describe() : why));
  }
  if (status >= 200 && status < 300) return {};
  // An error answer is the daemon's JSON envelope: say what it said.
  std::error_code ec;
  std::string text = stdfs::file_size(dest, ec) < (1u << 20) ? read(dest) : "";
  stdfs::remove(dest, ec);
  auto node = parse_json(text, "error");
  std::string said, code_text;
  if (node && node->is_object() && (*node)["error"].is_object()) {
    said = json_member_or((*node)["error"], "message", "");
    code_text = json_member_or((*node)["error"], "code", "");
  }
  if (status == 401 || status == 403) {
    return make_error("runner.unauthorized",
                      fmt::format("runner {} refused the request (HTTP {}{}{}); {}", runner.id, status,
                                  said.empty() ? "" : ": ", said,
                                  runner.token_file.empty()
                                    ? "it needs a token: add the runner again with --token-file F"
                                    : "its token file " + runner.token_file + " holds a token "
                                                                              "the daemon does not accept"));
  }
  Error e{"runner.http_error", fmt::format("runner {} answered HTTP {} for {}{}{}", runner.id, status,
                                           path, said.empty() ? "" : ": ", said)};
  // Keep the daemon's own code where it says what kind of miss it was.
  if (code_text.size() > 10 && code_text.compare(code_text.size() - 10, 10, ".not_found") == 0) {
    e.code = code_text;
  }
  return Unexpected(e);
}

} // namespace

Result<Json>
get_json(const Runner& runner, const std::string& path, int timeout_s)
{
  auto scratch = fs::TempDir::create(stdfs::temp_directory_path(), "hb-runner-body-");
  if (!scratch) return Unexpected(scratch.error());
  stdfs::path body = scratch->path() / "body";
  if (auto ok = fetch(runner, path, body, timeout_s); !ok) return Unexpected(ok.error());
  auto text = fs::read_file(body);
  auto node = text ? parse_json(*text, "answer") : Result<Json>(Unexpected(text.error()));
  if (!node) {
    return make_error("runner.bad_response",
                      fmt::format("runner {} ({}) did not answer with JSON; is {} a homeboy "
                                  "daemon?",
                                  runner.id, runner.url, runner.url));
  }
  return std::move(*node);
}

Result<void>
download(const Runner& runner, const std::string& path, const stdfs::path& dest, int timeout_s)
{
  if (auto made = fs::create_directories(dest.parent_path()); !made) return Unexpected(made.error());
  stdfs::path partial = dest;
  partial += ".partial";
  if (auto ok = fetch(runner, path, partial, timeout_s); !ok) return ok;
  std::error_code ec;
  stdfs::rename(partial, dest, ec);
  if (ec) {
    return make_error("fs.write_failed", fmt::format("cannot place {}: {}", dest.string(), ec.message()));
  }
  return {};
}

} // namespace hb::remote
