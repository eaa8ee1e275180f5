// Writes the shard run directories of a synthetic sweep (no simulation) for timing `wambench
// merge` at scale: README "Running on a cluster".
//
// Usage: synthetic_shards OUT_DIR EPISODES_PER_CELL SHARDS
//   4 policies x 6 tasks x 5 splits x EPISODES_PER_CELL episodes (8334 per cell: 1 000 080
//   records), dealt into OUT_DIR/shard-1..SHARDS as `wambench eval --shard K/N` would; each record
//   is the size of a real scripted record (about 0.7 kB with its per-step phase string).
// Then: /usr/bin/time -v wambench merge OUT_DIR/merged OUT_DIR/shard-*
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "eval/config.h"
#include "eval/shard.h"

int main(int argc, char** argv) {
  using namespace wambench;
  namespace fs = std::filesystem;
  if (argc != 4) {
    std::cerr << "usage: synthetic_shards OUT_DIR EPISODES_PER_CELL SHARDS\n";
    return 2;
  }
  const fs::path root = argv[1];
  EvalConfig c;
  for (const char* p : {"scripted", "bc_state", "vla", "harmowam"}) c.policies.push_back(PolicySpec(p, ""));
  c.tasks = {"pick_place", "stack_blocks", "open_drawer", "peg_insert", "press_button", "pour"};
  c.splits = {"train", "unseen_background", "unseen_position", "unseen_object", "unseen_all"};
  c.episodes = std::stoi(argv[2]);
  c.seed = 1000;
  const int shards = std::stoi(argv[3]);
  if (c.episodes < 1 || shards < 1) {
    std::cerr << "EPISODES_PER_CELL and SHARDS must be >= 1\n";
    return 2;
  }
  const nlohmann::json cj = to_json(c);
  size_t total = 0;
  for (int k = 1; k <= shards; ++k) {
    const fs::path dir = root / ("shard-" + std::to_string(k));
    fs::create_directories(dir);
    std::ofstream out(dir / "episodes.jsonl");
    size_t n = 0;
    for (const EpisodeKey& key : shard_keys(c, {k, shards})) {
      EpisodeRecord r;
      r.key = key;
      r.policy_type = key.policy;
      r.seed = 0x9e3779b97f4a7c15ull ^ static_cast<uint64_t>(key.index);
      r.instruction = "put the red mug in the bowl";
      r.success = key.index % 3 != 0;
      r.status = r.success ? "success" : "failure";
      r.progress = r.success ? 3 : 1;
      r.progress_name = r.success ? "placed" : "grasped";
      r.steps = 54;
      r.sim_time_s = 5.4;
      r.timing = {0.41, 0.2, 0.0, 0.1, 0.11};
      r.diagnostics = {{"phase_per_step", std::string(54, 't')}, {"plan_phase_per_step", std::string(54, 'i')}};
      out << to_json(r).dump() << "\n";
      ++n;
    }
    nlohmann::json m = {{"config", cj},
                        {"config_hash", config_hash(cj)},
                        {"wambench", {{"version", "synthetic"}, {"git_commit", "synthetic"}}},
                        {"shard", {{"spec", std::to_string(k) + "/" + std::to_string(shards)}, {"index", k},
                                   {"count", shards}, {"episodes", n}}}};
    std::ofstream(dir / "manifest.json") << m.dump(2) << "\n";
    total += n;
  }
  std::cout << "wrote " << total << " records in " << shards << " shards under " << root.string() << "\n";
  return 0;
}
