// `wambench view`: the debugging viewer (live rollouts, exact replays of recordings, a run's
// episode browser) in one GLFW window with MuJoCo's 3-D scene and Dear ImGui panels.
// Its parts: viewer/state.h (what is shown), viewer/input.h (keys), viewer/panels.h (the panels),
// viewer/platform_ui_adapter.h (the window: viewer/window.h on GLFW, viewer/headless_adapter.h for
// tests), viewer/session.h (episodes from live rollouts, recordings and run folders).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/image.h"

namespace wambench::viewer {

/// What to show and how. Exactly one mode: live (default), replay (`replay` set) or browse (`runs`).
struct ViewerOptions {
  // Live mode: run this episode with this policy.
  std::string task = "pick_place";
  std::string split = "train";
  int64_t episode = 0;      ///< episode index within (task, split), >= 0
  std::string policy = "scripted";
  std::string checkpoint;   ///< learned policies' checkpoint file
  uint64_t seed = 0;        ///< base seed of the episode list (as `wambench eval --seed`)
  // Replay mode: a recorded episode (DIR/recordings/<policy>/<task>/<split>/episode_<i>[.h5]).
  std::string replay;
  // Browse mode: run folders (`wambench eval --out DIR`); several are merged, so the same episode
  // from two runs can be compared side by side.
  std::vector<std::string> runs;
  /// Browse mode: the episode to open first, as its position in the run folders' episodes.jsonl
  /// files (concatenated in the order given), -1 = none.
  int select = -1;
  /// Browse mode: also open the first other episode with the same initial state, side by side.
  bool side_by_side = false;
  // Window.
  int width = 1280, height = 720;  ///< pixels, >= 640 x 480
  double speed = 1.0;              ///< playback speed (x real time), 0.25..4
  /// Headless check: if > 0, render this many frames as fast as possible, advancing the rollout
  /// one control step per frame while playing, then exit (for tests and the frame-rate figure).
  int frames = 0;
  std::string screenshot;          ///< with `frames`: save the last frame here as PNG
  bool print_fps = false;          ///< with `frames`: print frames per second on exit
};

/// Checks options without opening a window.
/// @throws std::invalid_argument for bad options (two modes, unknown task / split / policy, sizes,
/// speed, --select beyond the run), std::runtime_error for a missing / corrupt recording or a run
/// folder without episodes.
void validate(const ViewerOptions& options);

class PlatformUIAdapter;
class ViewerState;
class Panels;

/// The viewer on any PlatformUIAdapter (viewer/platform_ui_adapter.h): its state, its panels and,
/// where the adapter has OpenGL, the 3-D scenes and camera images. Each frame: input (keys through
/// viewer/input.h), playback, images, panels, scenes. Without OpenGL (a test adapter) the task
/// environments render nothing and no scene is drawn; state and panels work the same.
class ViewerApp {
 public:
  /// Opens the options' episode / recording / run (ViewerState). Does not validate() them.
  /// @throws as ViewerState (viewer/state.h).
  ViewerApp(const ViewerOptions& options, PlatformUIAdapter& adapter);
  ~ViewerApp();
  ViewerApp(const ViewerApp&) = delete;
  ViewerApp& operator=(const ViewerApp&) = delete;
  /// Begins a frame on the adapter, applies the keys pressed, advances playback (with
  /// options.frames > 0: one control step per frame while playing), draws images, panels and
  /// scenes, and ends the frame (`swap` presents it). Returns false, drawing nothing, once the
  /// adapter's window was closed or the user quit.
  bool frame(bool swap = true);
  ViewerState& state();
  Panels& panels();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The viewer's window and state. One per process (GLFW and Dear ImGui keep global state).
class Viewer {
 public:
  /// validate()s the options, opens the window (unmapped when options.frames > 0) and loads the
  /// episode / recording / run. @throws as validate(), DisplayError (viewer/window.h).
  explicit Viewer(const ViewerOptions& options);
  ~Viewer();
  Viewer(const Viewer&) = delete;
  Viewer& operator=(const Viewer&) = delete;
  /// Handles input, advances playback (with options.frames > 0: one control step per frame while
  /// playing) and draws one frame; `swap` presents it. Returns false once the window was closed or
  /// the user quit (nothing drawn then).
  bool frame(bool swap = true);
  /// The frame just drawn (call after frame(false)), 8-bit RGB, row 0 = top.
  Image capture() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Runs the viewer until its window closes (or `frames` are done). Validates everything before
/// opening the window. Returns the process exit code (0).
/// @throws std::invalid_argument for bad options (unknown task / split / policy, sizes, speed),
/// std::runtime_error for a missing / corrupt recording or an empty run folder, DisplayError
/// (viewer/window.h) when no window can be opened.
int run_viewer(const ViewerOptions& options);

}  // namespace wambench::viewer
