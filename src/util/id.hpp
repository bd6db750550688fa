#pragma once

#include <string>

namespace hb {

/// A random (version 4) UUID in canonical lower-case form.
std::string new_uuid_v4();

/// True for a canonical 8-4-4-4-12 hex UUID.
bool looks_like_uuid(const std::string& text);

} // namespace hb
