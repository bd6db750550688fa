#pragma once
// What the API's handler files share: request parsing helpers. Internal to
// src/server/.

#include "model/run.hpp"
#include "server/api.hpp"
#include "util/json.hpp"

#include <initializer_list>
#include <string>

namespace hb::server::detail {

/// A validation error response (400) with this message.
ApiResponse bad_request(const std::string& message);

/// Refuses query parameters outside `allowed` (400 naming the first unknown one).
Result<void> check_query(const ApiRequest& request, std::initializer_list<const char*> allowed);

/// The request body as a JSON object (an empty body is {}); 400 for text that
/// is not JSON, another type, or keys outside `allowed`.
Result<Json> body_object(const ApiRequest& request, std::initializer_list<const char*> allowed);

/// A string member of a body, or `fallback`; 400 naming the key for another type.
Result<std::string> body_string(const Json& body, const char* key, std::string fallback = "");

/// A boolean member of a body, or `fallback`.
Result<bool> body_bool(const Json& body, const char* key, bool fallback = false);
/// `key` as a list of non-empty strings (absent or null: empty).
Result<std::vector<std::string>> body_strings(const Json& body, const char* key);

/// The run the first path parameter names (id or unique prefix).
Result<Run> path_run(const ApiContext& ctx, const ApiRequest& request, Store*& store);

// Handlers, by file.
ApiResponse list_runs(const ApiContext&, const ApiRequest&);
ApiResponse show_run(const ApiContext&, const ApiRequest&);
ApiResponse metric_history(const ApiContext&, const ApiRequest&);
ApiResponse run_logs(const ApiContext&, const ApiRequest&);
ApiResponse get_artifact(const ApiContext&, const ApiRequest&);
ApiResponse submit_run(const ApiContext&, const ApiRequest&);
ApiResponse cancel_run(const ApiContext&, const ApiRequest&);
ApiResponse promote(const ApiContext&, const ApiRequest&);
ApiResponse retain(const ApiContext&, const ApiRequest&);
ApiResponse replay(const ApiContext&, const ApiRequest&);
ApiResponse compare_runs(const ApiContext&, const ApiRequest&);
// api_bench.cpp
ApiResponse scope(const ApiContext&, const ApiRequest&);
ApiResponse submit_bench(const ApiContext&, const ApiRequest&);
// api_schedules.cpp
ApiResponse list_schedules(const ApiContext&, const ApiRequest&);
ApiResponse add_schedule(const ApiContext&, const ApiRequest&);
ApiResponse show_schedule(const ApiContext&, const ApiRequest&);
ApiResponse pause_schedule(const ApiContext&, const ApiRequest&);
ApiResponse resume_schedule(const ApiContext&, const ApiRequest&);
ApiResponse remove_schedule(const ApiContext&, const ApiRequest&);
ApiResponse cron_next(const ApiContext&, const ApiRequest&);

} // namespace hb::server::detail
