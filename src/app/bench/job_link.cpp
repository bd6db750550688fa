// The link between a registry job and the bench run it produced.

#include "app/bench/job_link.hpp"
#include "util/json.hpp"
#include "util/time.hpp"

#include <cstdlib>

namespace hb::app {

std::optional<std::string>
parent_job(Store& store)
{
  const char* id = std::getenv("HOMEBOY_RUN_ID");
  if (!id || std::string_view(id).size() != 36) return std::nullopt;
  auto run = store.get_run(id);
  if (!run || !*run) return std::nullopt;
  return std::string(id);
}

std::string
with_job(const std::string& metadata_json, const std::string& job_id)
{
  Json metadata = Json::parse(metadata_json, nullptr, false);
  if (!metadata.is_object()) metadata = Json::object();
  metadata["job"] = {{"run_id", job_id}};
  return dump_json(metadata);
}

void
announce_to_job(Store& store, const std::string& job_id, const Run& produced)
{
  (void)store.append_event(job_id, "produced",
                           dump_json(Json{{"run_id", produced.id}, {"kind", produced.kind}}), now_ms());
}

} // namespace hb::app
