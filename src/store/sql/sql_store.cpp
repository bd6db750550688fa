// The SQLite store's lifecycle writes: every change of a run's status is a
// compare-and-set on (status, lease epoch) with its event appended in the
// same write transaction, so a writer that lost its lease writes nothing.
// The readers are in sqlite_reads.cpp, retention in sqlite_retention.cpp.

#include "store/sql/sql_store.hpp"
#include "store/sql/import_writer.hpp"
#include "store/sql/queries.hpp"
#include "store/sql/rows.hpp"
#include "util/json.hpp"

#include <fmt/format.h>

#include <set>

namespace hb {

namespace sql {

Result<void>
SqlStore::insert_run(const Run& run)
{
  return m_db.write_transaction([&]() -> Result<void> {
    auto stmt = m_db.prepare(insert_run_sql());
    if (!stmt) {
      return Unexpected(stmt.error());
    }
    bind_run(*stmt, run);
    auto done = stmt->run();
    if (!done && done.error().code == "store.unique") {
      return make_error("store.conflict", fmt::format("a run with id {} already exists", run.id));
    }
    return done;
  });
}

// settle_run, update_run and beat are one compare-and-set UPDATE of one run
// and what follows from it: the row lock that UPDATE takes serializes them
// on PostgreSQL, so they run READ COMMITTED (as claim_run), without the
// bookkeeping of SERIALIZABLE.

Result<void>
SqlStore::settle_run(const std::string& run_id, RunStatus expected, std::int64_t expected_epoch,
                        const RunOutcome& outcome)
{
  if (!transition_allowed(expected, outcome.status)) {
    return make_error("store.invalid_transition",
                      fmt::format("run {} cannot move from {} to {}", run_id,
                                  to_string(expected), to_string(outcome.status)));
  }
  return m_db.write_transaction([&]() -> Result<void> {
    auto update = m_db.prepare(
      fmt::format("UPDATE runs SET status = ?, terminal_reason = ?, exit_code = ?, "
                  "finished_at = ?, metadata = {}, eligible_at = coalesce(?, eligible_at) "
                  "WHERE id = ? AND status = ? AND lease_epoch = ? RETURNING created_at",
                  outcome.merge_metadata ? "json_patch(" HB_METADATA_BASE ", ?)" : "?"));
    if (!update) {
      return Unexpected(update.error());
    }
    update->bind(1, to_string(outcome.status))
      .bind_text_or_null(2, outcome.terminal_reason)
      .bind_opt(3, opt64(outcome.exit_code))
      .bind(4, static_cast<std::int64_t>(outcome.finished_at))
      .bind(5, outcome.metadata_json)
      .bind_opt(6, outcome.eligible_at)
      .bind(7, run_id)
      .bind(8, to_string(expected))
      .bind(9, expected_epoch);
    auto row = update->step();
    if (!row) {
      return Unexpected(row.error());
    }
    if (!*row) {
      return make_error("store.conflict",
                        fmt::format("run {} is no longer {} (epoch {}); it was settled or taken "
                                    "over by another process",
                                    run_id, to_string(expected), expected_epoch));
    }
    const std::int64_t created_at = update->int64(0);
    if (auto ok = update->run(); !ok) {
      return ok;
    }
    Json data = {{"from", to_string(expected)}, {"to", to_string(outcome.status)}};
    if (!outcome.terminal_reason.empty()) {
      data["reason"] = outcome.terminal_reason;
    }
    if (auto ok = insert_event(run_id, "status", dump_json(data), outcome.finished_at); !ok) {
      return ok;
    }
    if (auto ok = write_evidence(run_id, created_at, outcome); !ok || !outcome.retry_at) {
      return ok;
    }
    NewAttempt retry;
    retry.cause = "retry";
    retry.not_before = outcome.retry_at;
    auto next = next_attempt(run_id, outcome.status, expected_epoch, retry, outcome.finished_at);
    if (!next) return Unexpected(next.error());
    return {};
  }, Isolation::read_committed);
}

Result<void>
SqlStore::insert_runs(const std::vector<Run>& runs)
{
  // Many rows per statement: a batch of 10,000 submits is 100 round trips
  // of each kind, not 20,000 (which a server's network makes slow).
  constexpr std::size_t k_rows = 100;
  return m_db.write_transaction([&]() -> Result<void> {
    std::set<std::string> seen;
    for (std::size_t begin = 0; begin < runs.size(); begin += k_rows) {
      const std::size_t n = std::min(k_rows, runs.size() - begin);
      for (std::size_t i = begin; i < begin + n; ++i) {
        if (!seen.insert(runs[i].id).second) {
          return make_error("store.conflict",
                            fmt::format("a run with id {} already exists", runs[i].id));
        }
      }
      // A taken id is skipped by the insert and named here, as a single
      // insert would (no lookup first: on a table without statistics yet,
      // PostgreSQL would scan it for every batch).
      auto stmt = m_db.prepare(insert_run_sql(n) + " ON CONFLICT (id) DO NOTHING RETURNING id");
      if (!stmt) return Unexpected(stmt.error());
      for (std::size_t i = 0; i < n; ++i) {
        bind_run(*stmt, runs[begin + i], static_cast<int>(i) * k_run_column_count + 1);
      }
      std::set<std::string> inserted;
      if (auto done = each_row(*stmt, [&](const Stmt& s) { inserted.insert(s.text(0)); }); !done) {
        return done;
      }
      for (std::size_t i = begin; i < begin + n; ++i) {
        if (!inserted.count(runs[i].id)) {
          return make_error("store.conflict",
                            fmt::format("a run with id {} already exists", runs[i].id));
        }
      }
      // Each new run's first event (seq 1: a new run has none).
      std::string values;
      for (std::size_t i = 0; i < n; ++i) {
        values += i ? ",(?, 1, ?, 'submitted', ?)" : "(?, 1, ?, 'submitted', ?)";
      }
      auto events = m_db.prepare("INSERT INTO events (run_id, seq, at, type, data) VALUES " + values);
      if (!events) return Unexpected(events.error());
      for (std::size_t i = 0; i < n; ++i) {
        const Run& run = runs[begin + i];
        const int o = static_cast<int>(i) * 3 + 1;
        events->bind(o, run.id)
          .bind(o + 1, static_cast<std::int64_t>(run.created_at))
          .bind(o + 2, dump_json(Json{{"status", to_string(run.status)}}));
      }
      if (auto done = events->run(); !done) return done;
    }
    return {};
  });
}

Result<std::optional<Run>>
SqlStore::claim_run(const std::string& owner, TimeMs now,
                       const std::optional<std::string>& run_id)
{
  std::optional<Run> claimed;
  auto done = m_db.write_transaction([&]() -> Result<void> {
    claimed.reset();
    // One statement under the write lock (SQLite) or on the row it locks,
    // skipping rows other claimers hold (PostgreSQL): the row it picks is
    // the row it moves, so two claimers can never both get it.
    auto stmt = m_db.prepare(fmt::format(
      "UPDATE runs SET status = 'booting', lease_epoch = lease_epoch + 1, lease_owner = ?, "
      "heartbeat_at = ?, owner_pid = NULL, owner_start_time = NULL, retry_at = NULL, "
      "deadline_at = CASE WHEN start_timeout_ms IS NULL THEN NULL ELSE ? + start_timeout_ms END "
      "WHERE id = {} AND status = 'queued' AND cancel_requested_at IS NULL RETURNING {}",
      run_id ? "?" : next_queued_run_sql(m_db.backend()), k_run_columns));
    if (!stmt) {
      return Unexpected(stmt.error());
    }
    stmt->bind(1, owner).bind(2, static_cast<std::int64_t>(now)).bind(3, static_cast<std::int64_t>(now));
    if (run_id) {
      stmt->bind(4, *run_id);
    }
    auto row = stmt->step();
    if (!row) {
      return Unexpected(row.error());
    }
    if (!*row) {
      return {};
    }
    claimed = read_run(*stmt);
    if (auto rest = stmt->run(); !rest) {
      return rest;
    }
    Json data = {{"from", "queued"}, {"to", "booting"}, {"owner", owner},
                 {"epoch", claimed->lease_epoch}};
    return insert_event(claimed->id, "status", dump_json(data), now);
  }, Isolation::read_committed);
  if (!done) {
    return Unexpected(done.error());
  }
  return claimed;
}

Result<Run>
SqlStore::update_run(const std::string& run_id, RunStatus expected, std::int64_t expected_epoch,
                        const RunUpdate& u, TimeMs now)
{
  if (u.status && *u.status != expected && !transition_allowed(expected, *u.status)) {
    return make_error("store.invalid_transition",
                      fmt::format("run {} cannot move from {} to {}", run_id, to_string(expected),
                                  to_string(*u.status)));
  }
  std::vector<std::string> sets;
  std::vector<std::function<void(Stmt&, int&)>> binds;
  auto set_int = [&](const char* column, std::optional<std::int64_t> value) {
    sets.push_back(fmt::format("{} = ?", column));
    binds.push_back([value](Stmt& s, int& i) { s.bind_opt(i++, value); });
  };
  auto set_text = [&](const char* column, std::string value) {
    sets.push_back(fmt::format("{} = ?", column));
    binds.push_back([value](Stmt& s, int& i) { s.bind(i++, value); });
  };
  if (u.status) set_text("status", to_string(*u.status));
  if (u.heartbeat_at) set_int("heartbeat_at", *u.heartbeat_at);
  if (u.started_at) set_int("started_at", *u.started_at);
  if (u.set_deadline) set_int("deadline_at", u.deadline_at);
  if (u.owner_pid) set_int("owner_pid", *u.owner_pid);
  if (u.owner_start_time) set_int("owner_start_time", static_cast<std::int64_t>(*u.owner_start_time));
  if (!u.lease_owner.empty()) set_text("lease_owner", u.lease_owner);
  if (!u.metadata_patch.empty()) {
    sets.push_back("metadata = json_patch(" HB_METADATA_BASE ", ?)");
    std::string patch = u.metadata_patch;
    binds.push_back([patch](Stmt& s, int& i) { s.bind(i++, patch); });
  }
  if (sets.empty()) {
    sets.push_back("id = id");
  }
  std::optional<Run> written;
  auto done = m_db.write_transaction([&]() -> Result<void> {
    auto stmt = m_db.prepare(fmt::format(
      "UPDATE runs SET {} WHERE id = ? AND status = ? AND lease_epoch = ? RETURNING {}",
      fmt::join(sets, ", "), k_run_columns));
    if (!stmt) {
      return Unexpected(stmt.error());
    }
    int index = 1;
    for (auto& bind : binds) bind(*stmt, index);
    stmt->bind(index, run_id);
    stmt->bind(index + 1, to_string(expected));
    stmt->bind(index + 2, expected_epoch);
    auto run = updated_run(*stmt, fmt::format("run {} is no longer {} with lease epoch {}; it "
                                              "was settled or taken over by another process",
                                              run_id, to_string(expected), expected_epoch));
    if (!run) {
      return Unexpected(run.error());
    }
    written = *run;
    if (u.status && *u.status != expected) {
      Json data = {{"from", to_string(expected)}, {"to", to_string(*u.status)}};
      return insert_event(run_id, "status", dump_json(data), now);
    }
    return {};
  }, Isolation::read_committed);
  if (!done) {
    return Unexpected(done.error());
  }
  return *written;
}

Result<Run>
SqlStore::beat(const std::string& run_id, std::int64_t expected_epoch, TimeMs now,
                  const std::string& metadata_patch)
{
  std::optional<Run> written;
  auto done = m_db.write_transaction([&]() -> Result<void> {
    auto stmt = m_db.prepare(fmt::format(
      "UPDATE runs SET heartbeat_at = ?, metadata = CASE WHEN ? = '' THEN metadata ELSE "
      "json_patch(" HB_METADATA_BASE ", ?) END WHERE id = ? AND lease_epoch = ? AND {} "
      "RETURNING {}",
      sql::k_active_runs_where, k_run_columns));
    if (!stmt) {
      return Unexpected(stmt.error());
    }
    stmt->bind(1, static_cast<std::int64_t>(now))
      .bind(2, metadata_patch)
      .bind(3, metadata_patch.empty() ? "{}" : metadata_patch)
      .bind(4, run_id)
      .bind(5, expected_epoch);
    auto run = updated_run(*stmt, fmt::format("run {} is no longer active with lease epoch {}; "
                                              "it was settled or taken over by another process",
                                              run_id, expected_epoch));
    if (!run) {
      return Unexpected(run.error());
    }
    written = *run;
    return {};
  }, Isolation::read_committed);
  if (!done) {
    return Unexpected(done.error());
  }
  return *written;
}

Result<Run>
SqlStore::request_cancel(const std::string& run_id, const std::string& reason, TimeMs now)
{
  std::optional<Run> after;
  auto done = m_db.write_transaction([&]() -> Result<void> {
    auto current = get_run(run_id);
    if (!current) {
      return Unexpected(current.error());
    }
    if (!*current) {
      return make_error("run.not_found", fmt::format("no run with id {}", run_id));
    }
    const Run& run = **current;
    const bool queued = run.status == RunStatus::queued;
    if (queued || (!is_terminal(run.status) && !run.cancel_requested_at)) {
      // A queued run never started: it is settled here, so no worker can
      // pick it up. An active one is marked for its supervisor.
      auto stmt = m_db.prepare(
        queued ? "UPDATE runs SET status = 'cancelled', terminal_reason = 'cancelled_by_user', "
                 "cancel_requested_at = ?1, finished_at = ?1, "
                 "metadata = json_patch(" HB_METADATA_BASE ", ?2) WHERE id = ?3 AND status = 'queued'"
               : "UPDATE runs SET cancel_requested_at = ?1, "
                 "metadata = json_patch(" HB_METADATA_BASE ", ?2) WHERE id = ?3");
      if (!stmt) {
        return Unexpected(stmt.error());
      }
      stmt->bind(1, static_cast<std::int64_t>(now))
        .bind(2, dump_json(Json{{"cancel_reason", reason}}))
        .bind(3, run_id);
      if (auto ok = stmt->run(); !ok) {
        return ok;
      }
      Json data = queued ? Json{{"reason", reason}, {"from", "queued"}, {"to", "cancelled"}}
                         : Json{{"reason", reason}};
      if (auto ok = insert_event(run_id, queued ? "status" : "cancel_requested", dump_json(data),
                                 now);
          !ok) {
        return ok;
      }
    }
    auto reread = get_run(run_id);
    if (!reread) {
      return Unexpected(reread.error());
    }
    after = **reread;
    return {};
  });
  if (!done) {
    return Unexpected(done.error());
  }
  return *after;
}

Result<void>
SqlStore::append_event(const std::string& run_id, const std::string& type,
                          const std::string& data_json, TimeMs now)
{
  return m_db.write_transaction([&] { return insert_event(run_id, type, data_json, now); });
}

Result<void>
SqlStore::import_transaction(const std::function<Result<void>(ImportWriter&)>& body)
{
  // A bulk import touches index pages all over the B-trees (ids are
  // random); with SQLite's default 2 MB page cache most of them would be
  // read again and again. 256 MB at most, for this connection only.
  const bool sqlite = !m_db.postgres();
  if (sqlite) (void)m_db.exec("PRAGMA cache_size = -262144");
  auto done = m_db.write_transaction([&]() -> Result<void> {
    auto writer = make_import_writer(m_db);
    return body(*writer);
  });
  if (sqlite) (void)m_db.exec("PRAGMA cache_size = -2000");
  return done;
}

Result<void>
SqlStore::insert_event(const std::string& run_id, const std::string& type,
                          const std::string& data_json, TimeMs at)
{
  auto done = execute(m_db,
                      "INSERT INTO events (run_id, seq, at, type, data) VALUES (?, (SELECT "
                      "coalesce(max(seq), 0) + 1 FROM events WHERE run_id = ?), ?, ?, ?)",
                      [&](Stmt& s) {
                        s.bind(1, run_id).bind(2, run_id).bind(3, static_cast<std::int64_t>(at))
                          .bind(4, type).bind(5, data_json);
                      });
  if (!done) return Unexpected(done.error());
  return {};
}

Result<void>
SqlStore::write_evidence(const std::string& run_id, std::int64_t created_at,
                         const RunOutcome& outcome)
{
  // Each statement is prepared once and run for every row.
  auto each = [&](std::string_view sql, const auto& rows, const auto& bind) -> Result<void> {
    if (rows.empty()) return {};
    auto stmt = m_db.prepare(sql);
    if (!stmt) return Unexpected(stmt.error());
    for (const auto& row : rows) {
      bind(*stmt, row);
      if (auto ok = stmt->run(); !ok) return ok;
      stmt->reset();
    }
    return {};
  };
  if (auto ok = each("INSERT INTO run_scenarios (scenario_id, created_at, run_id) "
                     "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                     outcome.scenario_ids,
                     [&](Stmt& s, const std::string& id) {
                       s.bind(1, id).bind(2, created_at).bind(3, run_id);
                     });
      !ok) {
    return ok;
  }
  if (auto ok = each("INSERT INTO metrics (run_id, scenario_id, name, value, samples) "
                     "VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, scenario_id, name) DO UPDATE "
                     "SET value = excluded.value, samples = excluded.samples",
                     outcome.metrics,
                     [&](Stmt& s, const MetricRow& m) {
                       s.bind(1, run_id).bind(2, m.scenario_id).bind(3, m.name).bind(4, m.value);
                       bind_samples(s, 5, m.samples);
                     });
      !ok) {
    return ok;
  }
  if (auto ok = each(insert_artifact_sql(), outcome.artifacts,
                     [&](Stmt& s, const Artifact& a) { bind_artifact(s, a, run_id); });
      !ok) {
    return ok;
  }
  return each(k_insert_finding_sql, outcome.findings,
              [&](Stmt& s, const Finding& f) { bind_finding(s, f, run_id); });
}

} // namespace sql

} // namespace hb
