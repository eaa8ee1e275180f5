// Pearson r and MMRV against numbers worked out by hand, their degenerate cases, the pairing of
// two runs into (policy, task) cells, the bootstrap's determinism and intervals, and the outputs.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <sstream>

#include "bridge/correlate.h"
#include "eval/report.h"
#include "eval/store.h"

namespace wambench {
namespace {

namespace fs = std::filesystem;

// ---- Pearson r ----------------------------------------------------------------------------

TEST(PearsonR, HandComputedThreePolicies) {
  // sim s = (0.2, 0.5, 0.9), real r = (0.1, 0.6, 0.4).
  // mean s = 1.6 / 3, centred s = (-10, -1, 11) / 30; mean r = 1.1 / 3, centred r = (-8, 7, 1) / 30.
  // Sxy = (80 - 7 + 11) / 900 = 84 / 900, Sxx = (100 + 1 + 121) / 900 = 222 / 900,
  // Syy = (64 + 49 + 1) / 900 = 114 / 900  =>  r = 84 / sqrt(222 * 114) = 84 / 159.0849 = 0.52802.
  const auto r = pearson_r({0.2, 0.5, 0.9}, {0.1, 0.6, 0.4});
  ASSERT_TRUE(r.has_value());
  EXPECT_NEAR(*r, 84.0 / std::sqrt(222.0 * 114.0), 1e-12);
  EXPECT_NEAR(*r, 0.52802, 1e-5);
}

TEST(PearsonR, PerfectAndReversedOrderAndSymmetry) {
  // real = 0.5 * sim + 0.1 is an exact linear relation: r = 1; reversed: r = -1.
  EXPECT_NEAR(*pearson_r({0.0, 0.4, 1.0}, {0.1, 0.3, 0.6}), 1.0, 1e-12);
  EXPECT_NEAR(*pearson_r({0.0, 0.5, 1.0}, {1.0, 0.5, 0.0}), -1.0, 1e-12);
  EXPECT_DOUBLE_EQ(*pearson_r({0.2, 0.5, 0.9}, {0.1, 0.6, 0.4}), *pearson_r({0.1, 0.6, 0.4}, {0.2, 0.5, 0.9}));
}

TEST(PearsonR, UndefinedCases) {
  EXPECT_FALSE(pearson_r({0.5}, {0.3}).has_value());                 // one policy
  EXPECT_FALSE(pearson_r({}, {}).has_value());                       // none
  EXPECT_FALSE(pearson_r({0.4, 0.4, 0.4}, {0.1, 0.5, 0.9}).has_value());  // sim constant
  EXPECT_FALSE(pearson_r({0.1, 0.5, 0.9}, {0.0, 0.0, 0.0}).has_value());  // real constant
  // 0.1 + 0.1 + 0.1 != 0.3 in floating point: a constant 0.1 must still count as zero variance,
  // not as a correlation of rounding noise.
  EXPECT_FALSE(pearson_r({0.1, 0.1, 0.1}, {0.2, 0.5, 0.9}).has_value());
}

TEST(PearsonR, RejectsMismatchedOrNonFiniteInput) {
  EXPECT_THROW(
      {
        try {
          pearson_r({0.1, 0.2}, {0.1});
        } catch (const std::invalid_argument& e) {
          EXPECT_NE(std::string(e.what()).find("differ in length (2 vs 1)"), std::string::npos) << e.what();
          throw;
        }
      },
      std::invalid_argument);
  EXPECT_THROW(pearson_r({0.1, NAN}, {0.1, 0.2}), std::invalid_argument);
}

// ---- MMRV ---------------------------------------------------------------------------------

TEST(Mmrv, HandComputedThreePolicies) {
  // sim (0.2, 0.5, 0.9), real (0.1, 0.6, 0.4). Pairs: (0,1) sim <, real < : agree;
  // (0,2) <, < : agree; (1,2) sim 0.5 < 0.9 but real 0.6 > 0.4: violation of |0.6 - 0.4| = 0.2.
  // Per policy max: 0, 0.2, 0.2  =>  MMRV = 0.4 / 3 = 0.13333.
  EXPECT_NEAR(*mean_maximum_rank_violation({0.2, 0.5, 0.9}, {0.1, 0.6, 0.4}), 0.4 / 3, 1e-12);
}

TEST(Mmrv, HandComputedFourPolicies) {
  // sim (0.1, 0.3, 0.6, 0.8), real (0.2, 0.1, 0.7, 0.5). Violations: (0,1) sim <, real 0.2 > 0.1,
  // gap 0.1; (2,3) sim <, real 0.7 > 0.5, gap 0.2; the other four pairs agree.
  // Per policy max: 0.1, 0.1, 0.2, 0.2  =>  MMRV = 0.6 / 4 = 0.15.
  EXPECT_NEAR(*mean_maximum_rank_violation({0.1, 0.3, 0.6, 0.8}, {0.2, 0.1, 0.7, 0.5}), 0.15, 1e-12);
}

TEST(Mmrv, StrictComparisonsAsSimplerEnv) {
  // A tie in sim with an order in real is a violation as seen from the policy real ranks higher:
  // i = 0: (0.5 > 0.5) = false, (0.2 > 0.6) = false -> none; i = 1: false vs (0.6 > 0.2) = true
  // -> |0.6 - 0.2| = 0.4. MMRV = (0 + 0.4) / 2 = 0.2.
  EXPECT_NEAR(*mean_maximum_rank_violation({0.5, 0.5}, {0.2, 0.6}), 0.2, 1e-12);
  // Same ranking, different values: no violation at all.
  EXPECT_EQ(*mean_maximum_rank_violation({0.1, 0.4, 0.9}, {0.0, 0.7, 0.8}), 0.0);
  // Fully reversed: each policy's largest violation. real (0.9, 0.5, 0.1): 0.8, 0.4, 0.8 -> 2.0 / 3.
  EXPECT_NEAR(*mean_maximum_rank_violation({0.1, 0.5, 0.9}, {0.9, 0.5, 0.1}), 2.0 / 3, 1e-12);
}

TEST(Mmrv, UndefinedAndBadInput) {
  EXPECT_FALSE(mean_maximum_rank_violation({0.3}, {0.7}).has_value());
  // Constant rates leave r undefined but MMRV is defined (a tie in sim with an order in real).
  EXPECT_TRUE(mean_maximum_rank_violation({0.4, 0.4}, {0.1, 0.5}).has_value());
  EXPECT_THROW(mean_maximum_rank_violation({0.3, 0.4}, {0.7}), std::invalid_argument);
  EXPECT_THROW(mean_maximum_rank_violation({0.3, INFINITY}, {0.7, 0.1}), std::invalid_argument);
}

// ---- Pairing two runs ---------------------------------------------------------------------

/// Appends `n` episodes of one cell with `k` successes (the first k) and `errors` errors (among
/// the failures, the last ones).
void add_cell(std::vector<EpisodeRecord>* run, const std::string& policy, const std::string& task,
              const std::string& split, int n, int k, int errors = 0) {
  for (int i = 0; i < n; ++i) {
    EpisodeRecord r;
    r.key = {policy, task, split, static_cast<int64_t>(run->size())};
    r.success = i < k;
    r.status = i < k ? "success" : (i >= n - errors ? "error" : "failure");
    if (r.status == "error") r.error = "lost connection";
    run->push_back(r);
  }
}

/// Three policies on "pick" with the rates of the hand-computed example (10 episodes each), one
/// policy on "pour", plus a cell only in sim and a split only in real.
void example_runs(std::vector<EpisodeRecord>* sim, std::vector<EpisodeRecord>* real) {
  add_cell(sim, "a", "pick", "train", 10, 2);
  add_cell(sim, "b", "pick", "train", 10, 5);
  add_cell(sim, "c", "pick", "train", 10, 9);
  add_cell(sim, "a", "pour", "train", 10, 7);
  add_cell(sim, "d", "pick", "train", 10, 3);  // no real counterpart
  add_cell(real, "a", "pick", "train", 10, 1, 2);  // 2 of the 9 failures are errors
  add_cell(real, "b", "pick", "train", 10, 6);
  add_cell(real, "c", "pick", "train", 10, 4);
  add_cell(real, "a", "pour", "train", 10, 3);
  add_cell(real, "c", "pick", "unseen_position", 4, 1);  // split not in sim
}

const CorrelateGroup& task_group(const CorrelationResult& r, const std::string& task) {
  for (const CorrelateGroup& g : r.per_task)
    if (g.name == task) return g;
  throw std::runtime_error("no task " + task);
}

TEST(CorrelateRecords, CellsRatesErrorsAndDropped) {
  std::vector<EpisodeRecord> sim, real;
  example_runs(&sim, &real);
  const CorrelationResult r = correlate_records(sim, real, CorrelateOptions{"", 0, 0, 0.95});
  ASSERT_EQ(r.cells.size(), 4u);  // pick/a, pick/b, pick/c, pour/a (sorted by task, then policy)
  EXPECT_EQ(r.cells[0].policy, "a");
  EXPECT_EQ(r.cells[0].task, "pick");
  EXPECT_EQ(r.cells[3].task, "pour");
  EXPECT_EQ(r.cells[0].real.episodes, 10);
  EXPECT_EQ(r.cells[0].real.successes, 1);
  EXPECT_EQ(r.cells[0].real.errors, 2);
  EXPECT_DOUBLE_EQ(r.cells[0].real.rate.estimate, 0.1);  // errors are failures
  EXPECT_EQ(r.cells[0].real.rate.lo, stats::wilson_interval(1, 10).lo);
  // c/pick keeps only its train split: the real unseen_position episodes are left out.
  EXPECT_EQ(r.cells[2].real.episodes, 10);
  EXPECT_EQ(r.cells[2].splits, std::vector<std::string>{"train"});
  ASSERT_EQ(r.dropped.size(), 2u);
  EXPECT_EQ(r.dropped[0].policy, "c");
  EXPECT_EQ(r.dropped[0].split, "unseen_position");
  EXPECT_EQ(r.dropped[0].reason, "split only in the real run");
  EXPECT_EQ(r.dropped[0].real_episodes, 4);
  EXPECT_EQ(r.dropped[1].policy, "d");
  EXPECT_EQ(r.dropped[1].reason, "only in the sim run");
  EXPECT_EQ(r.dropped[1].sim_episodes, 10);

  // Per task: pick is the hand-computed example; pour has one policy.
  const CorrelateGroup& pick = task_group(r, "pick");
  EXPECT_NEAR(*pick.pearson.value, 84.0 / std::sqrt(222.0 * 114.0), 1e-12);
  EXPECT_NEAR(*pick.mmrv.value, 0.4 / 3, 1e-12);
  const CorrelateGroup& pour = task_group(r, "pour");
  EXPECT_FALSE(pour.pearson.value.has_value());
  EXPECT_EQ(pour.pearson.undefined, "fewer than 2 policies");
  EXPECT_FALSE(pour.mmrv.value.has_value());
  // Mean over tasks: only pick is defined.
  EXPECT_DOUBLE_EQ(*r.mean_pearson.value, *pick.pearson.value);
  EXPECT_EQ(r.mean_pearson.undefined, "leaves out pour");
  // Pooled: the four cells' rates.
  EXPECT_DOUBLE_EQ(*r.pooled.pearson.value, *pearson_r({0.2, 0.5, 0.9, 0.7}, {0.1, 0.6, 0.4, 0.3}));
  EXPECT_DOUBLE_EQ(*r.pooled.mmrv.value, *mean_maximum_rank_violation({0.2, 0.5, 0.9, 0.7}, {0.1, 0.6, 0.4, 0.3}));
  EXPECT_FALSE(r.pooled.pearson.lo.has_value());  // no bootstrap asked
  EXPECT_EQ(r.cells[0].warning, "");
}

TEST(CorrelateRecords, WarnsWhenTheRunsEvaluatedDifferentCheckpoints) {
  std::vector<EpisodeRecord> sim, real;
  example_runs(&sim, &real);
  for (EpisodeRecord& e : real)
    if (e.key.policy == "b") e.checkpoint_hash = "3c4d";
  const CorrelationResult r = correlate_records(sim, real, CorrelateOptions{"", 0, 0, 0.95});
  EXPECT_EQ(r.cells[1].policy, "b");
  EXPECT_EQ(r.cells[1].warning, "checkpoint differs: sim none, real 3c4d");
  EXPECT_EQ(r.cells[0].warning, "");
  EXPECT_NE(render_correlation_md(r, "").find("**Warning**, cell 2 (b / pick): checkpoint differs"), std::string::npos);
}

TEST(CorrelateRecords, SplitRestriction) {
  std::vector<EpisodeRecord> sim, real;
  add_cell(&sim, "a", "pick", "train", 10, 2);
  add_cell(&sim, "b", "pick", "train", 10, 8);
  add_cell(&sim, "a", "pick", "unseen_all", 10, 9);
  add_cell(&sim, "b", "pick", "unseen_all", 10, 1);
  add_cell(&real, "a", "pick", "train", 10, 3);
  add_cell(&real, "b", "pick", "train", 10, 7);
  add_cell(&real, "a", "pick", "unseen_all", 10, 6);
  add_cell(&real, "b", "pick", "unseen_all", 10, 2);
  // Pooled splits: a 11/20 vs 9/20, b 9/20 vs 9/20.
  const CorrelationResult all = correlate_records(sim, real, CorrelateOptions{"", 0, 0, 0.95});
  EXPECT_EQ(all.cells[0].sim.episodes, 20);
  EXPECT_EQ(all.cells[0].splits, (std::vector<std::string>{"train", "unseen_all"}));
  EXPECT_DOUBLE_EQ(all.cells[0].sim.rate.estimate, 11.0 / 20);
  const CorrelationResult train = correlate_records(sim, real, CorrelateOptions{"train", 0, 0, 0.95});
  EXPECT_EQ(train.cells[0].sim.episodes, 10);
  EXPECT_DOUBLE_EQ(train.cells[1].real.rate.estimate, 0.7);
  EXPECT_TRUE(train.dropped.empty());  // other splits were not asked for
  try {
    correlate_records(sim, real, CorrelateOptions{"unseen_object", 0, 0, 0.95});
    FAIL() << "an absent split must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("split 'unseen_object' is not in both runs: the sim run has splits "
                                         "train, unseen_all"),
              std::string::npos)
        << e.what();
  }
}

