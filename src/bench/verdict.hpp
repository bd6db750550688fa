#pragma once
// The bench exit code (compat.md "Comparison, as documented"), first match:
// the runner's own non-zero exit code; 1 for any gate, budget or implicit
// failure; 1 for a regression; else 0.

namespace hb::bench {

int bench_exit_code(int runner_exit_code, bool gates_passed, bool regression);

} // namespace hb::bench
