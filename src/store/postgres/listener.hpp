#pragma once
// LISTEN on the channel the runs trigger notifies (schema.cpp), on a
// connection of its own.

#include "store/store.hpp"

namespace hb::postgres {

/// The channel every change of a run's status is notified on.
inline constexpr const char* k_runs_channel = "homeboy_runs";

Result<std::unique_ptr<StoreListener>> listen(const std::string& url);

} // namespace hb::postgres