TEST(CorrelateRecords, RefusesNoCommonCellAndMalformedRecords) {
  std::vector<EpisodeRecord> sim, real;
  add_cell(&sim, "a", "pick", "train", 3, 1);
  add_cell(&real, "b", "pick", "train", 3, 1);
  try {
    correlate_records(sim, real, {});
    FAIL() << "no common cell must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no (policy, task) cell has episodes of a common split in both runs: the "
                                         "sim run has a / pick; the real run has b / pick"),
              std::string::npos)
        << e.what();
  }
  std::vector<EpisodeRecord> other_split;
  add_cell(&other_split, "a", "pick", "unseen_all", 3, 1);
  try {
    correlate_records(sim, other_split, {});
    FAIL() << "cells under different splits must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("1 cells are in both runs, but under different splits (the sim run has "
                                         "train; the real run has unseen_all)"),
              std::string::npos)
        << e.what();
  }
  std::vector<EpisodeRecord> bad = sim;
  bad[0].status = "crashed";
  EXPECT_THROW(
      {
        try {
          correlate_records(bad, sim, {});
        } catch (const std::invalid_argument& e) {
          EXPECT_NE(std::string(e.what()).find("status 'crashed' (valid: success, failure, error)"), std::string::npos);
          throw;
        }
      },
      std::invalid_argument);
  bad = sim;
  bad[1].success = true;  // status "failure"
  EXPECT_THROW(correlate_records(sim, bad, {}), std::invalid_argument);
  EXPECT_THROW(correlate_records(sim, sim, CorrelateOptions{"", -1, 0, 0.95}), std::invalid_argument);
  EXPECT_THROW(correlate_records(sim, sim, CorrelateOptions{"", 10, 0, 1.0}), std::invalid_argument);
}

