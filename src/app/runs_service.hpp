#pragma once
// What the `runs` readers share: opening the store where the paths say, and
// turning what a user typed (a full id or a unique prefix) into a run.

#include "model/paths.hpp"
#include "model/run.hpp"
#include "store/store.hpp"
#include "util/error.hpp"

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

} // namespace hb::app
