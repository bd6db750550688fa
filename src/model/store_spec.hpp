#pragma once
// The words that name a store: `sqlite:PATH` or a postgres:// URL, as
// HOMEBOY_STORE, store.url and `store copy --from/--to` take them. A header
// apart from paths.hpp, which every file includes.

#include "model/paths.hpp"

#include <string_view>

namespace hb {

/// Points `paths` at the store `spec` names: `sqlite:PATH` (store_path, made
/// absolute; store_url cleared) or a postgres:// or postgresql:// URL
/// (store_url). False, and `paths` unchanged, for anything else.
bool name_store(Paths& paths, std::string_view spec);

} // namespace hb