// ---- Bootstrap ----------------------------------------------------------------------------

TEST(CorrelateBootstrap, DeterministicForASeedAndContainsTheEstimate) {
  std::vector<EpisodeRecord> sim, real;
  example_runs(&sim, &real);
  const CorrelateOptions opt{"", 500, 42, 0.95};
  const CorrelationResult a = correlate_records(sim, real, opt);
  const CorrelationResult b = correlate_records(sim, real, opt);
  EXPECT_EQ(to_json(a).dump(), to_json(b).dump());
  const CorrelationResult c = correlate_records(sim, real, CorrelateOptions{"", 500, 43, 0.95});
  EXPECT_NE(to_json(a)["pooled"].dump(), to_json(c)["pooled"].dump());
  for (const CorrelateMetric* m : {&a.pooled.pearson, &a.pooled.mmrv, &task_group(a, "pick").pearson,
                                   &task_group(a, "pick").mmrv, &a.mean_pearson, &a.mean_mmrv}) {
    ASSERT_TRUE(m->value && m->lo && m->hi);
    EXPECT_LE(*m->lo, *m->value);
    EXPECT_GE(*m->hi, *m->value);
    EXPECT_LT(*m->lo, *m->hi);  // 10 episodes per cell: a real spread
  }
  // r is undefined in resamples where a run's three rates come out equal; MMRV always defined.
  EXPECT_EQ(a.pooled.mmrv.resamples_defined, 500);
  EXPECT_GT(a.pooled.pearson.resamples_defined, 450);
  // pour has one policy: nothing to resample into a metric.
  EXPECT_EQ(task_group(a, "pour").pearson.resamples_defined, 0);
  EXPECT_FALSE(task_group(a, "pour").pearson.lo.has_value());
}

