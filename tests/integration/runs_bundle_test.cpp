// homeboy runs export / runs import: round trips between data dirs,
// byte-identical re-exports, idempotency, conflicts, every bad bundle, and
// the original tool's bundle (tests/fixtures/homeboy-bundle-v1).

#include "integration/runs_seed.hpp"

#include <gmock/gmock.h>

#include <set>

using namespace hbit;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const fs::path k_original = fs::path(HB_FIXTURES_DIR) / "homeboy-bundle-v1";

class RunsBundle : public RunsSeedTest
{
protected:
  void SetUp() override
  {
    RunsSeedTest::SetUp();
    other_ = root_ / "other-data";
  }

  EnvOverrides in_other() const { return {{"HOMEBOY_DATA_DIR", other_.string()}}; }

  /// Three benches (one with a failed gate, so it has findings), a URL
  /// artifact, a trace span; returns the run ids.
  std::vector<std::string> populate()
  {
    init_store();
    std::vector<std::string> ids = {bench_run("alpha")};
    make_component("gated", "gate_failure.sh");
    ids.push_back(bench_run("gated", 1));
    ids.push_back(bench_run("alpha"));
    seed_artifact(ids[0], {.id = "url-1", .kind = "flamegraph", .type = "url",
                           .path = "https://perf.example.com/f.svg",
                           .url = "https://perf.example.com/f.svg", .label = "Flamegraph",
                           .metadata = R"({"z": 1, "a": {"y": [1, 2.5], "b": null}})"});
    sqlite("INSERT INTO trace_spans (id, run_id, span_id, status, duration_ms, from_event, "
           "to_event, created_at, metadata) VALUES ('span-1', '" + ids[0] +
           "', 'boot', 'ok', 1184.0, 'runner.start', 'wp.ready', 1, '{\"to_t_ms\": 1184}')");
    return ids;
  }

  RunResult export_runs(const std::vector<std::string>& ids, const fs::path& out,
                        std::vector<std::string> extra = {}, const EnvOverrides& env = {})
  {
    std::vector<std::string> args = {"runs", "export", "--output", out.string(), "--json"};
    for (const auto& id : ids) {
      args.push_back("--run");
      args.push_back(id);
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args, env);
  }

  RunResult import(const fs::path& dir, const EnvOverrides& env)
  {
    return run({"runs", "import", dir.string(), "--json"}, env);
  }

  Json show(const std::string& id, const EnvOverrides& env)
  {
    auto r = run({"runs", "show", id, "--json"}, env);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.payload()["run"];
  }

  std::vector<Json> findings(const std::string& id, const EnvOverrides& env)
  {
    auto r = run({"runs", "findings", id, "--json"}, env);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    auto list = r.payload()["findings"];
    return {list.begin(), list.end()};
  }

  std::size_t run_count(const EnvOverrides& env)
  {
    auto r = run({"runs", "list", "--json", "--limit", "1000"}, env);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.payload()["runs"].size();
  }

  /// Every file of a directory tree: relative path -> content.
  static std::map<std::string, std::string> tree(const fs::path& dir)
  {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = read_file(e.path());
    }
    return out;
  }

  static OrderedJson read_json(const fs::path& p) { return OrderedJson::parse(read_file(p)); }
  static void write_json(const fs::path& p, const OrderedJson& j) { write_file(p, j.dump(2)); }

  /// A copy of `dir` at <root>/<name> to damage.
  fs::path copy_bundle(const fs::path& dir, const std::string& name)
  {
    fs::path to = root_ / name;
    fs::copy(dir, to, fs::copy_options::recursive);
    for (const auto& e : fs::recursive_directory_iterator(to)) {
      fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
    }
    return to;
  }

  /// Asserts that an import failed with `message` and left the other data
  /// dir without any run or imported artifact file.
  void expect_refused(const fs::path& dir, const std::string& message, int exit_code = 2)
  {
    auto r = import(dir, in_other());
    EXPECT_EQ(r.exit_code, exit_code) << r.describe();
    Json j = r.json();
    EXPECT_FALSE(j.value("success", true)) << r.describe();
    EXPECT_THAT(j["error"].value("message", ""), HasSubstr(message)) << r.describe();
    EXPECT_THAT(j["error"].value("message", ""), HasSubstr("nothing was imported")) << r.describe();
    EXPECT_EQ(run_count(in_other()), 0u);
    EXPECT_FALSE(fs::exists(other_ / "artifacts") && !fs::is_empty(other_ / "artifacts"));
    // The human form says the same on stderr.
    auto human = run({"runs", "import", dir.string()}, in_other());
    EXPECT_EQ(human.exit_code, exit_code);
    EXPECT_THAT(human.err, HasSubstr(message));
  }

  fs::path other_;
};

