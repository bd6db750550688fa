#pragma once
// `homeboy runs import --from-gh-actions`: GitHub Actions workflow runs and
// the JSON files in their artifacts, imported as runs of kind `gh_actions`
// (docs/runs.md, "Import from GitHub Actions").
//
// HTTP goes through the `curl` program and archives through `unzip` (both
// under util/process): linking libcurl would cost every homeboy process its
// start-up relocations. The token never reaches an argv: curl reads the
// Authorization header from a config file in a private 0700 directory.

#include "app/runs_service.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hb::app {

struct GhImportRequest
{
  std::string component_id;
  std::string repo;          // owner/name
  std::string workflow;      // a workflow file name (ci.yml) or id; or:
  std::string run_id;        // one GitHub run id
  int limit = 10;            // with --workflow: the most recent N runs
  std::string artifact_glob; // fnmatch on artifact names
  std::string api_url;       // HOMEBOY_GITHUB_API_URL or https://api.github.com
  std::string token;         // GITHUB_TOKEN; may be empty
  std::string homeboy_version;
};

/// Checks the request's shape (`validation.invalid_argument`): repo as
/// owner/name, exactly one of workflow/run id, a glob, a component, a limit
/// in 1..100.
Result<void> validate_gh_import(const GhImportRequest& request);

struct GhImportedRun
{
  std::string id; // the stable homeboy run id
  std::int64_t gh_run_id = 0;
  std::int64_t run_attempt = 1;
  std::string status;     // homeboy status
  std::string conclusion; // GitHub's
  std::string html_url;
  bool imported = false; // false: already present
};

struct GhImportedArtifact
{
  std::string id;     // the stable homeboy artifact id
  std::string run_id; // homeboy run id
  std::string gh_artifact;
  std::string label; // <artifact name>/<relative path>
  std::filesystem::path path;
  std::string sha256;
  std::uint64_t size_bytes = 0;
  bool imported = false;
};

struct GhSkipped
{
  std::int64_t gh_run_id = 0;
  std::string artifact; // empty when the whole run was skipped
  std::string reason;
};

struct GhImportReport
{
  std::string repo;
  std::vector<GhImportedRun> runs;
  std::vector<GhImportedArtifact> artifacts;
  std::vector<GhSkipped> skipped;
  std::size_t artifacts_not_matching = 0; // artifacts whose name the glob does not match
  bool changed() const;
};

/// Lists, downloads and extracts everything into a private staging
/// directory first; only then copies the JSON files into the artifact root
/// and writes every run and artifact in one store transaction. Any failure
/// leaves the store and the artifact root as they were.
Result<GhImportReport> import_from_gh_actions(OpenStore& store, const GhImportRequest& request);

/// The runs.import payload of a GitHub import.
Json gh_import_payload(const GhImportReport& report);

} // namespace hb::app