TEST(CorrelateBootstrap, MoreEpisodesGiveNarrowerIntervals) {
  // Same rates (0.2, 0.5, 0.9) vs (0.1, 0.6, 0.4), 10 vs 200 episodes per cell.
  auto width = [](int n) {
    std::vector<EpisodeRecord> sim, real;
    const double s[] = {0.2, 0.5, 0.9}, r[] = {0.1, 0.6, 0.4};
    const char* names[] = {"a", "b", "c"};
    for (int i = 0; i < 3; ++i) {
      add_cell(&sim, names[i], "pick", "train", n, static_cast<int>(std::lround(s[i] * n)));
      add_cell(&real, names[i], "pick", "train", n, static_cast<int>(std::lround(r[i] * n)));
    }
    const CorrelationResult res = correlate_records(sim, real, CorrelateOptions{"", 1000, 0, 0.95});
    return *res.pooled.pearson.hi - *res.pooled.pearson.lo;
  };
  const double w10 = width(10), w200 = width(200);
  EXPECT_LT(w200, 0.5 * w10) << "10 episodes: " << w10 << ", 200 episodes: " << w200;
}

TEST(CorrelateBootstrap, ConstantRealRatesLeaveRUndefinedEverywhere) {
  std::vector<EpisodeRecord> sim, real;
  add_cell(&sim, "a", "pick", "train", 10, 2);
  add_cell(&sim, "b", "pick", "train", 10, 7);
  add_cell(&real, "a", "pick", "train", 10, 0);
  add_cell(&real, "b", "pick", "train", 10, 0);
  const CorrelationResult r = correlate_records(sim, real, CorrelateOptions{"", 200, 0, 0.95});
  EXPECT_FALSE(r.pooled.pearson.value.has_value());
  EXPECT_EQ(r.pooled.pearson.undefined, "zero variance of the real success rates");
  EXPECT_EQ(r.pooled.pearson.resamples_defined, 0);
  const nlohmann::json j = to_json(r);
  EXPECT_TRUE(j["pooled"]["pearson_r"]["value"].is_null());
  EXPECT_TRUE(j["pooled"]["pearson_r"]["ci_lo"].is_null());
  EXPECT_EQ(j["pooled"]["pearson_r"]["undefined"], "zero variance of the real success rates");
  EXPECT_TRUE(j["mean_over_tasks"]["pearson_r"]["value"].is_null());
  // MMRV: sim orders b above a, real ties them: violation 0 (|0 - 0|), so MMRV = 0.
  EXPECT_EQ(*r.pooled.mmrv.value, 0.0);
  const std::string md = render_correlation_md(r, "");
  EXPECT_NE(md.find("undefined (zero variance of the real success rates)"), std::string::npos) << md;
  EXPECT_EQ(md.find("nan"), std::string::npos) << md;
}

