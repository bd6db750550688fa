#pragma once
// What the `runs` readers share: opening the store where the paths say, and
// turning what a user typed (a full id or a unique prefix) into a run.

#include "model/paths.hpp"
#include "model/run.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <memory>
#include <string>

namespace hb::app {

struct OpenStore
{
  Paths paths;
  std::unique_ptr<Store> store;
};

Result<OpenStore> open_store();

/// The run with this id or unique id prefix; `run.not_found` otherwise.
Result<Run> find_run(Store& store, const std::string& id_or_prefix);

/// `run_id`'s artifact with this id or unique id prefix (the 8 characters
/// `runs show` prints); `artifact.not_found` or `validation.ambiguous_id`.
Result<Artifact> find_artifact(Store& store, const std::string& run_id,
                               const std::string& id_or_prefix);

/// The finding with this id or unique id prefix; `finding.not_found`.
Result<Finding> find_finding(Store& store, const std::string& id_or_prefix);

/// The bytes of a file artifact, read without following a symbolic link and
/// checked against the sha256 recorded with it: an artifact file replaced
/// or changed since it was recorded is refused (`artifact.tampered`), never
/// served. `artifact.missing` when the file is gone.
Result<std::string> read_artifact_bytes(const Artifact& artifact);

/// Applies a JSONPath query to a document the way `--field` does (compat.md):
/// no match gives null, one match the value, several an array of them.
/// Errors: `validation.invalid_jsonpath`, naming the column.
Result<Json> select_field(const Json& document, const std::string& query);

} // namespace hb::app