// What must survive a trip to another machine: the run (every lifecycle
// field), metadata, metrics and scenarios, artifacts (bytes too), findings.
void
expect_same_run(const Json& a, const Json& b, bool bytes)
{
  Json x = a, y = b;
  for (Json* j : {&x, &y}) {
    for (auto& art : (*j)["artifacts"]) {
      if (art.value("type", "") == "file" || art.value("type", "") == "metadata-only") {
        art.erase("path"); // a local path of each machine
        if (!bytes) art.erase("type");
      }
      if (!bytes && art["metadata_json"].is_object()) art["metadata_json"].erase("portable_bundle");
    }
  }
  EXPECT_EQ(x, y) << "\nA: " << x.dump(2) << "\nB: " << y.dump(2);
}

TEST_F(RunsBundle, ExportThenImportIntoAFreshDataDirRoundTripsEverything)
{
  auto ids = populate();
  fs::path out = root_ / "bundle";
  auto r = export_runs(ids, out, {"--with-bytes"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["command"], "runs.export");
  EXPECT_EQ(p["run_count"], 3);
  EXPECT_EQ(p["trace_span_count"], 1);
  EXPECT_GE(p["finding_count"].get<int>(), 1);
  EXPECT_GE(p["artifact_byte_count"].get<int>(), 3) << r.describe();
  EXPECT_TRUE(p["warnings"].empty()) << r.describe();

  auto i = import(out, in_other());
  ASSERT_EQ(i.exit_code, 0) << i.describe();
  Json ip = i.payload();
  EXPECT_EQ(ip["command"], "runs.import");
  EXPECT_EQ(ip["runs"]["imported"], 3);
  EXPECT_EQ(ip["runs"]["already_present"], 0);
  EXPECT_EQ(ip["trace_spans"]["imported"], 1);
  EXPECT_TRUE(ip["changed"].get<bool>());

  EXPECT_EQ(ids_of(list_runs()), ids_of([&] {
              auto l = run({"runs", "list", "--json"}, in_other());
              auto runs = l.payload()["runs"];
              return std::vector<Json>(runs.begin(), runs.end());
            }()));
  for (const auto& id : ids) {
    Json a = show(id, {});
    Json b = show(id, in_other());
    SCOPED_TRACE("run " + id + "; export: " + r.out + "\nimport: " + i.out);
    expect_same_run(a, b, true);
    EXPECT_FALSE(a["scenario_metrics"].empty());
    EXPECT_EQ(findings(id, {}), findings(id, in_other()));
    // The bytes came along, checked, under the other data dir's artifact root.
    for (const auto& art : b["artifacts"]) {
      if (art["type"] != "file") continue;
      std::string path = art["path"];
      EXPECT_THAT(path, HasSubstr((other_ / "artifacts" / id / "imported").string()));
      std::string aid = art["id"].get<std::string>();
      auto got = run({"runs", "artifact", "get", id, aid}, in_other());
      ASSERT_EQ(got.exit_code, 0) << got.describe();
      auto orig = run({"runs", "artifact", "get", id, aid});
      EXPECT_EQ(got.out, orig.out);
    }
  }
  EXPECT_FALSE(findings(ids[1], in_other()).empty());
}

TEST_F(RunsBundle, WithoutBytesFileArtifactsAreMetadataOnly)
{
  auto ids = populate();
  fs::path out = root_ / "bundle";
  auto r = export_runs({ids[0]}, out);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.payload()["artifact_byte_count"], 0);
  EXPECT_FALSE(fs::exists(out / "artifact-bytes"));
  auto artifacts = read_json(out / "artifacts.json");
  for (const auto& a : artifacts) {
    if (a["id"] == "url-1") {
      EXPECT_EQ(a["type"], "url");
      EXPECT_EQ(a["url"], "https://perf.example.com/f.svg");
    } else {
      EXPECT_EQ(a["type"], "metadata-only");
      EXPECT_THAT(a["path"].get<std::string>(), HasSubstr("metadata-only:"));
      EXPECT_THAT(a["path"].get<std::string>(), Not(HasSubstr(root_.string())));
    }
  }
  ASSERT_EQ(import(out, in_other()).exit_code, 0);
  Json b = show(ids[0], in_other());
  expect_same_run(show(ids[0], {}), b, false);
  for (const auto& a : b["artifacts"]) {
    if (a["type"] != "metadata-only") continue;
    auto got = run({"runs", "artifact", "get", ids[0], a["id"].get<std::string>()}, in_other());
    EXPECT_NE(got.exit_code, 0);
    EXPECT_THAT(got.err, HasSubstr("metadata-only"));
  }
}