// ---- Outputs ------------------------------------------------------------------------------

TEST(CorrelateOutputs, RunDirectoriesToFiles) {
  const fs::path root = fs::temp_directory_path() / ("wambench_correlate_test_" + std::to_string(::getpid()));
  fs::remove_all(root);
  std::vector<EpisodeRecord> sim, real;
  example_runs(&sim, &real);
  for (const auto& [dir, records] : {std::pair{root / "sim", &sim}, std::pair{root / "real", &real}}) {
    ResultStore store(dir.string(), false);
    for (const EpisodeRecord& r : *records) store.append(r);
  }
  const CorrelationResult r = correlate_runs((root / "sim").string(), (root / "real").string(),
                                             CorrelateOptions{"", 100, 0, 0.95});
  EXPECT_EQ(r.sim_run, (root / "sim").string());
  const bool plotted = write_correlation(r, (root / "out").string());
  EXPECT_EQ(plotted, gnuplot_found());
  for (const char* f : {"correlation.md", "correlation.json", "correlation.dat", "correlation.gp"})
    EXPECT_TRUE(fs::is_regular_file(root / "out" / f)) << f;
  std::ifstream mdf(root / "out" / "correlation.md");
  const std::string md((std::istreambuf_iterator<char>(mdf)), std::istreambuf_iterator<char>());
  if (gnuplot_found()) {
    std::ifstream png(root / "out" / "correlation.png", std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(png)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_GT(bytes.size(), 10000u);  // axes, key, title and points, not a blank image
    EXPECT_GT(fs::file_size(root / "out" / "correlation.svg"), 5000u);
    EXPECT_NE(md.find("](correlation.png)"), std::string::npos) << md;
  } else {
    EXPECT_NE(md.find("(No plot: gnuplot was not found."), std::string::npos) << md;
  }
  std::ifstream jf(root / "out" / "correlation.json");
  const nlohmann::json j = nlohmann::json::parse(jf);
  EXPECT_EQ(j["cells"].size(), 4u);
  EXPECT_EQ(j["dropped"].size(), 2u);
  EXPECT_NEAR(j["per_task"][0]["pearson_r"]["value"].get<double>(), 84.0 / std::sqrt(222.0 * 114.0), 1e-12);

  EXPECT_THROW(correlate_runs((root / "nope").string(), (root / "real").string(), {}), std::runtime_error);
  fs::create_directories(root / "empty");
  try {
    correlate_runs((root / "empty").string(), (root / "real").string(), {});
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("has no episodes.jsonl"), std::string::npos) << e.what();
  }
  fs::remove_all(root);
}

