#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "sim/env.h"
#include "sim/image.h"

namespace wambench::cli {
namespace {

struct RenderOptions {
  std::string out;
  std::string camera = "all";
  int size = 128;
  std::string scene;
};

}  // namespace

CommandRunner add_render_command(CLI::App& app) {
  auto opts = std::make_shared<RenderOptions>();
  CLI::App* cmd = app.add_subcommand(
      "render", "Render the first frame of the default scene (arm in its ready pose) to a PNG");
  cmd->add_option("--out", opts->out, "Output PNG file")->required();
  cmd->add_option("--camera", opts->camera, "Camera: front, wrist, or all (side by side)")
      ->check(CLI::IsMember({"front", "wrist", "all"}))
      ->capture_default_str();
  cmd->add_option("--size", opts->size, "Image height and width in pixels")
      ->check(CLI::Range(16, 2048))
      ->capture_default_str();
  cmd->add_option("--scene", opts->scene, "MJCF scene file (default: the bundled assets/scene.xml)");
  return [opts]() {
    EnvConfig config;
    config.scene_path = opts->scene;
    config.image_height = config.image_width = opts->size;
    config.cameras = opts->camera == "all" ? std::vector<std::string>{"front", "wrist"}
                                           : std::vector<std::string>{opts->camera};
    Env env(config);
    const Observation obs = env.observe();
    std::vector<Image> images;
    for (const std::string& cam : config.cameras) images.push_back(obs.images.at(cam));
    write_png(opts->out, images.size() == 1 ? images[0] : hstack(images));
    std::cout << "wrote " << opts->out << " (" << opts->camera << ", " << opts->size << " px, "
              << to_string(env.renderer()->context().backend()) << ")\n";
    return 0;
  };
}

}  // namespace wambench::cli
