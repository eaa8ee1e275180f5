#include <iostream>
#include <thread>

#include <mujoco/mujoco.h>

#include "cli/commands.h"
#include "sim/gl_context.h"

namespace wambench::cli {

CommandRunner add_info_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "info", "Print versions (wambench, MuJoCo, LibTorch), the OpenGL backend and renderer, and "
              "the hardware thread count");
  return [cmd]() {
    (void)cmd;
    std::cout << "wambench " << WAMBENCH_VERSION << " (commit " << WAMBENCH_GIT_COMMIT << ", "
              << WAMBENCH_BUILD_TYPE << " build)\n";
    std::cout << "MuJoCo " << mj_versionString() << " (headers " << mjVERSION_HEADER / 100 << "."
              << (mjVERSION_HEADER / 10) % 10 << "." << mjVERSION_HEADER % 10 << ")\n";
    std::cout << "LibTorch " << WAMBENCH_TORCH_VERSION << "\n";
    try {
      auto ctx = GlContext::create();
      std::cout << "OpenGL backend " << to_string(ctx->backend()) << "\n";
      std::cout << "OpenGL renderer " << ctx->renderer() << "\n";
      std::cout << "OpenGL version " << ctx->version() << "\n";
    } catch (const GlError& e) {
      std::cout << "OpenGL unavailable: " << e.what() << "\n";
    }
    std::cout << "hardware threads " << std::thread::hardware_concurrency() << "\n";
    return 0;
  };
}

}  // namespace wambench::cli