TEST_F(RunsBundle, TheBundleIsTheOriginalsV1Encoding)
{
  auto ids = populate();
  fs::path out = root_ / "bundle";
  ASSERT_EQ(export_runs(ids, out).exit_code, 0);
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(out)) names.insert(e.path().filename().string());
  EXPECT_EQ(names, (std::set<std::string>{"manifest.json", "runs.json", "artifacts.json",
                                          "artifact_bytes.json", "trace_spans.json", "findings.json",
                                          "test_failures.json", "homeboy_extras.json"}));
  std::string manifest = read_file(out / "manifest.json");
  EXPECT_NE(manifest.back(), '\n'); // serde_json::to_string_pretty: no trailing newline
  auto m = OrderedJson::parse(manifest);
  std::vector<std::string> keys;
  for (auto it = m.begin(); it != m.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"format", "version", "created_at", "homeboy_version",
                                            "run_count", "artifact_count", "artifact_byte_count",
                                            "trace_span_count", "finding_count", "test_failure_count"}));
  EXPECT_EQ(m["format"], "homeboy-observations");
  EXPECT_EQ(m["version"], 1);
  auto runs = read_json(out / "runs.json");
  ASSERT_EQ(runs.size(), 3u);
  keys.clear();
  for (auto it = runs[0].begin(); it != runs[0].end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "kind", "component_id", "started_at", "finished_at",
                                            "status", "command", "cwd", "homeboy_version", "git_sha",
                                            "rig_id", "metadata_json"}));
  // Newest first; the original's status words; sorted metadata keys.
  EXPECT_EQ(runs[0]["id"], ids[2]);
  EXPECT_EQ(runs[1]["status"], "fail");
  EXPECT_EQ(runs[2]["status"], "pass");
  for (const auto& r : runs) {
    std::string prev;
    for (auto it = r["metadata_json"].begin(); it != r["metadata_json"].end(); ++it) {
      EXPECT_LT(prev, it.key());
      prev = it.key();
    }
  }
  EXPECT_THAT(read_file(out / "artifacts.json"),
              HasSubstr("\"metadata_json\": {\n      \"a\": {\n        \"b\": null,\n        \"y\": [\n"));
  EXPECT_EQ(read_file(out / "test_failures.json"), "[]");
}

