// The SQLite store's retention: promote and retain protect a run; cleanup
// plans with the same conditions its DELETE re-checks (queries.cpp), so a
// run protected between the plan and the delete is never deleted.

#include "store/sql/sql_store.hpp"
#include "store/sql/queries.hpp"
#include "store/sql/rows.hpp"
#include "util/json.hpp"
#include "util/time.hpp"

#include <fmt/format.h>

#include <limits>
#include <unordered_map>

namespace hb::sql {

Result<std::vector<Artifact>>
SqlStore::cleanup_candidates(std::optional<TimeMs> finished_before, const std::string& run_id,
                                TimeMs now)
{
  std::vector<Artifact> out;
  auto ok = each_row(
    m_db, cleanup_candidates_sql(finished_before.has_value(), !run_id.empty()),
    [&](Stmt& s) {
      int index = 1;
      s.bind(index++, static_cast<std::int64_t>(now));
      if (finished_before) s.bind(index++, static_cast<std::int64_t>(*finished_before));
      if (!run_id.empty()) s.bind(index++, run_id);
    },
    [&](const Stmt& s) { out.push_back(read_artifact(s)); });
  if (!ok) return Unexpected(ok.error());
  return out;
}

Result<std::size_t>
SqlStore::delete_artifacts(const std::vector<std::string>& artifact_ids)
{
  std::size_t deleted = 0;
  auto done = m_db.write_transaction([&]() -> Result<void> {
    deleted = 0;
    auto stmt = m_db.prepare("DELETE FROM artifacts WHERE id = ?");
    if (!stmt) return Unexpected(stmt.error());
    for (const auto& id : artifact_ids) {
      stmt->reset();
      stmt->bind(1, id);
      if (auto ok = stmt->run(); !ok) return ok;
      deleted += static_cast<std::size_t>(stmt->changes());
    }
    return {};
  });
  if (!done) return Unexpected(done.error());
  return deleted;
}

Result<bool>
SqlStore::promote_run(const std::string& run_id, const std::string& reason, TimeMs at)
{
  bool promoted = false;
  auto done = m_db.write_transaction([&]() -> Result<void> {
    // A merge patch, not a rewrite of the whole document: whatever else the
    // metadata holds stays as it is (and metadata that is not JSON is left
    // alone rather than failing the promotion).
    auto stmt = m_db.prepare(
      "UPDATE runs SET promoted_at = ?, metadata = CASE WHEN json_valid(metadata) THEN "
      "json_patch(metadata, ?) ELSE metadata END WHERE id = ? AND promoted_at IS NULL");
    if (!stmt) return Unexpected(stmt.error());
    Json promotion = {{"at", format_rfc3339(at)}};
    if (!reason.empty()) promotion["reason"] = reason; // none: the key stays absent
    stmt->bind(1, static_cast<std::int64_t>(at))
      .bind(2, dump_json(Json{{"promotion", promotion}}))
      .bind(3, run_id);
    if (auto ok = stmt->run(); !ok) return ok;
    promoted = stmt->changes() == 1;
    return {};
  });
  if (!done) return Unexpected(done.error());
  return promoted;
}

Result<bool>
SqlStore::retain_run(const std::string& run_id, TimeMs until, bool force)
{
  bool written = false;
  auto done = m_db.write_transaction([&]() -> Result<void> {
    auto stmt = m_db.prepare("UPDATE runs SET retained_until = ? WHERE id = ? AND (? = 1 OR "
                             "retained_until IS NULL OR retained_until <= ?)");
    if (!stmt) return Unexpected(stmt.error());
    stmt->bind(1, static_cast<std::int64_t>(until)).bind(2, run_id)
      .bind(3, static_cast<std::int64_t>(force)).bind(4, static_cast<std::int64_t>(until));
    if (auto ok = stmt->run(); !ok) return ok;
    written = stmt->changes() == 1;
    return {};
  });
  if (!done) return Unexpected(done.error());
  return written;
}

Result<std::vector<Run>>
SqlStore::deletable_runs(const RetentionFilter& filter, TimeMs now, std::size_t limit)
{
  auto stmt = m_db.prepare(deletable_runs_sql(filter.statuses.size(),
                                                      filter.kind.has_value(),
                                                      filter.ended_by.has_value(),
                                                      m_db.backend()));
  if (!stmt) return Unexpected(stmt.error());
  int index = 1;
  if (auto ok = bind_retention(*stmt, index, filter, now); !ok) return Unexpected(ok.error());
  // No limit: the largest one (SQLite reads -1 as none, PostgreSQL refuses it).
  stmt->bind(index, limit ? static_cast<std::int64_t>(limit) : std::numeric_limits<std::int64_t>::max());
  std::vector<Run> out;
  auto ok = each_row(*stmt, [&](const Stmt& s) { out.push_back(read_run(s)); });
  if (!ok) return Unexpected(ok.error());
  return out;
}

Result<std::vector<DeletedRun>>
SqlStore::delete_runs(const std::vector<std::string>& run_ids, const RetentionFilter& filter,
                         TimeMs now)
{
  std::vector<DeletedRun> deleted;
  if (run_ids.empty()) return deleted;
  auto done = m_db.write_transaction([&]() -> Result<void> {
    deleted.clear();
    // The artifact rows first, in the same transaction: the cascade takes
    // them, and the caller needs their paths for the runs that did go.
    std::unordered_map<std::string, std::vector<Artifact>> artifacts;
    auto read = m_db.prepare(artifacts_for_runs_sql(run_ids.size(), 0));
    if (!read) return Unexpected(read.error());
    int index = 1;
    for (const auto& id : run_ids) read->bind(index++, id);
    auto ok = each_row(*read, [&](const Stmt& s) {
      Artifact a = read_artifact(s);
      artifacts[a.run_id].push_back(std::move(a));
    });
    if (!ok) return ok;
    auto del = m_db.prepare(delete_runs_sql(run_ids.size(), filter.statuses.size(),
                                                    filter.kind.has_value(),
                                                    filter.ended_by.has_value(),
                                                    m_db.backend()));
    if (!del) return Unexpected(del.error());
    index = 1;
    if (auto bound = bind_retention(*del, index, filter, now); !bound) return bound;
    for (const auto& id : run_ids) del->bind(index++, id);
    return each_row(*del, [&](const Stmt& s) {
      std::string id = s.text(0);
      auto found = artifacts.find(id);
      deleted.push_back({id, found == artifacts.end() ? std::vector<Artifact>{}
                                                      : std::move(found->second)});
    });
  });
  if (!done) return Unexpected(done.error());
  return deleted;
}

} // namespace hb::sql
