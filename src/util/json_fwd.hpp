#pragma once
// Cheap forward declaration of homeboy's JSON type. Include util/json.hpp
// (nlohmann/json.hpp, ~2 s per translation unit) only in .cpp files.

#include <nlohmann/json_fwd.hpp>

namespace hb {
/// Insertion-ordered so documents keep their authors' key order.
using Json = nlohmann::ordered_json;
} // namespace hb
