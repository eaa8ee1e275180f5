// The viewer's state and panels without a display: a HeadlessAdapter feeds keys and the mouse into
// Dear ImGui, ViewerApp runs its frames, and the tests check what the keys did to the ViewerState
// and what the panels show and change.
#include <GLFW/glfw3.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include <gtest/gtest.h>

#include "policies/policy.h"
#include "tests/viewer/viewer_test_util.h"
#include "viewer/app.h"
#include "viewer/headless_adapter.h"
#include "viewer/input.h"
#include "viewer/panels.h"
#include "viewer/state.h"

namespace wambench::viewer {
namespace {
namespace fs = std::filesystem;

constexpr int kW = 1280, kH = 720;

// Live pick_place / train #0 with the scripted expert; `frames` > 0 plays one control step per frame.
ViewerOptions live_options(const std::string& policy = "scripted") {
  ViewerOptions o;
  o.task = "pick_place";
  o.split = "train";
  o.episode = 0;
  o.policy = policy;
  o.frames = 1000;
  return o;
}

// Presses `key` for one frame.
void press(HeadlessAdapter& adapter, ViewerApp& app, int key) {
  adapter.press_key(key);
  ASSERT_TRUE(app.frame());
}

// Presses `key` for one frame and releases it in the next (so that it can be pressed again).
void tap(HeadlessAdapter& adapter, ViewerApp& app, int key) {
  press(adapter, app, key);
  ASSERT_TRUE(app.frame());
}

bool has_window(const HeadlessAdapter& adapter, const std::string& title) {
  const std::vector<std::string> w = adapter.windows_drawn();
  return std::find(w.begin(), w.end(), title) != w.end();
}

TEST(HeadlessAdapter, RejectsBadSizesASecondContextAndCapture) {
  EXPECT_THROW(HeadlessAdapter(0, 720), std::invalid_argument);
  HeadlessAdapter adapter(kW, kH);
  EXPECT_THROW(HeadlessAdapter(kW, kH), std::logic_error);
  EXPECT_FALSE(adapter.has_gl());
  EXPECT_EQ(adapter.make_context(), nullptr);
  EXPECT_THROW(adapter.capture(), std::logic_error);
  EXPECT_THROW(adapter.press_key(512), std::invalid_argument);
  EXPECT_THROW(adapter.set_mouse_button(3, true), std::invalid_argument);
}

TEST(ViewerApp, LivePlaysOneControlStepPerHeadlessFrameAndSpacePauses) {
  HeadlessAdapter adapter(kW, kH);
  ViewerApp app(live_options(), adapter);
  ViewerState& s = app.state();
  EXPECT_EQ(s.mode(), ViewerState::Mode::kLive);
  ASSERT_NE(s.primary(), nullptr);
  EXPECT_EQ(s.cursor(), 0);
  EXPECT_TRUE(s.playing());
  for (int k = 0; k < 5; ++k) ASSERT_TRUE(app.frame());
  EXPECT_EQ(s.cursor(), 5);
  EXPECT_EQ(s.primary()->episode.steps(), 5);  // the live policy took a step each frame
  EXPECT_EQ(s.primary()->shown_state, 5);
  // The panels of live mode: episode and timeline, no browser, no help.
  EXPECT_EQ(adapter.windows_drawn(), (std::vector<std::string>{"Episode", "Timeline"}));
  EXPECT_EQ(EpisodeSummary::status_text(s, 0), "running");
  EXPECT_EQ(PlaybackControls::phase_text(s),
            s.primary()->episode.trajectory.phases[4] + " (" + s.primary()->episode.trajectory.phases_coarse[4] + ")");

  press(adapter, app, GLFW_KEY_SPACE);
  EXPECT_FALSE(s.playing());
  for (int k = 0; k < 3; ++k) ASSERT_TRUE(app.frame());
  EXPECT_EQ(s.cursor(), 5);  // paused
  press(adapter, app, GLFW_KEY_SPACE);
  EXPECT_TRUE(s.playing());
  EXPECT_EQ(s.cursor(), 6);  // the key's frame played on
}

TEST(ViewerApp, KeysMoveTheCursorChangeSpeedAndToggleOverlays) {
  HeadlessAdapter adapter(kW, kH);
  ViewerApp app(live_options(), adapter);
  ViewerState& s = app.state();
  for (int k = 0; k < 20; ++k) ASSERT_TRUE(app.frame());
  press(adapter, app, GLFW_KEY_SPACE);
  ASSERT_EQ(s.cursor(), 20);

  press(adapter, app, GLFW_KEY_LEFT);
  EXPECT_EQ(s.cursor(), 19);
  EXPECT_EQ(s.primary()->shown_state, 19);
  EXPECT_EQ(s.primary()->episode.steps(), 20);  // stepping back keeps the trajectory
  press(adapter, app, GLFW_KEY_HOME);
  EXPECT_EQ(s.cursor(), 0);
  press(adapter, app, GLFW_KEY_END);
  EXPECT_EQ(s.cursor(), 20);
  press(adapter, app, GLFW_KEY_RIGHT);  // at the end of a live trajectory: the policy takes a step
  EXPECT_EQ(s.cursor(), 21);
  EXPECT_EQ(s.primary()->episode.steps(), 21);
  EXPECT_FALSE(s.playing());

  EXPECT_DOUBLE_EQ(s.speed(), 1.0);
  tap(adapter, app, GLFW_KEY_UP);
  EXPECT_DOUBLE_EQ(s.speed(), 2.0);
  for (int k = 0; k < 3; ++k) tap(adapter, app, GLFW_KEY_UP);
  EXPECT_DOUBLE_EQ(s.speed(), 4.0);  // x4 at most
  for (int k = 0; k < 6; ++k) tap(adapter, app, GLFW_KEY_DOWN);
  EXPECT_DOUBLE_EQ(s.speed(), 0.25);  // x0.25 at least

  const bool ee = s.ee_frame, target = s.target, shadows = s.shadows;
  const int contacts = s.vis().flags[mjVIS_CONTACTPOINT], forces = s.vis().flags[mjVIS_CONTACTFORCE];
  tap(adapter, app, GLFW_KEY_E);
  tap(adapter, app, GLFW_KEY_T);
  tap(adapter, app, GLFW_KEY_S);
  tap(adapter, app, GLFW_KEY_C);
  tap(adapter, app, GLFW_KEY_F);
  EXPECT_EQ(s.ee_frame, !ee);
  EXPECT_EQ(s.target, !target);
  EXPECT_EQ(s.shadows, !shadows);
  EXPECT_EQ(s.vis().flags[mjVIS_CONTACTPOINT], !contacts);
  EXPECT_EQ(s.vis().flags[mjVIS_CONTACTFORCE], !forces);

  // Help: H opens the keys window, F1 closes it.
  EXPECT_FALSE(has_window(adapter, "Keyboard and mouse (H to close)"));
  tap(adapter, app, GLFW_KEY_H);
  EXPECT_TRUE(s.help);
  EXPECT_TRUE(has_window(adapter, "Keyboard and mouse (H to close)"));
  tap(adapter, app, GLFW_KEY_F1);
  EXPECT_FALSE(s.help);
  EXPECT_FALSE(has_window(adapter, "Keyboard and mouse (H to close)"));

  // Phases: page down goes to the next phase start, page up back; G to where progress stopped.
  const std::vector<std::pair<int, std::string>> starts = phase_starts(s.primary()->episode.trajectory);
  ASSERT_GE(starts.size(), 2u);
  tap(adapter, app, GLFW_KEY_HOME);
  tap(adapter, app, GLFW_KEY_PAGE_DOWN);
  EXPECT_EQ(s.cursor(), starts[0].first + 1);
  tap(adapter, app, GLFW_KEY_PAGE_DOWN);
  EXPECT_EQ(s.cursor(), starts[1].first + 1);
  tap(adapter, app, GLFW_KEY_PAGE_UP);
  EXPECT_EQ(s.cursor(), starts[0].first + 1);
  tap(adapter, app, GLFW_KEY_G);
  EXPECT_EQ(s.cursor(), progress_stop_step(s.primary()->episode.trajectory) + 1);
}

TEST(ViewerApp, ClickingATimelinePlotMovesTheCursorThere) {
  HeadlessAdapter adapter(kW, kH);
  ViewerApp app(live_options(), adapter);
  ViewerState& s = app.state();
  for (int k = 0; k < 20; ++k) ASSERT_TRUE(app.frame());
  ASSERT_EQ(s.last_state(), 20);
  // The "phase" plot: the timeline window's top is kH - 285; below its title bar (19 px), padding
  // (8), the transport line (19 + 4) and the phase jumps (13 + 4), from y = 502, 24 px high; x from
  // 70 (after the row label) to kW - 8. A press a quarter of the way along shows state 5.
  adapter.move_mouse(70 + 0.25f * (kW - 8 - 70), 514);
  adapter.set_mouse_button(0, true);
  ASSERT_TRUE(app.frame());
  adapter.set_mouse_button(0, false);
  ASSERT_TRUE(app.frame());
  EXPECT_FALSE(s.playing());
  EXPECT_EQ(s.cursor(), 5);
  EXPECT_EQ(s.primary()->shown_state, 5);
}

TEST(ViewerApp, LiveKeysChangeTheEpisodeRestartAndQuit) {
  HeadlessAdapter adapter(kW, kH);
  ViewerApp app(live_options(), adapter);
  ViewerState& s = app.state();
  for (int k = 0; k < 4; ++k) ASSERT_TRUE(app.frame());
  const std::vector<double> qpos0 = s.primary()->episode.trajectory.qpos;
  tap(adapter, app, GLFW_KEY_N);
  EXPECT_EQ(s.options().episode, 1);
  EXPECT_EQ(s.primary()->episode.record.key.index, 1);
  EXPECT_NE(std::vector<double>(s.primary()->episode.trajectory.qpos.begin(),
                                s.primary()->episode.trajectory.qpos.begin() + s.primary()->episode.trajectory.nq),
            std::vector<double>(qpos0.begin(), qpos0.begin() + s.primary()->episode.trajectory.nq))
      << "episode 1 starts where episode 0 does";
  tap(adapter, app, GLFW_KEY_N);
  EXPECT_EQ(s.options().episode, 2);
  tap(adapter, app, GLFW_KEY_P);
  EXPECT_EQ(s.options().episode, 1);
  tap(adapter, app, GLFW_KEY_P);
  EXPECT_EQ(s.options().episode, 0);
  tap(adapter, app, GLFW_KEY_P);
  EXPECT_EQ(s.options().episode, 0);  // not below 0
  // R restarts the live episode: a fresh trajectory that the frame then plays one step into.
  for (int k = 0; k < 4; ++k) ASSERT_TRUE(app.frame());
  press(adapter, app, GLFW_KEY_R);
  EXPECT_EQ(s.primary()->episode.steps(), 1);
  EXPECT_EQ(s.cursor(), 1);
  // The panel's controls change the state as the keys do.
  s.set_live_task("press_button");
  EXPECT_EQ(s.primary()->episode.record.key.task, "press_button");
  EXPECT_EQ(s.cursor(), 0);
  // Q quits: the next frame draws nothing.
  press(adapter, app, GLFW_KEY_Q);
  EXPECT_TRUE(s.quit);
  const int frames = adapter.frames();
  EXPECT_FALSE(app.frame());
  EXPECT_EQ(adapter.frames(), frames);
}

TEST(ViewerApp, XLetsTheScriptedExpertTakeOverALearnedPolicy) {
  if (bundled_checkpoint("bc_state").empty()) GTEST_SKIP() << "no bundled bc_state checkpoint";
  HeadlessAdapter adapter(kW, kH);
  ViewerApp app(live_options("bc_state"), adapter);
  ViewerState& s = app.state();
  for (int k = 0; k < 3; ++k) ASSERT_TRUE(app.frame());
  EXPECT_TRUE(s.can_take_over());
  EXPECT_EQ(s.live()->policy_in_control(), "bc_state");
  press(adapter, app, GLFW_KEY_X);
  EXPECT_EQ(s.live()->policy_in_control(), "scripted");
  EXPECT_EQ(s.live()->takeover_step(), 3);
  EXPECT_FALSE(s.can_take_over());
}

TEST(ViewerApp, AClosedWindowEndsTheLoop) {
  HeadlessAdapter adapter(kW, kH);
  ViewerApp app(live_options(), adapter);
  ASSERT_TRUE(app.frame());
  adapter.request_close();
  EXPECT_FALSE(app.frame());
}

// Browse mode: two run folders, the same pick_place episode 1 in both (clean and noisy expert).
class Browse : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    a_ = new fs::path(fresh_dir("browse_a"));
    b_ = new fs::path(fresh_dir("browse_b"));
    record_episode(*a_, "pick_place", 0);
    record_episode(*a_, "peg_insert", 1);
    record_episode(*b_, "peg_insert", 1, 0.3);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*a_);
    fs::remove_all(*b_);
    delete a_;
    delete b_;
  }
  ViewerOptions options(int select = -1, bool side_by_side = false) const {
    ViewerOptions o;
    o.runs = {a_->string(), b_->string()};
    o.select = select;
    o.side_by_side = side_by_side;
    o.frames = 1000;
    return o;
  }
  static fs::path* a_;
  static fs::path* b_;
};
fs::path* Browse::a_ = nullptr;
fs::path* Browse::b_ = nullptr;

