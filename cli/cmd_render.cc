#include <iostream>
#include <memory>

#include "bridge/calibration.h"
#include "cli/commands.h"
#include "eval/runner.h"
#include "policies/policy.h"
#include "sim/env.h"
#include "sim/image.h"
#include "tasks/task_env.h"

namespace wambench::cli {
namespace {

struct RenderOptions {
  std::string out;
  std::string camera = "all";
  int size = 128;
  std::string scene;
  std::string task;
  std::string split = "train";
  int64_t episode = 0;
  bool grid = false;
  int grid_episodes = 6;
  uint64_t seed = 0;
  std::string policy;      // --imagine: a world-action model
  std::string checkpoint;  // "" = the bundled one
  bool imagine = false;
  int rows = 6;
  std::string calibration;  // camera calibration file ("" = the scene's own cameras)
};

// --calibration: moves the scene's cameras to the calibrated poses and fields of view.
void calibrate(mjModel* model, const std::string& path) {
  if (path.empty()) return;
  try {
    for (const std::string& note : apply_calibration(model, read_calibration(path))) std::cerr << "render: " << note << "\n";
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

// --imagine: runs the episode with a world-action model and writes, for `rows` of its queries
// spread over the episode, the real front frame at the query step t, then for each imagined future
// (t + k): the decoded imagined frame (upscaled) next to the real frame k steps later.
int run_imagine(const RenderOptions& o) {
  if (o.task.empty() || o.policy.empty()) throw UsageError("--imagine needs --task and --policy");
  EnvConfig config;
  config.image_height = config.image_width = o.size;
  config.cameras = {"front", "wrist"};
  TaskEnv env(o.task, config);
  calibrate(env.env().mutable_model(), o.calibration);
  PolicySpec spec{o.policy, o.checkpoint.empty() ? bundled_checkpoint(o.policy) : o.checkpoint, 0.0, {}};
  std::unique_ptr<Policy> policy;
  try {
    policy = make_policy(spec);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  parse_split(o.split);
  Trajectory trajectory;
  EpisodeStepper stepper(*policy, env, {o.policy, o.task, o.split, o.episode}, o.seed, &trajectory, /*frames=*/true);
  struct Query {
    int step;
    std::vector<Image> imagined;
  };
  std::vector<Query> queries;
  int last = -1;
  while (!stepper.done()) {
    stepper.step();
    if (stepper.last_query_step() != last) {
      last = stepper.last_query_step();
      queries.push_back({last, policy->imagined_frames()});
      if (queries.front().imagined.empty())  // known after the first query: stop there
        throw UsageError("policy '" + o.policy + "' imagines no frames (it has no world model); valid: wam_ite, "
                         "wam_joint, harmowam, harmowam_gate_*");
    }
  }
  const EpisodeRecord record = stepper.record();
  if (record.status == "error") throw std::runtime_error("the episode ended in an error: " + record.error);
  if (queries.empty()) throw std::runtime_error("the episode ended before the policy was asked for actions");
  const int stride = policy->imagined_stride_steps();
  const int last_frame = static_cast<int>(trajectory.frames.size()) - 1;
  std::vector<Image> rows;
  const int n = std::min<int>(o.rows, static_cast<int>(queries.size()));
  for (int r = 0; r < n; ++r) {
    const Query& q = queries[static_cast<size_t>(r) * queries.size() / n];
    std::vector<Image> row = {trajectory.frames[q.step]};
    for (size_t k = 0; k < q.imagined.size(); ++k) {
      row.push_back(resize_nearest(q.imagined[k], o.size, o.size));
      row.push_back(trajectory.frames[std::min(last_frame, q.step + static_cast<int>(k + 1) * stride)]);
    }
    rows.push_back(hstack(row));
  }
  write_png(o.out, vstack(rows));
  std::cout << "wrote " << o.out << " (" << o.policy << " on " << o.task << ", " << o.split << " #" << o.episode << ", "
            << record.status << " in " << record.steps << " steps): " << n << " rows = queries at steps";
  for (int r = 0; r < n; ++r) std::cout << " " << queries[static_cast<size_t>(r) * queries.size() / n].step;
  std::cout << "; columns = real t";
  for (size_t k = 0; k < queries.front().imagined.size(); ++k)
    std::cout << ", imagined t+" << (k + 1) * stride << ", real t+" << (k + 1) * stride;
  std::cout << "\n";
  return 0;
}

std::vector<std::string> cameras_of(const std::string& camera) {
  return camera == "all" ? std::vector<std::string>{"front", "wrist"} : std::vector<std::string>{camera};
}

Image render_cameras(Env& env, const std::vector<std::string>& cameras, int size, const std::string& overlay) {
  std::vector<Image> images;
  for (const std::string& cam : cameras) {
    images.push_back(Image());
    env.renderer()->render(env.data(), env.renderer()->camera_id(cam), size, size, &images.back(),
                           cam == cameras.front() ? overlay : "");
  }
  return images.size() == 1 ? images[0] : hstack(images);
}

int run_render(const RenderOptions& o) {
  if (o.imagine) return run_imagine(o);
  if (!o.policy.empty()) throw UsageError("--policy needs --imagine");
  EnvConfig config;
  config.scene_path = o.scene;
  config.image_height = config.image_width = o.size;
  config.cameras = cameras_of(o.camera);
  if (o.task.empty()) {
    if (o.grid) throw UsageError("--grid needs --task (a contact sheet shows one task's episodes)");
    Env env(config);
    calibrate(env.mutable_model(), o.calibration);
    write_png(o.out, render_cameras(env, config.cameras, o.size, ""));
    std::cout << "wrote " << o.out << " (default scene, " << o.camera << ", " << o.size << " px, "
              << to_string(env.renderer()->context().backend()) << ")\n";
    return 0;
  }
  if (!o.scene.empty()) throw UsageError("--scene and --task are exclusive (a task builds its own scene)");
  TaskEnv env(o.task, config);
  calibrate(env.env().mutable_model(), o.calibration);
  if (o.grid) {
    // Contact sheet: rows = splits (train, unseen_background, unseen_position, unseen_object,
    // unseen_all), columns = episodes 0..K-1, front camera.
    std::vector<Image> rows;
    for (Split split : all_splits()) {
      std::vector<Image> row;
      for (int i = 0; i < o.grid_episodes; ++i) {
        env.reset(split, i, o.seed);
        row.push_back(render_cameras(env.env(), {"front"}, o.size, std::string(to_string(split)) + " #" + std::to_string(i)));
      }
      rows.push_back(hstack(row));
    }
    write_png(o.out, vstack(rows));
    std::cout << "wrote " << o.out << " (" << o.task << " contact sheet: " << all_splits().size() << " splits x "
              << o.grid_episodes << " episodes, " << o.size << " px)\n";
    return 0;
  }
  const Split split = parse_split(o.split);
  const Variation& v = env.reset(split, o.episode, o.seed);
  write_png(o.out, render_cameras(env.env(), config.cameras, o.size, ""));
  std::cout << "wrote " << o.out << " (" << o.task << ", " << o.split << " #" << o.episode << ": \""
            << v.instruction << "\", " << o.size << " px)\n";
  return 0;
}

}  // namespace

CommandRunner add_render_command(CLI::App& app) {
  auto opts = std::make_shared<RenderOptions>();
  CLI::App* cmd = app.add_subcommand(
      "render", "Render the first frame of the default scene, of one task episode, a task's contact sheet "
                "(rows = splits, columns = episodes), or a world-action model's imagined vs real frames (--imagine) "
                "to a PNG");
  cmd->add_option("--out", opts->out, "Output PNG file")->required();
  cmd->add_option("--camera", opts->camera, "Camera: front, wrist, or all (side by side)")
      ->check(CLI::IsMember({"front", "wrist", "all"}))
      ->capture_default_str();
  cmd->add_option("--size", opts->size, "Image height and width in pixels")
      ->check(CLI::Range(16, 2048))
      ->capture_default_str();
  cmd->add_option("--scene", opts->scene, "MJCF scene file (default: the bundled assets/scene.xml)");
  cmd->add_option("--task", opts->task, "Task name (pick_place, stack_blocks, open_drawer, peg_insert, press_button, pour)");
  cmd->add_option("--split", opts->split, "Split of the episode (train, unseen_background, unseen_position, "
                                          "unseen_object, unseen_all)")
      ->capture_default_str();
  cmd->add_option("--episode", opts->episode, "Episode index")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_flag("--grid", opts->grid, "Contact sheet of the task: one row per split, --episodes columns");
  cmd->add_option("--episodes", opts->grid_episodes, "Columns of the contact sheet")
      ->check(CLI::Range(1, 32))
      ->capture_default_str();
  cmd->add_option("--seed", opts->seed, "Base seed of the episode list")->capture_default_str()
      ->check(seed_check());
  cmd->add_flag("--imagine", opts->imagine,
                "Run the episode with --policy (a world-action model) and write real vs imagined front frames: one row "
                "per query (--rows of them), columns real t, then imagined / real t+k for each imagined future");
  cmd->add_option("--policy", opts->policy, "World-action model for --imagine (wam_ite, wam_joint, harmowam, ...)");
  cmd->add_option("--checkpoint", opts->checkpoint, "Checkpoint of --policy (default: the bundled one)");
  cmd->add_option("--calibration", opts->calibration,
                  "Camera calibration of a real setup (JSON, bridge/calibration.h): render from the calibrated camera "
                  "poses and fields of view, so a sim evaluation matches the real viewpoint");
  cmd->add_option("--rows", opts->rows, "Queries shown by --imagine")->check(CLI::Range(1, 64))->capture_default_str();
  return [opts]() { return run_render(*opts); };
}

}  // namespace wambench::cli