TEST_F(RunsBundle, ReExportIsByteIdenticalAndSoIsExportFromTheImportedStore)
{
  auto ids = populate();
  for (bool bytes : {false, true}) {
    std::vector<std::string> extra;
    if (bytes) extra.push_back("--with-bytes");
    std::string tag = bytes ? "-bytes" : "";
    fs::path first = root_ / ("first" + tag), second = root_ / ("second" + tag),
             shuffled = root_ / ("shuffled" + tag);
    ASSERT_EQ(export_runs(ids, first, extra).exit_code, 0);
    // --since selects the same runs; the order given to --run does not matter.
    std::vector<std::string> since = {"--since", "1h"};
    since.insert(since.end(), extra.begin(), extra.end());
    ASSERT_EQ(export_runs({}, second, since).exit_code, 0);
    ASSERT_EQ(export_runs({ids[2], ids[0], ids[1], ids[0]}, shuffled, extra).exit_code, 0);
    EXPECT_EQ(tree(first), tree(second)) << "re-export differs" << (bytes ? " (with bytes)" : "");
    EXPECT_EQ(tree(first), tree(shuffled));
    // Exporting into the earlier bundle replaces it with the same bytes.
    auto again = export_runs(ids, first, extra);
    ASSERT_EQ(again.exit_code, 0) << again.describe();
    EXPECT_TRUE(again.payload()["replaced"].get<bool>());
    EXPECT_EQ(tree(first), tree(second));

    fs::path data = root_ / ("imported" + tag);
    EnvOverrides env = {{"HOMEBOY_DATA_DIR", data.string()}};
    ASSERT_EQ(import(first, env).exit_code, 0);
    fs::path third = root_ / ("third" + tag);
    ASSERT_EQ(export_runs(ids, third, extra, env).exit_code, 0);
    EXPECT_EQ(tree(first), tree(third)) << "export of the imported runs differs";
  }
}

TEST_F(RunsBundle, ImportIsIdempotent)
{
  auto ids = populate();
  fs::path out = root_ / "bundle";
  ASSERT_EQ(export_runs(ids, out, {"--with-bytes"}).exit_code, 0);
  ASSERT_EQ(import(out, in_other()).exit_code, 0);
  auto files_before = tree(other_ / "artifacts");
  auto again = import(out, in_other());
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  Json p = again.payload();
  EXPECT_FALSE(p["changed"].get<bool>());
  EXPECT_EQ(p["runs"]["imported"], 0);
  EXPECT_EQ(p["runs"]["already_present"], 3);
  EXPECT_EQ(p["artifacts"]["imported"], 0);
  EXPECT_EQ(p["findings"]["imported"], 0);
  EXPECT_EQ(p["artifact_bytes_copied"], 0);
  EXPECT_EQ(tree(other_ / "artifacts"), files_before);
  auto human = run({"runs", "import", out.string()}, in_other());
  EXPECT_EQ(human.exit_code, 0);
  EXPECT_THAT(human.out, HasSubstr("Nothing changed"));
  EXPECT_THAT(human.out, HasSubstr("already present"));

  // Back into the store it came from: its own runs, nothing to do, with or
  // without bytes.
  for (fs::path dir : {out, root_ / "plain"}) {
    if (dir != out) {
      ASSERT_EQ(export_runs(ids, dir).exit_code, 0);
    }
    auto home = import(dir, {});
    ASSERT_EQ(home.exit_code, 0) << home.describe();
    EXPECT_FALSE(home.payload()["changed"].get<bool>()) << home.describe();
  }
}

TEST_F(RunsBundle, ImportedMetadataOfAnyShapeIsReadableAfterwards)
{
  // Artifact metadata is free-form: a bundle may carry `"name": 5` where
  // homeboy writes a string. Reading the run afterwards must not crash
  // (it used to abort in runs show and runs evidence).
  auto ids = populate();
  fs::path out = root_ / "bundle";
  ASSERT_EQ(export_runs(ids, out).exit_code, 0);
  auto arts = read_json(out / "artifacts.json");
  bool edited = false;
  for (auto& a : arts) {
    if (a["id"] == "url-1") {
      ASSERT_TRUE(a.contains("metadata_json")) << a.dump();
      a["metadata_json"] = {{"name", 5}, {"missing", "yes"}};
      edited = true;
    }
  }
  ASSERT_TRUE(edited);
  write_json(out / "artifacts.json", arts);
  ASSERT_EQ(import(out, in_other()).exit_code, 0);

  for (const auto& form : {std::vector<std::string>{"--json"}, std::vector<std::string>{}}) {
    for (const char* reader : {"show", "evidence", "artifacts"}) {
      std::vector<std::string> args = {"runs", reader, ids[0]};
      args.insert(args.end(), form.begin(), form.end());
      auto r = run(args, in_other());
      EXPECT_EQ(r.exit_code, 0) << r.describe();
      EXPECT_THAT(r.out + r.err, Not(HasSubstr("terminate called")));
      if (std::string(reader) != "show") {
        EXPECT_THAT(r.out, HasSubstr("url-1")) << r.describe();
      }
    }
  }
}

