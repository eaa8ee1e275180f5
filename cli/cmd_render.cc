#include <iostream>
#include <memory>

#include "cli/commands.h"
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
};

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
  EnvConfig config;
  config.scene_path = o.scene;
  config.image_height = config.image_width = o.size;
  config.cameras = cameras_of(o.camera);
  if (o.task.empty()) {
    if (o.grid) throw UsageError("--grid needs --task (a contact sheet shows one task's episodes)");
    Env env(config);
    write_png(o.out, render_cameras(env, config.cameras, o.size, ""));
    std::cout << "wrote " << o.out << " (default scene, " << o.camera << ", " << o.size << " px, "
              << to_string(env.renderer()->context().backend()) << ")\n";
    return 0;
  }
  if (!o.scene.empty()) throw UsageError("--scene and --task are exclusive (a task builds its own scene)");
  TaskEnv env(o.task, config);
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
      "render", "Render the first frame of the default scene, of one task episode, or a task's contact sheet "
                "(rows = splits, columns = episodes) to a PNG");
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
  cmd->add_option("--seed", opts->seed, "Base seed of the episode list")->capture_default_str();
  return [opts]() { return run_render(*opts); };
}

}  // namespace wambench::cli