TEST_F(Browse, OpensPausedWithTheTableAndNoEpisode) {
  HeadlessAdapter adapter(kW, kH);
  ViewerApp app(options(), adapter);
  ViewerState& s = app.state();
  EXPECT_EQ(s.mode(), ViewerState::Mode::kBrowse);
  ASSERT_EQ(s.run().size(), 3u);
  EXPECT_EQ(s.primary(), nullptr);
  EXPECT_EQ(s.selected(), -1);
  EXPECT_FALSE(s.playing());
  ASSERT_TRUE(app.frame());
  EXPECT_EQ(adapter.windows_drawn(), (std::vector<std::string>{"Episodes", "Episode", "Timeline"}));
  // Keys do nothing harmful without an episode.
  for (int key : {GLFW_KEY_RIGHT, GLFW_KEY_END, GLFW_KEY_PAGE_DOWN, GLFW_KEY_G, GLFW_KEY_R, GLFW_KEY_X})
    press(adapter, app, key);
  EXPECT_EQ(s.cursor(), 0);
  EXPECT_EQ(s.primary(), nullptr);
}

TEST_F(Browse, ASelectionLoadsThatEpisodeAndItsPartnerSideBySide) {
  HeadlessAdapter adapter(kW, kH);
  ViewerApp app(options(), adapter);
  ViewerState& s = app.state();
  s.open_browse_row(1, false);  // run a's peg_insert #1
  ASSERT_NE(s.primary(), nullptr) << s.message();
  EXPECT_EQ(s.selected(), 1);
  EXPECT_EQ(s.primary()->episode.record.key.task, "peg_insert");
  EXPECT_EQ(s.primary()->episode.record.key.index, 1);
  EXPECT_EQ(s.primary()->episode.source, s.run()[1].recording);
  EXPECT_EQ(s.primary()->episode.replay_max_qpos_diff, 0.0);
  EXPECT_EQ(s.cursor(), 0);
  EXPECT_TRUE(s.playing());
  EXPECT_EQ(s.shown(1), nullptr);
  // Two runs: the label names the run folder.
  EXPECT_NE(s.primary()->episode.label.find(s.run()[1].run), std::string::npos) << s.primary()->episode.label;

  for (int k = 0; k < 4; ++k) ASSERT_TRUE(app.frame());
  EXPECT_EQ(s.cursor(), 4);
  // The same episode from run b, side by side: the cursor stays, both slots show it.
  const std::vector<size_t> same = same_episode(s.run(), 1);
  ASSERT_EQ(same, std::vector<size_t>{2});
  s.open_browse_row(2, true);
  ASSERT_NE(s.shown(1), nullptr) << s.message();
  EXPECT_EQ(s.partner(), 2);
  EXPECT_EQ(s.shown(1)->episode.source, s.run()[2].recording);
  EXPECT_EQ(s.cursor(), 4);
  EXPECT_EQ(s.shown(1)->shown_state, 4);
  EXPECT_EQ(s.last_state(), std::max(s.primary()->states(), s.shown(1)->states()) - 1);
  press(adapter, app, GLFW_KEY_END);
  EXPECT_EQ(s.primary()->shown_state, s.primary()->states() - 1);
  EXPECT_EQ(s.shown(1)->shown_state, s.shown(1)->states() - 1);
  s.close_partner();
  EXPECT_EQ(s.shown(1), nullptr);
  EXPECT_EQ(s.partner(), -1);
  // Selecting another row closes the partner and rewinds.
  s.open_browse_row(2, true);
  s.open_browse_row(0, false);
  EXPECT_EQ(s.primary()->episode.record.key.task, "pick_place");
  EXPECT_EQ(s.shown(1), nullptr);
  EXPECT_EQ(s.cursor(), 0);
  EXPECT_THROW(s.open_browse_row(3, false), std::out_of_range);
}

