// summary.json schema:
// {
//   "episodes": N, "errors": E, "policies": [...], "tasks": [...], "splits": [...],
//   (a "policy" everywhere below is the sweep's label of a policy entry: its name unless the config
//   gave a label, eval/config.h)
//   "policy_types": {"<policy>": "<registered policy type>"},
//   "families": {"<policy>": "vla" | ...}                                       (of its policy type),
//   "cells": [{"policy", "task", "split", "successes", "episodes", "errors", "rate", "ci95": [lo, hi],
//              "outcomes": {"<episode index>": true | false},
//              "episode_seeds": {"<episode index>": episode_seed(base, task, split, index)}}],
//   "base_seed": S, "episodes_per_cell": N, "config_hash": "<16 hex>"   (from the run's config; absent
//              when summarized without one; config_hash covers what decides the episodes and outcomes,
//              i.e. the config without workers / record_video / record_trajectories)
//   "checkpoints": {"<policy>": "<checkpoint hash>"}, "code_version": {"version", "git_commit"}
//              (code_version from manifest.json; absent without one). Summaries written before these
//              fields existed lack them; `wambench compare` then compares unpaired.
//   "by_split": [{"policy", "split", "successes", "episodes", "rate", "ci95"}]   (pooled over tasks)
//   "ood": [{"policy", "successes", "episodes", "rate", "ci95"}]                 (pooled over ood_splits())
//   "overall": [{"policy", ...}]                                                 (every split)
//   "paired": [{"a", "b", "scope", "episodes", "a_only", "b_only", "difference", "p_mcnemar"}]
//             (with a `harmowam` row: the pairs that include it and the pairs of one policy type;
//             otherwise every pair)
//   "headline": {"harmowam", "vs": [{"family", "policy", "points", "relative_percent"}]} | null
//   "gate": [{"policy", "task" | "all", "transit": {"<expert>": steps}, "interaction": {...}, "steps",
//             "interaction_fraction", "predictive_share": {"transit", "interaction"}, "agreement",
//             "kappa" (Cohen's; null when undefined), "predictive_share_by_chunk_position": [share of the
//             steps at the k-th executed action of a chunk in which the predictive expert acted (null: none)],
//             when the records carry "gate_by_chunk_position"}]               (HarmoWAM variants)
//     phases are the state phase labels (tasks/phase_labeller.h) of the steps each expert acted in.
//   "phase_labels": [{"policy", "task", "split" | "all", "episodes", "steps", "state_interaction_fraction",
//             "plan_interaction_fraction", "agreement", "kappa"}]   (policies reporting their own plan
//             labels, i.e. the scripted expert: its plan against the state labels, step by step)
//   "remote_latency": [{"policy", "episodes", "queries", "latency_ms_mean", "latency_ms_max"}]
//             (remote policies: round-trip time per query, from the records' "latency_ms_mean" /
//             "latency_ms_max" / "queries"; the mean is weighted by queries)
// }
#include "eval/config.h"
#include "eval/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "eval/stats.h"
#include "eval/store.h"

namespace wambench {
namespace {

struct Counts {
  int64_t successes = 0, episodes = 0, errors = 0;
};

nlohmann::json rate_json(const Counts& c) {
  const stats::Interval ci = stats::wilson_interval(c.successes, c.episodes);
  return {{"successes", c.successes}, {"episodes", c.episodes}, {"rate", ci.estimate}, {"ci95", {ci.lo, ci.hi}}};
}

void append_unique(std::vector<std::string>* v, const std::string& s) {
  if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(s);
}

std::string pct(double x, int digits = 1) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << 100.0 * x;
  return s.str();
}

// "83.3 [70.2, 91.1]"
std::string rate_cell(const nlohmann::json& j) {
  if (j.is_null()) return "–";
  const auto ci = j.at("ci95");
  return pct(j.at("rate").get<double>()) + " [" + pct(ci[0].get<double>(), 0) + ", " + pct(ci[1].get<double>(), 0) +
         "]";
}

const nlohmann::json* find_row(const nlohmann::json& rows, const std::map<std::string, std::string>& match) {
  for (const auto& r : rows) {
    bool ok = true;
    for (const auto& [k, v] : match) ok &= r.value(k, "") == v;
    if (ok) return &r;
  }
  return nullptr;
}

}  // namespace

