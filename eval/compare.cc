#include "eval/compare.h"

#include <algorithm>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "eval/stats.h"

namespace wambench {
namespace {

void require_summary(const nlohmann::json& s, const char* which) {
  if (!s.is_object() || !s.contains("cells") || !s.contains("by_split"))
    throw std::invalid_argument(std::string(which) + " is not a wambench summary (no 'cells' / 'by_split')");
}

const nlohmann::json* find(const nlohmann::json& rows, const std::string& policy, const std::string& task,
                           const std::string& split) {
  for (const auto& r : rows)
    if (r.at("policy") == policy && r.at("split") == split && (task == "*" || r.at("task") == task)) return &r;
  return nullptr;
}

std::string text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// A summary field as text, "unknown" when absent.
std::string field(const nlohmann::json& s, const char* key) {
  return s.contains(key) && !s.at(key).is_null() ? text(s.at(key)) : "unknown";
}

// Episodes per cell: the config's count, else the common count of the cells, else "varies".
std::string episodes_per_cell(const nlohmann::json& s) {
  if (s.contains("episodes_per_cell")) return text(s.at("episodes_per_cell"));
  std::set<int64_t> counts;
  for (const auto& c : s.at("cells")) counts.insert(c.at("episodes").get<int64_t>());
  if (counts.size() == 1) return std::to_string(*counts.begin());
  return counts.empty() ? "unknown" : "varies";
}

bool rate_drop_regression(const CompareRow& row, const CompareOptions& o) {
  return row.p_value < o.alpha && row.drop >= o.min_drop;
}

// Pairs a baseline cell `b` with the current cell `c`: fills the paired fields when they share
// episodes (same index and episode seed; equal base seeds when both summaries know theirs), else
// the notice of why not. Returns whether any episode is shared.
bool pair_cell(const nlohmann::json& base, const nlohmann::json& cur, const nlohmann::json& b,
               const nlohmann::json& c, CompareRow* row) {
  if (!b.contains("outcomes") || !c.contains("outcomes")) {
    row->notice = "unpaired: no per-episode outcomes";
    return false;
  }
  if (!b.contains("episode_seeds") || !c.contains("episode_seeds")) {
    row->notice = std::string("unpaired: ") + (b.contains("episode_seeds") ? "the current run" : "the baseline") +
                  " does not identify its episodes (a summary written before episode seeds were recorded)";
    return false;
  }
  if (base.contains("base_seed") && cur.contains("base_seed") && base.at("base_seed") != cur.at("base_seed")) {
    row->notice = "unpaired: different episodes";
    return false;
  }
  const auto& bo = b.at("outcomes");
  const auto& co = c.at("outcomes");
  const auto& bs = b.at("episode_seeds");
  const auto& cs = c.at("episode_seeds");
  std::vector<std::pair<int64_t, std::string>> shared;
  for (const auto& [idx, ok] : bo.items()) {
    (void)ok;
    if (co.contains(idx) && bs.contains(idx) && cs.contains(idx) && bs.at(idx) == cs.at(idx))
      shared.emplace_back(std::stoll(idx), idx);
  }
  if (shared.empty()) {
    row->notice = "unpaired: different episodes";
    return false;
  }
  std::sort(shared.begin(), shared.end());
  row->paired = true;
  row->shared_episodes = static_cast<int64_t>(shared.size());
  for (const auto& [i, idx] : shared) {
    const bool was = bo.at(idx).get<bool>(), now = co.at(idx).get<bool>();
    if (was && !now) row->flipped_to_failure.push_back(i);
    if (!was && now) row->flipped_to_success.push_back(i);
  }
  row->base_only = static_cast<int64_t>(row->flipped_to_failure.size());
  row->cur_only = static_cast<int64_t>(row->flipped_to_success.size());
  if (row->shared_episodes < row->base_episodes || row->shared_episodes < row->cur_episodes)
    row->notice = "paired on " + std::to_string(row->shared_episodes) + " shared episodes of " +
                  std::to_string(row->base_episodes) + " / " + std::to_string(row->cur_episodes);
  return true;
}

void test_paired(CompareRow* row, const CompareOptions& o) {
  row->p_value = mcnemar_drop_p(row->base_only, row->cur_only);
  row->drop = static_cast<double>(row->base_only - row->cur_only) / std::max<int64_t>(1, row->shared_episodes);
  row->regression = rate_drop_regression(*row, o);
}

void test_unpaired(CompareRow* row, const CompareOptions& o) {
  row->p_value = stats::fisher_drop_p(row->base_successes, row->base_episodes, row->cur_successes, row->cur_episodes);
  row->drop = static_cast<double>(row->base_successes) / std::max<int64_t>(1, row->base_episodes) -
              static_cast<double>(row->cur_successes) / std::max<int64_t>(1, row->cur_episodes);
  row->regression = rate_drop_regression(*row, o);
}

}  // namespace

double mcnemar_drop_p(int64_t b, int64_t c) {
  if (b < 0 || c < 0) throw std::invalid_argument("mcnemar_drop_p: counts must be >= 0");
  // stats::mcnemar_exact_p(b, c) = min(1, 2 P(X <= min(b, c))), X ~ Binomial(b + c, 1/2).
  // c < b: P(X <= c) with c < n/2 is <= 1/2, so it is half the two-sided value.
  if (c < b) return stats::mcnemar_exact_p(b, c) / 2;
  // c >= b: P(X <= c) = 1 - P(X >= c + 1) = 1 - P(X <= b - 1) (symmetry), and P(X <= b - 1) is half
  // the two-sided value of the counts (b - 1, c + 1), which have the same sum.
  if (b == 0) return 1.0;
  return 1.0 - stats::mcnemar_exact_p(b - 1, c + 1) / 2;
}

std::vector<CompareRow> compare_summaries(const nlohmann::json& base, const nlohmann::json& cur,
                                          const CompareOptions& o) {
  require_summary(base, "the baseline");
  require_summary(cur, "the current run");
  std::vector<CompareRow> rows;
  // (policy, split) -> pooled paired counts of its baseline cells, and whether all were paired.
  struct Pool {
    int64_t shared = 0, base_only = 0, cur_only = 0;
    bool all_paired = true, any_paired = false;
  };
  std::map<std::pair<std::string, std::string>, Pool> pools;
  auto counts = [](CompareRow& row, const nlohmann::json& b, const nlohmann::json* c) {
    row.base_successes = b.at("successes").get<int64_t>();
    row.base_episodes = b.at("episodes").get<int64_t>();
    if (!c) {
      row.missing = row.regression = true;
      return;
    }
    row.cur_successes = c->at("successes").get<int64_t>();
    row.cur_episodes = c->at("episodes").get<int64_t>();
  };
  for (const auto& b : base.at("cells")) {
    CompareRow row;
    row.scope = "cell";
    row.policy = b.at("policy");
    row.task = b.at("task");
    row.split = b.at("split");
    const nlohmann::json* c = find(cur.at("cells"), row.policy, row.task, row.split);
    counts(row, b, c);
    Pool& pool = pools[{row.policy, row.split}];
    if (c && pair_cell(base, cur, b, *c, &row)) {
      test_paired(&row, o);
      pool.shared += row.shared_episodes;
      pool.base_only += row.base_only;
      pool.cur_only += row.cur_only;
      pool.any_paired = true;
    } else {
      pool.all_paired = false;
      if (c) test_unpaired(&row, o);
    }
    rows.push_back(row);
  }
  for (const auto& b : base.at("by_split")) {
    CompareRow row;
    row.scope = "split";
    row.policy = b.at("policy");
    row.task = "*";
    row.split = b.at("split");
    const nlohmann::json* c = find(cur.at("by_split"), row.policy, "*", row.split);
    counts(row, b, c);
    if (!c) {
      rows.push_back(row);
      continue;
    }
    auto it = pools.find({row.policy, row.split});
    if (it != pools.end() && it->second.all_paired && it->second.shared > 0) {
      row.paired = true;
      row.shared_episodes = it->second.shared;
      row.base_only = it->second.base_only;
      row.cur_only = it->second.cur_only;
      if (row.shared_episodes < row.base_episodes || row.shared_episodes < row.cur_episodes)
        row.notice = "paired on " + std::to_string(row.shared_episodes) + " shared episodes of " +
                     std::to_string(row.base_episodes) + " / " + std::to_string(row.cur_episodes);
      test_paired(&row, o);
    } else {
      row.notice = it != pools.end() && it->second.any_paired
                       ? "unpaired: not every cell of the split shares its episodes"
                       : "unpaired: different episodes";
      test_unpaired(&row, o);
    }
    rows.push_back(row);
  }
  return rows;
}

std::vector<std::string> summary_differences(const nlohmann::json& base, const nlohmann::json& cur) {
  require_summary(base, "the baseline");
  require_summary(cur, "the current run");
  std::vector<std::string> out;
  auto differ = [&](const std::string& what, const std::string& b, const std::string& c) {
    if (b != c) out.push_back(what + ": baseline " + b + ", now " + c);
  };
  differ("base seed", field(base, "base_seed"), field(cur, "base_seed"));
  differ("episodes per cell", episodes_per_cell(base), episodes_per_cell(cur));
  differ("config hash", field(base, "config_hash"), field(cur, "config_hash"));
  const nlohmann::json none = nlohmann::json::object();
  const auto& bc = base.contains("checkpoints") ? base.at("checkpoints") : none;
  const auto& cc = cur.contains("checkpoints") ? cur.at("checkpoints") : none;
  if (base.contains("checkpoints") != cur.contains("checkpoints")) {
    differ("checkpoint hashes", base.contains("checkpoints") ? "recorded" : "unknown",
           cur.contains("checkpoints") ? "recorded" : "unknown");
  } else {
    for (const auto& [policy, hash] : bc.items())
      if (cc.contains(policy)) differ("checkpoint of " + policy, text(hash), text(cc.at(policy)));
  }
  if (base.contains("policy_types") && cur.contains("policy_types"))
    for (const auto& [label, type] : base.at("policy_types").items())
      if (cur.at("policy_types").contains(label))
        differ("policy type of " + label, text(type), text(cur.at("policy_types").at(label)));
  auto code = [](const nlohmann::json& s) {
    if (!s.contains("code_version") || !s.at("code_version").is_object()) return std::string("unknown");
    const auto& v = s.at("code_version");
    return v.value("version", "?") + " (" + v.value("git_commit", "?") + ")";
  };
  differ("code version", code(base), code(cur));
  int64_t extra = 0;
  for (const auto& c : cur.at("cells"))
    extra += find(base.at("cells"), c.at("policy"), c.at("task"), c.at("split")) == nullptr;
  if (extra) out.push_back("cells only in the current run (not compared): " + std::to_string(extra));
  return out;
}

bool comparison_failed(const std::vector<CompareRow>& rows, const CompareOptions& o,
                       const std::vector<std::string>& differences) {
  if (o.strict && !differences.empty()) return true;
  return std::any_of(rows.begin(), rows.end(), [](const CompareRow& r) { return r.regression; });
}

std::string format_comparison(const std::vector<CompareRow>& rows, const CompareOptions& o,
                              const std::vector<std::string>& differences) {
  std::ostringstream out;
  int regressions = 0, flips = 0, unpaired = 0, paired = 0;
  auto episodes = [&](const char* what, const std::vector<int64_t>& idx) {
    out << "  " << what << ": episodes";
    for (int64_t i : idx) out << " " << i;
  };
  auto line = [&](const CompareRow& r) {
    out << "  " << std::left << std::setw(10) << r.policy << " " << std::setw(14) << r.task << " " << std::setw(18)
        << r.split << " baseline " << r.base_successes << "/" << r.base_episodes;
    if (r.missing) {
      out << "  MISSING from the current run\n";
      return;
    }
    out << "  now " << r.cur_successes << "/" << r.cur_episodes << "  p = " << std::setprecision(3) << r.p_value;
    if (r.paired) {
      out << " (paired: " << r.base_only << " to failure, " << r.cur_only << " to success)";
      if (!r.flipped_to_failure.empty()) episodes("flipped to failure", r.flipped_to_failure);
      if (!r.flipped_to_success.empty()) episodes("flipped to success", r.flipped_to_success);
    }
    if (!r.notice.empty()) out << "  [" << r.notice << "]";
    out << "\n";
  };
  if (!differences.empty()) {
    out << (o.strict ? "The runs differ (--strict: this fails the comparison):\n"
                     : "The runs differ (information; --strict makes this an error):\n");
    for (const std::string& d : differences) out << "  " << d << "\n";
  }
  for (const CompareRow& r : rows) {
    regressions += r.regression;
    paired += r.paired;
    unpaired += !r.paired && !r.missing;
  }
  if (regressions) {
    out << "REGRESSIONS (one-sided exact p < " << o.alpha << " -- McNemar when paired, Fisher when unpaired -- and a "
        << "drop >= " << 100 * o.min_drop << " points):\n";
    for (const CompareRow& r : rows)
      if (r.regression) line(r);
  }
  // Paired rows worth a line: flips in either direction, or pairing on part of the episodes.
  auto notable = [](const CompareRow& r) {
    return !r.regression && r.paired &&
           (!r.flipped_to_failure.empty() || !r.flipped_to_success.empty() || !r.notice.empty());
  };
  for (const CompareRow& r : rows) flips += notable(r);
  if (flips) {
    out << "Paired on identical episodes, with flips or a partial overlap (within noise):\n";
    for (const CompareRow& r : rows)
      if (notable(r)) line(r);
  }
  if (unpaired) {
    out << "Compared unpaired (one-sided Fisher exact test on the counts; no flips, as an index names "
           "different episodes):\n";
    for (const CompareRow& r : rows)
      if (!r.regression && !r.paired && !r.missing) line(r);
  }
  const bool strict_fail = o.strict && !differences.empty();
  const std::string tally = " (" + std::to_string(paired) + " paired, " + std::to_string(unpaired) + " unpaired)";
  if (regressions || strict_fail) {
    out << "FAIL: ";
    if (regressions) out << regressions << " significant drop(s)" << tally;
    if (regressions && strict_fail) out << "; ";
    if (strict_fail) out << differences.size() << " difference(s) between the runs under --strict";
    out << "\n";
  } else {
    out << "OK: no significant drop in " << rows.size() << " compared cells / splits" << tally << "\n";
  }
  return out.str();
}

}  // namespace wambench