TEST_F(RunsBundle, AConflictNamesTheRunAndFieldAndImportsNothing)
{
  auto ids = populate();
  fs::path first = root_ / "first";
  ASSERT_EQ(export_runs({ids[0], ids[1]}, first).exit_code, 0);
  ASSERT_EQ(import(first, in_other()).exit_code, 0);

  // A bundle with a new run and a changed one.
  fs::path second = root_ / "second";
  ASSERT_EQ(export_runs(ids, second, {"--with-bytes"}).exit_code, 0);
  auto runs = read_json(second / "runs.json");
  std::string command;
  for (auto& r : runs) {
    if (r["id"] != ids[0]) continue;
    command = r["command"].get<std::string>();
    r["command"] = "homeboy bench something-else";
  }
  write_json(second / "runs.json", runs);
  auto r = import(second, in_other());
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  Json e = r.json()["error"];
  EXPECT_EQ(e["code"], "import.conflict");
  EXPECT_THAT(e["message"].get<std::string>(), HasSubstr(ids[0]));
  EXPECT_THAT(e["message"].get<std::string>(), HasSubstr("`command`"));
  EXPECT_THAT(e["message"].get<std::string>(), HasSubstr("nothing was imported"));
  EXPECT_EQ(e["details"]["field"], "command");
  EXPECT_EQ(run_count(in_other()), 2u);

  // A conflict found late (a finding, after the new run's artifact bytes
  // were copied) also leaves nothing behind.
  runs = read_json(second / "runs.json");
  for (auto& x : runs) {
    if (x["id"] == ids[0]) x["command"] = command;
  }
  write_json(second / "runs.json", runs);
  auto list = read_json(second / "findings.json");
  ASSERT_FALSE(list.empty());
  list[0]["message"] = "edited";
  write_json(second / "findings.json", list);
  auto late = import(second, in_other());
  EXPECT_EQ(late.exit_code, 1) << late.describe();
  EXPECT_THAT(late.json()["error"].value("message", ""), HasSubstr("`message`"));
  EXPECT_EQ(run_count(in_other()), 2u);
  EXPECT_FALSE(fs::exists(other_ / "artifacts" / ids[2])) << "bytes of the refused import were left";
}