TEST_F(Browse, ClickingARowOfTheTableOpensThatEpisode) {
  HeadlessAdapter adapter(kW, kH);
  ViewerApp app(options(), adapter);
  ViewerState& s = app.state();
  ASSERT_TRUE(app.frame());
  const std::vector<size_t> rows = app.panels().browser()->rows();
  ASSERT_EQ(rows.size(), 3u);
  // The table's first row, in Dear ImGui's default style and font (13 px lines): the title bar
  // (19 px), window padding (8), a text line, the filter field, a text line, the header row (17),
  // then rows of 17 px from y = 101.
  adapter.move_mouse(40, 109);
  ASSERT_TRUE(app.frame());
  adapter.set_mouse_button(0, true);
  ASSERT_TRUE(app.frame());
  adapter.set_mouse_button(0, false);
  ASSERT_TRUE(app.frame());
  EXPECT_EQ(s.selected(), static_cast<int>(rows[0]));
  ASSERT_NE(s.primary(), nullptr) << s.message();
  EXPECT_EQ(s.primary()->episode.source, s.run()[rows[0]].recording);
  // The second row, one row down.
  adapter.move_mouse(40, 109 + 17);
  adapter.set_mouse_button(0, true);
  ASSERT_TRUE(app.frame());
  adapter.set_mouse_button(0, false);
  ASSERT_TRUE(app.frame());
  EXPECT_EQ(s.selected(), static_cast<int>(rows[1]));
  EXPECT_EQ(s.primary()->episode.source, s.run()[rows[1]].recording);
}

