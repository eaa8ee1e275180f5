// The viewer's episode model without a window: live stepping, exact replay of recordings,
// run folders, phase / progress navigation, and bad input.
#include "viewer/session.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "eval/oracle_policy.h"
#include "eval/recording.h"
#include "eval/runner.h"
#include "tests/viewer/viewer_test_util.h"

namespace wambench::viewer {
namespace {
namespace fs = std::filesystem;

TEST(LiveSession, StepsTheScriptedExpertToSuccessAndLogsEveryStep) {
  EnvCache envs(no_render());
  LiveSession live(envs, {"scripted", "", 0.0, {}}, "press_button", "unseen_position", 2, 0);
  EXPECT_EQ(live.episode().steps(), 0);
  EXPECT_EQ(live.episode().trajectory.qpos.size(), static_cast<size_t>(live.env().env().model()->nq));
  int steps = 0;
  while (!live.done() && steps < 500) {
    live.step();
    ++steps;
    ASSERT_EQ(live.episode().steps(), steps);
    ASSERT_EQ(live.episode().gripper_opening_m.size(), static_cast<size_t>(steps + 1));
  }
  EXPECT_TRUE(live.episode().record.success) << live.episode().record.error;
  EXPECT_EQ(live.episode().record.status, "success");
  EXPECT_EQ(live.episode().trajectory.progress.back(), static_cast<int>(live.env().task().subgoals().size()));
  // The live rollout is the runner's: same states as run_episode on the same episode.
  TaskEnv env("press_button", no_render());
  auto policy = make_policy({"scripted", "", 0.0, {}});
  Trajectory trajectory;
  run_episode(*policy, env, {"scripted", "press_button", "unseen_position", 2}, 0, &trajectory);
  EXPECT_EQ(trajectory.qpos, live.episode().trajectory.qpos);
}

TEST(LiveSession, ScriptedExpertTakesOverAFailingPolicy) {
  EnvCache envs(no_render());
  // Heavy action noise: the noisy expert rarely opens the drawer in time; the clean one takes over.
  LiveSession live(envs, {"scripted", "", 1.0, {}}, "open_drawer", "train", 0, 0);
  for (int k = 0; k < 5; ++k) live.step();
  live.take_over({"scripted", "", 0.0, {}});
  EXPECT_EQ(live.takeover_step(), 5);
  EXPECT_EQ(live.policy_in_control(), "scripted");
  while (!live.done()) live.step();
  EXPECT_TRUE(live.episode().record.success) << live.episode().record.error;
}

TEST(LiveSession, UnknownNamesAreRejectedWithTheValidOnes) {
  EnvCache envs(no_render());
  try {
    LiveSession live(envs, {"scripted", "", 0.0, {}}, "pick_place", "validation", 0, 0);
    FAIL() << "no error for an unknown split";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unseen_object"), std::string::npos) << e.what();
  }
  EXPECT_THROW(LiveSession(envs, {"no_such_policy", "", 0.0, {}}, "pick_place", "train", 0, 0), std::invalid_argument);
  EXPECT_THROW(LiveSession(envs, {"scripted", "", 0.0, {}}, "juggle", "train", 0, 0), std::invalid_argument);
}

TEST(Replay, ReachesTheRecordedFinalStateThroughTheViewersPath) {
  const fs::path dir = fresh_dir("replay");
  const std::string h5 = record_episode(dir, "stack_blocks", 1);
  const RecordedEpisode recorded_episode = read_recording(h5);
  const Trajectory& recorded = recorded_episode.trajectory;
  EnvCache envs(no_render());
  // The viewer accepts the path without its extension, as `wambench view --replay` does.
  const ShownEpisode shown = load_replay(h5.substr(0, h5.size() - 3), envs);
  EXPECT_EQ(shown.replay_max_qpos_diff, 0.0);
  ASSERT_EQ(shown.steps(), recorded_episode.steps());
  const size_t nq = recorded.nq;
  const std::vector<double> final_recorded(recorded.qpos.end() - nq, recorded.qpos.end());
  const std::vector<double> final_replayed(shown.trajectory.qpos.end() - nq, shown.trajectory.qpos.end());
  EXPECT_EQ(final_replayed, final_recorded);
  // And the simulator itself ends there.
  const mjData* d = envs.get("stack_blocks").env().data();
  EXPECT_EQ(std::vector<double>(d->qpos, d->qpos + nq), final_recorded);
  EXPECT_TRUE(shown.record.success);
  EXPECT_EQ(shown.trajectory.phases, recorded.phases);
  EXPECT_EQ(shown.trajectory.success, recorded.success);
  fs::remove_all(dir);
}

TEST(Replay, MissingAndCorruptRecordingsAreClearErrors) {
  const fs::path dir = fresh_dir("corrupt");
  EnvCache envs(no_render());
  try {
    load_replay((dir / "episode_9").string(), envs);
    FAIL() << "no error for a missing recording";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("episode_9"), std::string::npos) << e.what();
  }
  const std::string h5 = record_episode(dir, "pick_place", 0);
  // Truncate the file to half its size.
  const auto size = fs::file_size(h5);
  fs::resize_file(h5, size / 2);
  EXPECT_THROW(load_replay(h5, envs), std::runtime_error);
  std::ofstream(dir / "garbage.h5") << "not hdf5";
  try {
    load_replay((dir / "garbage.h5").string(), envs);
    FAIL() << "no error for a non-HDF5 file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("garbage.h5"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

TEST(Runs, LoadsEpisodesWithRecordingsAndFindsTheSameEpisodeInAnotherRun) {
  const fs::path a = fresh_dir("run_a"), b = fresh_dir("run_b");
  record_episode(a, "pick_place", 0);
  record_episode(a, "pick_place", 1);
  record_episode(b, "pick_place", 1, 0.3);
  const std::vector<RunEpisode> episodes = load_runs({a.string(), b.string()});
  ASSERT_EQ(episodes.size(), 3u);
  for (const RunEpisode& e : episodes) EXPECT_TRUE(fs::is_regular_file(e.recording)) << e.recording;
  EXPECT_EQ(same_episode(episodes, 0), std::vector<size_t>{});
  EXPECT_EQ(same_episode(episodes, 1), std::vector<size_t>{2});
  EXPECT_EQ(same_episode(episodes, 2), std::vector<size_t>{1});
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(Runs, AFolderWithoutEpisodesIsAClearError) {
  const fs::path dir = fresh_dir("empty");
  try {
    load_runs({dir.string()});
    FAIL() << "no error for a folder without episodes.jsonl";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("episodes.jsonl"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "episodes.jsonl").close();
  try {
    load_runs({dir.string()});
    FAIL() << "no error for an empty episodes.jsonl";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no finished episodes"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

TEST(Navigation, PhaseStartsAndWhereProgressStopped) {
  Trajectory t;
  t.phases = {"reach", "reach", "grasp", "grasp", "lift", "reach"};
  t.progress = {0, 1, 1, 2, 2, 2};
  const auto starts = phase_starts(t);
  ASSERT_EQ(starts.size(), 4u);
  EXPECT_EQ(starts[1], (std::pair<int, std::string>{2, "grasp"}));
  EXPECT_EQ(starts[3], (std::pair<int, std::string>{5, "reach"}));
  EXPECT_EQ(progress_stop_step(t), 3);
  t.progress = {0, 0, 0, 0, 0, 0};
  EXPECT_EQ(progress_stop_step(t), 0);
}

}  // namespace
}  // namespace wambench::viewer

namespace wambench::viewer {
namespace {

// A stand-in world-model policy: the scripted expert's actions, and at every query three
// "imagined" frames whose first pixel encodes the query step. An oracle itself, so that the runner
// hands it the TaskEnv the expert needs.
class ImaginingPolicy : public OraclePolicy {
 public:
  ImaginingPolicy() : expert_(make_policy({"scripted", "", 0.0, {}})) {}
  std::string name() const override { return "imagining"; }
  void set_task_env(const TaskEnv* env) override { attach_task_env(*expert_, env); }
  void reset(const EpisodeInfo& info) override {
    expert_->reset(info);
    queries_ = 0;
  }
  PolicyOutput act(const Observation& obs) override {
    PolicyOutput out = expert_->act(obs);
    out.chunk.resize(1);
    if (queries_ % 2 == 1) out.chunk.push_back(out.chunk.front());  // some chunks of 2: queries skip steps
    out.execute_steps = 0;
    ++queries_;
    return out;
  }
  std::vector<Image> imagined_frames() const override {
    std::vector<Image> frames(3, Image(8, 8));
    for (Image& f : frames) f.at(0, 0)[0] = static_cast<uint8_t>(queries_);
    return frames;
  }
  int imagined_stride_steps() const override { return 2; }

 private:
  std::unique_ptr<Policy> expert_;
  int queries_ = 0;
};

TEST(LiveSession, KeepsWhatAWorldModelImaginedAtEachQuery) {
  EnvCache envs(no_render());
  LiveSession live(envs, std::make_unique<ImaginingPolicy>(), "press_button", "train", 0, 0);
  EXPECT_EQ(live.imagination_at(0), nullptr);  // nothing asked yet
  for (int k = 0; k < 6; ++k) live.step();
  // Queries at steps 0 (chunk 1), 1 (chunk 2), 3 (chunk 1), 4 (chunk 2).
  const LiveSession::Imagination* at0 = live.imagination_at(0);
  ASSERT_NE(at0, nullptr);
  EXPECT_EQ(at0->query_step, 0);
  EXPECT_EQ(at0->stride_steps, 2);
  ASSERT_EQ(at0->frames.size(), 3u);
  EXPECT_EQ(at0->frames[0].at(0, 0)[0], 1);  // made by the first query
  EXPECT_EQ(live.imagination_at(2)->query_step, 1);  // step 2 ran the chunk asked for at step 1
  EXPECT_EQ(live.imagination_at(3)->query_step, 3);
  EXPECT_EQ(live.imagination_at(3)->frames[0].at(0, 0)[0], 3);
  EXPECT_EQ(live.episode().record.key.policy, "imagining");
}

}  // namespace
}  // namespace wambench::viewer