TEST_F(RunsBundle, BadBundlesAreRefusedAndNothingIsImported)
{
  auto ids = populate();
  fs::path good = root_ / "good";
  ASSERT_EQ(export_runs(ids, good, {"--with-bytes"}).exit_code, 0);
  auto bytes = read_json(good / "artifact_bytes.json");
  ASSERT_FALSE(bytes.empty());
  std::string byte_path = bytes[0]["path"];

  {
    fs::path b = copy_bundle(good, "no-manifest");
    fs::remove(b / "manifest.json");
    expect_refused(b, "manifest.json is missing");
  }
  {
    fs::path b = copy_bundle(good, "no-runs");
    fs::remove(b / "runs.json");
    expect_refused(b, "runs.json: the file is missing");
  }
  {
    fs::path b = copy_bundle(good, "no-bytes");
    fs::remove(b / byte_path);
    expect_refused(b, "is missing from the bundle");
  }
  {
    fs::path b = copy_bundle(good, "bad-sha");
    write_file(b / byte_path, "tampered");
    expect_refused(b, "do not match");
  }
  {
    fs::path b = copy_bundle(good, "wrong-recorded-sha");
    auto list = read_json(b / "artifact_bytes.json");
    list[0]["sha256"] = std::string(64, '0');
    write_json(b / "artifact_bytes.json", list);
    expect_refused(b, "do not match");
  }
  for (const auto& [name, escaping, why] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
         {"dotdot", "../outside.json", "leaves its directory"},
         {"absolute", "/etc/hostname", "is absolute"}}) {
    fs::path b = copy_bundle(good, "escape-" + name);
    write_file(root_ / "outside.json", read_file(b / byte_path));
    auto list = read_json(b / "artifact_bytes.json");
    std::string id = list[0]["artifact_id"];
    list[0]["path"] = escaping;
    write_json(b / "artifact_bytes.json", list);
    auto arts = read_json(b / "artifacts.json");
    for (auto& a : arts) {
      if (a["id"] == id) a["path"] = "bundle://" + escaping;
    }
    write_json(b / "artifacts.json", arts);
    expect_refused(b, why);
  }
  {
    fs::path b = copy_bundle(good, "symlink");
    write_file(root_ / "outside.json", read_file(b / byte_path));
    fs::remove(b / byte_path);
    fs::create_symlink(root_ / "outside.json", b / byte_path);
    expect_refused(b, "symbolic link");
  }
  {
    fs::path b = copy_bundle(good, "symlinked-dir");
    fs::rename(b / "artifact-bytes", root_ / "elsewhere");
    fs::create_directory_symlink(root_ / "elsewhere", b / "artifact-bytes");
    expect_refused(b, "symbolic link");
  }
  {
    fs::path b = copy_bundle(good, "local-path");
    auto arts = read_json(b / "artifacts.json");
    arts[0]["type"] = "file";
    arts[0]["path"] = "/etc/hostname";
    write_json(b / "artifacts.json", arts);
    expect_refused(b, "outside the bundle");
  }
  {
    fs::path b = copy_bundle(good, "version-2");
    auto m = read_json(b / "manifest.json");
    m["version"] = 2;
    write_json(b / "manifest.json", m);
    expect_refused(b, "bundle version 2 is not one this homeboy reads");
  }
  {
    fs::path b = copy_bundle(good, "not-ours");
    auto m = read_json(b / "manifest.json");
    m["format"] = "something-else";
    write_json(b / "manifest.json", m);
    expect_refused(b, "not a homeboy observations bundle");
  }
  {
    fs::path b = copy_bundle(good, "truncated");
    std::string text = read_file(b / "runs.json");
    write_file(b / "runs.json", text.substr(0, text.size() / 2));
    expect_refused(b, "runs.json is not valid JSON");
  }
  {
    fs::path b = copy_bundle(good, "bad-manifest-json");
    write_file(b / "manifest.json", "{\"format\": ");
    expect_refused(b, "manifest.json is not valid JSON");
  }
  {
    fs::path b = copy_bundle(good, "count");
    auto m = read_json(b / "manifest.json");
    m["run_count"] = 4;
    write_json(b / "manifest.json", m);
    expect_refused(b, "`run_count` is 4 but the record files hold 3");
  }
  {
    fs::path b = copy_bundle(good, "bad-field");
    auto runs = read_json(b / "runs.json");
    runs[1]["started_at"] = "yesterday";
    write_json(b / "runs.json", runs);
    expect_refused(b, "runs.json[1]: `started_at` is `yesterday`, not an RFC 3339 timestamp");
  }
  {
    fs::path b = copy_bundle(good, "orphan");
    auto arts = read_json(b / "artifacts.json");
    arts[0]["run_id"] = "no-such-run";
    write_json(b / "artifacts.json", arts);
    expect_refused(b, "belongs to run no-such-run, which is neither in the bundle nor in the store");
  }
  // Fields of the wrong JSON type are refused with a message, never a crash
  // (they used to end in an uncaught type_error: exit 134, no message).
  {
    fs::path b = copy_bundle(good, "extras-format-number");
    auto extras = read_json(b / "homeboy_extras.json");
    extras["format"] = 1;
    write_json(b / "homeboy_extras.json", extras);
    expect_refused(b, "homeboy_extras.json: `format` must be");
  }
  {
    fs::path b = copy_bundle(good, "extras-version-string");
    auto extras = read_json(b / "homeboy_extras.json");
    extras["version"] = "one";
    write_json(b / "homeboy_extras.json", extras);
    expect_refused(b, "version \"one\" is not one this homeboy reads");
  }
  {
    write_file(root_ / "bundle.zip", "PK");
    expect_refused(root_ / "bundle.zip", "is a file, but a bundle is a directory");
  }
  expect_refused(root_ / "nowhere", "does not exist");
  // And the good one still imports.
  ASSERT_EQ(import(good, in_other()).exit_code, 0);
}

