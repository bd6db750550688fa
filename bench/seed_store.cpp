// Seeds an observation store with N finished bench runs (with scenarios,
// metrics, samples, an artifact and a finding each), for the reader
// benchmarks in bench/RESULTS.md.
//
//   seed_store <store.sqlite> <runs> [components=20]

#include "store/sqlite/db.hpp"
#include "store/store.hpp"
#include "util/id.hpp"

#include <fmt/core.h>

#include <cstdlib>
#include <random>

using namespace hb;

int
main(int argc, char** argv)
{
  if (argc < 3) {
    fmt::print(stderr, "usage: seed_store <store.sqlite> <runs> [components]\n");
    return 2;
  }
  std::filesystem::path path = argv[1];
  long runs = std::atol(argv[2]);
  int components = argc > 3 ? std::atoi(argv[3]) : 20;
  auto store = open_sqlite_store(path);
  if (!store) {
    fmt::print(stderr, "error: {}\n", store.error().message);
    return 1;
  }
  store->reset();
  // Bulk load inside large transactions through the raw connection: the
  // Store API commits per call, which would take minutes for 100k runs.
  auto db = sqlite::Db::open(path);
  if (!db) {
    fmt::print(stderr, "error: {}\n", db.error().message);
    return 1;
  }
  std::mt19937_64 rng(42);
  std::normal_distribution<double> noise(100.0, 5.0);
  const std::string scenarios[] = {"cold-boot", "warm-boot", "api-list", "api-show"};
  const std::string statuses[] = {"succeeded", "succeeded", "succeeded", "failed"};
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
          .bind(13, R"({"iterations":10,"passed":true,"status":"passed"})");
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
        art_stmt->bind(1, new_uuid_v4()).bind(2, id).bind(3, "bench_results").bind(4, "file")
          .bind(5, "/data/artifacts/" + id + "/bench-results.json")
          .bind(6, "e52faccc72971ca7eb55d1440086bf6956d3e5290a4929df2bc5f7714ead059b")
          .bind(7, static_cast<std::int64_t>(3675)).bind(8, "application/json")
          .bind(9, "Bench results").bind(10, static_cast<std::int64_t>(created + 900));
        if (auto r = art_stmt->run(); !r) return r;
        art_stmt->reset();
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