TEST_F(Browse, SelectAndSideBySideOptionsOpenBothAtStart) {
  HeadlessAdapter adapter(kW, kH);
  ViewerApp app(options(1, true), adapter);
  const ViewerState& s = app.state();
  ASSERT_NE(s.primary(), nullptr);
  ASSERT_NE(s.shown(1), nullptr);
  EXPECT_EQ(s.selected(), 1);
  EXPECT_EQ(s.partner(), 2);
  EXPECT_EQ(EpisodeSummary::status_text(s, 0), s.run()[1].record.status);
}

TEST_F(Browse, TheTableFiltersAndSortsRows) {
  HeadlessAdapter adapter(kW, kH);
  ViewerApp app(options(), adapter);
  EpisodeBrowserPanel* browser = app.panels().browser();
  ASSERT_NE(browser, nullptr);
  ASSERT_TRUE(app.frame());
  // Default order: policy, then task, split, index.
  EXPECT_EQ(browser->rows(), (std::vector<size_t>{1, 2, 0}));
  browser->set_filter("pick_place");
  ASSERT_TRUE(app.frame());
  EXPECT_EQ(browser->rows(), std::vector<size_t>{0});
  browser->set_filter("-pick_place");
  ASSERT_TRUE(app.frame());
  EXPECT_EQ(browser->rows(), (std::vector<size_t>{1, 2}));
  browser->set_filter("");
  browser->set_failures_only(true);
  ASSERT_TRUE(app.frame());
  for (size_t i : browser->rows()) EXPECT_FALSE(app.state().run()[i].record.success);
  size_t failures = 0;
  for (const RunEpisode& e : app.state().run()) failures += !e.record.success;
  EXPECT_EQ(browser->rows().size(), failures);
}