// The data rows of a gnuplot data file (neither comments nor the blank lines between blocks).
std::vector<std::string> data_rows(const std::string& text) {
  std::vector<std::string> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') rows.push_back(line);
  return rows;
}

TEST(CorrelatePlot, DataHasOneRowPerCellInOneBlockPerTask) {
  std::vector<EpisodeRecord> sim, real;
  example_runs(&sim, &real);
  const CorrelationResult r = correlate_records(sim, real, CorrelateOptions{"", 0, 0, 0.95});
  ASSERT_EQ(r.cells.size(), 4u);
  const std::string data = correlation_plot_data(r);
  const std::vector<std::string> rows = data_rows(data);
  ASSERT_EQ(rows.size(), r.cells.size()) << data;
  // Blocks: one per task, split by two blank lines.
  size_t blocks = 1;
  for (size_t at = data.find("\n\n\n"); at != std::string::npos; at = data.find("\n\n\n", at + 3)) ++blocks;
  EXPECT_EQ(blocks, r.per_task.size()) << data;
  for (size_t i = 0; i < rows.size(); ++i) {
    const CorrelateCell& c = r.cells[i];
    std::istringstream row(rows[i]);
    std::string task, policy;
    double v[6];
    row >> std::quoted(task) >> std::quoted(policy) >> v[0] >> v[1] >> v[2] >> v[3] >> v[4] >> v[5];
    ASSERT_TRUE(row) << rows[i];
    EXPECT_EQ(task, c.task);
    EXPECT_EQ(policy, c.policy);
    const double want[6] = {c.sim.rate.estimate, c.real.rate.estimate, c.sim.rate.lo,
                            c.sim.rate.hi,       c.real.rate.lo,       c.real.rate.hi};
    for (int k = 0; k < 6; ++k) EXPECT_NEAR(v[k], 100 * want[k], 0.006) << rows[i] << " column " << k + 3;
  }
}

