// The viewer's Dear ImGui panels. Each reads the ViewerState and changes it through its methods
// (buttons, sliders, the episode table); none touches the window or OpenGL, so they draw under any
// PlatformUIAdapter (viewer/platform_ui_adapter.h), a test one included.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "viewer/state.h"

struct ImGuiTextFilter;
struct ImGuiTableSortSpecs;

namespace wambench::viewer {

/// The fixed layout (pixels, origin top-left): the 3-D scene fills what the panels leave.
struct Layout {
  static constexpr float kRightPanelW = 380;   ///< episode info, camera images, toggles
  static constexpr float kBottomPanelH = 285;  ///< transport, timeline plots
  static constexpr float kBrowsePanelW = 470;  ///< browse mode: the episode table
  float width = 0, height = 0;                 ///< the window's framebuffer
  bool browse = false;                         ///< browse mode (the episode table on the left)
  /// The 3-D scene's rectangle: x in [scene_x0, scene_x1), y in [0, scene_y1).
  float scene_x0() const { return browse ? kBrowsePanelW : 0; }
  float scene_x1() const { return width - kRightPanelW; }
  float scene_y1() const { return height - kBottomPanelH; }
};

/// Camera images as the policy sees them: pixels per side (the EnvConfig default).
constexpr int kCameraPx = 128;

/// Images the panels show, as texture ids of the platform's renderer (OpenGL texture names; 0 =
/// none, where nothing is rendered, e.g. under a test adapter). Filled each frame before the panels.
struct FrameImages {
  static constexpr int kMaxImagined = 6;
  std::array<std::array<uintptr_t, 2>, 2> camera{};  ///< [slot][front, wrist] at the cursor
  /// World-model policies (live): frames imagined at the latest query at or before the cursor, and
  /// the real front images at the same steps where they happened (real_known).
  int imagined_shown = 0;   ///< 0..kMaxImagined; 0 = none
  int imagined_query = -1;  ///< the query's step
  int imagined_stride = 1;  ///< steps between imagined frames
  std::array<uintptr_t, kMaxImagined> imagined{}, real{};
  std::array<bool, kMaxImagined> real_known{};
};

/// A panel: draws one Dear ImGui window from the state, inside an ImGui frame; the episode and
/// timeline panels are made of sections (classes that draw into the panel's window).
class Panel {
 public:
  virtual ~Panel() = default;
  virtual void draw(ViewerState& state, const Layout& layout, const FrameImages& images) = 0;
};

/// Browse mode, left: the run folders' episodes as a table (filter by words, failures only, sort by
/// any column); a click opens the row's episode; buttons open the same episode of another policy or
/// run side by side.
class EpisodeBrowserPanel final : public Panel {
 public:
  EpisodeBrowserPanel();
  ~EpisodeBrowserPanel() override;
  void draw(ViewerState& state, const Layout& layout, const FrameImages& images) override;
  /// Sets the filter's words (Dear ImGui's ImGuiTextFilter: comma-separated; "-word" excludes),
  /// matched against policy, policy type, task, split, status, progress, error and run folder.
  /// Text beyond 255 characters (the filter's buffer) is cut off.
  void set_filter(const std::string& text);
  void set_failures_only(bool on);
  /// The rows of the last draw: indices into state.run(), filtered and sorted (by the table's sort
  /// columns, then task, split and episode index).
  const std::vector<size_t>& rows() const { return rows_; }

 private:
  void update_rows(const ViewerState& state);

  std::unique_ptr<ImGuiTextFilter> filter_;
  bool failures_only_ = false, rows_dirty_ = true;
  std::vector<size_t> rows_;
  ImGuiTableSortSpecs* sort_specs_ = nullptr;  // owned by Dear ImGui's table, valid while drawn
};

/// Episode panel section: an open episode's label, instruction, status, progress, steps, error,
/// replay accuracy and (live) the policy in control.
class EpisodeSummary {
 public:
  void draw(const ViewerState& state, int slot);
  /// The status word shown for slot `slot` (an open one): the record's status once finished; a
  /// live episode still running shows "running" (or "success" once it succeeded).
  static std::string status_text(const ViewerState& state, int slot);
};

/// Episode panel section: the front and wrist camera images at the cursor, as the policy sees them
/// (slot 0 larger, with a caption).
class CameraViews {
 public:
  void draw(int slot, const FrameImages& images);
};

/// Episode panel section: a world-model policy's imagined frames (top row) and the real front
/// images at the same steps where they happened (bottom row).
class ImaginedFrames {
 public:
  void draw(const FrameImages& images);
};

/// Episode panel section, live mode: episode index, split, task and policy (each change restarts),
/// restart, and the scripted expert taking over.
class LiveControls {
 public:
  void draw(ViewerState& state);
};

/// Episode panel section: contacts, forces, EE frame, target, shadows; the help button; the
/// state's message.
class OverlayToggles {
 public:
  void draw(ViewerState& state);
};

/// Right: each open episode (EpisodeSummary, CameraViews, ImaginedFrames for slot 0), then
/// LiveControls (live mode) and OverlayToggles.
class EpisodePanel final : public Panel {
 public:
  void draw(ViewerState& state, const Layout& layout, const FrameImages& images) override;

 private:
  EpisodeSummary summary_;
  CameraViews cameras_;
  ImaginedFrames imagined_;
  LiveControls live_;
  OverlayToggles toggles_;
};

/// Timeline section: transport (rewind, step, play / pause, end, speed, step slider, time and
/// phase) and the phase jumps.
class PlaybackControls {
 public:
  void draw(ViewerState& state);
  /// The phase shown at the cursor of the primary episode (one must be open): the fine label of the
  /// step that led to it, with the coarse one in parentheses where recorded; "-" at state 0.
  static std::string phase_text(const ViewerState& state);
};

/// Timeline section: plots over the primary episode's steps (phases, the expert's plan, actions,
/// gripper, progress, the partner's progress, a gate diagnostic) with the cursor as a line;
/// clicking or dragging a plot moves the cursor (and pauses).
class TimelinePlots {
 public:
  void draw(ViewerState& state);
};

/// Bottom: PlaybackControls and TimelinePlots of the primary episode ("no episode open" without).
class TimelinePanel final : public Panel {
 public:
  void draw(ViewerState& state, const Layout& layout, const FrameImages& images) override;

 private:
  PlaybackControls controls_;
  TimelinePlots plots_;
};

/// The keys-and-mouse window, while state.help is on (its close button turns it off).
class HelpPanel final : public Panel {
 public:
  void draw(ViewerState& state, const Layout& layout, const FrameImages& images) override;
};

/// The panels of a frame in drawing order: the browser (browse mode only), episode, timeline, help.
class Panels {
 public:
  explicit Panels(ViewerState::Mode mode);
  void draw(ViewerState& state, const Layout& layout, const FrameImages& images);
  /// nullptr outside browse mode.
  EpisodeBrowserPanel* browser() { return browser_.get(); }

 private:
  std::unique_ptr<EpisodeBrowserPanel> browser_;
  EpisodePanel episode_;
  TimelinePanel timeline_;
  HelpPanel help_;
};

}  // namespace wambench::viewer