TEST_F(Browse, AnEpisodeWithoutARecordingSaysSo) {
  const fs::path c = fresh_dir("browse_norec");
  record_episode(c, "pick_place", 0);
  fs::remove_all(c / "recordings");
  HeadlessAdapter adapter(kW, kH);
  ViewerOptions o = options();
  o.runs = {c.string()};
  ViewerApp app(o, adapter);
  ViewerState& s = app.state();
  s.open_browse_row(0, false);
  EXPECT_EQ(s.primary(), nullptr);
  EXPECT_NE(s.message().find("no recording"), std::string::npos) << s.message();
  ASSERT_TRUE(app.frame());  // the panels draw the message without an episode
  fs::remove_all(c);
}

TEST(ViewerState, ReplayRewindsWithRAndShowsTheRecordedStates) {
  const fs::path dir = fresh_dir("state_replay");
  const std::string h5 = record_episode(dir, "stack_blocks", 1);
  ViewerOptions o;
  o.replay = h5;
  ViewerState s(o, no_render());
  EXPECT_EQ(s.mode(), ViewerState::Mode::kReplay);
  EXPECT_EQ(s.live(), nullptr);
  ASSERT_NE(s.primary(), nullptr);
  EXPECT_EQ(s.last_state(), s.primary()->episode.steps());
  s.set_cursor(1000000);
  EXPECT_EQ(s.cursor(), s.last_state());
  // The shown mjData holds the trajectory's state at the cursor.
  const Trajectory& t = s.primary()->episode.trajectory;
  const int k = s.cursor();
  for (int i = 0; i < t.nq; ++i) EXPECT_EQ(s.primary()->data->qpos[i], t.qpos[static_cast<size_t>(k) * t.nq + i]);
  apply(Command::kRestart, s);
  EXPECT_EQ(s.cursor(), 0);
  // Playing to the end stops playback.
  s.set_cursor(s.last_state());
  s.set_playing(true);
  s.tick(0.0, true);
  EXPECT_FALSE(s.playing());
  // Live-only commands do nothing here.
  apply(Command::kNextEpisode, s);
  apply(Command::kTakeOver, s);
  EXPECT_EQ(s.options().episode, 0);
  fs::remove_all(dir);
}

