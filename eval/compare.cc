#include "eval/compare.h"

#include <iomanip>
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

}  // namespace

std::vector<CompareRow> compare_summaries(const nlohmann::json& base, const nlohmann::json& cur,
                                          const CompareOptions& o) {
  require_summary(base, "the baseline");
  require_summary(cur, "the current run");
  std::vector<CompareRow> rows;
  auto fill = [&](CompareRow& row, const nlohmann::json& b, const nlohmann::json* c) {
    row.base_successes = b.at("successes").get<int64_t>();
    row.base_episodes = b.at("episodes").get<int64_t>();
    if (!c) {
      row.missing = row.regression = true;
      return;
    }
    row.cur_successes = c->at("successes").get<int64_t>();
    row.cur_episodes = c->at("episodes").get<int64_t>();
    row.p_value = stats::fisher_drop_p(row.base_successes, row.base_episodes, row.cur_successes, row.cur_episodes);
    const double drop = static_cast<double>(row.base_successes) / std::max<int64_t>(1, row.base_episodes) -
                        static_cast<double>(row.cur_successes) / std::max<int64_t>(1, row.cur_episodes);
    row.regression = row.p_value < o.alpha && drop >= o.min_drop;
  };
  for (const auto& b : base.at("cells")) {
    CompareRow row;
    row.scope = "cell";
    row.policy = b.at("policy");
    row.task = b.at("task");
    row.split = b.at("split");
    const nlohmann::json* c = find(cur.at("cells"), row.policy, row.task, row.split);
    fill(row, b, c);
    if (c && b.contains("outcomes") && c->contains("outcomes")) {
      for (const auto& [idx, ok] : b.at("outcomes").items()) {
        if (ok.get<bool>() && c->at("outcomes").contains(idx) && !c->at("outcomes").at(idx).get<bool>())
          row.flipped.push_back(std::stoll(idx));
      }
    }
    rows.push_back(row);
  }
  for (const auto& b : base.at("by_split")) {
    CompareRow row;
    row.scope = "split";
    row.policy = b.at("policy");
    row.task = "*";
    row.split = b.at("split");
    fill(row, b, find(cur.at("by_split"), row.policy, "*", row.split));
    rows.push_back(row);
  }
  return rows;
}

std::string format_comparison(const std::vector<CompareRow>& rows, const CompareOptions& o) {
  std::ostringstream out;
  int regressions = 0, flips = 0;
  auto line = [&](const CompareRow& r) {
    out << "  " << std::left << std::setw(10) << r.policy << " " << std::setw(14) << r.task << " " << std::setw(18)
        << r.split << " baseline " << r.base_successes << "/" << r.base_episodes;
    if (r.missing) {
      out << "  MISSING from the current run\n";
      return;
    }
    out << "  now " << r.cur_successes << "/" << r.cur_episodes << "  p = " << std::setprecision(3) << r.p_value;
    if (!r.flipped.empty()) {
      out << "  flipped to failure: episodes";
      for (int64_t i : r.flipped) out << " " << i;
    }
    out << "\n";
  };
  for (const CompareRow& r : rows) regressions += r.regression;
  if (regressions) {
    out << "REGRESSIONS (one-sided Fisher exact p < " << o.alpha << " and a drop >= " << 100 * o.min_drop
        << " points):\n";
    for (const CompareRow& r : rows)
      if (r.regression) line(r);
  }
  for (const CompareRow& r : rows) flips += !r.regression && !r.flipped.empty();
  if (flips) {
    out << "Episodes that flipped from success to failure (within noise):\n";
    for (const CompareRow& r : rows)
      if (!r.regression && !r.flipped.empty()) line(r);
  }
  out << (regressions ? "FAIL: " + std::to_string(regressions) + " significant drop(s)"
                      : "OK: no significant drop in " + std::to_string(rows.size()) + " compared cells / splits")
      << "\n";
  return out.str();
}

}  // namespace wambench