const std::vector<std::string>& ood_splits() {
  static const std::vector<std::string> kOod = {"unseen_background", "unseen_position", "unseen_object"};
  return kOod;
}

std::string policy_family(const std::string& p) {
  if (p == "scripted") return "oracle";
  if (p == "bc_state") return "privileged";
  if (p == "vla" || p.rfind("vla_", 0) == 0) return "vla";
  if (p.rfind("harmowam_gate_", 0) == 0) return "harmowam_ablation";
  if (p == "harmowam" || p.rfind("harmowam_", 0) == 0) return "harmowam";
  if (p.rfind("wam", 0) == 0 || p == "aha_wam") return "wam";
  return "other";
}

nlohmann::json summarize(const std::vector<EpisodeRecord>& records, const nlohmann::json& order) {
  std::vector<std::string> policies, tasks, splits;
  auto seed_order = [&](const char* key, std::vector<std::string>* out) {
    if (order.is_object() && order.contains(key))
      for (const auto& e : order.at(key))
        out->push_back(e.is_object() ? e.value("label", e.at("name").get<std::string>()) : e.get<std::string>());
  };
  seed_order("policies", &policies);
  seed_order("tasks", &tasks);
  seed_order("splits", &splits);
  std::map<std::tuple<std::string, std::string, std::string>, Counts> cells;
  std::map<std::tuple<std::string, std::string, std::string>, std::map<int64_t, bool>> outcomes;
  std::map<std::tuple<std::string, std::string, std::string>, std::map<int64_t, uint64_t>> episode_seeds;
  std::map<std::string, std::string> checkpoints, types;
  std::map<std::pair<std::string, std::string>, Counts> by_split;
  std::map<std::string, Counts> ood, overall;
  // Paired outcomes: (task, split, index) -> policy -> success.
  std::map<std::tuple<std::string, std::string, int64_t>, std::map<std::string, bool>> paired;
  int64_t errors = 0;
  const std::set<std::string> ood_set(ood_splits().begin(), ood_splits().end());
  for (const EpisodeRecord& r : records) {
    const auto& k = r.key;
    append_unique(&policies, k.policy);
    append_unique(&tasks, k.task);
    append_unique(&splits, k.split);
    for (Counts* c : {&cells[{k.policy, k.task, k.split}], &by_split[{k.policy, k.split}], &overall[k.policy]}) {
      c->episodes++;
      c->successes += r.success;
      c->errors += r.status == "error";
    }
    if (ood_set.count(k.split)) {
      ood[k.policy].episodes++;
      ood[k.policy].successes += r.success;
    }
    outcomes[{k.policy, k.task, k.split}][k.index] = r.success;
    episode_seeds[{k.policy, k.task, k.split}][k.index] = r.seed;
    checkpoints[k.policy] = r.checkpoint_hash;
    types[k.policy] = r.policy_type.empty() ? k.policy : r.policy_type;
    paired[{k.task, k.split, k.index}][k.policy] = r.success;
    errors += r.status == "error";
  }
  // Keep only names that occur.
  auto occurring = [](std::vector<std::string> names, const std::set<std::string>& seen) {
    std::vector<std::string> out;
    for (const auto& n : names)
      if (seen.count(n) && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
    return out;
  };
  std::set<std::string> seen_p, seen_t, seen_s;
  for (const EpisodeRecord& r : records) {
    seen_p.insert(r.key.policy);
    seen_t.insert(r.key.task);
    seen_s.insert(r.key.split);
  }
  policies = occurring(policies, seen_p);
  tasks = occurring(tasks, seen_t);
  splits = occurring(splits, seen_s);

  nlohmann::json s;
  s["episodes"] = records.size();
  s["errors"] = errors;
  s["policies"] = policies;
  s["tasks"] = tasks;
  s["splits"] = splits;
  s["ood_splits"] = ood_splits();
  nlohmann::json policy_types = nlohmann::json::object(), families = nlohmann::json::object();
  for (const auto& p : policies) {
    policy_types[p] = types.at(p);
    families[p] = policy_family(types.at(p));
  }
  s["policy_types"] = policy_types;
  s["families"] = families;
  // What identifies the episodes and the code, for `wambench compare` (eval/compare.h).
  if (order.is_object() && order.contains("seed")) s["base_seed"] = order.at("seed");
  if (order.is_object() && order.contains("episodes")) s["episodes_per_cell"] = order.at("episodes");
  if (order.is_object() && order.contains("seed")) s["config_hash"] = config_hash(order);
  nlohmann::json ckpts = nlohmann::json::object();
  for (const auto& [p, h] : checkpoints) ckpts[p] = h;
  s["checkpoints"] = ckpts;
  s["cells"] = nlohmann::json::array();
  for (const auto& p : policies)
    for (const auto& t : tasks)
      for (const auto& sp : splits) {
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
        s["cells"].push_back(c);
      }
  s["by_split"] = nlohmann::json::array();
  for (const auto& p : policies)
    for (const auto& sp : splits) {
      auto it = by_split.find({p, sp});
      if (it == by_split.end()) continue;
      nlohmann::json c = rate_json(it->second);
      c["policy"] = p;
      c["split"] = sp;
      s["by_split"].push_back(c);
    }
  s["ood"] = nlohmann::json::array();
  s["overall"] = nlohmann::json::array();
  for (const auto& p : policies) {
    if (ood.count(p)) {
      nlohmann::json c = rate_json(ood[p]);
      c["policy"] = p;
      s["ood"].push_back(c);
    }
    nlohmann::json c = rate_json(overall[p]);
    c["policy"] = p;
    s["overall"].push_back(c);
  }
  // Paired comparisons on identical episodes, per split and pooled over the OOD splits.
  s["paired"] = nlohmann::json::array();
  std::vector<std::string> scopes = splits;
  scopes.push_back("ood");
  // With `harmowam` in the run, only the pairs that include it (it against every other policy) and
  // the pairs of one policy type (checkpoints compared with each other); otherwise every pair.
  const bool has_harmowam = std::find(policies.begin(), policies.end(), "harmowam") != policies.end();
  for (size_t a = 0; a < policies.size(); ++a)
    for (size_t b = a + 1; b < policies.size(); ++b)
      for (const std::string& scope : scopes) {
        if (has_harmowam && policies[a] != "harmowam" && policies[b] != "harmowam" &&
            types.at(policies[a]) != types.at(policies[b]))
          continue;
        int64_t n = 0, a_only = 0, b_only = 0, sa = 0, sb = 0;
        for (const auto& [key, by_policy] : paired) {
          const std::string& sp = std::get<1>(key);
          if (scope == "ood" ? !ood_set.count(sp) : sp != scope) continue;
          auto ia = by_policy.find(policies[a]), ib = by_policy.find(policies[b]);
          if (ia == by_policy.end() || ib == by_policy.end()) continue;
          ++n;
          sa += ia->second;
          sb += ib->second;
          a_only += ia->second && !ib->second;
          b_only += !ia->second && ib->second;
        }
        if (n == 0) continue;
        s["paired"].push_back({{"a", policies[a]},
                               {"b", policies[b]},
                               {"scope", scope},
                               {"episodes", n},
                               {"a_only", a_only},
                               {"b_only", b_only},
                               {"difference", static_cast<double>(sa - sb) / n},
                               {"p_mcnemar", stats::mcnemar_exact_p(a_only, b_only)}});
      }
  // Headline: HarmoWAM vs the best VLA and the best WAM on the OOD splits.
  s["headline"] = nullptr;
  std::string harmo;
  for (const auto& p : policies)
    if (families[p] == "harmowam" && ood.count(p) && (harmo.empty() || p == "harmowam")) harmo = p;
  if (!harmo.empty()) {
    nlohmann::json vs = nlohmann::json::array();
    const double h = static_cast<double>(ood[harmo].successes) / std::max<int64_t>(1, ood[harmo].episodes);
    for (const std::string fam : {"vla", "wam"}) {
      std::string best;
      double best_rate = -1;
      for (const auto& p : policies) {
        if (families[p] != fam || !ood.count(p)) continue;
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
    if (!vs.empty()) s["headline"] = {{"harmowam", harmo}, {"vs", vs}};
  }
  // Gate diagnostics: steps per (coarse phase, active expert), from the records' "gate_by_phase".
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::map<std::string, int64_t>>> gate;
  for (const EpisodeRecord& r : records) {
    if (!r.diagnostics.is_object() || !r.diagnostics.contains("gate_by_phase")) continue;
    for (const auto& [phase, experts] : r.diagnostics.at("gate_by_phase").items())
      for (const auto& [expert, n] : experts.items())
        for (const std::string& t : {r.key.task, std::string("all")})
          gate[{r.key.policy, t}][phase][expert] += n.get<int64_t>();
  }
  // ... and per position in the executed chunk: (predictive steps, steps), from "gate_by_chunk_position".
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<int64_t, int64_t>>> gate_position;
  for (const EpisodeRecord& r : records) {
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
  s["gate"] = nlohmann::json::array();
  std::vector<std::string> gate_tasks = tasks;
  gate_tasks.insert(gate_tasks.begin(), "all");
  for (const auto& p : policies)
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
      const double kappa =
          stats::cohens_kappa(table[{true, true}], table[{true, false}], table[{false, true}], table[{false, false}]);
      row["kappa"] = std::isnan(kappa) ? nlohmann::json(nullptr) : nlohmann::json(kappa);
      if (auto pos = gate_position.find({p, t}); pos != gate_position.end()) {
        nlohmann::json by_position = nlohmann::json::array();
        for (const auto& [predictive, steps] : pos->second)
          by_position.push_back(steps ? nlohmann::json(static_cast<double>(predictive) / steps) : nlohmann::json(nullptr));
        row["predictive_share_by_chunk_position"] = by_position;
      }
      s["gate"].push_back(row);
    }
  // State phase labels against the acting policy's own plan labels (the scripted expert's stages),
  // from the records' "phase_per_step" and "plan_phase_per_step".
  struct LabelCounts {
    int64_t episodes = 0, steps = 0, state_interaction = 0, plan_interaction = 0, agree = 0;
    std::map<std::pair<bool, bool>, int64_t> table;  // (state interaction, plan interaction) -> steps
  };
  std::map<std::tuple<std::string, std::string, std::string>, LabelCounts> labels;
  for (const EpisodeRecord& r : records) {
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
  s["phase_labels"] = nlohmann::json::array();
  std::vector<std::string> label_splits = splits;
  label_splits.push_back("all");
  for (const auto& p : policies)
    for (const auto& t : tasks)
      for (const auto& sp : label_splits) {
        auto it = labels.find({p, t, sp});
        if (it == labels.end() || it->second.steps == 0) continue;
        LabelCounts& c = it->second;
        const double kappa = stats::cohens_kappa(c.table[{true, true}], c.table[{true, false}], c.table[{false, true}],
                                                 c.table[{false, false}]);
        const double n = static_cast<double>(c.steps);
        s["phase_labels"].push_back({{"policy", p},
                                     {"task", t},
                                     {"split", sp},
                                     {"episodes", c.episodes},
                                     {"steps", c.steps},
                                     {"state_interaction_fraction", c.state_interaction / n},
                                     {"plan_interaction_fraction", c.plan_interaction / n},
                                     {"agreement", c.agree / n},
                                     {"kappa", std::isnan(kappa) ? nlohmann::json(nullptr) : nlohmann::json(kappa)}});
      }
  // Remote policies: per-query round-trip latency (policies/remote.h episode summary).
  std::map<std::string, std::tuple<int64_t, int64_t, double, double>> latency;  // episodes, queries, sum, max
  for (const EpisodeRecord& r : records) {
    if (!r.diagnostics.is_object() || !r.diagnostics.contains("latency_ms_mean")) continue;
    auto& [episodes, queries, sum, mx] = latency[r.key.policy];
    const int64_t q = r.diagnostics.value("queries", int64_t{0});
    episodes += 1;
    queries += q;
    sum += q * r.diagnostics.at("latency_ms_mean").get<double>();
    mx = std::max(mx, r.diagnostics.value("latency_ms_max", 0.0));
  }
  if (!latency.empty()) s["remote_latency"] = nlohmann::json::array();  // absent without remote policies
  for (const auto& [p, v] : latency) {
    const auto& [episodes, queries, sum, mx] = v;
    s["remote_latency"].push_back({{"policy", p}, {"episodes", episodes}, {"queries", queries},
                                   {"latency_ms_mean", queries ? sum / queries : 0.0}, {"latency_ms_max", mx}});
  }
  return s;
}

namespace {
// The registered policy type of a row's label (the label itself in summaries written before labels).
std::string policy_type_of(const nlohmann::json& s, const std::string& p) {
  if (s.contains("policy_types") && s.at("policy_types").contains(p)) return s.at("policy_types").at(p).get<std::string>();
  return p;
}

// A table's policy cell: the label (with its policy type where they differ), marked where the policy
// reads the simulator's privileged state.
std::string policy_cell(const nlohmann::json& s, const std::string& p) {
  const std::string type = policy_type_of(s, p);
  const std::string f = policy_family(type);
  return "`" + p + "`" + (type != p ? " (`" + type + "`)" : "") + (f == "oracle" || f == "privileged" ? " (privileged)" : "");
}
}  // namespace

std::string render_report_md(const nlohmann::json& s, const std::string& plot_file) {
  std::ostringstream md;
  const auto policies = s.at("policies").get<std::vector<std::string>>();
  const auto tasks = s.at("tasks").get<std::vector<std::string>>();
  const auto splits = s.at("splits").get<std::vector<std::string>>();
  md << "# Evaluation report\n\n"
     << s.at("episodes").get<int64_t>() << " episodes (" << s.at("errors").get<int64_t>()
     << " ended in an error and count as failures). Cells: success rate in % with the Wilson 95 % interval "
        "[lo, hi]. ID = `train`; OOD = the pooled `unseen_background`, `unseen_position` and `unseen_object` "
        "episodes (the paper's three test environments); `unseen_all` changes all three axes at once; overall = every "
        "episode of the run.\n\n";
  bool labelled = false;
  for (const auto& p : policies) labelled |= policy_type_of(s, p) != p;
  if (labelled) {
    md << "Rows are labelled policy entries; several may share a policy type (e.g. two checkpoints of it), "
          "all on identical episodes.\n\n| label | policy type | checkpoint (SHA-256) |\n|---|---|---|\n";
    for (const auto& p : policies) {
      const std::string hash =
          s.contains("checkpoints") && s.at("checkpoints").contains(p) ? s.at("checkpoints").at(p).get<std::string>() : "unknown";
      md << "| `" << p << "` | `" << policy_type_of(s, p) << "` | " << hash << " |\n";
    }
    md << "\n";
  }
  md << "## Success rate by split (all tasks)\n\n| policy |";
  for (const auto& sp : splits) md << " " << (sp == "train" ? "ID (train)" : sp) << " |";
  md << " OOD | overall |\n|---|";
  for (size_t i = 0; i <= splits.size() + 1; ++i) md << "---|";
  md << "\n";
  for (const auto& p : policies) {
    md << "| " << policy_cell(s, p) << " |";
    for (const auto& sp : splits) {
      const auto* r = find_row(s.at("by_split"), {{"policy", p}, {"split", sp}});
      md << " " << (r ? rate_cell(*r) : "–") << " |";
    }
    const auto* o = find_row(s.at("ood"), {{"policy", p}});
    const auto* all = find_row(s.at("overall"), {{"policy", p}});
    md << " " << (o ? rate_cell(*o) : "–") << " | " << (all ? rate_cell(*all) : "–") << " |\n";
  }
  if (!plot_file.empty()) md << "\n![success rate by split, 95 % Wilson intervals](" << plot_file << ")\n";
  md << "\n## Headline\n\n";
  if (s.at("headline").is_null()) {
    md << "Not available: the headline compares `harmowam` with the best VLA and the best WAM baseline on the OOD "
          "splits, and this run lacks ";
    const auto& fam = s.at("families");
    bool has_h = false, has_b = false;
    for (const auto& [p, f] : fam.items()) {
      has_h |= f == "harmowam";
      has_b |= f == "vla" || f == "wam";
    }
    md << (!has_h && !has_b ? "both" : !has_h ? "`harmowam`" : "a VLA / WAM baseline") << ".\n";
  } else {
    const auto& h = s.at("headline");
    for (const auto& v : h.at("vs")) {
      md << "- `" << h.at("harmowam").get<std::string>() << "` vs the best " << (v.at("family") == "vla" ? "VLA" : "WAM")
         << " (`" << v.at("policy").get<std::string>() << "`) on OOD: " << std::showpos << std::fixed
         << std::setprecision(1) << v.at("points").get<double>() << std::noshowpos << " points absolute ("
         << pct(v.at("harmowam_rate").get<double>()) << " % vs " << pct(v.at("rate").get<double>()) << " %)";
      if (!v.at("relative_percent").is_null())
        md << ", relative " << std::showpos << std::setprecision(1) << v.at("relative_percent").get<double>()
           << std::noshowpos << " %";
      md << ".\n";
    }
  }
  md << "\n## Per task\n";
  for (const auto& t : tasks) {
    md << "\n### `" << t << "`\n\n| policy |";
    for (const auto& sp : splits) md << " " << sp << " |";
    md << "\n|---|";
    for (size_t i = 0; i < splits.size(); ++i) md << "---|";
    md << "\n";
    for (const auto& p : policies) {
      md << "| " << policy_cell(s, p) << " |";
      for (const auto& sp : splits) {
        const auto* r = find_row(s.at("cells"), {{"policy", p}, {"task", t}, {"split", sp}});
        md << " " << (r ? rate_cell(*r) + (r->at("errors").get<int64_t>() ? " (" + std::to_string(r->at("errors").get<int64_t>()) + " errors)" : "") : "–") << " |";
      }
      md << "\n";
    }
  }
  auto percent = [](const nlohmann::json& v) -> std::string {
    std::ostringstream o;
    o << std::fixed << std::setprecision(1) << 100 * v.get<double>() << " %";
    return o.str();
  };
  auto kappa_cell = [](const nlohmann::json& v) -> std::string {
    if (v.is_null()) return "–";
    std::ostringstream o;
    o << std::fixed << std::setprecision(2) << v.get<double>();
    return o.str();
  };
  if (s.contains("gate") && !s.at("gate").empty()) {
    md << "\n## Gate diagnostics\n\n"
          "Executed steps by the task's coarse phase and by the expert that acted. The phase of a step is the state "
          "phase label of the state it ended in (`transit` / `interaction`, computed from the simulator state by "
          "the task's labeller, `tasks/<task>.h`, the same for every policy), never a scripted expert's plan. "
          "Interaction = the share of steps labelled `interaction`; % predictive = the share of a phase's steps in "
          "which the predictive expert acted. Agreement: the share of steps where the predictive expert acted in "
          "`interaction` or the reactive expert in `transit` (the roles of the HarmoWAM abstract); κ = Cohen's kappa "
          "of that agreement, corrected for chance (0: the gate's choice is unrelated to the phase, e.g. a gate "
          "that alternates with the position in the action chunk; 1: it follows the phase exactly; – when "
          "undefined). The learned gate never sees the labels. By chunk position: % predictive at the 1st, 2nd, ... "
          "executed action of each chunk, all phases together (a gate that follows the phase gives about the same "
          "share at every position; one that follows the chunk's structure, a sawtooth).\n\n"
          "| policy | task | steps | interaction | transit: % predictive | interaction: % predictive | agreement | κ | "
          "by chunk position: % predictive |\n"
          "|---|---|---|---|---|---|---|---|---|\n";
    auto share = [](const nlohmann::json& row, const char* phase) -> std::string {
      if (!row.contains(phase)) return "–";
      int64_t pred = 0, all = 0;
      for (const auto& [expert, n] : row.at(phase).items()) {
        all += n.get<int64_t>();
        if (expert == "predictive") pred += n.get<int64_t>();
      }
      std::ostringstream o;
      o << std::fixed << std::setprecision(1) << (all ? 100.0 * pred / all : 0.0) << " % of " << all;
      return o.str();
    };
    auto by_position = [](const nlohmann::json& row) -> std::string {
      if (!row.contains("predictive_share_by_chunk_position")) return "–";
      std::ostringstream o;
      o << std::fixed << std::setprecision(0);
      bool first = true;
      for (const auto& v : row.at("predictive_share_by_chunk_position")) {
        o << (first ? "" : " / ");
        first = false;
        if (v.is_null()) o << "–";
        else o << 100.0 * v.get<double>();
      }
      return o.str();
    };
    for (const auto& row : s.at("gate"))
      md << "| `" << row.at("policy").get<std::string>() << "` | " << row.at("task").get<std::string>() << " | "
         << row.at("steps") << " | " << percent(row.at("interaction_fraction")) << " | " << share(row, "transit")
         << " | " << share(row, "interaction") << " | " << percent(row.at("agreement")) << " | "
         << kappa_cell(row.at("kappa")) << " | " << by_position(row) << " |\n";
  }
  if (s.contains("phase_labels") && !s.at("phase_labels").empty()) {
    md << "\n## State phase labels vs the expert's plan\n\n"
          "For policies that report their own plan labels (the scripted expert's stages, the \"expert plan\" "
          "series): per step, the state label (`tasks/<task>.h`) against the plan's coarse label. Interaction = the "
          "share of steps each labels `interaction`; agreement = the share of steps with the same coarse label; "
          "κ = Cohen's kappa. The plan labels are shown for validation only and never used to judge a policy.\n\n"
          "| policy | task | split | episodes | steps | interaction (state) | interaction (plan) | agreement | κ |\n"
          "|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& row : s.at("phase_labels"))
      md << "| `" << row.at("policy").get<std::string>() << "` | " << row.at("task").get<std::string>() << " | "
         << row.at("split").get<std::string>() << " | " << row.at("episodes") << " | " << row.at("steps") << " | "
         << percent(row.at("state_interaction_fraction")) << " | " << percent(row.at("plan_interaction_fraction"))
         << " | " << percent(row.at("agreement")) << " | " << kappa_cell(row.at("kappa")) << " |\n";
  }
  md << "\n## Paired comparisons (identical episodes, exact McNemar test)\n\n";
  if (s.at("paired").empty()) {
    md << "One policy only: nothing to compare.\n";
  } else {
    md << "| A | B | split | episodes | only A solved | only B solved | A − B (points) | p |\n|---|---|---|---|---|---|---|---|\n";
    for (const auto& c : s.at("paired")) {
      md << "| `" << c.at("a").get<std::string>() << "` | `" << c.at("b").get<std::string>() << "` | "
         << c.at("scope").get<std::string>() << " | " << c.at("episodes") << " | " << c.at("a_only") << " | "
         << c.at("b_only") << " | " << std::showpos << std::fixed << std::setprecision(1)
         << 100 * c.at("difference").get<double>() << std::noshowpos << " | " << std::setprecision(4)
         << c.at("p_mcnemar").get<double>() << " |\n";
    }
  }
  if (s.contains("remote_latency") && !s.at("remote_latency").empty()) {
    md << "\n## Remote policy latency\n\nRound trip per query (encode, websocket, server, decode), ms.\n\n"
       << "| policy | episodes | queries | mean | max |\n| --- | --- | --- | --- | --- |\n";
    for (const auto& row : s.at("remote_latency")) {
      char line[256];
      std::snprintf(line, sizeof line, "| %s | %lld | %lld | %.2f | %.2f |\n", row.at("policy").get<std::string>().c_str(),
                    static_cast<long long>(row.at("episodes").get<int64_t>()),
                    static_cast<long long>(row.at("queries").get<int64_t>()), row.at("latency_ms_mean").get<double>(),
                    row.at("latency_ms_max").get<double>());
      md << line;
    }
  }
  return md.str();
}

namespace {

// A word for /bin/sh: single-quoted, each ' written as '\''.
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

bool gnuplot_found() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

bool run_gnuplot(const std::string& script, const std::string& work_dir) {
  if (!gnuplot_found()) return false;
  const std::string abs_script = std::filesystem::absolute(script).string();
  const std::string cd = work_dir.empty() ? "" : "cd " + shell_quote(work_dir) + " && ";
  return std::system((cd + "gnuplot " + shell_quote(abs_script) + " > /dev/null 2>&1").c_str()) == 0;
}

namespace {

// Grouped bars (one group per split, one bar per policy) with Wilson intervals, as SVG.
bool plot_success_by_split(const nlohmann::json& s, const std::string& dir, const std::string& svg) {
  if (!gnuplot_found()) return false;
  const auto policies = s.at("policies").get<std::vector<std::string>>();
  const auto splits = s.at("splits").get<std::vector<std::string>>();
  const std::string data = (std::filesystem::path(dir) / "success_by_split.dat").string();
  const std::string script = (std::filesystem::path(dir) / "success_by_split.gp").string();
  {
    std::ofstream d(data);
    for (const auto& sp : splits) {
      d << sp;
      for (const auto& p : policies) {
        const auto* r = find_row(s.at("by_split"), {{"policy", p}, {"split", sp}});
        if (r)
          d << " " << 100 * r->at("rate").get<double>() << " " << 100 * r->at("ci95")[0].get<double>() << " "
            << 100 * r->at("ci95")[1].get<double>();
        else
          d << " NaN NaN NaN";
      }
      d << "\n";
    }
    std::ofstream g(script);
    g << "set terminal svg size 900,420 dynamic font 'sans,12'\n"
      << "set output '" << (std::filesystem::path(dir) / svg).string() << "'\n"
      << "set style data histogram\nset style histogram errorbars gap 2 lw 1\nset style fill solid 0.7 border -1\n"
      << "set yrange [0:105]\nset ylabel 'success rate (%)'\nset grid ytics\nset key outside right top\n"
      << "set xtics noenhanced rotate by -20\nset bmargin 5\nset key noenhanced\nset title 'Success rate by split (95 % Wilson intervals)'\n"
      << "plot ";
    for (size_t i = 0; i < policies.size(); ++i) {
      const size_t c = 2 + 3 * i;
      g << (i ? ", '' " : "'" + data + "' ") << "using " << c << ":" << c + 1 << ":" << c + 2
        << (i == 0 ? ":xtic(1)" : "") << " title '" << policies[i] << "'";
    }
    g << "\n";
  }
  return run_gnuplot(script) && std::filesystem::exists(std::filesystem::path(dir) / svg);
}

}  // namespace

nlohmann::json write_report(const std::string& dir) {
  const auto records = read_episode_records((std::filesystem::path(dir) / "episodes.jsonl").string());
  if (records.empty()) throw std::runtime_error("'" + dir + "' holds no finished episodes yet");
  nlohmann::json order = nlohmann::json::object(), code = nullptr;
  std::ifstream mf(std::filesystem::path(dir) / "manifest.json");
  if (mf) {
    try {
      const nlohmann::json manifest = nlohmann::json::parse(mf);
      order = manifest.value("config", nlohmann::json::object());
      if (manifest.contains("wambench") && manifest.at("wambench").is_object())
        code = {{"version", manifest.at("wambench").value("version", "")},
                {"git_commit", manifest.at("wambench").value("git_commit", "")}};
    } catch (const nlohmann::json::exception&) {
      order = nlohmann::json::object();  // a damaged manifest only loses the table order (and identities)
    }
  }
  nlohmann::json summary = summarize(records, order);
  if (!code.is_null()) summary["code_version"] = code;
  const std::string svg = "success_by_split.svg";
  const bool plotted = plot_success_by_split(summary, dir, svg);
  std::ofstream(std::filesystem::path(dir) / "summary.json") << summary.dump(2) << "\n";
  std::string md = render_report_md(summary, plotted ? svg : "");
  if (!plotted) md += "\n(No plot: gnuplot was not found.)\n";
  std::ofstream(std::filesystem::path(dir) / "report.md") << md;
  return summary;
}

}  // namespace wambench