TEST(ViewerState, RealTimePlaybackAdvancesWholeControlPeriods) {
  ViewerOptions o = live_options();
  o.frames = 0;
  ViewerState s(o, no_render());
  ASSERT_DOUBLE_EQ(s.control_period_s(), 0.1);
  s.tick(0.25, false);  // 2.5 periods: two steps, the half kept
  EXPECT_EQ(s.cursor(), 2);
  s.tick(0.06, false);
  EXPECT_EQ(s.cursor(), 3);
  s.tick(10.0, false);  // capped at 0.25 s a frame
  EXPECT_EQ(s.cursor(), 5);
  s.set_speed(2.0);
  s.tick(0.1, false);
  EXPECT_EQ(s.cursor(), 7);
}

TEST(TargetRegion, IsTheStartPlacementOfTheTasksTargetRole) {
  ViewerOptions o = live_options();
  ViewerState s(o, no_render());
  const ShownEpisode& e = s.primary()->episode;
  const std::optional<std::array<double, 3>> target = target_region(e);
  ASSERT_TRUE(target.has_value());
  bool found = false;
  for (const Placement& p : e.trajectory.variation.placements)
    if (p.role == "container") {
      EXPECT_EQ((*target)[0], p.x_m);
      EXPECT_EQ((*target)[1], p.y_m);
      found = true;
    }
  EXPECT_TRUE(found);
  EXPECT_EQ((*target)[2], 0.0);
  ShownEpisode other = e;
  other.record.key.task = "juggle";
  EXPECT_FALSE(target_region(other).has_value());
}

TEST(KeyBindings, EveryCommandHasAKeyAndKeysAreUnique) {
  std::set<int> keys;
  std::set<Command> commands;
  for (const KeyBinding& b : key_bindings()) {
    EXPECT_TRUE(keys.insert(b.key).second) << "key " << b.key << " bound twice";
    commands.insert(b.command);
  }
  EXPECT_EQ(commands.size(), static_cast<size_t>(Command::kTakeOver) + 1);
}

}  // namespace
}  // namespace wambench::viewer
