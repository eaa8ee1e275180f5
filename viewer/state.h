// What the viewer shows, apart from how it is drawn: the mode (live / replay / browse), the open
// episode(s) and their simulator states at the playback cursor, playback, overlays and the 3-D
// camera. No OpenGL and no Dear ImGui here: panels (viewer/panels.h) read and change it, keys act
// on it through viewer/input.h, and tests drive it without a display.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <mujoco/mujoco.h>

#include "viewer/app.h"
#include "viewer/session.h"

namespace wambench::viewer {

/// One displayed episode: its trajectory, the environment of its task, and a scratch mjData holding the
/// state at the cursor.
struct Shown {
  ShownEpisode episode;
  TaskEnv* env = nullptr;  ///< not owned (the viewer's EnvCache or LiveSession)
  std::unique_ptr<mjData, void (*)(mjData*)> data{nullptr, mj_deleteData};
  int shown_state = -1;  ///< the state index in `data`, -1 before the first show()

  /// Number of states: steps() + 1 (the initial state, then one per control step).
  int states() const { return episode.steps() + 1; }
  /// Puts state `k` (0 = initial; clamped to 0..states() - 1) into `d` (an mjData of env's model)
  /// and runs mj_forward (contacts, sites, forces).
  void load_state(int k, mjData* d) const;
  /// Shows state `k` (clamped): loads it into `data` (made on first use) and lights the task's
  /// progress indicators (press_button's bezel) as they were at state k.
  void show(int k);
};

/// Where the viewer marks an episode's target (world frame, m; z = 0, the table top): the task's own
/// Task::target_region (tasks/task.h) of the episode's variation; nullopt for a task this build does
/// not know or a variation without the task's target role.
std::optional<std::array<double, 3>> target_region(const ShownEpisode& episode);

/// The viewer's state. Created from validated ViewerOptions (viewer/app.h validate()); it opens the
/// live episode, the recording or the run folders' episode list of the options' mode.
class ViewerState {
 public:
  enum class Mode { kLive, kReplay, kBrowse };
  static constexpr double kMinSpeed = 0.25, kMaxSpeed = 4.0;  ///< playback speed range (x real time)

  /// `env_config` makes the task environments (the viewer passes its window's GL context factory;
  /// tests pass render = false). Live: starts the episode; replay: loads and re-simulates the
  /// recording; browse: reads the runs (paused) and opens options.select (and its side-by-side
  /// partner) when given.
  /// @throws as LiveSession / load_replay / load_runs (viewer/session.h) for bad names or files.
  ViewerState(const ViewerOptions& options, EnvConfig env_config);

  Mode mode() const { return mode_; }
  /// The options as changed by the live controls (task, split, episode, policy).
  const ViewerOptions& options() const { return opt_; }

  // ---- Episodes
  /// The episode in slot 0 (A) or 1 (B, the side-by-side partner); nullptr if none is open.
  Shown* shown(int slot) const { return shown_.at(static_cast<size_t>(slot)).get(); }
  Shown* primary() const { return shown(0); }
  /// The live session (live mode), else nullptr.
  LiveSession* live() const { return live_.get(); }
  /// Live mode: (re)starts the episode of options() (task, split, episode, policy, checkpoint, seed)
  /// at state 0. @throws as LiveSession.
  void start_live();
  /// Live mode: changes one of the episode's settings and restarts. An index < 0 is ignored.
  void set_live_episode(int64_t index);
  void set_live_split(const std::string& split);
  void set_live_task(const std::string& task);
  void set_live_policy(const std::string& policy);  ///< also clears the checkpoint (bundled one)
  /// Live mode: true while the episode runs and a policy other than the scripted expert is in control.
  bool can_take_over() const;
  /// Live mode: the scripted expert finishes the episode from the current state (no-op unless
  /// can_take_over()).
  void take_over();

  // ---- Browse mode
  /// The run folders' episodes (concatenated in the order given); empty outside browse mode.
  const std::vector<RunEpisode>& run() const { return run_; }
  /// Opens run()[row] in slot 0 (closing any partner; rewinds and plays) or, with `side_by_side`,
  /// in slot 1 keeping the cursor. An episode without a recording, or one that fails to load,
  /// leaves the slots as they were and says why in message(). @throws std::out_of_range for a row
  /// beyond run().
  void open_browse_row(size_t row, bool side_by_side);
  /// Closes the side-by-side partner.
  void close_partner();
  int selected() const { return selected_; }  ///< run() index open in slot 0, -1 = none
  int partner() const { return partner_; }    ///< run() index open in slot 1, -1 = none

  // ---- Playback
  int cursor() const { return cursor_; }  ///< state index shown, 0..last_state()
  /// Last state index of the longest shown episode (the timeline's end); 0 with none open.
  int last_state() const;
  /// Control period of the primary episode's environment (s); 0.1 with none open.
  double control_period_s() const;
  /// Moves the cursor to `k` (clamped to 0..last_state()) and shows that state in every slot (a
  /// shorter episode shows its last state).
  void set_cursor(int k);
  /// One control step forward; at the end of a live episode's trajectory the policy takes one more
  /// step; at the end of anything else playback stops.
  void advance();
  /// Next / previous phase start of the primary episode (viewer/session.h phase_starts).
  void next_phase();
  void previous_phase();
  /// Where progress stopped (viewer/session.h progress_stop_step), one state after that step.
  void jump_to_progress_stop();
  /// Live: restarts the episode; replay / browse: rewinds to state 0.
  void restart();
  bool playing() const { return playing_; }
  void set_playing(bool playing) { playing_ = playing; }
  double speed() const { return speed_; }
  /// Sets the playback speed, clamped to [kMinSpeed, kMaxSpeed].
  void set_speed(double speed);
  /// Advances playback by one frame: `headless` (a fixed frame count, as for screenshots) does one
  /// control step per frame while playing; otherwise `dt_s` (capped at 0.25 s) times speed() of
  /// simulated time, in whole control periods.
  void tick(double dt_s, bool headless);

  // ---- What is drawn over the scene
  /// MuJoCo's visualization flags (contact points and forces are toggled here).
  mjvOption& vis() { return vis_; }
  const mjvOption& vis() const { return vis_; }
  /// The free camera of the 3-D scene(s) (both slots share it).
  mjvCamera& camera() { return camera_; }
  const mjvCamera& camera() const { return camera_; }
  bool shadows = false;   ///< shadows in the 3-D scene
  bool ee_frame = true;   ///< the end-effector frame's axes
  bool target = true;     ///< the task's target region (target_region())
  bool help = false;      ///< the keys-and-mouse window
  bool quit = false;      ///< the user asked to quit
  /// Last error / notice, shown in the episode panel ("" = none).
  const std::string& message() const { return message_; }

 private:
  ViewerOptions opt_;
  Mode mode_;
  EnvCache envs_;
  std::unique_ptr<LiveSession> live_;
  std::array<std::unique_ptr<Shown>, 2> shown_;
  std::vector<RunEpisode> run_;
  int selected_ = -1, partner_ = -1;
  mjvOption vis_{};
  mjvCamera camera_{};
  int cursor_ = 0;
  bool playing_ = true;
  double speed_;
  double play_accum_s_ = 0;
  std::string message_;
};

}  // namespace wambench::viewer