TEST(CorrelatePlot, CoincidingPointsShareOneLabelOfDistinctPolicies) {
  std::vector<EpisodeRecord> sim, real;
  example_runs(&sim, &real);
  CorrelationResult r = correlate_records(sim, real, CorrelateOptions{"", 0, 0, 0.95});
  ASSERT_GE(r.cells.size(), 3u);
  // Cells 1 and 2 moved onto cell 0's point: one label naming their policies once each.
  for (size_t i : {1, 2}) {
    r.cells[i].sim.rate = r.cells[0].sim.rate;
    r.cells[i].real.rate = r.cells[0].real.rate;
  }
  r.cells[2].policy = r.cells[0].policy;
  const std::vector<std::string> rows = data_rows(correlation_plot_data(r));
  ASSERT_EQ(rows.size(), r.cells.size());
  auto label = [](const std::string& row) {
    std::istringstream in(row);
    std::string field;
    for (int k = 0; k < 9; ++k) in >> std::quoted(field);
    return field;
  };
  EXPECT_EQ(label(rows[0]), r.cells[0].policy + ", " + r.cells[1].policy);
  EXPECT_EQ(label(rows[1]), "");
  EXPECT_EQ(label(rows[2]), "");
  EXPECT_EQ(label(rows[3]), r.cells[3].policy);
}

TEST(CorrelatePlot, ScriptDrawsPngAndSvgWithErrorBarsKeyAndMetricsInTitle) {
  std::vector<EpisodeRecord> sim, real;
  example_runs(&sim, &real);
  const CorrelationResult r = correlate_records(sim, real, CorrelateOptions{"", 200, 3, 0.95});
  const std::string gp = correlation_plot_script(r);
  for (const char* want : {"set terminal pngcairo size 900,700", "set output 'correlation.png'", "set terminal svg",
                           "set output 'correlation.svg'", "with xyerrorbars", "using 3:4:5:6:7:8", "with labels",
                           "plot x ", "noenhanced", "set key"})
    EXPECT_NE(gp.find(want), std::string::npos) << want << "\n" << gp;
  // One xyerrorbars series per task, titled with the task's name.
  for (size_t t = 0; t < r.per_task.size(); ++t)
    EXPECT_NE(gp.find("index " + std::to_string(t) + " using 3:4:5:6:7:8 with xyerrorbars ls " + std::to_string(t + 1) +
                      " title \"" + r.per_task[t].name + "\""),
              std::string::npos)
        << gp;
  char pearson[64];
  std::snprintf(pearson, sizeof pearson, "pooled Pearson r %.2f [%.2f, %.2f]", *r.pooled.pearson.value,
                *r.pooled.pearson.lo, *r.pooled.pearson.hi);
  EXPECT_NE(gp.find(pearson), std::string::npos) << pearson << "\n" << gp;
  char mmrv[64];
  std::snprintf(mmrv, sizeof mmrv, "MMRV %.2f [%.2f, %.2f]", *r.pooled.mmrv.value, *r.pooled.mmrv.lo, *r.pooled.mmrv.hi);
  EXPECT_NE(gp.find(mmrv), std::string::npos) << mmrv << "\n" << gp;
}

}  // namespace
}  // namespace wambench
