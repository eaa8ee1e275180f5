// The evaluation runner: config validation, the result store, worker-count independence, error
// episodes, exact replay of recorded trajectories, reports and regression comparison.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

#include "eval/compare.h"
#include "eval/config.h"
#include "eval/oracle_policy.h"
#include "eval/recording.h"
#include "eval/report.h"
#include "eval/runner.h"
#include "eval/store.h"

namespace wambench {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("wambench_eval_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

std::string error_of(const nlohmann::json& j) {
  try {
    parse_eval_config(j, "test.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(EvalConfig, DefaultsAndAllExpand) {
  const EvalConfig c = parse_eval_config(nlohmann::json::object(), "test.json");
  ASSERT_EQ(c.policies.size(), 1u);
  EXPECT_EQ(c.policies[0].name, "scripted");
  EXPECT_EQ(c.tasks.size(), 6u);
  EXPECT_EQ(c.splits, (std::vector<std::string>{"train", "unseen_background", "unseen_position", "unseen_object",
                                                "unseen_all"}));
  // Round trip through the manifest form.
  EXPECT_EQ(to_json(parse_eval_config(to_json(c), "manifest")), to_json(c));
}

TEST(EvalConfig, BadInputNamesTheFieldAndTheValidValues) {
  EXPECT_NE(error_of({{"episodez", 3}}).find("unknown field 'episodez'; valid fields: policies"), std::string::npos);
  EXPECT_NE(error_of({{"episodes", "3"}}).find("field 'episodes': expected an integer"), std::string::npos);
  EXPECT_NE(error_of({{"episodes", 0}}).find("must be in [1, "), std::string::npos);
  EXPECT_NE(error_of({{"tasks", {"pick_place", "fold_towel"}}}).find("unknown name 'fold_towel'; valid names: pick_place"),
            std::string::npos);
  EXPECT_NE(error_of({{"splits", {"test"}}}).find("valid names: train, unseen_background"), std::string::npos);
  EXPECT_NE(error_of({{"policies", {"octo"}}}).find("unknown policy 'octo'; valid policies: scripted"),
            std::string::npos);
  EXPECT_NE(error_of({{"policies", {"scripted", "scripted"}}}).find("listed twice"), std::string::npos);
  EXPECT_NE(error_of({{"policies", {{{"name", "scripted"}, {"checkpoint", "x.pt"}}}}}).find("takes no checkpoint"),
            std::string::npos);
  EXPECT_NE(error_of({{"record_trajectories", 1}}).find("expected true or false"), std::string::npos);
  EXPECT_NE(error_of(nlohmann::json::array()).find("expected a JSON object"), std::string::npos);
  const fs::path bad = fresh_dir("badjson");
  fs::create_directories(bad);
  std::ofstream(bad / "c.json") << "{\"episodes\": 3,";
  try {
    load_eval_config((bad / "c.json").string());
    ADD_FAILURE() << "malformed JSON accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("malformed JSON"), std::string::npos);
  }
}

EpisodeRecord fake_record(const std::string& policy, int64_t index, bool success) {
  EpisodeRecord r;
  r.key = {policy, "pick_place", "train", index};
  r.success = success;
  r.status = success ? "success" : "failure";
  return r;
}

TEST(ResultStore, NeverOverwritesAndResumesPastATornLine) {
  const fs::path dir = fresh_dir("store");
  {
    ResultStore s(dir.string(), false);
    s.append(fake_record("scripted", 0, true));
    s.append(fake_record("scripted", 1, false));
  }
  EXPECT_THROW(ResultStore(dir.string(), false), std::runtime_error);
  // A kill in the middle of a write leaves a torn last line.
  std::ofstream(dir / "episodes.jsonl", std::ios::app) << "{\"policy\":\"scripted\",\"ta";
  EXPECT_EQ(read_episode_records((dir / "episodes.jsonl").string()).size(), 2u);
  ResultStore s(dir.string(), true);
  EXPECT_TRUE(s.has({"scripted", "pick_place", "train", 1}));
  EXPECT_FALSE(s.has({"scripted", "pick_place", "train", 2}));
  s.append(fake_record("scripted", 2, true));
  const auto back = read_episode_records((dir / "episodes.jsonl").string());
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[2].key.index, 2);
  EXPECT_TRUE(back[2].success);
  fs::remove_all(dir);
}

TEST(ResultStore, AnErrorIsNotFinishedAndItsRerunSupersedesIt) {
  const fs::path dir = fresh_dir("store_rerun");
  EpisodeRecord failed = fake_record("scripted", 0, false);
  failed.status = "error";
  failed.error = "remote policy: connection refused";
  {
    ResultStore s(dir.string(), false);
    s.append(failed);
    s.append(fake_record("scripted", 1, true));
  }
  ResultStore s(dir.string(), true);
  EXPECT_FALSE(s.has({"scripted", "pick_place", "train", 0}));  // runs again on --resume
  EXPECT_TRUE(s.has({"scripted", "pick_place", "train", 1}));
  s.append(fake_record("scripted", 0, true));
  EXPECT_TRUE(s.has({"scripted", "pick_place", "train", 0}));
  for (const auto& records : {s.records(), read_episode_records(s.path())}) {
    ASSERT_EQ(records.size(), 2u);  // one per episode, the rerun at the place of the error
    EXPECT_EQ(records[0].key.index, 0);
    EXPECT_EQ(records[0].status, "success");
    EXPECT_TRUE(records[0].error.empty());
    EXPECT_EQ(records[1].key.index, 1);
  }
  fs::remove_all(dir);
}

EvalConfig small_sweep() {
  EvalConfig c;
  c.policies = {{"scripted", "", 0.05, {}}};  // noisy expert: outcomes depend on the per-episode noise stream
  c.tasks = {"pick_place", "press_button"};
  c.splits = {"train", "unseen_all"};
  c.episodes = 3;
  c.seed = 7;
  c.record_trajectories = false;
  return c;
}

nlohmann::json without_timing(const EpisodeRecord& r) {
  nlohmann::json j = to_json(r);
  j.erase("timing_s");
  return j;
}

TEST(Runner, ResultsDoNotDependOnTheNumberOfWorkers) {
  std::map<EpisodeKey, nlohmann::json> by_workers[2];
  for (int w = 1; w <= 2; ++w) {
    EvalConfig c = small_sweep();
    c.workers = w;
    const fs::path dir = fresh_dir("workers" + std::to_string(w));
    ResultStore store(dir.string(), false);
    const SweepSummary s = run_sweep(c, store, "");
    EXPECT_EQ(s.ran, 12u);
    EXPECT_EQ(s.errors, 0u);
    for (const EpisodeRecord& r : read_episode_records(store.path())) by_workers[w - 1][r.key] = without_timing(r);
    fs::remove_all(dir);
  }
  ASSERT_EQ(by_workers[0].size(), 12u);
  EXPECT_EQ(by_workers[0], by_workers[1]);
}

// A policy that fails in a chosen way, to check that episodes end as errors, not the sweep.
class FaultyPolicy : public Policy {
 public:
  explicit FaultyPolicy(int mode) : mode_(mode) {}
  std::string name() const override { return "faulty"; }
  bool needs_images() const override { return false; }
  void reset(const EpisodeInfo&) override {}
  PolicyOutput act(const Observation&) override {
    PolicyOutput out;
    Action a{};
    if (mode_ == 0) a[0] = std::numeric_limits<double>::quiet_NaN();
    if (mode_ == 1) throw std::runtime_error("model exploded");
    if (mode_ == 2) return out;  // empty chunk
    out.chunk = {a};
    return out;
  }

 private:
  int mode_;
};

TEST(Runner, FailuresBecomeErrorEpisodesWithTheirMessage) {
  EnvConfig ec;
  ec.render = false;
  TaskEnv env("pick_place", ec);
  const EpisodeKey key{"faulty", "pick_place", "train", 0};
  FaultyPolicy nan_policy(0), throwing(1), empty(2);
  const EpisodeRecord a = run_episode(nan_policy, env, key, 0);
  EXPECT_EQ(a.status, "error");
  EXPECT_EQ(a.error.rfind("invalid action from the policy: action[0] is nan", 0), 0u) << a.error;
  EXPECT_EQ(a.steps, 0);
  const EpisodeRecord b = run_episode(throwing, env, key, 0);
  EXPECT_EQ(b.status, "error");
  EXPECT_EQ(b.error, "policy: model exploded");
  const EpisodeRecord c = run_episode(empty, env, key, 0);
  EXPECT_EQ(c.status, "error");
  EXPECT_NE(c.error.find("empty action chunk"), std::string::npos);
  // The environment is still usable for the next episode.
  register_oracle_policies();
  auto scripted = make_policy({"scripted", "", 0.0, {}});
  EXPECT_EQ(run_episode(*scripted, env, key, 0).status, "success");
}

TEST(Runner, RolloutScoreRunsTheTrainSplitAndAveragesOverTasks) {
  // The scripted expert succeeds on every train episode; a policy that only fails scores 0.
  const RolloutScore s = rollout_score({"scripted", "", 0.0, {}}, {"press_button", "open_drawer"}, 2, 1ULL << 63);
  EXPECT_DOUBLE_EQ(s.success_rate, 1.0);
  ASSERT_EQ(s.by_task.size(), 2u);
  EXPECT_DOUBLE_EQ(s.by_task.at("press_button"), 1.0);
  EXPECT_THROW(rollout_score({"scripted", "", 0.0, {}}, {"press_button"}, 0, 1ULL << 63), std::invalid_argument);
  EXPECT_THROW(rollout_score({"scripted", "", 0.0, {}}, {"no_such_task"}, 1, 1ULL << 63), std::invalid_argument);
}

TEST(Recording, ReplayReproducesTheTrajectoryExactly) {
  EvalConfig c = small_sweep();
  c.tasks = {"pick_place"};
  c.splits = {"unseen_position"};
  c.episodes = 2;
  c.record_trajectories = true;
  const fs::path dir = fresh_dir("replay");
  ResultStore store(dir.string(), false);
  run_sweep(c, store, (dir / "recordings").string());
  EnvConfig ec;
  ec.render = false;
  TaskEnv env("press_button", ec);
  TaskEnv pick("pick_place", ec);
  for (int64_t i = 1; i >= 0; --i) {  // replay in another order than recorded, in a used environment
    const RecordedEpisode t = read_recording(recording_path((dir / "recordings").string(), {"scripted", "pick_place",
                                                                                        "unseen_position", i}, "h5"));
    EXPECT_GT(t.steps(), 10);
    EXPECT_EQ(t.trajectory.success.back(), t.record.success);
    EXPECT_THROW(replay_difference(env, t), std::invalid_argument);  // wrong task
    EXPECT_EQ(replay_difference(pick, t), 0.0);
  }
  // A damaged file is reported, not replayed.
  std::ofstream(dir / "bad.h5") << "not hdf5";
  EXPECT_THROW(read_recording((dir / "bad.h5").string()), std::runtime_error);
  fs::remove_all(dir);
}

TEST(Recording, VideoHasOneFramePerStepPlusTheFirst) {
  EvalConfig c = small_sweep();
  c.tasks = {"press_button"};
  c.splits = {"train"};
  c.episodes = 2;
  c.record_video = 1;  // the first episode of the cell only
  const fs::path dir = fresh_dir("video");
  ResultStore store(dir.string(), false);
  run_sweep(c, store, (dir / "recordings").string());
  const std::vector<EpisodeRecord> records = store.records();  // by value: r must not refer into a temporary
  const EpisodeRecord& r = records.at(0).key.index == 0 ? records[0] : records[1];
  const VideoInfo v = probe_video(recording_path((dir / "recordings").string(), r.key, "mp4"));
  EXPECT_EQ(v.frames, r.steps + 1);
  EXPECT_EQ(v.width, 128);
  EXPECT_EQ(v.height, 128);
  EXPECT_FALSE(fs::exists(recording_path((dir / "recordings").string(), {"scripted", "press_button", "train", 1}, "mp4")));
  EXPECT_THROW(write_mp4((dir / "odd.mp4").string(), {Image(127, 128)}, 10), std::runtime_error);
  EXPECT_THROW(probe_video((dir / "recordings").string()), std::runtime_error);
  fs::remove_all(dir);
}

TEST(Report, TablesPairedTestsAndHeadline) {
  // Two policies on 10 identical episodes of two splits.
  std::vector<EpisodeRecord> recs;
  for (int64_t i = 0; i < 10; ++i) {
    for (const std::string split : {"train", "unseen_object"}) {
      for (const std::string p : {"harmowam", "vla"}) {
        EpisodeRecord r = fake_record(p, i, false);
        r.key.split = split;
        r.success = p == "harmowam" ? i < 8 : i < 2;  // harmowam 8/10, vla 2/10 on both splits
        r.status = r.success ? "success" : "failure";
        recs.push_back(r);
      }
    }
  }
  const nlohmann::json s = summarize(recs, nlohmann::json::object());
  EXPECT_EQ(s.at("policies"), (nlohmann::json{"harmowam", "vla"}));
  bool found = false;
  for (const auto& c : s.at("paired")) {
    if (c.at("scope") != "ood") continue;
    found = true;
    EXPECT_EQ(c.at("a_only"), 6);
    EXPECT_EQ(c.at("b_only"), 0);
    EXPECT_NEAR(c.at("p_mcnemar").get<double>(), 2.0 / 64, 1e-12);
    EXPECT_NEAR(c.at("difference").get<double>(), 0.6, 1e-12);
  }
  EXPECT_TRUE(found);
  const auto& h = s.at("headline");
  ASSERT_FALSE(h.is_null());
  EXPECT_EQ(h.at("vs")[0].at("policy"), "vla");
  EXPECT_NEAR(h.at("vs")[0].at("points").get<double>(), 60.0, 1e-9);
  EXPECT_NEAR(h.at("vs")[0].at("relative_percent").get<double>(), 300.0, 1e-9);
  const std::string md = render_report_md(s, "");
  EXPECT_NE(md.find("| `harmowam` | 80.0 [49, 94] | 80.0 [49, 94] | 80.0 [49, 94] | 80.0 [58, 92] |"), std::string::npos) << md;
  EXPECT_NE(md.find("+60.0 points absolute"), std::string::npos) << md;
}

nlohmann::json summary_with(int successes_of_10) {
  std::vector<EpisodeRecord> recs;
  for (int64_t i = 0; i < 10; ++i) recs.push_back(fake_record("scripted", i, i < successes_of_10));
  return summarize(recs, nlohmann::json::object());
}

TEST(Compare, RealDropFailsNoiseDoesNot) {
  const nlohmann::json base = summary_with(10);
  auto regressions = [](const std::vector<CompareRow>& rows) {
    int n = 0;
    for (const auto& r : rows) n += r.regression;
    return n;
  };
  // 10/10 -> 3/10 on the same episodes: paired McNemar p = 0.5^7, a 70-point drop: regression,
  // episodes 3..9 flipped.
  const auto drop = compare_summaries(base, summary_with(3));
  EXPECT_GT(regressions(drop), 0);
  EXPECT_TRUE(drop[0].paired);
  EXPECT_NEAR(drop[0].p_value, 1.0 / 128, 1e-12);
  EXPECT_EQ(drop[0].flipped_to_failure, (std::vector<int64_t>{3, 4, 5, 6, 7, 8, 9}));
  EXPECT_NE(format_comparison(drop, {}).find("FAIL"), std::string::npos);
  // 10/10 -> 9/10: within noise (p = 0.5), reported as a flip but not a regression.
  const auto noise = compare_summaries(base, summary_with(9));
  EXPECT_EQ(regressions(noise), 0);
  EXPECT_EQ(noise[0].flipped_to_failure, (std::vector<int64_t>{9}));
  // A cell missing from the current run is a regression.
  nlohmann::json other = summary_with(10);
  other["cells"][0]["task"] = "stack_blocks";
  EXPECT_GT(regressions(compare_summaries(base, other)), 0);
  EXPECT_THROW(compare_summaries(base, nlohmann::json::object()), std::invalid_argument);
}

// A copy of a bundled checkpoint under another file name (a "checkpoint you trained").
std::string copy_of_bundled(const std::string& policy, const fs::path& to) {
  fs::create_directories(to.parent_path());
  fs::copy_file(bundled_checkpoint(policy), to, fs::copy_options::overwrite_existing);
  return to.string();
}

TEST(EvalConfig, PolicyShorthandGivesTheSameConfigAsLabelledObjects) {
  const fs::path dir = fresh_dir("shorthand");
  const std::string v = copy_of_bundled("vla", dir / "runs" / "v.pt");
  // NAME@CHECKPOINT is labelled by the file name; LABEL=NAME@CHECKPOINT names it.
  const EvalConfig shorthand =
      parse_eval_config({{"policies", {"vla", "vla@" + v, "new=vla@" + v, "calm=scripted"}}}, "flags");
  const EvalConfig objects = parse_eval_config(
      {{"policies",
        {{{"name", "vla"}},
         {{"name", "vla"}, {"checkpoint", v}, {"label", "v"}},
         {{"name", "vla"}, {"checkpoint", v}, {"label", "new"}},
         {{"name", "scripted"}, {"label", "calm"}}}}},
      "test.json");
  ASSERT_EQ(shorthand.policies.size(), 4u);
  EXPECT_EQ(shorthand.policies[0].row_label(), "vla");
  EXPECT_EQ(shorthand.policies[0].checkpoint, bundled_checkpoint("vla"));
  EXPECT_EQ(shorthand.policies[1].row_label(), "v");
  EXPECT_EQ(shorthand.policies[1].name, "vla");
  EXPECT_EQ(shorthand.policies[1].checkpoint, v);
  EXPECT_EQ(shorthand.policies[2].row_label(), "new");
  EXPECT_EQ(shorthand.policies[3].row_label(), "calm");
  EXPECT_EQ(to_json(shorthand), to_json(objects));
  // The manifest form reads back to the same sweep; a label equal to the name is the default and
  // leaves the config (and its hash) as it was before labels.
  EXPECT_EQ(to_json(parse_eval_config(to_json(shorthand), "manifest")), to_json(shorthand));
  const nlohmann::json plain = to_json(parse_eval_config({{"policies", {{{"name", "vla"}, {"label", "vla"}}}}}, "t"));
  EXPECT_FALSE(plain.at("policies")[0].contains("label"));
  // The sweep's episode keys are the labels.
  EvalConfig small = shorthand;
  small.tasks = {"press_button"};
  small.splits = {"train"};
  small.episodes = 1;
  std::vector<std::string> keys;
  for (const EpisodeKey& k : sweep_keys(small)) keys.push_back(k.policy);
  EXPECT_EQ(keys, (std::vector<std::string>{"vla", "v", "new", "calm"}));
}

TEST(EvalConfig, LabelAndCheckpointErrorsNameTheEntryAndTheFile) {
  const fs::path dir = fresh_dir("label_errors");
  const std::string v = copy_of_bundled("vla", dir / "v.pt");
  const std::string h = copy_of_bundled("harmowam", dir / "h.pt");
  auto policies_error = [](std::initializer_list<nlohmann::json> policies) {
    return error_of({{"policies", nlohmann::json::array_t(policies)}});
  };
  EXPECT_NE(policies_error({"vla", "vla"}).find("label 'vla' listed twice"), std::string::npos);
  EXPECT_NE(policies_error({"vla@" + v, {{"name", "vla"}, {"label", "v"}}}).find("label 'v' listed twice"),
            std::string::npos);
  // The bundled file's name is the policy's: it needs a label of its own next to the bundled entry.
  EXPECT_NE(policies_error({"vla", "vla@" + bundled_checkpoint("vla")}).find("new=vla@CHECKPOINT"), std::string::npos);
  EXPECT_NE(policies_error({"vla@/nonexistent/runs/w.pt"}).find("checkpoint of 'vla' not found: /nonexistent/runs/w.pt"),
            std::string::npos);
  EXPECT_NE(policies_error({"vla@" + h}).find("checkpoint " + h + " is a 'harmowam' checkpoint, not a 'vla' one; "
                                              "list it as harmowam@" + h),
            std::string::npos);
  EXPECT_NE(policies_error({"scripted@" + v}).find("policy 'scripted' takes no checkpoint"), std::string::npos);
  EXPECT_NE(policies_error({"vla@"}).find("no checkpoint file after '@'"), std::string::npos);
  EXPECT_NE(policies_error({"=vla@" + v}).find("empty label"), std::string::npos);
  EXPECT_NE(policies_error({"my run=vla@" + v}).find("label 'my run' of 'vla' is not valid"), std::string::npos);
  EXPECT_NE(policies_error({"harmowam=vla@" + v}).find("is the name of another policy type"), std::string::npos);
  EXPECT_NE(policies_error({{{"name", "vla"}, {"label", 3}}}).find("field 'policies.label': wrong type"),
            std::string::npos);
  const fs::path junk = dir / "junk.pt";
  std::ofstream(junk) << "not a checkpoint";
  EXPECT_NE(policies_error({"vla@" + junk.string()}).find("checkpoint of 'junk'"), std::string::npos);
}

TEST(Record, CarriesThePolicyTypeAndOldRecordsDefaultToTheLabel) {
  EpisodeRecord r = fake_record("v", 3, true);
  r.policy_type = "vla";
  r.checkpoint_hash = "abc";
  const nlohmann::json j = to_json(r);
  EXPECT_EQ(j.at("policy"), "v");
  EXPECT_EQ(j.at("policy_type"), "vla");
  EXPECT_EQ(episode_record_from_json(j).policy_type, "vla");
  nlohmann::json old = to_json(fake_record("harmowam", 0, false));
  old.erase("policy_type");  // written before labels existed
  EXPECT_EQ(episode_record_from_json(old).policy_type, "harmowam");
  EXPECT_EQ(episode_record_from_json(old).key.policy, "harmowam");
}

TEST(Runner, TwoLabelledEntriesOfOnePolicyTypeRunTheSameEpisodes) {
  EvalConfig c = parse_eval_config({{"policies", {"scripted", {{"name", "scripted"}, {"label", "noisy"},
                                                               {"noise_std", 0.3}}}},
                                    {"tasks", {"press_button"}},
                                    {"splits", {"train"}},
                                    {"episodes", 2},
                                    {"workers", 2}},
                                   "test.json");
  const fs::path dir = fresh_dir("labelled_sweep");
  ResultStore store(dir.string(), false);
  run_sweep(c, store, "");
  std::map<std::string, std::map<int64_t, EpisodeRecord>> by_label;
  for (const EpisodeRecord& r : store.records()) by_label[r.key.policy][r.key.index] = r;
  ASSERT_EQ(by_label.size(), 2u);
  for (int64_t i = 0; i < 2; ++i) {
    const EpisodeRecord &a = by_label.at("scripted").at(i), &b = by_label.at("noisy").at(i);
    EXPECT_EQ(a.policy_type, "scripted");
    EXPECT_EQ(b.policy_type, "scripted");
    EXPECT_EQ(a.seed, b.seed);
    EXPECT_EQ(a.instruction, b.instruction);
  }
  const nlohmann::json s = summarize(store.records(), to_json(c));
  EXPECT_EQ(s.at("policies"), (nlohmann::json{"scripted", "noisy"}));
  EXPECT_EQ(s.at("policy_types"), (nlohmann::json{{"scripted", "scripted"}, {"noisy", "scripted"}}));
}

TEST(Report, TwoCheckpointsOfOneTypeGiveTwoLabelledRowsAndAPairedTest) {
  // harmowam, the bundled vla and a retrained vla labelled "v" on the same 10 episodes of two splits.
  std::vector<EpisodeRecord> recs;
  for (int64_t i = 0; i < 10; ++i)
    for (const std::string split : {"train", "unseen_object"})
      for (const std::string p : {"harmowam", "vla", "v"}) {
        EpisodeRecord r = fake_record(p, i, p == "harmowam" ? i < 8 : p == "vla" ? i < 2 : i < 7);
        r.key.split = split;
        r.policy_type = p == "harmowam" ? "harmowam" : "vla";
        r.checkpoint_hash = p == "v" ? "hash-of-v" : "hash-of-" + p;
        recs.push_back(r);
      }
  const nlohmann::json order = {{"policies", {"harmowam", "vla", {{"name", "vla"}, {"label", "v"}}}}};
  const nlohmann::json s = summarize(recs, order);
  EXPECT_EQ(s.at("policies"), (nlohmann::json{"harmowam", "vla", "v"}));
  EXPECT_EQ(s.at("policy_types").at("v"), "vla");
  EXPECT_EQ(s.at("families").at("v"), "vla");
  EXPECT_EQ(s.at("checkpoints").at("v"), "hash-of-v");
  EXPECT_EQ(s.at("checkpoints").at("vla"), "hash-of-vla");
  // With harmowam in the run, the two vla checkpoints are still paired with each other.
  bool found = false;
  for (const auto& c : s.at("paired")) {
    if (c.at("a") != "vla" || c.at("b") != "v" || c.at("scope") != "ood") continue;
    found = true;
    EXPECT_EQ(c.at("episodes"), 10);
    EXPECT_EQ(c.at("a_only"), 0);
    EXPECT_EQ(c.at("b_only"), 5);  // episodes 2..6
    EXPECT_NEAR(c.at("p_mcnemar").get<double>(), 2.0 / 32, 1e-12);
  }
  EXPECT_TRUE(found) << s.at("paired").dump();
  // The headline's best VLA is the better checkpoint, named by its label.
  EXPECT_EQ(s.at("headline").at("vs")[0].at("policy"), "v");
  const std::string md = render_report_md(s, "");
  EXPECT_NE(md.find("| `v` (`vla`) | 70.0 [40, 89]"), std::string::npos) << md;
  EXPECT_NE(md.find("| `v` | `vla` | hash-of-v |"), std::string::npos) << md;
  EXPECT_NE(md.find("| `vla` | `v` | unseen_object |"), std::string::npos) << md;
  // compare: label by label; a label whose policy type changed is a difference between the runs.
  nlohmann::json other = s;
  other["policy_types"]["v"] = "harmowam";
  const auto differences = summary_differences(s, other);
  EXPECT_NE(std::find(differences.begin(), differences.end(), "policy type of v: baseline vla, now harmowam"),
            differences.end());
  EXPECT_TRUE(summary_differences(s, s).empty());
  for (const CompareRow& row : compare_summaries(s, s)) EXPECT_FALSE(row.regression);
}

}  // namespace
}  // namespace wambench
