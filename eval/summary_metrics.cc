#include "eval/summary_metrics.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

#include "eval/config.h"
#include "eval/report.h"
#include "eval/stats.h"
#include "policies/policy.h"

namespace wambench {
namespace {

struct Counts {
  int64_t successes = 0, episodes = 0, errors = 0;
  void add(const EpisodeRecord& r) {
    episodes++;
    successes += r.success;
    errors += r.status == "error";
  }
};

nlohmann::json rate_json(const Counts& c) {
  const stats::Interval ci = stats::wilson_interval(c.successes, c.episodes);
  return {{"successes", c.successes}, {"episodes", c.episodes}, {"rate", ci.estimate}, {"ci95", {ci.lo, ci.hi}}};
}

void append_unique(std::vector<std::string>* v, const std::string& s) {
  if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(s);
}

// OOD successes / episodes of each policy with OOD episodes.
std::map<std::string, Counts> ood_counts(const SummaryInput& in) {
  std::map<std::string, Counts> ood;
  for (const EpisodeRecord& r : *in.records)
    if (in.ood.count(r.key.split)) ood[r.key.policy].add(r);
  return ood;
}

nlohmann::json kappa_json(double kappa) { return std::isnan(kappa) ? nlohmann::json(nullptr) : nlohmann::json(kappa); }

}  // namespace

SummaryInput make_summary_input(const std::vector<EpisodeRecord>& records, const nlohmann::json& order) {
  SummaryInput in;
  in.records = &records;
  in.order = order;
  in.ood = std::set<std::string>(ood_splits().begin(), ood_splits().end());
  std::vector<std::string> policies, tasks, splits;
  auto seed_order = [&](const char* key, std::vector<std::string>* out) {
    if (order.is_object() && order.contains(key))
      for (const auto& e : order.at(key))
        out->push_back(e.is_object() ? e.value("label", e.at("name").get<std::string>()) : e.get<std::string>());
  };
  seed_order("policies", &policies);
  seed_order("tasks", &tasks);
  seed_order("splits", &splits);
  std::set<std::string> seen_p, seen_t, seen_s;
  for (const EpisodeRecord& r : records) {
    append_unique(&policies, r.key.policy);
    append_unique(&tasks, r.key.task);
    append_unique(&splits, r.key.split);
    seen_p.insert(r.key.policy);
    seen_t.insert(r.key.task);
    seen_s.insert(r.key.split);
    in.types[r.key.policy] = r.policy_type.empty() ? r.key.policy : r.policy_type;
  }
  // Keep only names that occur.
  auto occurring = [](const std::vector<std::string>& names, const std::set<std::string>& seen) {
    std::vector<std::string> out;
    for (const auto& n : names)
      if (seen.count(n)) append_unique(&out, n);
    return out;
  };
  in.policies = occurring(policies, seen_p);
  in.tasks = occurring(tasks, seen_t);
  in.splits = occurring(splits, seen_s);
  return in;
}

void add_episode_counts(const SummaryInput& in, nlohmann::json* s) {
  int64_t errors = 0;
  for (const EpisodeRecord& r : *in.records) errors += r.status == "error";
  (*s)["episodes"] = in.records->size();
  (*s)["errors"] = errors;
}

void add_names(const SummaryInput& in, nlohmann::json* s) {
  (*s)["policies"] = in.policies;
  (*s)["tasks"] = in.tasks;
  (*s)["splits"] = in.splits;
  (*s)["ood_splits"] = ood_splits();
  nlohmann::json policy_types = nlohmann::json::object(), families = nlohmann::json::object();
  for (const auto& p : in.policies) {
    policy_types[p] = in.types.at(p);
    families[p] = policy_info(in.types.at(p)).family;
  }
  (*s)["policy_types"] = policy_types;
  (*s)["families"] = families;
}

void add_identity(const SummaryInput& in, nlohmann::json* s) {
  // What identifies the episodes and the code, for `wambench compare` (eval/compare.h).
  const nlohmann::json& order = in.order;
  if (order.is_object() && order.contains("seed")) (*s)["base_seed"] = order.at("seed");
  if (order.is_object() && order.contains("episodes")) (*s)["episodes_per_cell"] = order.at("episodes");
  if (order.is_object() && order.contains("seed")) (*s)["config_hash"] = config_hash(order);
  nlohmann::json ckpts = nlohmann::json::object();
  for (const EpisodeRecord& r : *in.records) ckpts[r.key.policy] = r.checkpoint_hash;
  (*s)["checkpoints"] = ckpts;
}

void add_cells(const SummaryInput& in, nlohmann::json* s) {
  using Cell = std::tuple<std::string, std::string, std::string>;
  std::map<Cell, Counts> cells;
  std::map<Cell, std::map<int64_t, bool>> outcomes;
  std::map<Cell, std::map<int64_t, uint64_t>> episode_seeds;
  for (const EpisodeRecord& r : *in.records) {
    const Cell c{r.key.policy, r.key.task, r.key.split};
    cells[c].add(r);
    outcomes[c][r.key.index] = r.success;
    episode_seeds[c][r.key.index] = r.seed;
  }
  (*s)["cells"] = nlohmann::json::array();
  for (const auto& p : in.policies)
    for (const auto& t : in.tasks)
      for (const auto& sp : in.splits) {
        auto it = cells.find({p, t, sp});
        if (it == cells.end()) continue;
        nlohmann::json c = rate_json(it->second);
        c["policy"] = p;
        c["task"] = t;
        c["split"] = sp;
        c["errors"] = it->second.errors;
        nlohmann::json o = nlohmann::json::object();
        for (const auto& [i, ok] : outcomes[{p, t, sp}]) o[std::to_string(i)] = ok;
        c["outcomes"] = o;
        nlohmann::json seeds = nlohmann::json::object();
        for (const auto& [i, seed] : episode_seeds[{p, t, sp}]) seeds[std::to_string(i)] = seed;
        c["episode_seeds"] = seeds;
        (*s)["cells"].push_back(c);
      }
}

void add_by_split(const SummaryInput& in, nlohmann::json* s) {
  std::map<std::pair<std::string, std::string>, Counts> by_split;
  for (const EpisodeRecord& r : *in.records) by_split[{r.key.policy, r.key.split}].add(r);
  (*s)["by_split"] = nlohmann::json::array();
  for (const auto& p : in.policies)
    for (const auto& sp : in.splits) {
      auto it = by_split.find({p, sp});
      if (it == by_split.end()) continue;
      nlohmann::json c = rate_json(it->second);
      c["policy"] = p;
      c["split"] = sp;
      (*s)["by_split"].push_back(c);
    }
}

void add_ood_and_overall(const SummaryInput& in, nlohmann::json* s) {
  std::map<std::string, Counts> overall;
  for (const EpisodeRecord& r : *in.records) overall[r.key.policy].add(r);
  const std::map<std::string, Counts> ood = ood_counts(in);
  (*s)["ood"] = nlohmann::json::array();
  (*s)["overall"] = nlohmann::json::array();
  for (const auto& p : in.policies) {
    if (const auto it = ood.find(p); it != ood.end()) {
      nlohmann::json c = rate_json(it->second);
      c["policy"] = p;
      (*s)["ood"].push_back(c);
    }
    nlohmann::json c = rate_json(overall[p]);
    c["policy"] = p;
    (*s)["overall"].push_back(c);
  }
}

void add_paired(const SummaryInput& in, nlohmann::json* s) {
  // Paired outcomes: (task, split, index) -> policy -> success.
  std::map<std::tuple<std::string, std::string, int64_t>, std::map<std::string, bool>> paired;
  for (const EpisodeRecord& r : *in.records) paired[{r.key.task, r.key.split, r.key.index}][r.key.policy] = r.success;
  const std::vector<std::string>& policies = in.policies;
  // Paired comparisons on identical episodes, per split and pooled over the OOD splits.
  (*s)["paired"] = nlohmann::json::array();
  std::vector<std::string> scopes = in.splits;
  scopes.push_back("ood");
  // With `harmowam` in the run, only the pairs that include it (it against every other policy) and
  // the pairs of one policy type (checkpoints compared with each other); otherwise every pair.
  const bool has_harmowam = std::find(policies.begin(), policies.end(), "harmowam") != policies.end();
  for (size_t a = 0; a < policies.size(); ++a)
    for (size_t b = a + 1; b < policies.size(); ++b)
      for (const std::string& scope : scopes) {
        if (has_harmowam && policies[a] != "harmowam" && policies[b] != "harmowam" &&
            in.types.at(policies[a]) != in.types.at(policies[b]))
          continue;
        int64_t n = 0, a_only = 0, b_only = 0, sa = 0, sb = 0;
        for (const auto& [key, by_policy] : paired) {
          const std::string& sp = std::get<1>(key);
          if (scope == "ood" ? !in.ood.count(sp) : sp != scope) continue;
          auto ia = by_policy.find(policies[a]), ib = by_policy.find(policies[b]);
          if (ia == by_policy.end() || ib == by_policy.end()) continue;
          ++n;
          sa += ia->second;
          sb += ib->second;
          a_only += ia->second && !ib->second;
          b_only += !ia->second && ib->second;
        }
        if (n == 0) continue;
        (*s)["paired"].push_back({{"a", policies[a]},
                                  {"b", policies[b]},
                                  {"scope", scope},
                                  {"episodes", n},
                                  {"a_only", a_only},
                                  {"b_only", b_only},
                                  {"difference", static_cast<double>(sa - sb) / n},
                                  {"p_mcnemar", stats::mcnemar_exact_p(a_only, b_only)}});
      }
}

void add_headline(const SummaryInput& in, nlohmann::json* s) {
  // HarmoWAM vs the best VLA and the best WAM on the OOD splits.
  (*s)["headline"] = nullptr;
  const nlohmann::json& families = s->at("families");
  std::map<std::string, Counts> ood;
  for (const auto& row : s->at("ood")) {
    Counts& c = ood[row.at("policy").get<std::string>()];
    c.successes = row.at("successes").get<int64_t>();
    c.episodes = row.at("episodes").get<int64_t>();
  }
  std::string harmo;
  for (const auto& p : in.policies)
    if (families.at(p) == "harmowam" && ood.count(p) && (harmo.empty() || p == "harmowam")) harmo = p;
  if (harmo.empty()) return;
  nlohmann::json vs = nlohmann::json::array();
  const double h = static_cast<double>(ood[harmo].successes) / std::max<int64_t>(1, ood[harmo].episodes);
  for (const std::string fam : {"vla", "wam"}) {
    std::string best;
    double best_rate = -1;
    for (const auto& p : in.policies) {
      if (families.at(p) != fam || !ood.count(p)) continue;
      const double r = static_cast<double>(ood[p].successes) / std::max<int64_t>(1, ood[p].episodes);
      if (r > best_rate) best_rate = r, best = p;
    }
    if (best.empty()) continue;
    vs.push_back({{"family", fam},
                  {"policy", best},
                  {"harmowam_rate", h},
                  {"rate", best_rate},
                  {"points", 100 * (h - best_rate)},
                  {"relative_percent", best_rate > 0 ? nlohmann::json(100 * (h - best_rate) / best_rate) : nullptr}});
  }
  if (!vs.empty()) (*s)["headline"] = {{"harmowam", harmo}, {"vs", vs}};
}

void add_gate(const SummaryInput& in, nlohmann::json* s) {
  // Steps per (coarse phase, active expert), from the records' "gate_by_phase".
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::map<std::string, int64_t>>> gate;
  for (const EpisodeRecord& r : *in.records) {
    if (!r.diagnostics.is_object() || !r.diagnostics.contains("gate_by_phase")) continue;
    for (const auto& [phase, experts] : r.diagnostics.at("gate_by_phase").items())
      for (const auto& [expert, n] : experts.items())
        for (const std::string& t : {r.key.task, std::string("all")})
          gate[{r.key.policy, t}][phase][expert] += n.get<int64_t>();
  }
  // ... and per position in the executed chunk: (predictive steps, steps), from "gate_by_chunk_position".
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<int64_t, int64_t>>> gate_position;
  for (const EpisodeRecord& r : *in.records) {
    if (!r.diagnostics.is_object() || !r.diagnostics.contains("gate_by_chunk_position")) continue;
    const auto& positions = r.diagnostics.at("gate_by_chunk_position");
    for (size_t pos = 0; pos < positions.size(); ++pos)
      for (const auto& [expert, n] : positions[pos].items())
        for (const std::string& t : {r.key.task, std::string("all")}) {
          auto& v = gate_position[{r.key.policy, t}];
          if (v.size() <= pos) v.resize(pos + 1);
          v[pos].second += n.get<int64_t>();
          if (expert == "predictive") v[pos].first += n.get<int64_t>();
        }
  }
  (*s)["gate"] = nlohmann::json::array();
  std::vector<std::string> gate_tasks = in.tasks;
  gate_tasks.insert(gate_tasks.begin(), "all");
  for (const auto& p : in.policies)
    for (const auto& t : gate_tasks) {
      auto it = gate.find({p, t});
      if (it == gate.end()) continue;
      int64_t total = 0, agree = 0;
      // 2 x 2 table of (state phase is interaction, the predictive expert acted).
      std::map<std::pair<bool, bool>, int64_t> table;
      nlohmann::json row = {{"policy", p}, {"task", t}};
      nlohmann::json share = nlohmann::json::object();
      for (const auto& [phase, experts] : it->second) {
        nlohmann::json counts = nlohmann::json::object();
        int64_t in_phase = 0, predictive = 0;
        for (const auto& [expert, n] : experts) {
          counts[expert] = n;
          total += n;
          in_phase += n;
          predictive += expert == "predictive" ? n : 0;
          table[{phase == "interaction", expert == "predictive"}] += n;
          agree += (phase == "interaction" && expert == "predictive") || (phase == "transit" && expert == "reactive") ? n : 0;
        }
        row[phase] = counts;
        share[phase] = in_phase ? static_cast<double>(predictive) / in_phase : 0.0;
      }
      row["steps"] = total;
      int64_t interaction_steps = 0;
      if (it->second.count("interaction"))
        for (const auto& [expert, n] : it->second.at("interaction")) interaction_steps += n;
      row["interaction_fraction"] = total ? static_cast<double>(interaction_steps) / total : 0.0;
      row["predictive_share"] = share;
      row["agreement"] = total ? static_cast<double>(agree) / total : 0.0;
      row["kappa"] = kappa_json(
          stats::cohens_kappa(table[{true, true}], table[{true, false}], table[{false, true}], table[{false, false}]));
      if (auto pos = gate_position.find({p, t}); pos != gate_position.end()) {
        nlohmann::json by_position = nlohmann::json::array();
        for (const auto& [predictive, steps] : pos->second)
          by_position.push_back(steps ? nlohmann::json(static_cast<double>(predictive) / steps) : nlohmann::json(nullptr));
        row["predictive_share_by_chunk_position"] = by_position;
      }
      (*s)["gate"].push_back(row);
    }
}

void add_phase_labels(const SummaryInput& in, nlohmann::json* s) {
  // State phase labels against the acting policy's own plan labels (the scripted expert's stages),
  // from the records' "phase_per_step" and "plan_phase_per_step".
  struct LabelCounts {
    int64_t episodes = 0, steps = 0, state_interaction = 0, plan_interaction = 0, agree = 0;
    std::map<std::pair<bool, bool>, int64_t> table;  // (state interaction, plan interaction) -> steps
  };
  std::map<std::tuple<std::string, std::string, std::string>, LabelCounts> labels;
  for (const EpisodeRecord& r : *in.records) {
    if (!r.diagnostics.is_object() || !r.diagnostics.contains("phase_per_step") ||
        !r.diagnostics.contains("plan_phase_per_step"))
      continue;
    const std::string state = r.diagnostics.at("phase_per_step").get<std::string>();
    const std::string plan = r.diagnostics.at("plan_phase_per_step").get<std::string>();
    for (const std::string& sp : {r.key.split, std::string("all")}) {
      LabelCounts& c = labels[{r.key.policy, r.key.task, sp}];
      ++c.episodes;
      for (size_t k = 0; k < std::min(state.size(), plan.size()); ++k) {
        if (plan[k] != 'i' && plan[k] != 't') continue;
        const bool si = state[k] == 'i', pi = plan[k] == 'i';
        ++c.steps;
        c.state_interaction += si;
        c.plan_interaction += pi;
        c.agree += si == pi;
        ++c.table[{si, pi}];
      }
    }
  }
  (*s)["phase_labels"] = nlohmann::json::array();
  std::vector<std::string> label_splits = in.splits;
  label_splits.push_back("all");
  for (const auto& p : in.policies)
    for (const auto& t : in.tasks)
      for (const auto& sp : label_splits) {
        auto it = labels.find({p, t, sp});
        if (it == labels.end() || it->second.steps == 0) continue;
        LabelCounts& c = it->second;
        const double kappa = stats::cohens_kappa(c.table[{true, true}], c.table[{true, false}], c.table[{false, true}],
                                                 c.table[{false, false}]);
        const double n = static_cast<double>(c.steps);
        (*s)["phase_labels"].push_back({{"policy", p},
                                        {"task", t},
                                        {"split", sp},
                                        {"episodes", c.episodes},
                                        {"steps", c.steps},
                                        {"state_interaction_fraction", c.state_interaction / n},
                                        {"plan_interaction_fraction", c.plan_interaction / n},
                                        {"agreement", c.agree / n},
                                        {"kappa", kappa_json(kappa)}});
      }
}

void add_remote_latency(const SummaryInput& in, nlohmann::json* s) {
  // Remote policies: per-query round-trip latency (policies/remote.h episode summary).
  std::map<std::string, std::tuple<int64_t, int64_t, double, double>> latency;  // episodes, queries, sum, max
  for (const EpisodeRecord& r : *in.records) {
    if (!r.diagnostics.is_object() || !r.diagnostics.contains("latency_ms_mean")) continue;
    auto& [episodes, queries, sum, mx] = latency[r.key.policy];
    const int64_t q = r.diagnostics.value("queries", int64_t{0});
    episodes += 1;
    queries += q;
    sum += q * r.diagnostics.at("latency_ms_mean").get<double>();
    mx = std::max(mx, r.diagnostics.value("latency_ms_max", 0.0));
  }
  if (latency.empty()) return;  // absent without remote policies
  (*s)["remote_latency"] = nlohmann::json::array();
  for (const auto& [p, v] : latency) {
    const auto& [episodes, queries, sum, mx] = v;
    (*s)["remote_latency"].push_back({{"policy", p}, {"episodes", episodes}, {"queries", queries},
                                      {"latency_ms_mean", queries ? sum / queries : 0.0}, {"latency_ms_max", mx}});
  }
}

const std::vector<NamedSummaryMetric>& summary_metrics() {
  static const std::vector<NamedSummaryMetric> kMetrics = {
      {"episodes, errors", add_episode_counts},
      {"policies, tasks, splits, ood_splits, policy_types, families", add_names},
      {"base_seed, episodes_per_cell, config_hash, checkpoints", add_identity},
      {"cells", add_cells},
      {"by_split", add_by_split},
      {"ood, overall", add_ood_and_overall},
      {"paired", add_paired},
      {"headline", add_headline},
      {"gate", add_gate},
      {"phase_labels", add_phase_labels},
      {"remote_latency", add_remote_latency},
  };
  return kMetrics;
}

}  // namespace wambench
