// Prints the final qpos (hex bits) of the fixed determinism rollout; compared across processes.
#include <cstdio>

#include "tests/sim/test_scenes.h"

int main() {
  std::fputs(wambench::testing::to_hex_lines(wambench::testing::run_determinism_rollout()).c_str(), stdout);
  return 0;
}
