#pragma once
// The scope a new-run form offers (issue 16, the Studio's /runs/new): the
// registered components, the rigs that can pin each, and what each
// component's latest bench run measured (scenarios and metric names). The
// daemon's API serves it; it reads the config and the store, never runs a
// runner.

#include "model/paths.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/json_fwd.hpp"

namespace hb::app {

/// {"components": [{"id", "path", "rigs": [...], "scenarios": [...],
/// "metrics": [...], "latest_run_id"}], "rigs": [{"id", "description",
/// "components": [...]}], "problems": [...]}. A rig or component that does
/// not load is a `problems` entry naming it, not an error.
Result<Json> scope_tree(const Paths& paths, Store& store);

} // namespace hb::app