TEST_F(RunsBundle, ExportRefusesOutputsThatAreNotBundleDirectories)
{
  auto ids = populate();
  write_file(root_ / "file.txt", "mine");
  auto r = export_runs(ids, root_ / "file.txt");
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_THAT(r.json()["error"].value("message", ""), HasSubstr("is a file, but a bundle is a directory"));
  EXPECT_EQ(read_file(root_ / "file.txt"), "mine");

  auto zip = export_runs(ids, root_ / "bundle.zip");
  EXPECT_EQ(zip.exit_code, 2);
  EXPECT_THAT(zip.json()["error"].value("message", ""), HasSubstr("a bundle is a directory"));
  EXPECT_FALSE(fs::exists(root_ / "bundle.zip"));

  fs::create_directories(root_ / "mine");
  write_file(root_ / "mine" / "notes.md", "keep me");
  auto busy = export_runs(ids, root_ / "mine");
  EXPECT_EQ(busy.exit_code, 2);
  EXPECT_THAT(busy.json()["error"].value("message", ""), HasSubstr("notes.md"));
  EXPECT_EQ(read_file(root_ / "mine" / "notes.md"), "keep me");

  fs::create_directories(root_ / "empty");
  EXPECT_EQ(export_runs(ids, root_ / "empty").exit_code, 0);
  EXPECT_TRUE(fs::exists(root_ / "empty" / "manifest.json"));

  auto none = run({"runs", "export", "--output", (root_ / "x").string()});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("--run <id>"));
  auto unknown = export_runs({"no-such-run"}, root_ / "x");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.json()["error"].value("message", ""), HasSubstr("no-such-run"));
  EXPECT_FALSE(fs::exists(root_ / "x"));

  auto human = run({"runs", "export", "--run", ids[0], "--output", (root_ / "h").string()});
  EXPECT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_THAT(human.out, HasSubstr("Exported 1 run to"));
  EXPECT_THAT(human.out, HasSubstr("--with-bytes"));
}

