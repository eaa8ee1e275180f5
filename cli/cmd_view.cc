// `wambench view`: the debugging viewer (viewer/app.h).
#include <memory>

#include "cli/commands.h"
#include "viewer/app.h"

namespace wambench::cli {

CommandRunner add_view_command(CLI::App& app) {
  auto opts = std::make_shared<viewer::ViewerOptions>();
  CLI::App* cmd = app.add_subcommand(
      "view",
      "Debug rollouts in a window. Live (default): run --task/--split/--episode with --policy. Replay: "
      "--replay DIR/recordings/<policy>/<task>/<split>/episode_<i>. Browse: --run DIR (a run folder of "
      "`wambench eval`; repeat to merge runs). Press H in the window for the keys. Needs an X display "
      "(headless: xvfb-run -a wambench view ...)");
  cmd->add_option("--task", opts->task, "Live: task name")->capture_default_str();
  cmd->add_option("--split", opts->split, "Live: split (train, unseen_background, unseen_position, unseen_object, "
                                          "unseen_all)")
      ->capture_default_str();
  cmd->add_option("--episode", opts->episode, "Live: episode index")->capture_default_str();
  cmd->add_option("--policy", opts->policy, "Live: policy name")->capture_default_str();
  cmd->add_option("--checkpoint", opts->checkpoint, "Live: checkpoint file of a learned policy (default: its bundled one)");
  cmd->add_option("--seed", opts->seed, "Live: base seed of the episode list (as eval --seed)")->capture_default_str()
      ->check(seed_check());
  cmd->add_option("--replay", opts->replay, "Replay a recorded episode (.h5, extension optional)");
  cmd->add_option("--run", opts->runs, "Browse a run folder's episodes (repeatable)");
  cmd->add_option("--select", opts->select,
                  "Browse: open this episode first (its line number, from 0, in the runs' episodes.jsonl)");
  cmd->add_flag("--side-by-side", opts->side_by_side,
                "Browse: with --select, also open another policy's (or run's) replay of the same episode");
  cmd->add_option("--width", opts->width, "Window width (pixels)")->capture_default_str();
  cmd->add_option("--height", opts->height, "Window height (pixels)")->capture_default_str();
  cmd->add_option("--speed", opts->speed, "Playback speed, x real time (0.25..4)")->capture_default_str();
  cmd->add_option("--frames", opts->frames,
                  "Headless check: render N frames as fast as possible (one control step per frame while "
                  "playing), then exit");
  cmd->add_option("--screenshot", opts->screenshot, "With --frames: save the last frame as this PNG");
  cmd->add_flag("--fps", opts->print_fps, "With --frames: print the frame rate");
  return [opts] { return viewer::run_viewer(*opts); };
}

}  // namespace wambench::cli
