#include <iostream>
#include <memory>
#include <thread>

#include <mujoco/mujoco.h>

#include "build_info/git_commit.h"
#include "cli/commands.h"
#include "policies/policy.h"
#include "policies/torchscript.h"
#include "sim/gl_context.h"

namespace wambench::cli {

CommandRunner add_info_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "info", "Print versions (wambench, MuJoCo, LibTorch), the OpenGL backend and renderer, and "
              "the hardware thread count; or, with --checkpoint, a checkpoint's metadata as JSON");
  auto checkpoint = std::make_shared<std::string>();
  cmd->add_option("--checkpoint", *checkpoint,
                  "Print this checkpoint's metadata (policy, architecture, normalization, training command, data "
                  "hash, losses, world-model evaluation) as JSON instead; for a TorchScript module, its wambench.json");
  return [cmd, checkpoint]() {
    (void)cmd;
    if (!checkpoint->empty()) {
      try {
        std::cout << checkpoint_metadata(*checkpoint).dump(2) << "\n";
      } catch (const std::runtime_error& e) {
        nlohmann::json torchscript;  // a TorchScript module for the `torchscript` policy: its wambench.json
        try {
          torchscript = torchscript_metadata(*checkpoint);
        } catch (const std::runtime_error&) {
          throw UsageError(e.what());
        }
        std::cout << torchscript.dump(2) << "\n";
      }
      return 0;
    }
    std::cout << "wambench " << WAMBENCH_VERSION << " (commit " << git_commit() << ", "
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