TEST_F(RunsBundle, TheOriginalToolsBundleImports)
{
  auto r = import(k_original, {});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json p = r.payload();
  EXPECT_EQ(p["format"], "v1");
  EXPECT_EQ(p["runs"]["imported"], 3);
  EXPECT_EQ(p["artifacts"]["imported"], 3);
  EXPECT_EQ(p["trace_spans"]["imported"], 2);
  EXPECT_EQ(p["findings"]["imported"], 1);
  EXPECT_EQ(p["artifact_bytes_copied"], 1);

  auto runs = list_runs();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(ids_of(runs), (std::vector<std::string>{"0e112c6f-fc13-4061-b830-670fee624c55",
                                                     "50568824-1de9-4980-981c-75db854fbec7",
                                                     "975b34ed-7500-402b-b1b7-055f7cda9001"}));
  EXPECT_EQ(runs[0]["run_status"], "succeeded");
  EXPECT_EQ(runs[0]["kind"], "trace");
  EXPECT_EQ(runs[0]["started_at"], "2026-08-20T14:10:31.551Z");
  EXPECT_EQ(runs[1]["run_status"], "failed");
  EXPECT_EQ(runs[1]["exit_code"], 1);
  EXPECT_EQ(runs[1]["rig_id"], "studio");
  EXPECT_TRUE(runs[2]["component_id"].is_null());

  Json bench = show("5056", {});
  EXPECT_EQ(bench["metadata"]["schema"], "homeboy/bench-observation/v1");
  EXPECT_EQ(bench["metadata"]["results"]["scenarios"][1]["metrics"]["p95_ms"], 262.4);
  auto human = run({"runs", "show", "50568824"});
  EXPECT_EQ(human.exit_code, 0);
  EXPECT_THAT(human.out, HasSubstr("failed"));
  EXPECT_THAT(human.out, HasSubstr("rest-pipelines-list"));
  auto f = run_findings("50568824-1de9-4980-981c-75db854fbec7");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]["rule"], "bench.gate.p95_ms");
  EXPECT_EQ(f[0]["metadata"]["source"]["label"], "bench:rest-pipelines-list");
  EXPECT_EQ(f[0]["metadata"]["actual"], 262.4);

  // The packaged trace bytes, checked and stored under the artifact root.
  auto trace = run({"runs", "artifact", "get", "0e112c6f", "752aff78-9152-4d03-b248-dc8f6e2cd740"});
  ASSERT_EQ(trace.exit_code, 0) << trace.describe();
  EXPECT_EQ(trace.out, read_file(k_original / "artifact-bytes" /
                                 "752aff78-9152-4d03-b248-dc8f6e2cd740-752aff78-9152-4d03-b248-dc8f6e2cd740-trace.json"));
  Json traced = show("0e112c6f", {});
  EXPECT_FALSE(traced["artifacts"][0]["metadata_json"].contains("portable_bundle"));
  EXPECT_EQ(traced["artifacts"][0]["sha256"], "85a1c9e14ef6e9ae16bc821e1915c251cfd7f88e22262051bc74cc9ed7bf9fdc");
  auto meta_only = run({"runs", "artifact", "get", "50568824", "35e6d302-fb71-4aac-9541-7464a48ef7fb"});
  EXPECT_NE(meta_only.exit_code, 0);
  EXPECT_THAT(meta_only.err, HasSubstr("metadata-only"));
  auto url = run({"runs", "artifact", "get", "50568824", "0bdd6f03-bc29-4fab-bea8-9a28b33f611f"});
  EXPECT_EQ(url.exit_code, 0);
  EXPECT_THAT(url.out, HasSubstr("https://perf.example.com/flamegraphs/"));

  // Twice: nothing changes.
  auto again = import(k_original, {});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_FALSE(again.payload()["changed"].get<bool>());
  EXPECT_EQ(again.payload()["runs"]["already_present"], 3);

  // Exported again (with the bytes), the runs keep the original's shape and
  // import back into this store as already present.
  fs::path out = root_ / "again";
  auto ex = run({"runs", "export", "--since", "3650d", "--with-bytes", "--output", out.string(), "--json"});
  ASSERT_EQ(ex.exit_code, 0) << ex.describe();
  EXPECT_EQ(ex.payload()["run_count"], 3);
  auto ours = read_json(out / "runs.json");
  auto theirs = read_json(k_original / "runs.json");
  ASSERT_EQ(ours.size(), theirs.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(ours[i]["id"], theirs[i]["id"]);
    EXPECT_EQ(ours[i]["status"], theirs[i]["status"]);
    EXPECT_EQ(Json::parse(ours[i]["metadata_json"].dump()), Json::parse(theirs[i]["metadata_json"].dump()));
    EXPECT_EQ(ours[i]["metadata_json"].dump(2), theirs[i]["metadata_json"].dump(2));
  }
  EXPECT_EQ(read_json(out / "artifact_bytes.json")[0]["path"], read_json(k_original / "artifact_bytes.json")[0]["path"]);
  auto our_findings = read_json(out / "findings.json");
  auto their_findings = read_json(k_original / "findings.json");
  ASSERT_EQ(our_findings.size(), 1u);
  // Times are ours (RFC 3339, milliseconds, Z); everything else as written.
  our_findings[0].erase("created_at");
  their_findings[0].erase("created_at");
  EXPECT_EQ(our_findings.dump(2), their_findings.dump(2));
  auto back = import(out, {});
  ASSERT_EQ(back.exit_code, 0) << back.describe();
  EXPECT_FALSE(back.payload()["changed"].get<bool>());
}

} // namespace
