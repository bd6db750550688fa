#include "bench/verdict.hpp"

namespace hb::bench {

int
bench_exit_code(int runner_exit_code, bool gates_passed, bool regression)
{
  if (runner_exit_code != 0) {
    return runner_exit_code;
  }
  if (!gates_passed || regression) {
    return 1;
  }
  return 0;
}

} // namespace hb::bench
