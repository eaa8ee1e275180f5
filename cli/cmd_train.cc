// `wambench train`: behaviour cloning from a `wambench collect` file (policies/train.h).
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include <unistd.h>

#include "cli/commands.h"
#include "eval/collect.h"
#include "eval/runner.h"
#include "policies/train.h"
#include "tasks/registry.h"

namespace wambench::cli {
namespace {

// "val 0.1234", or "no val" where there is no validation loss (no held-out demonstrations): never NaN.
std::string val_text(double val_loss) {
  if (std::isnan(val_loss)) return "no val";
  char buf[32];
  std::snprintf(buf, sizeof buf, "val %.4f", val_loss);
  return buf;
}

}  // namespace

CommandRunner add_train_command(CLI::App& app, const std::string* command_line) {
  auto c = std::make_shared<TrainConfig>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a learned policy (vla, bc_state, wam_ite, wam_joint, harmowam, harmowam_gate_*) on CPU from a demonstration file, writing a self-describing checkpoint");
  cmd->add_option("--policy", c->policy, "Learned policy type: vla, bc_state, wam_ite, wam_joint, harmowam, harmowam_gate_predictive, harmowam_gate_reactive, harmowam_gate_schedule")->capture_default_str();
  cmd->add_option("--data", c->data, "Demonstration file from `wambench collect`")->required();
  cmd->add_option("--out", c->out, "Checkpoint to write")->required();
  cmd->add_option("--steps", c->steps, "Optimizer steps")->capture_default_str();
  cmd->add_option("--batch", c->batch, "Batch size")->capture_default_str();
  cmd->add_option("--seed", c->seed, "Seed (weights, validation split, sampling)")->capture_default_str();
  cmd->add_option("--val-fraction", c->val_fraction, "Demonstrations held out for validation")->capture_default_str();
  cmd->add_option("--lr", c->learning_rate, "Learning rate (AdamW, cosine decay)")->capture_default_str();
  cmd->add_option("--threads", c->threads, "LibTorch threads (deterministic per count)")->capture_default_str();
  cmd->add_option("--eval-every", c->eval_every, "Steps between validation losses")->capture_default_str();
  cmd->add_option("--encoder-steps", c->encoder_steps,
                  "Image policies: end-to-end steps, after which the image encoders are frozen and the rest "
                  "trains on their cached features (0 = end to end throughout)")
      ->capture_default_str();
  cmd->add_option("--aux-state", c->aux_state_weight,
                  "Image policies: weight of the auxiliary object-state regression while the encoders train (0 = off)")
      ->capture_default_str();
  cmd->add_flag("--no-augment", [c](int64_t) { c->augment = false; }, "No random image shifts");
  cmd->add_option("--ema", c->ema_decay, "Decay of the weights' moving average kept in the checkpoint (0 = last weights)")
      ->capture_default_str();
  cmd->add_option("--select-every", c->select_every,
                  "Every N steps, score the averaged weights in short rollouts (train split, demonstration seed range, "
                  "never evaluation seeds) and keep the best (0 = keep the final weights)")
      ->capture_default_str();
  auto select_episodes = std::make_shared<int>(5);
  cmd->add_option("--select-episodes", *select_episodes, "Rollouts per task for each selection score")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  return [c, command_line, select_episodes] {
    c->command = *command_line;
    if (c->select_every > 0) {
      // Seeds from the demonstration range, offset from every `collect --seed` base (< 2^62).
      const uint64_t base = kDemoBaseSeed + (uint64_t{1} << 62) + c->seed;
      const int episodes = *select_episodes;
      const std::string policy = c->policy;
      c->rollout_success = [policy, base, episodes](const std::string& checkpoint) {
        const RolloutScore s = rollout_score({policy, checkpoint, 0.0, {}}, task_names(), episodes, base);
        std::printf("train: selection rollouts (%d per task, train split, seeds from base 2^63 + 2^62 + seed): %.1f %%",
                    episodes, 100.0 * s.success_rate);
        for (const auto& [task, rate] : s.by_task) std::printf("  %s %.0f%%", task.c_str(), 100.0 * rate);
        std::printf("\n");
        std::fflush(stdout);
        return s.success_rate;
      };
    }
    c->on_validation_note = [](const std::string& note) {
      std::printf("train: %s\n", note.c_str());
      std::fflush(stdout);
    };
    const bool tty = isatty(STDOUT_FILENO);
    const TrainResult r = train_policy(*c, [tty](const TrainProgress& p) {
      std::printf("%strain: step %d/%d  loss %.4f  %s", tty ? "\r" : "", p.step, p.steps, p.train_loss,
                  val_text(p.val_loss).c_str());
      if (std::isfinite(p.aux_state_loss)) std::printf("  aux state %.4f", p.aux_state_loss);
      std::printf("  %.1f steps/s  ETA %.0f s%s", p.steps_per_s, p.eta_s, tty ? "   " : "\n");
      std::fflush(stdout);
    });
    if (tty) std::printf("\n");
    std::printf("train: wrote %s (%lld parameters; %d train / %d validation demos; final loss %.4f, %s; "
                "%.2f steps/s; weights of step %d) in %.0f s\n",
                c->out.c_str(), static_cast<long long>(r.parameters), r.train_demos, r.val_demos, r.train_loss,
                val_text(r.val_loss).c_str(), r.steps_per_s, r.selected_step, r.wall_s);
    if (!r.validation.is_null()) {
      std::printf("train: validation: %s\n", r.validation.dump().c_str());
      if (r.validation.contains("blind"))
        std::printf("train: blind baseline (images replaced by the mean image): val %.4f vs %.4f with vision\n",
                    r.validation.at("blind").at("loss").get<double>(), r.val_loss);
      if (r.validation.contains("linear_probe"))
        std::printf("train: linear probe, encoder features -> object position: R^2 %.3f (validation), %.3f (train)\n",
                    r.validation.at("linear_probe").at("r2_val").get<double>(),
                    r.validation.at("linear_probe").at("r2_train").get<double>());
    }
    if (!r.world_model.is_null())
      for (const auto& row : r.world_model.at("by_offset"))
        std::printf("train: world model on the validation demos, t+%d steps: latent MSE %.4f (copy-last %.4f), "
                    "decoded image MSE %.5f (copy-last frame %.5f, decoded copy-last %.5f, decoder floor %.5f)\n",
                    row.at("offset_steps").get<int>(), row.at("latent_mse").get<double>(),
                    row.at("latent_mse_copy_last").get<double>(), row.at("image_mse").get<double>(),
                    row.at("image_mse_copy_last").get<double>(), row.at("image_mse_copy_last_decoded").get<double>(),
                    row.at("image_mse_reconstruction").get<double>());
    return 0;
  };
}

}  // namespace wambench::cli
