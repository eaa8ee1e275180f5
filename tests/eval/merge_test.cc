// `wambench merge` on synthetic shard directories: exact join in canonical order, refusal of
// different sweeps (naming the field), duplicates, strangers and a non-empty output; missing
// episodes listed; --allow-partial.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "eval/config.h"
#include "eval/merge.h"
#include "eval/runner.h"
#include "eval/shard.h"
#include "eval/store.h"

namespace wambench {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("wambench_merge_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

EvalConfig small_config() {
  EvalConfig c;
  c.policies = {PolicySpec("scripted", ""), PolicySpec("vla", "")};
  c.tasks = {"pour", "press_button"};
  c.splits = {"train", "unseen_all"};
  c.episodes = 3;
  c.seed = 7;
  return c;
}

EpisodeRecord fake_record(const EpisodeKey& k) {
  EpisodeRecord r;
  r.key = k;
  r.policy_type = k.policy;
  r.checkpoint_hash = k.policy == "vla" ? "abc123" : "none";
  r.seed = 1000 + k.index;
  r.instruction = "do " + k.task;
  r.success = (k.index % 2) == 0;
  r.status = r.success ? "success" : "failure";
  r.steps = 10 + static_cast<int>(k.index);
  r.timing.wall_s = 0.5;
  return r;
}

// Writes shard K/N of `config` as `wambench eval --shard K/N` would (records only, no recordings).
fs::path write_shard(const fs::path& root, const EvalConfig& config, int k, int n, const std::string& commit = "c0") {
  const fs::path dir = root / ("shard-" + std::to_string(k));
  ResultStore store(dir.string(), false);
  for (const EpisodeKey& key : shard_keys(config, {k, n})) store.append(fake_record(key));
  const nlohmann::json cj = to_json(config);
  nlohmann::json m = {{"config", cj},
                      {"config_hash", config_hash(cj)},
                      {"wambench", {{"version", "0.1.0"}, {"git_commit", commit}}},
                      {"shard", {{"spec", std::to_string(k) + "/" + std::to_string(n)}, {"index", k}, {"count", n}}}};
  std::ofstream(dir / "manifest.json") << m.dump(2);
  return dir;
}

std::vector<std::string> shard_dirs(const fs::path& root, const EvalConfig& c, int n) {
  std::vector<std::string> dirs;
  for (int k = 1; k <= n; ++k) dirs.push_back(write_shard(root, c, k, n).string());
  return dirs;
}

std::string merge_error(const fs::path& out, const std::vector<std::string>& dirs) {
  try {
    merge_runs(out.string(), dirs);
  } catch (const MergeError& e) {
    EXPECT_FALSE(fs::exists(out / "episodes.jsonl")) << "a refused merge wrote records";
    return e.what();
  }
  return "";
}

TEST(Merge, TakesTheRerunOfAnEpisodeThatEndedInError) {
  const fs::path root = fresh_dir("rerun");
  const EvalConfig c = small_config();
  std::vector<std::string> dirs = shard_dirs(root, c, 2);
  // Shard 1 first stored an error for one of its episodes, then --resume ran it again.
  const EpisodeKey key = shard_keys(c, {1, 2}).front();
  {
    const fs::path jsonl = fs::path(dirs[0]) / "episodes.jsonl";
    std::vector<std::string> lines;
    std::ifstream in(jsonl);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    in.close();
    EpisodeRecord failed = fake_record(key);
    failed.success = false;
    failed.status = "error";
    failed.error = "remote policy: connection refused";
    std::ofstream out(jsonl, std::ios::trunc);
    out << to_json(failed).dump() << "\n";
    for (const std::string& l : lines) out << l << "\n";
  }
  const MergeResult r = merge_runs((root / "merged").string(), dirs);
  EXPECT_TRUE(r.written);
  EXPECT_TRUE(r.missing.empty());
  EXPECT_EQ(r.merged, 24u);
  const std::vector<EpisodeRecord> merged = read_episode_records((root / "merged/episodes.jsonl").string());
  ASSERT_EQ(merged.size(), 24u);
  for (const EpisodeRecord& m : merged) {
    if (m.key == key) {
      EXPECT_EQ(to_json(m), to_json(fake_record(key)));
    }
  }
  fs::remove_all(root);
}

TEST(Merge, JoinsShardsIntoTheSingleRunInCanonicalOrder) {
  const fs::path root = fresh_dir("join");
  const EvalConfig c = small_config();
  const MergeResult r = merge_runs((root / "merged").string(), shard_dirs(root, c, 3));
  EXPECT_TRUE(r.written);
  EXPECT_TRUE(r.missing.empty());
  EXPECT_EQ(r.merged, 24u);
  const std::vector<EpisodeRecord> merged = read_episode_records((root / "merged/episodes.jsonl").string());
  const std::vector<EpisodeKey> all = sweep_keys(c);
  ASSERT_EQ(merged.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(merged[i].key, all[i]);
    EXPECT_EQ(to_json(merged[i]), to_json(fake_record(all[i])));
  }
  // A run directory like any other: manifest with the sweep's config and hash, a report.
  std::ifstream mf(root / "merged/manifest.json");
  const nlohmann::json m = nlohmann::json::parse(mf);
  EXPECT_EQ(m.at("config_hash"), config_hash(to_json(c)));
  EXPECT_EQ(m.at("merged_from").size(), 3u);
  EXPECT_FALSE(m.at("partial").get<bool>());
  EXPECT_TRUE(fs::exists(root / "merged/summary.json"));
  EXPECT_TRUE(fs::exists(root / "merged/report.md"));
  fs::remove_all(root);
}

TEST(Merge, MissingEpisodesAreListedAndNothingIsWrittenUnlessPartialIsAllowed) {
  const fs::path root = fresh_dir("missing");
  const EvalConfig c = small_config();
  std::vector<std::string> dirs = shard_dirs(root, c, 4);
  const std::vector<EpisodeKey> lost = shard_keys(c, {3, 4});
  dirs.erase(dirs.begin() + 2);
  MergeResult r = merge_runs((root / "merged").string(), dirs);
  EXPECT_FALSE(r.written);
  EXPECT_EQ(r.missing, lost);
  EXPECT_FALSE(fs::exists(root / "merged"));
  const std::string listed = describe_missing(r.missing);
  EXPECT_NE(listed.find(lost[0].policy + "/" + lost[0].task + "/" + lost[0].split + ": episode"), std::string::npos)
      << listed;

  MergeOptions partial;
  partial.allow_partial = true;
  r = merge_runs((root / "merged").string(), dirs, partial);
  EXPECT_TRUE(r.written);
  EXPECT_EQ(r.merged, 24u - lost.size());
  std::ifstream mf(root / "merged/manifest.json");
  const nlohmann::json m = nlohmann::json::parse(mf);
  EXPECT_TRUE(m.at("partial").get<bool>());
  EXPECT_EQ(m.at("missing_episodes").get<size_t>(), lost.size());
  fs::remove_all(root);
}

TEST(Merge, DescribeMissingGivesRangesPerCell) {
  const std::vector<EpisodeKey> keys = {{"p", "pour", "train", 0}, {"p", "pour", "train", 1}, {"p", "pour", "train", 2},
                                        {"p", "pour", "train", 5}, {"p", "pour", "unseen_all", 4}};
  EXPECT_EQ(describe_missing(keys), "  p/pour/train: episodes 0-2, 5\n  p/pour/unseen_all: episode 4\n");
  EXPECT_EQ(describe_missing(keys, 1), "  p/pour/train: episodes 0-2, 5\n  ... and 1 more cells\n");
}

TEST(Merge, RefusesShardsOfDifferentSweepsNamingTheField) {
  const fs::path root = fresh_dir("mismatch");
  const EvalConfig c = small_config();
  std::vector<std::string> dirs = shard_dirs(root, c, 2);

  EvalConfig other = c;
  other.seed = 8;
  const std::string seed_dir = write_shard(root / "other", other, 2, 2).string();
  std::string e = merge_error(root / "out", {dirs[0], seed_dir});
  EXPECT_NE(e.find("config hash differs"), std::string::npos) << e;
  EXPECT_NE(e.find("config fields that differ: seed"), std::string::npos) << e;

  const std::string code_dir = write_shard(root / "code", c, 2, 2, "c1").string();
  e = merge_error(root / "out", {dirs[0], code_dir});
  EXPECT_NE(e.find("code version differs"), std::string::npos) << e;
  EXPECT_NE(e.find("(git c0)"), std::string::npos) << e;
  EXPECT_NE(e.find("(git c1)"), std::string::npos) << e;

  // A shard whose vla records come from another checkpoint.
  const fs::path ck = root / "ck" / "shard-2";
  fs::create_directories(ck);
  fs::copy_file(fs::path(dirs[1]) / "manifest.json", ck / "manifest.json");
  {
    std::ofstream out(ck / "episodes.jsonl");
    for (const EpisodeRecord& r : read_episode_records(dirs[1] + "/episodes.jsonl")) {
      EpisodeRecord x = r;
      if (x.key.policy == "vla") x.checkpoint_hash = "fff999";
      out << to_json(x).dump() << "\n";
    }
  }
  e = merge_error(root / "out", {dirs[0], ck.string()});
  EXPECT_NE(e.find("checkpoint hash of policy 'vla' differs"), std::string::npos) << e;
  EXPECT_NE(e.find("fff999"), std::string::npos) << e;
  fs::remove_all(root);
}

TEST(Merge, RefusesDuplicatesStrangersAndANonEmptyOutput) {
  const fs::path root = fresh_dir("dup");
  const EvalConfig c = small_config();
  const std::vector<std::string> dirs = shard_dirs(root, c, 2);
  // The same shard under a second directory: every one of its episodes twice.
  fs::copy(dirs[1], root / "copy");
  std::string e = merge_error(root / "out", {dirs[0], dirs[1], (root / "copy").string()});
  EXPECT_NE(e.find("stored more than once"), std::string::npos) << e;
  // The same directory given twice.
  e = merge_error(root / "out", {dirs[0], dirs[0]});
  EXPECT_NE(e.find("given twice"), std::string::npos) << e;

  // An episode outside the sweep (index 3 of a 3-episode sweep).
  const fs::path stranger = root / "stranger";
  fs::copy(dirs[1], stranger);
  {
    std::ofstream out(stranger / "episodes.jsonl", std::ios::app);
    out << to_json(fake_record({"scripted", "pour", "train", 3})).dump() << "\n";
  }
  e = merge_error(root / "out", {dirs[0], stranger.string()});
  EXPECT_NE(e.find("not part of the sweep"), std::string::npos) << e;
  EXPECT_NE(e.find("scripted/pour/train/3"), std::string::npos) << e;

  fs::create_directories(root / "taken");
  std::ofstream(root / "taken/notes.txt") << "keep me";
  e = merge_error(root / "taken", dirs);
  EXPECT_NE(e.find("already exists and is not empty"), std::string::npos) << e;
  EXPECT_TRUE(fs::exists(root / "taken/notes.txt"));

  e = merge_error(root / "out", {dirs[0], (root / "nowhere").string()});
  EXPECT_NE(e.find("is not a run directory"), std::string::npos) << e;
  fs::remove_all(root);
}

TEST(Merge, IgnoresATornLastLineOfAKilledShard) {
  const fs::path root = fresh_dir("torn");
  const EvalConfig c = small_config();
  const std::vector<std::string> dirs = shard_dirs(root, c, 2);
  std::ofstream(fs::path(dirs[1]) / "episodes.jsonl", std::ios::app) << "{\"policy\": \"scrip";
  MergeOptions partial;
  partial.allow_partial = true;
  const MergeResult r = merge_runs((root / "merged").string(), dirs, partial);
  EXPECT_TRUE(r.missing.empty());
  EXPECT_EQ(r.merged, 24u);
  fs::remove_all(root);
}

}  // namespace
}  // namespace wambench
