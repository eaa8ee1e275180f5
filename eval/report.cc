// summary.json schema (each group of fields written by one aggregation of eval/summary_metrics.h):
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

#include "eval/store.h"
#include "eval/summary_metrics.h"
#include "policies/policy.h"

namespace wambench {
namespace {

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

nlohmann::json summarize(const std::vector<EpisodeRecord>& records, const nlohmann::json& order) {
  const SummaryInput in = make_summary_input(records, order);
  nlohmann::json s = nlohmann::json::object();
  for (const NamedSummaryMetric& m : summary_metrics()) m.add(in, &s);
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
  const std::string f = policy_info(type).family;
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
