// A run's attempts in the SQLite store (issue 19, docs/registry.md
// "Attempts"): the runs row always holds the latest attempt; starting the
// next one keeps the finished one as a run_attempts row and resets the run
// in the same write transaction, fenced like every lifecycle write by
// (status, lease epoch).

#include "store/sql/rows.hpp"
#include "store/sql/sql_store.hpp"
#include "util/json.hpp"

#include <fmt/format.h>

namespace hb::sql {

namespace {

// The metadata keys that describe one attempt: kept with the attempt and
// removed from the run when the next one begins.
constexpr const char* k_attempt_keys[] = {"runtime",  "timings",          "refs",
                                          "error",    "cancel_reason",    "artifact_warnings",
                                          "collection_error", "attempt_warnings", "preview"};

} // namespace

Result<Run>
SqlStore::begin_attempt(const std::string& run_id, RunStatus expected,
                           std::int64_t expected_epoch, const NewAttempt& attempt, TimeMs now)
{
  std::optional<Run> written;
  auto done = m_db.write_transaction([&]() -> Result<void> {
    auto run = next_attempt(run_id, expected, expected_epoch, attempt, now);
    if (!run) return Unexpected(run.error());
    written = *run;
    return {};
  });
  if (!done) return Unexpected(done.error());
  return *written;
}

Result<Run>
SqlStore::next_attempt(const std::string& run_id, RunStatus expected,
                          std::int64_t expected_epoch, const NewAttempt& attempt, TimeMs now)
{
  if (!is_terminal(expected)) {
    return make_error("store.invalid_transition",
                      fmt::format("run {} is {}: only a finished run can have another attempt",
                                  run_id, to_string(expected)));
  }
  if (attempt.status != RunStatus::queued && attempt.status != RunStatus::booting) {
    return make_error("store.invalid_transition", "a new attempt starts queued or booting");
  }
  auto current = get_run(run_id);
  if (!current) return Unexpected(current.error());
  const std::string conflict =
    fmt::format("run {} is no longer {} (epoch {}); another process changed it", run_id,
                to_string(expected), expected_epoch);
  if (!*current || (*current)->status != expected || (*current)->lease_epoch != expected_epoch) {
    return make_error("store.conflict", conflict);
  }
  const Run& old = **current;
  Json metadata = Json::parse(old.metadata_json, nullptr, false);
  if (!metadata.is_object()) metadata = Json::object();
  Json kept = Json::object();
  for (const char* key : k_attempt_keys) {
    if (auto it = metadata.find(key); it != metadata.end()) kept[key] = *it;
  }
  RunAttempt finished;
  finished.run_id = run_id;
  finished.attempt = old.attempt;
  finished.status = old.status;
  finished.terminal_reason = old.terminal_reason;
  finished.exit_code = old.exit_code;
  finished.started_at = old.started_at;
  finished.finished_at = old.finished_at;
  finished.lease_owner = old.lease_owner;
  finished.metadata_json = dump_json(kept);
  auto archived = execute(m_db, insert_attempt_sql(), [&](Stmt& s) { bind_attempt(s, finished); });
  if (!archived) return Unexpected(archived.error());

  const bool booting = attempt.status == RunStatus::booting;
  // A merge patch with null for every attempt key removes them (RFC 7396).
  Json removals = Json::object();
  for (const char* key : k_attempt_keys) removals[key] = nullptr;
  auto stmt = m_db.prepare(fmt::format(
    "UPDATE runs SET status = ?1, attempt = attempt + 1, retry_at = ?2, started_at = NULL, "
    "finished_at = NULL, terminal_reason = NULL, exit_code = NULL, cancel_requested_at = NULL, "
    "owner_pid = NULL, owner_start_time = NULL, eligible_at = NULL, "
    "lease_epoch = lease_epoch + ?3, lease_owner = CASE WHEN ?3 = 1 THEN ?4 ELSE lease_owner END, "
    "heartbeat_at = CASE WHEN ?3 = 1 THEN ?5 ELSE NULL END, "
    "deadline_at = CASE WHEN ?3 = 1 AND start_timeout_ms IS NOT NULL THEN ?5 + start_timeout_ms "
    "ELSE NULL END, metadata = json_patch(" HB_METADATA_BASE ", ?9) "
    "WHERE id = ?6 AND status = ?7 AND lease_epoch = ?8 RETURNING {}",
    k_run_columns));
  if (!stmt) return Unexpected(stmt.error());
  stmt->bind(1, to_string(attempt.status))
    .bind_opt(2, booting ? std::nullopt : attempt.not_before)
    .bind(3, static_cast<std::int64_t>(booting ? 1 : 0))
    .bind(4, attempt.owner)
    .bind(5, static_cast<std::int64_t>(now))
    .bind(6, run_id)
    .bind(7, to_string(expected))
    .bind(8, expected_epoch)
    .bind(9, dump_json(removals));
  auto run = updated_run(*stmt, conflict);
  if (!run) return Unexpected(run.error());

  Json event = Json::parse(attempt.event_json.empty() ? "{}" : attempt.event_json, nullptr, false);
  if (!event.is_object()) event = Json::object();
  event["attempt"] = run->attempt;
  event["cause"] = attempt.cause;
  event["previous"] = {{"attempt", old.attempt},
                       {"status", to_string(old.status)},
                       {"reason", old.terminal_reason}};
  if (attempt.not_before && !booting) event["not_before"] = format_rfc3339(*attempt.not_before);
  if (auto ok = insert_event(run_id, "attempt", dump_json(event), now); !ok) {
    return Unexpected(ok.error());
  }
  Json status = {{"from", to_string(expected)}, {"to", to_string(attempt.status)},
                 {"attempt", run->attempt}};
  if (booting) {
    status["owner"] = attempt.owner;
    status["epoch"] = run->lease_epoch;
  }
  if (auto ok = insert_event(run_id, "status", dump_json(status), now); !ok) {
    return Unexpected(ok.error());
  }
  return *run;
}

Result<std::vector<RunAttempt>>
SqlStore::run_attempts(const std::string& run_id)
{
  std::vector<RunAttempt> out;
  auto ok = each_row(
    m_db,
    fmt::format("SELECT {} FROM run_attempts WHERE run_id = ? ORDER BY attempt", k_attempt_columns),
    [&](Stmt& s) { s.bind(1, run_id); },
    [&](const Stmt& s) { out.push_back(read_attempt(s)); });
  if (!ok) return Unexpected(ok.error());
  return out;
}

} // namespace hb::sql
