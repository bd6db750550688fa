// Seeds an observation store with N finished bench runs (with scenarios,
// metrics, samples and artifacts each), for the reader benchmarks in
// bench/RESULTS.md.
//
//   seed_store <store.sqlite> <runs> [components=20] [artifacts_per_run=1] [json_dir]
//
// With json_dir, each run's first artifact is a real JSON file of about
// 5 KB written there (for `runs query`); the others are rows only.

#include "store/sqlite/connection.hpp"
#include "store/store.hpp"
#include "util/id.hpp"

#include <fmt/core.h>

#include <cstdlib>
#include <fstream>
#include <random>

using namespace hb;

int
main(int argc, char** argv)
{
  if (argc < 3) {
    fmt::print(stderr,
               "usage: seed_store <store.sqlite> <runs> [components] [artifacts_per_run] [json_dir]\n");
    return 2;
  }
  std::filesystem::path path = argv[1];
  long runs = std::atol(argv[2]);
  int components = argc > 3 ? std::atoi(argv[3]) : 20;
  int artifacts_per_run = argc > 4 ? std::atoi(argv[4]) : 1;
  std::filesystem::path json_dir = argc > 5 ? argv[5] : "";
  if (!json_dir.empty()) std::filesystem::create_directories(json_dir);
  auto store = open_sqlite_store(path);
  if (!store) {
    fmt::print(stderr, "error: {}\n", store.error().message);
    return 1;
  }
  store->reset();
  // Bulk load inside large transactions through the raw connection: the
  // Store API commits per call, which would take minutes for 100k runs.
  auto db = sqlite::open_connection(path);
  if (!db) {
    fmt::print(stderr, "error: {}\n", db.error().message);
    return 1;
  }
  std::mt19937_64 rng(42);
  std::normal_distribution<double> noise(100.0, 5.0);
  const std::string scenarios[] = {"cold-boot", "warm-boot", "api-list", "api-show"};
  const std::string statuses[] = {"succeeded", "succeeded", "succeeded", "failed"};
  const std::string oses[] = {"linux", "linux", "macos"};
  // About 5 KB of JSON per artifact file: a report with 40 cases.
  auto json_report = [&](const std::string& id, long n) {
    std::string cases;
    for (int c = 0; c < 40; ++c) {
      cases += fmt::format(R"({}{{"name":"case-{:02}","status":"{}","duration_ms":{:.1f},"tags":["t{}","t{}"],"message":"expected the response within budget"}})",
                           c ? "," : "", c, (n + c) % 7 ? "pass" : "fail", noise(rng), c % 5, n % 3);
    }
    return fmt::format(R"({{"run":"{}","suite":"suite-{}","os":"{}","cases":[{}]}})", id, n % 9,
                       oses[n % 3], cases);
  };
  TimeMs start = now_ms() - runs * 1000;
  const long batch = 5000;
  for (long done = 0; done < runs;) {
    auto ok = db->write_transaction([&]() -> Result<void> {
      auto run_stmt = db->prepare(
        "INSERT INTO runs (id, kind, status, component_id, command, cwd, git_sha, "
        "homeboy_version, created_at, started_at, finished_at, exit_code, metadata) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
      auto scen_stmt = db->prepare("INSERT INTO run_scenarios VALUES (?,?,?)");
      auto metric_stmt = db->prepare("INSERT INTO metrics VALUES (?,?,?,?,?)");
      auto art_stmt = db->prepare(
        "INSERT INTO artifacts (id, run_id, kind, type, path, sha256, size_bytes, mime, label, "
        "created_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
      if (!run_stmt || !scen_stmt || !metric_stmt || !art_stmt) {
        return make_error("seed", "prepare failed");
      }
      for (long i = 0; i < batch && done < runs; ++i, ++done) {
        std::string id = new_uuid_v4();
        TimeMs created = start + done * 1000;
        std::string component = fmt::format("component-{}", done % components);
        std::string status = statuses[done % 4];
        run_stmt->bind(1, id).bind(2, "bench").bind(3, status).bind(4, component)
          .bind(5, "homeboy bench " + component).bind(6, "/work/" + component)
          .bind(7, "0123456789abcdef0123456789abcdef01234567").bind(8, "0.1.0")
          .bind(9, static_cast<std::int64_t>(created)).bind(10, static_cast<std::int64_t>(created))
          .bind(11, static_cast<std::int64_t>(created + 900))
          .bind(12, static_cast<std::int64_t>(status == "failed" ? 1 : 0))
          .bind(13, fmt::format(R"({{"iterations":10,"passed":{},"status":"{}","runner":{{"os":"{}"}},"tags":["nightly","{}"]}})",
                                status == "failed" ? "false" : "true",
                                status == "failed" ? "failed" : "passed", oses[done % 3],
                                component));
        if (auto r = run_stmt->run(); !r) return r;
        run_stmt->reset();
        for (const auto& s : scenarios) {
          scen_stmt->bind(1, s).bind(2, static_cast<std::int64_t>(created)).bind(3, id);
          if (auto r = scen_stmt->run(); !r) return r;
          scen_stmt->reset();
          std::vector<double> samples(10);
          for (auto& v : samples) v = noise(rng);
          std::string blob(reinterpret_cast<const char*>(samples.data()), samples.size() * sizeof(double));
          metric_stmt->bind(1, id).bind(2, s).bind(3, "p95_ms").bind(4, samples[9]);
          metric_stmt->bind_blob(5, blob.data(), blob.size());
          if (auto r = metric_stmt->run(); !r) return r;
          metric_stmt->reset();
        }
        for (int k = 0; k < artifacts_per_run; ++k) {
          std::string path = "/data/artifacts/" + id + "/bench-results.json";
          std::string kind = "bench_results";
          std::string mime = "application/json";
          std::int64_t size = 3675;
          if (k == 0 && !json_dir.empty()) {
            path = (json_dir / (id + ".json")).string();
            kind = "json";
            std::string text = json_report(id, done);
            size = static_cast<std::int64_t>(text.size());
            std::ofstream(path, std::ios::binary) << text;
          } else if (k > 0) {
            path = fmt::format("/data/artifacts/{}/log-{}.txt", id, k);
            kind = "log";
            mime = "text/plain";
          }
          art_stmt->bind(1, new_uuid_v4()).bind(2, id).bind(3, kind).bind(4, "file")
            .bind(5, path)
            .bind(6, "e52faccc72971ca7eb55d1440086bf6956d3e5290a4929df2bc5f7714ead059b")
            .bind(7, size).bind(8, mime)
            .bind(9, kind == "log" ? "Log" : "Bench results")
            .bind(10, static_cast<std::int64_t>(created + 900 + k));
          if (auto r = art_stmt->run(); !r) return r;
          art_stmt->reset();
        }
      }
      return {};
    });
    if (!ok) {
      fmt::print(stderr, "error: {}\n", ok.error().message);
      return 1;
    }
  }
  fmt::print("seeded {} runs into {}\n", runs, path.string());
  return 0;
}
