#include "eval/shard.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <numeric>
#include <queue>
#include <utility>

#include "eval/runner.h"
#include "policies/policy.h"

namespace wambench {
namespace {

constexpr int kMaxShards = 100000;

// Mean wall-clock seconds per episode by policy type and task: the timing_s.wall of the CI sweep's
// records (eval/configs/ci.json: 15 episodes per cell, 2 workers on the 2-core reference VM, OSMesa,
// 128 px images, measured 2026-12-05). Refresh it when a policy or task changes cost a lot; shards
// stay disjoint and complete whatever the numbers are, only their balance depends on them.
const std::map<std::string, std::map<std::string, double>>& cost_table() {
  static const std::map<std::string, std::map<std::string, double>> kTable = {
      {"scripted",
       {{"pick_place", 0.378}, {"stack_blocks", 0.587}, {"open_drawer", 0.189}, {"peg_insert", 0.303},
        {"press_button", 0.061}, {"pour", 0.958}}},
      {"bc_state",
       {{"pick_place", 0.610}, {"stack_blocks", 0.900}, {"open_drawer", 0.333}, {"peg_insert", 0.674},
        {"press_button", 0.132}, {"pour", 1.045}}},
      {"vla",
       {{"pick_place", 1.531}, {"stack_blocks", 1.712}, {"open_drawer", 0.863}, {"peg_insert", 1.552},
        {"press_button", 0.776}, {"pour", 2.489}}},
      {"harmowam",
       {{"pick_place", 2.307}, {"stack_blocks", 2.406}, {"open_drawer", 1.384}, {"peg_insert", 2.001},
        {"press_button", 1.329}, {"pour", 3.265}}},
  };
  return kTable;
}

// The world-action models and HarmoWAM's ablations run HarmoWAM's networks (or one of its two
// experts): they are costed as harmowam.
std::string costed_as(const std::string& policy_type) {
  const std::string family = policy_info(policy_type).family;
  if (family == "wam" || family == "harmowam" || family == "harmowam_ablation") return "harmowam";
  return policy_type;
}

double mean_of_table() {
  double sum = 0;
  int n = 0;
  for (const auto& [policy, tasks] : cost_table())
    for (const auto& [task, cost] : tasks) sum += cost, ++n;
  return n ? sum / n : 1.0;
}

// Integer cost (ms) so that ties and sums are exact on every platform.
int64_t cost_ms(const std::string& policy_type, const std::string& task) {
  return std::max<int64_t>(1, std::llround(expected_episode_cost_s(policy_type, task) * 1000.0));
}

// Shard (0-based) of every key of sweep_keys(config), and the shards' costs (ms).
std::vector<int> assign(const EvalConfig& config, int count, const std::vector<EpisodeKey>& keys,
                        std::vector<int64_t>* loads) {
  std::map<std::string, std::string> type_of;
  for (const PolicySpec& p : config.policies) type_of[p.row_label()] = p.name;
  std::vector<int64_t> cost(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) cost[i] = cost_ms(type_of[keys[i].policy], keys[i].task);
  std::vector<size_t> order(keys.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return cost[a] > cost[b]; });
  // Min-heap on (load, shard): the least loaded shard, the lowest index among equals.
  using Entry = std::pair<int64_t, int>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
  for (int k = 0; k < count; ++k) heap.push({0, k});
  std::vector<int> shard(keys.size());
  loads->assign(count, 0);
  for (size_t i : order) {
    auto [load, k] = heap.top();
    heap.pop();
    shard[i] = k;
    (*loads)[k] = load + cost[i];
    heap.push({load + cost[i], k});
  }
  return shard;
}

}  // namespace

ShardSpec parse_shard_spec(const std::string& text, const std::string& source) {
  const auto bad = [&](const std::string& what) -> ConfigError {
    return ConfigError(source + ": '" + text + "': " + what);
  };
  const size_t slash = text.find('/');
  const auto parse_int = [&](const std::string& s, const char* what) {
    if (s.empty() || s.size() > 6 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
      throw bad(std::string("expected K/N with integers 1 <= K <= N <= ") + std::to_string(kMaxShards) +
                " (e.g. 2/4); " + what + " is not a number");
    return std::stoi(s);
  };
  if (slash == std::string::npos)
    throw bad("expected K/N, the K-th of N shards (1 <= K <= N <= " + std::to_string(kMaxShards) + "), e.g. 2/4");
  ShardSpec s;
  s.index = parse_int(text.substr(0, slash), "K");
  s.count = parse_int(text.substr(slash + 1), "N");
  if (s.count < 1 || s.count > kMaxShards)
    throw bad("the number of shards N must be in 1.." + std::to_string(kMaxShards));
  if (s.index < 1 || s.index > s.count)
    throw bad("the shard K must be in 1.." + std::to_string(s.count) + " (shards are numbered from 1)");
  return s;
}

std::string to_string(const ShardSpec& shard) {
  return std::to_string(shard.index) + "/" + std::to_string(shard.count);
}

double expected_episode_cost_s(const std::string& policy_type, const std::string& task) {
  static const double kMean = mean_of_table();
  const auto& table = cost_table();
  const auto p = table.find(costed_as(policy_type));
  if (p != table.end()) {
    const auto t = p->second.find(task);
    if (t != p->second.end()) return t->second;
    double sum = 0;
    for (const auto& [name, cost] : p->second) sum += cost;
    return sum / static_cast<double>(p->second.size());
  }
  // Unknown policy type: the mean cost of the task over the measured policy types.
  double sum = 0;
  int n = 0;
  for (const auto& [name, tasks] : table) {
    const auto t = tasks.find(task);
    if (t != tasks.end()) sum += t->second, ++n;
  }
  return n ? sum / n : kMean;
}

std::vector<EpisodeKey> shard_keys(const EvalConfig& config, const ShardSpec& shard) {
  if (shard.count < 1 || shard.index < 1 || shard.index > shard.count)
    throw ConfigError("shard " + to_string(shard) + ": K must be in 1..N and N >= 1");
  std::vector<EpisodeKey> keys = sweep_keys(config);
  if (shard.whole()) return keys;
  std::vector<int64_t> loads;
  const std::vector<int> owner = assign(config, shard.count, keys, &loads);
  std::vector<EpisodeKey> out;
  for (size_t i = 0; i < keys.size(); ++i)
    if (owner[i] == shard.index - 1) out.push_back(std::move(keys[i]));
  return out;
}

std::vector<double> shard_costs(const EvalConfig& config, int count) {
  if (count < 1) throw ConfigError("shard_costs: the number of shards must be >= 1");
  std::vector<int64_t> loads;
  assign(config, count, sweep_keys(config), &loads);
  std::vector<double> out;
  for (int64_t l : loads) out.push_back(static_cast<double>(l) / 1000.0);
  return out;
}

}  // namespace wambench
