#include "bridge/correlate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "eval/report.h"
#include "eval/store.h"
#include "sim/random.h"

namespace wambench {

namespace fs = std::filesystem;

namespace {

void check_paired(const std::vector<double>& x, const std::vector<double>& y, const char* what) {
  if (x.size() != y.size())
    throw std::invalid_argument(std::string(what) + ": the two samples differ in length (" +
                                std::to_string(x.size()) + " vs " + std::to_string(y.size()) + ")");
  for (size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i]) || !std::isfinite(y[i]))
      throw std::invalid_argument(std::string(what) + ": non-finite value at index " + std::to_string(i));
}

bool all_equal(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [&](double x) { return x == v.front(); });
}

}  // namespace

std::optional<double> pearson_r(const std::vector<double>& x, const std::vector<double>& y) {
  check_paired(x, y, "pearson_r");
  // Constant samples are detected exactly: the mean of equal rates is not always exactly that
  // rate in floating point (0.1 * 3 / 3), which would leave a tiny spurious variance.
  if (x.size() < 2 || all_equal(x) || all_equal(y)) return std::nullopt;
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) mx += x[i], my += y[i];
  mx /= n, my /= n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

std::optional<double> mean_maximum_rank_violation(const std::vector<double>& sim,
                                                  const std::vector<double>& real) {
  check_paired(sim, real, "mean_maximum_rank_violation");
  if (sim.size() < 2) return std::nullopt;
  double total = 0;
  for (size_t i = 0; i < sim.size(); ++i) {
    double worst = 0;
    for (size_t j = 0; j < sim.size(); ++j)
      if ((sim[i] > sim[j]) != (real[i] > real[j])) worst = std::max(worst, std::abs(real[i] - real[j]));
    total += worst;
  }
  return total / static_cast<double>(sim.size());
}

