#pragma once
// Secrets kept in files (bearer tokens): read only from a file no other
// user may read, so a token never has to appear in an argv or a config.

#include "util/error.hpp"

#include <filesystem>
#include <string>

namespace hb {

/// The secret in `path` without surrounding whitespace. Refused
/// (`validation.insecure_token_file`) when group or others may read the
/// file or the secret is shorter than 16 characters, and
/// (`validation.invalid_token_file`) when it cannot be read; messages start
/// with `what` (the option or file's role, e.g. "--token-file F").
Result<std::string> read_secret_file(const std::filesystem::path& path, const std::string& what);

} // namespace hb
