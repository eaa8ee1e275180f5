// `wambench train`: behaviour cloning from a `wambench collect` file (policies/train.h).
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>

#include <unistd.h>

#include "cli/commands.h"
#include "policies/train.h"

namespace wambench::cli {

CommandRunner add_train_command(CLI::App& app, const std::string* command_line) {
  auto c = std::make_shared<TrainConfig>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a learned policy (vla, wam_ite, wam_joint, harmowam, harmowam_gate_*) on CPU from a demonstration file, writing a self-describing checkpoint");
  cmd->add_option("--policy", c->policy, "Learned policy type: vla, wam_ite, wam_joint, harmowam, harmowam_gate_predictive, harmowam_gate_reactive, harmowam_gate_schedule")->capture_default_str();
  cmd->add_option("--data", c->data, "Demonstration file from `wambench collect`")->required();
  cmd->add_option("--out", c->out, "Checkpoint to write")->required();
  cmd->add_option("--steps", c->steps, "Optimizer steps")->capture_default_str();
  cmd->add_option("--batch", c->batch, "Batch size")->capture_default_str();
  cmd->add_option("--seed", c->seed, "Seed (weights, validation split, sampling)")->capture_default_str();
  cmd->add_option("--val-fraction", c->val_fraction, "Demonstrations held out for validation")->capture_default_str();
  cmd->add_option("--lr", c->learning_rate, "Learning rate (AdamW, cosine decay)")->capture_default_str();
  cmd->add_option("--threads", c->threads, "LibTorch threads (deterministic per count)")->capture_default_str();
  cmd->add_option("--eval-every", c->eval_every, "Steps between validation losses")->capture_default_str();
  cmd->add_flag("--no-augment", [c](int64_t) { c->augment = false; }, "No random image shifts");
  return [c, command_line] {
    c->command = *command_line;
    const bool tty = isatty(STDOUT_FILENO);
    const TrainResult r = train_policy(*c, [tty](const TrainProgress& p) {
      std::printf("%strain: step %d/%d  loss %.4f  val %.4f  %.1f steps/s  ETA %.0f s%s", tty ? "\r" : "", p.step,
                  p.steps, p.train_loss, p.val_loss, p.steps_per_s, p.eta_s, tty ? "   " : "\n");
      std::fflush(stdout);
    });
    if (tty) std::printf("\n");
    std::printf("train: wrote %s (%lld parameters; %d train / %d validation demos; final loss %.4f, val %.4f) in %.0f s\n",
                c->out.c_str(), static_cast<long long>(r.parameters), r.train_demos, r.val_demos, r.train_loss,
                r.val_loss, r.wall_s);
    if (!r.world_model.is_null())
      for (const auto& row : r.world_model.at("by_offset"))
        std::printf("train: world model on the validation demos, t+%d steps: latent MSE %.4f (copy-last %.4f), "
                    "decoded image MSE %.5f (copy-last frame %.5f, decoder floor %.5f)\n",
                    row.at("offset_steps").get<int>(), row.at("latent_mse").get<double>(),
                    row.at("latent_mse_copy_last").get<double>(), row.at("image_mse").get<double>(),
                    row.at("image_mse_copy_last").get<double>(), row.at("image_mse_reconstruction").get<double>());
    return 0;
  };
}

}  // namespace wambench::cli