namespace {

using CellKey = std::pair<std::string, std::string>;  // (policy, task)
/// Records of one run: cell -> split -> records in file order.
using RunIndex = std::map<CellKey, std::map<std::string, std::vector<const EpisodeRecord*>>>;

RunIndex index_run(const std::vector<EpisodeRecord>& records, const char* run) {
  RunIndex index;
  for (const EpisodeRecord& r : records) {
    const bool known = r.status == "success" || r.status == "failure" || r.status == "error";
    const std::string where = std::string(run) + " run, " + r.key.policy + " / " + r.key.task + " / " +
                              r.key.split + " episode " + std::to_string(r.key.index);
    if (!known)
      throw std::invalid_argument("malformed record in the " + where + ": status '" + r.status +
                                  "' (valid: success, failure, error)");
    if (r.success != (r.status == "success"))
      throw std::invalid_argument("malformed record in the " + where + ": success is " +
                                  (r.success ? "true" : "false") + " but status is '" + r.status + "'");
    index[{r.key.policy, r.key.task}][r.key.split].push_back(&r);
  }
  return index;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

/// The run's cells, the first 10 named.
std::string list_cells(const RunIndex& index) {
  std::vector<std::string> names;
  for (const auto& [key, splits] : index) {
    if (names.size() == 10) {
      names.push_back("and " + std::to_string(index.size() - 10) + " more");
      break;
    }
    names.push_back(key.first + " / " + key.second);
  }
  return names.empty() ? "none" : join(names, ", ");
}

std::set<std::string> splits_of(const RunIndex& index) {
  std::set<std::string> out;
  for (const auto& [key, splits] : index)
    for (const auto& [split, records] : splits) out.insert(split);
  return out;
}

int64_t count(const std::map<std::string, std::vector<const EpisodeRecord*>>& splits) {
  int64_t n = 0;
  for (const auto& [split, records] : splits) n += static_cast<int64_t>(records.size());
  return n;
}

CorrelateRunCell make_run_cell(const std::vector<const EpisodeRecord*>& records, double confidence) {
  CorrelateRunCell c;
  for (const EpisodeRecord* r : records) {
    c.outcomes.push_back(r->success ? 1 : 0);
    c.successes += r->success ? 1 : 0;
    c.errors += r->status == "error" ? 1 : 0;
  }
  c.episodes = static_cast<int64_t>(records.size());
  c.rate = stats::wilson_interval(c.successes, c.episodes, confidence);
  return c;
}

/// Percentile of sorted values (numpy.percentile's default "linear" method).
double percentile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

void set_interval(CorrelateMetric* m, std::vector<double> samples, double confidence) {
  m->resamples_defined = static_cast<int>(samples.size());
  if (samples.empty()) return;
  std::sort(samples.begin(), samples.end());
  m->lo = percentile(samples, (1 - confidence) / 2);
  m->hi = percentile(samples, 1 - (1 - confidence) / 2);
}

/// Both metrics of a group from per-cell success rates (indexed like CorrelationResult::cells).
void group_metrics(const CorrelateGroup& g, const std::vector<double>& sim, const std::vector<double>& real,
                   std::optional<double>* pearson, std::optional<double>* mmrv) {
  std::vector<double> s, r;
  for (size_t i : g.cells) s.push_back(sim[i]), r.push_back(real[i]);
  *pearson = pearson_r(s, r);
  *mmrv = mean_maximum_rank_violation(s, r);
}

std::string undefined_reason(const CorrelateGroup& g, const std::vector<double>& sim,
                             const std::vector<double>& real, bool pearson, const char* unit) {
  if (g.cells.size() < 2) return "fewer than 2 " + std::string(unit);
  if (!pearson) return "";
  std::vector<double> s, r;
  for (size_t i : g.cells) s.push_back(sim[i]), r.push_back(real[i]);
  std::vector<std::string> flat;
  if (all_equal(s)) flat.push_back("sim");
  if (all_equal(r)) flat.push_back("real");
  return "zero variance of the " + join(flat, " and ") + " success rates";
}

/// Mean of per-task values over `tasks` (indices into them); nullopt if one of them is undefined.
std::optional<double> mean_over(const std::vector<std::optional<double>>& values, const std::vector<size_t>& tasks) {
  if (tasks.empty()) return std::nullopt;
  double sum = 0;
  for (size_t t : tasks) {
    if (!values[t]) return std::nullopt;
    sum += *values[t];
  }
  return sum / static_cast<double>(tasks.size());
}

}  // namespace

CorrelationResult correlate_records(const std::vector<EpisodeRecord>& sim,
                                    const std::vector<EpisodeRecord>& real,
                                    const CorrelateOptions& options) {
  if (options.bootstrap < 0)
    throw std::invalid_argument("bootstrap resamples must be >= 0 (0 = no intervals), got " +
                                std::to_string(options.bootstrap));
  if (!(options.confidence > 0 && options.confidence < 1))
    throw std::invalid_argument("confidence must be in (0, 1), got " + std::to_string(options.confidence));
  const RunIndex sim_index = index_run(sim, "sim");
  const RunIndex real_index = index_run(real, "real");
  if (!options.split.empty()) {
    const std::set<std::string> s = splits_of(sim_index), r = splits_of(real_index);
    if (!s.count(options.split) || !r.count(options.split))
      throw std::invalid_argument(
          "split '" + options.split + "' is not in both runs: the sim run has splits " +
          join(std::vector<std::string>(s.begin(), s.end()), ", ") + "; the real run has splits " +
          join(std::vector<std::string>(r.begin(), r.end()), ", "));
  }

  CorrelationResult out;
  out.options = options;
  std::set<CellKey> keys;
  for (const auto& [key, splits] : sim_index) keys.insert(key);
  for (const auto& [key, splits] : real_index) keys.insert(key);
  const std::map<std::string, std::vector<const EpisodeRecord*>> none;
  for (const CellKey& key : keys) {
    const auto si = sim_index.find(key), ri = real_index.find(key);
    const auto& s = si == sim_index.end() ? none : si->second;
    const auto& r = ri == real_index.end() ? none : ri->second;
    if (s.empty() || r.empty()) {
      out.dropped.push_back({key.first, key.second, "", count(s), count(r),
                             s.empty() ? "only in the real run" : "only in the sim run"});
      continue;
    }
    std::set<std::string> all_splits;
    for (const auto& [split, records] : s) all_splits.insert(split);
    for (const auto& [split, records] : r) all_splits.insert(split);
    std::vector<const EpisodeRecord*> sim_records, real_records;
    CorrelateCell cell{key.first, key.second, {}, {}, {}, {}};
    for (const std::string& split : all_splits) {
      const auto ss = s.find(split), rs = r.find(split);
      const int64_t ns = ss == s.end() ? 0 : static_cast<int64_t>(ss->second.size());
      const int64_t nr = rs == r.end() ? 0 : static_cast<int64_t>(rs->second.size());
      if (!options.split.empty() && split != options.split) continue;  // not asked for: not reported
      if (ns == 0 || nr == 0) {
        out.dropped.push_back({key.first, key.second, split, ns, nr,
                               ns == 0 ? "split only in the real run" : "split only in the sim run"});
        continue;
      }
      cell.splits.push_back(split);
      sim_records.insert(sim_records.end(), ss->second.begin(), ss->second.end());
      real_records.insert(real_records.end(), rs->second.begin(), rs->second.end());
    }
    if (cell.splits.empty()) {
      // Every split of the cell was either not asked for or only in one run (listed above); a
      // cell without the asked split in either run is simply not part of that split.
      const bool any_listed = std::any_of(out.dropped.begin(), out.dropped.end(), [&](const CorrelateDropped& d) {
        return d.policy == key.first && d.task == key.second;
      });
      if (!any_listed && !options.split.empty())
        out.dropped.push_back({key.first, key.second, "", count(s), count(r),
                               "split '" + options.split + "' in neither run"});
      continue;
    }
    auto distinct = [](const std::vector<const EpisodeRecord*>& records, bool checkpoint) {
      std::set<std::string> values;
      for (const EpisodeRecord* r : records) values.insert(checkpoint ? r->checkpoint_hash : r->policy_type);
      return join(std::vector<std::string>(values.begin(), values.end()), "+");
    };
    std::vector<std::string> differences;
    for (const bool checkpoint : {false, true}) {
      const std::string a = distinct(sim_records, checkpoint), b = distinct(real_records, checkpoint);
      if (a != b) differences.push_back(std::string(checkpoint ? "checkpoint" : "policy type") + " differs: sim " + a + ", real " + b);
    }
    cell.warning = join(differences, "; ");
    cell.sim = make_run_cell(sim_records, options.confidence);
    cell.real = make_run_cell(real_records, options.confidence);
    out.cells.push_back(std::move(cell));
  }
  if (out.cells.empty()) {
    const std::string what = "no (policy, task) cell has episodes of " +
                             (options.split.empty() ? std::string("a common split") : "split '" + options.split + "'") +
                             " in both runs: ";
    const size_t shared = static_cast<size_t>(std::count_if(keys.begin(), keys.end(), [&](const CellKey& k) {
      return sim_index.count(k) && real_index.count(k);
    }));
    if (shared > 0 && options.split.empty()) {
      const std::set<std::string> s = splits_of(sim_index), r = splits_of(real_index);
      throw std::invalid_argument(
          what + std::to_string(shared) + " cells are in both runs, but under different splits (the sim run has " +
          join(std::vector<std::string>(s.begin(), s.end()), ", ") + "; the real run has " +
          join(std::vector<std::string>(r.begin(), r.end()), ", ") +
          "); splits are paired by name: evaluate both runs on the same splits");
    }
    throw std::invalid_argument(what + "the sim run has " + list_cells(sim_index) + "; the real run has " +
                                list_cells(real_index));
  }
  std::stable_sort(out.cells.begin(), out.cells.end(), [](const CorrelateCell& a, const CorrelateCell& b) {
    return std::tie(a.task, a.policy) < std::tie(b.task, b.policy);
  });

  // Groups: one per task (across policies), and every cell pooled.
  for (size_t i = 0; i < out.cells.size(); ++i) {
    if (out.per_task.empty() || out.per_task.back().name != out.cells[i].task)
      out.per_task.push_back(CorrelateGroup{out.cells[i].task, {}, {}, {}});
    out.per_task.back().cells.push_back(i);
  }
  out.pooled.name = "pooled";
  for (size_t i = 0; i < out.cells.size(); ++i) out.pooled.cells.push_back(i);

  // Point estimates.
  std::vector<double> sim_rate, real_rate;
  for (const CorrelateCell& c : out.cells) sim_rate.push_back(c.sim.rate.estimate), real_rate.push_back(c.real.rate.estimate);
  auto estimate = [&](CorrelateGroup* g, const char* unit) {
    group_metrics(*g, sim_rate, real_rate, &g->pearson.value, &g->mmrv.value);
    if (!g->pearson.value) g->pearson.undefined = undefined_reason(*g, sim_rate, real_rate, true, unit);
    if (!g->mmrv.value) g->mmrv.undefined = undefined_reason(*g, sim_rate, real_rate, false, unit);
  };
  for (CorrelateGroup& g : out.per_task) estimate(&g, "policies");
  estimate(&out.pooled, "cells");
  // The means run over the tasks where the point estimate is defined.
  std::vector<size_t> pearson_tasks, mmrv_tasks;
  std::vector<std::string> pearson_left, mmrv_left;
  std::vector<std::optional<double>> task_pearson, task_mmrv;
  for (size_t t = 0; t < out.per_task.size(); ++t) {
    const CorrelateGroup& g = out.per_task[t];
    if (g.pearson.value) pearson_tasks.push_back(t); else pearson_left.push_back(g.name);
    if (g.mmrv.value) mmrv_tasks.push_back(t); else mmrv_left.push_back(g.name);
    task_pearson.push_back(g.pearson.value);
    task_mmrv.push_back(g.mmrv.value);
  }
  out.mean_pearson.value = mean_over(task_pearson, pearson_tasks);
  out.mean_mmrv.value = mean_over(task_mmrv, mmrv_tasks);
  auto left_out = [](const std::vector<std::string>& left, bool defined) {
    if (left.empty()) return std::string();
    return std::string(defined ? "leaves out " : "undefined for every task: ") + join(left, ", ");
  };
  out.mean_pearson.undefined = left_out(pearson_left, out.mean_pearson.value.has_value());
  out.mean_mmrv.undefined = left_out(mmrv_left, out.mean_mmrv.value.has_value());

  // Percentile bootstrap: episodes resampled with replacement within each cell of each run.
  if (options.bootstrap > 0) {
    Rng rng(options.seed);
    const size_t n_tasks = out.per_task.size();
    std::vector<std::vector<double>> boot_pearson(n_tasks), boot_mmrv(n_tasks);
    std::vector<double> boot_pooled_pearson, boot_pooled_mmrv, boot_mean_pearson, boot_mean_mmrv;
    std::vector<double> s(out.cells.size()), r(out.cells.size());
    auto resample = [&rng](const CorrelateRunCell& c) {
      int64_t k = 0;
      for (int64_t e = 0; e < c.episodes; ++e) k += c.outcomes[rng.uniform_index(static_cast<uint64_t>(c.episodes))];
      return static_cast<double>(k) / static_cast<double>(c.episodes);
    };
    std::vector<std::optional<double>> tp(n_tasks), tm(n_tasks);
    for (int b = 0; b < options.bootstrap; ++b) {
      for (size_t i = 0; i < out.cells.size(); ++i) {
        s[i] = resample(out.cells[i].sim);
        r[i] = resample(out.cells[i].real);
      }
      for (size_t t = 0; t < n_tasks; ++t) {
        group_metrics(out.per_task[t], s, r, &tp[t], &tm[t]);
        if (tp[t]) boot_pearson[t].push_back(*tp[t]);
        if (tm[t]) boot_mmrv[t].push_back(*tm[t]);
      }
      std::optional<double> pp, pm;
      group_metrics(out.pooled, s, r, &pp, &pm);
      if (pp) boot_pooled_pearson.push_back(*pp);
      if (pm) boot_pooled_mmrv.push_back(*pm);
      if (auto m = mean_over(tp, pearson_tasks)) boot_mean_pearson.push_back(*m);
      if (auto m = mean_over(tm, mmrv_tasks)) boot_mean_mmrv.push_back(*m);
    }
    for (size_t t = 0; t < n_tasks; ++t) {
      set_interval(&out.per_task[t].pearson, boot_pearson[t], options.confidence);
      set_interval(&out.per_task[t].mmrv, boot_mmrv[t], options.confidence);
    }
    set_interval(&out.pooled.pearson, boot_pooled_pearson, options.confidence);
    set_interval(&out.pooled.mmrv, boot_pooled_mmrv, options.confidence);
    set_interval(&out.mean_pearson, boot_mean_pearson, options.confidence);
    set_interval(&out.mean_mmrv, boot_mean_mmrv, options.confidence);
  }
  return out;
}

CorrelationResult correlate_runs(const std::string& sim_dir, const std::string& real_dir,
                                 const CorrelateOptions& options) {
  auto read = [](const std::string& dir, const char* run) {
    if (!fs::is_directory(dir))
      throw std::runtime_error(std::string(run) + " run '" + dir + "' is not a directory (give a run directory holding episodes.jsonl)");
    const fs::path file = fs::path(dir) / "episodes.jsonl";
    if (!fs::is_regular_file(file))
      throw std::runtime_error(std::string(run) + " run '" + dir + "' has no episodes.jsonl (" + file.string() +
                               "): give the directory of a `wambench eval` or `wambench real` run");
    std::vector<EpisodeRecord> records = read_episode_records(file.string());
    if (records.empty())
      throw std::runtime_error(std::string(run) + " run '" + dir + "': " + file.string() + " holds no complete episode record");
    return records;
  };
  const std::vector<EpisodeRecord> sim = read(sim_dir, "sim");
  const std::vector<EpisodeRecord> real = read(real_dir, "real");
  CorrelationResult out = correlate_records(sim, real, options);
  out.sim_run = sim_dir;
  out.real_run = real_dir;
  return out;
}

namespace {

nlohmann::json or_null(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

nlohmann::json metric_json(const CorrelateMetric& m, int resamples) {
  nlohmann::json j = {{"value", or_null(m.value)},
                      {"ci_lo", or_null(m.lo)},
                      {"ci_hi", or_null(m.hi)},
                      {"resamples", resamples},
                      {"resamples_defined", m.resamples_defined}};
  if (!m.undefined.empty()) j[m.value ? "note" : "undefined"] = m.undefined;
  return j;
}

nlohmann::json run_cell_json(const CorrelateRunCell& c) {
  return {{"episodes", c.episodes}, {"successes", c.successes}, {"errors", c.errors},
          {"success_rate", c.rate.estimate}, {"wilson_lo", c.rate.lo}, {"wilson_hi", c.rate.hi}};
}

}  // namespace

nlohmann::json to_json(const CorrelationResult& res) {
  const int b = res.options.bootstrap;
  nlohmann::json j;
  j["sim_run"] = res.sim_run;
  j["real_run"] = res.real_run;
  j["split"] = res.options.split.empty() ? nlohmann::json(nullptr) : nlohmann::json(res.options.split);
  j["bootstrap"] = {{"resamples", b}, {"seed", res.options.seed}, {"confidence", res.options.confidence},
                    {"method", "percentile; episodes resampled with replacement within each cell of each run"}};
  j["cells"] = nlohmann::json::array();
  for (const CorrelateCell& c : res.cells)
    j["cells"].push_back({{"policy", c.policy}, {"task", c.task}, {"splits", c.splits},
                          {"sim", run_cell_json(c.sim)}, {"real", run_cell_json(c.real)},
                          {"warning", c.warning.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.warning)}});
  j["dropped"] = nlohmann::json::array();
  for (const CorrelateDropped& d : res.dropped)
    j["dropped"].push_back({{"policy", d.policy}, {"task", d.task},
                            {"split", d.split.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.split)},
                            {"sim_episodes", d.sim_episodes}, {"real_episodes", d.real_episodes}, {"reason", d.reason}});
  j["per_task"] = nlohmann::json::array();
  for (const CorrelateGroup& g : res.per_task) {
    std::vector<std::string> policies;
    for (size_t i : g.cells) policies.push_back(res.cells[i].policy);
    j["per_task"].push_back({{"task", g.name}, {"policies", policies},
                             {"pearson_r", metric_json(g.pearson, b)}, {"mmrv", metric_json(g.mmrv, b)}});
  }
  j["mean_over_tasks"] = {{"pearson_r", metric_json(res.mean_pearson, b)}, {"mmrv", metric_json(res.mean_mmrv, b)}};
  j["pooled"] = {{"cells", res.pooled.cells.size()},
                 {"pearson_r", metric_json(res.pooled.pearson, b)},
                 {"mmrv", metric_json(res.pooled.mmrv, b)}};
  return j;
}

namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string metric_md(const CorrelateMetric& m, int bootstrap) {
  if (!m.value) return "undefined (" + m.undefined + ")";
  std::string s = fixed(*m.value, 3);
  if (bootstrap > 0) {
    if (m.lo && m.hi)
      s += " [" + fixed(*m.lo, 3) + ", " + fixed(*m.hi, 3) + "]";
    else
      s += " [no resample defined]";
    if (m.resamples_defined < bootstrap)
      s += " (" + std::to_string(m.resamples_defined) + " of " + std::to_string(bootstrap) + " resamples defined)";
  }
  if (!m.undefined.empty()) s += " (" + m.undefined + ")";
  return s;
}

std::string rate_md(const CorrelateRunCell& c) {
  return fixed(c.rate.estimate, 3) + " [" + fixed(c.rate.lo, 2) + ", " + fixed(c.rate.hi, 2) + "]";
}

}  // namespace

std::string render_correlation_md(const CorrelationResult& res, const std::string& plot_file) {
  const int b = res.options.bootstrap;
  const int pct = static_cast<int>(std::lround(res.options.confidence * 100));
  std::ostringstream md;
  md << "# Sim vs real success\n\n";
  md << "- sim run: `" << res.sim_run << "`\n- real run: `" << res.real_run << "`\n";
  md << "- splits: "
     << (res.options.split.empty() ? "every split present in both runs, pooled per (policy, task)"
                                   : "`" + res.options.split + "` only")
     << "\n";
  md << "- intervals: " << pct << " %; success rates Wilson; metrics percentile bootstrap, " << b
     << " resamples, seed " << res.options.seed << "\n\n";

  md << "## Metrics\n\n| group | cells | Pearson r | MMRV |\n| --- | ---: | --- | --- |\n";
  md << "| pooled (every policy x task) | " << res.pooled.cells.size() << " | " << metric_md(res.pooled.pearson, b)
     << " | " << metric_md(res.pooled.mmrv, b) << " |\n";
  md << "| mean over tasks | " << res.per_task.size() << (res.per_task.size() == 1 ? " task | " : " tasks | ") << metric_md(res.mean_pearson, b) << " | "
     << metric_md(res.mean_mmrv, b) << " |\n";
  for (const CorrelateGroup& g : res.per_task)
    md << "| task `" << g.name << "` | " << g.cells.size() << " | " << metric_md(g.pearson, b) << " | "
       << metric_md(g.mmrv, b) << " |\n";
  md << "\n";
  md << "- **Pearson r**: correlation of sim and real success rates across the group's policies, "
        "sum (s_i - mean s)(r_i - mean r) / sqrt(sum (s_i - mean s)^2 sum (r_i - mean r)^2); 1 = linear agreement; "
        "undefined with fewer than 2 cells or a constant rate.\n";
  md << "- **MMRV** (Mean Maximum Rank Violation, SimplerEnv, Li et al. 2024): mean over policies i of "
        "max_j |r_i - r_j| over the policies j that sim orders the other way round from real "
        "((s_i > s_j) != (r_i > r_j)); 0 = sim ranks every pair as real does, lower is better. Both as in "
        "SimplerEnv's `simpler_env/utils/metrics.py`, except that where its code returns a number for an "
        "undefined case (r with a constant rate, MMRV of one policy) this report says undefined.\n";
  md << "- **Success rate**: successes / episodes; episodes that ended in `error` count as failures "
        "(and are listed in the error columns).\n";
  md << "- **Intervals**: each cell's episodes of each run resampled with replacement, every metric recomputed; "
        "the interval is the percentile interval of the resamples where the metric is defined. The mean over "
        "tasks runs over the tasks where the point estimate is defined.\n\n";

  md << "## Cells\n\n| # | policy | task | splits | sim success | sim n | sim errors | real success | real n | "
        "real errors | real - sim |\n| ---: | --- | --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: |\n";
  for (size_t i = 0; i < res.cells.size(); ++i) {
    const CorrelateCell& c = res.cells[i];
    const double gap = c.real.rate.estimate - c.sim.rate.estimate;
    md << "| " << i + 1 << " | " << c.policy << " | " << c.task << " | " << join(c.splits, ", ") << " | "
       << rate_md(c.sim) << " | " << c.sim.episodes << " | " << c.sim.errors << " | " << rate_md(c.real) << " | "
       << c.real.episodes << " | " << c.real.errors << " | " << (gap >= 0 ? "+" : "") << fixed(gap, 3) << " |\n";
  }
  for (size_t i = 0; i < res.cells.size(); ++i)
    if (!res.cells[i].warning.empty())
      md << "\n**Warning**, cell " << i + 1 << " (" << res.cells[i].policy << " / " << res.cells[i].task
         << "): " << res.cells[i].warning << ": the runs did not evaluate the same policy under this label.\n";
  md << "\n## Left out\n\n";
  if (res.dropped.empty()) md << "Nothing: every (policy, task, split) is in both runs.\n";
  for (const CorrelateDropped& d : res.dropped)
    md << "- " << d.policy << " / " << d.task << (d.split.empty() ? "" : " / split " + d.split) << ": " << d.reason
       << " (sim " << d.sim_episodes << " episodes, real " << d.real_episodes << ")\n";
  if (!plot_file.empty())
    md << "\n![sim vs real success, one point per policy x task, " << pct << " % Wilson error bars](" << plot_file
       << ")\n";
  return md.str();
}

// ---------------------------------------------------------------------------------------------
// The scatter plot, drawn by gnuplot from correlation.dat and correlation.gp.

namespace {

std::string short_metric(const CorrelateMetric& m, int bootstrap) {
  if (!m.value) return "undefined";
  std::string s = fixed(*m.value, 2);
  if (bootstrap > 0 && m.lo && m.hi) s += " [" + fixed(*m.lo, 2) + ", " + fixed(*m.hi, 2) + "]";
  return s;
}

// A field of a gnuplot data file: double-quoted (gnuplot has no escape there, so " becomes ').
std::string data_string(std::string s) {
  std::replace(s.begin(), s.end(), '"', '\'');
  return "\"" + s + "\"";
}

// A gnuplot string constant: double-quoted, with \ and " escaped (\n is a line break).
std::string gp_string(const std::string& s) {
  std::string q = "\"";
  for (const char c : s) q += c == '\n' ? std::string("\\n") : c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
  return q + "\"";
}

std::string percent(double rate) { return fixed(100 * rate, 2); }

void write_text_file(const fs::path& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  f.close();
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

std::string correlation_plot_data(const CorrelationResult& res) {
  // One label per distinct point: the policies of every cell there.
  std::map<std::pair<double, double>, std::vector<std::string>> at;
  for (const CorrelateCell& c : res.cells) {
    std::vector<std::string>& names = at[{c.sim.rate.estimate, c.real.rate.estimate}];
    if (std::find(names.begin(), names.end(), c.policy) == names.end()) names.push_back(c.policy);
  }
  std::ostringstream d;
  d << "# sim vs real success per (policy, task) cell, % with " << std::lround(res.options.confidence * 100)
    << " % Wilson intervals; one data block per task\n"
    << "# task policy sim real sim_lo sim_hi real_lo real_hi label\n";
  std::set<std::pair<double, double>> labelled;
  for (size_t i = 0; i < res.cells.size(); ++i) {
    const CorrelateCell& c = res.cells[i];
    if (i > 0 && c.task != res.cells[i - 1].task) d << "\n\n";
    const std::pair<double, double> point{c.sim.rate.estimate, c.real.rate.estimate};
    const bool first = labelled.insert(point).second;
    d << data_string(c.task) << " " << data_string(c.policy) << " " << percent(c.sim.rate.estimate) << " "
      << percent(c.real.rate.estimate) << " " << percent(c.sim.rate.lo) << " " << percent(c.sim.rate.hi) << " "
      << percent(c.real.rate.lo) << " " << percent(c.real.rate.hi) << " "
      << data_string(first ? join(at[point], ", ") : "") << "\n";
  }
  return d.str();
}

std::string correlation_plot_script(const CorrelationResult& res) {
  const int b = res.options.bootstrap;
  const int pct = static_cast<int>(std::lround(res.options.confidence * 100));
  const std::string title =
      "Sim vs real success, " + std::to_string(res.cells.size()) + " policy x task cells\n" + "pooled Pearson r " +
      short_metric(res.pooled.pearson, b) + "    MMRV " + short_metric(res.pooled.mmrv, b) + "\n" + "error bars: " +
      std::to_string(pct) + " % Wilson" + (b > 0 ? ";  [ ]: " + std::to_string(pct) + " % bootstrap" : "");
  // Colours (Tableau 10), point types (filled circle, square, triangle, diamond, inverted
  // triangle, pentagon) and sizes (later tasks' smaller, so coinciding points stay visible), one per
  // task, cycled.
  static const char* const kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  static const int kPoints[] = {7, 5, 9, 13, 11, 15};
  std::ostringstream g;
  g << "set encoding utf8\n"
    << "set title " << gp_string(title) << " noenhanced font ',13'\n"
    << "set xlabel 'sim success (%)' font ',13'\nset ylabel 'real success (%)' font ',13'\n"
    // A margin of 2 points round 0..100, so that error bars at 0 or 100 % do not vanish in the border.
    << "set xrange [-2:102]\nset yrange [-2:102]\nset xtics 0,10,100\nset ytics 0,10,100\n"
    << "set size square\nset style line 101 lc rgb '#dddddd' lw 1 dt 1\nset grid xtics ytics back ls 101\nset border lw 1.5\nset bars small\n"
    << "set key outside right top noenhanced box opaque title 'task' spacing 1.3\n"
    << "set style line 100 lc rgb '#888888' dt 2 lw 1.5\n";
  for (size_t t = 0; t < res.per_task.size(); ++t)
    g << "set style line " << t + 1 << " lc rgb '" << kColours[t % 10] << "' lw 1.5 pt " << kPoints[t % 6]
      << " ps " << fixed(2.0 - 0.35 * static_cast<double>(t % 3), 2) << "\n";  // smaller on top
  g << "plot x ls 100 title 'real = sim'";
  for (size_t t = 0; t < res.per_task.size(); ++t)
    g << ", \\\n     'correlation.dat' index " << t << " using 3:4:5:6:7:8 with xyerrorbars ls " << t + 1
      << " title " << gp_string(res.per_task[t].name);
  // Policy labels beside their points: above and to the right, to the left near the right border,
  // below near the top border.
  const std::string label_y = "($4 > 90 ? $4 - 3.5 : $4 + 2.5)";
  g << ", \\\n     'correlation.dat' using 3:" << label_y << ":($3 <= 75 ? stringcolumn(9) : '') with labels left"
    << " offset char 1.2,0 noenhanced font ',11' notitle"
    << ", \\\n     'correlation.dat' using 3:" << label_y << ":($3 > 75 ? stringcolumn(9) : '') with labels right"
    << " offset char -1.2,0 noenhanced font ',11' notitle\n";
  return "# sim vs real success (wambench correlate); run in this directory: gnuplot correlation.gp\n"
         "set terminal pngcairo size 900,700 enhanced font 'sans,12'\nset output 'correlation.png'\n" + g.str() +
         "set terminal svg size 900,700 dynamic enhanced font 'sans,12'\nset output 'correlation.svg'\nreplot\n"
         "unset output\n";
}

bool plot_correlation(const CorrelationResult& res, const std::string& out_dir) {
  const fs::path dir(out_dir);
  write_text_file(dir / "correlation.dat", correlation_plot_data(res));
  write_text_file(dir / "correlation.gp", correlation_plot_script(res));
  std::error_code ec;  // no stale images from an earlier run
  for (const char* image : {"correlation.png", "correlation.svg"}) fs::remove(dir / image, ec);
  return run_gnuplot((dir / "correlation.gp").string(), out_dir) && fs::is_regular_file(dir / "correlation.png") &&
         fs::is_regular_file(dir / "correlation.svg");
}

bool write_correlation(const CorrelationResult& res, const std::string& out_dir) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir))
    throw std::runtime_error("cannot create the output directory '" + out_dir + "': " + ec.message());
  write_text_file(fs::path(out_dir) / "correlation.json", to_json(res).dump(2) + "\n");
  const bool plotted = plot_correlation(res, out_dir);
  std::string md = render_correlation_md(res, plotted ? "correlation.png" : "");
  if (!plotted)
    md += std::string("\n(No plot: ") + (gnuplot_found() ? "gnuplot failed" : "gnuplot was not found") +
          ". correlation.gp and correlation.dat are written; run "
          "`gnuplot correlation.gp` in this directory to draw correlation.png and correlation.svg.)\n";
  write_text_file(fs::path(out_dir) / "correlation.md", md);
  return plotted;
}

}  // namespace wambench
