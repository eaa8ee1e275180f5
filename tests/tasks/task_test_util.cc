#include "task_test_util.h"

#include <gtest/gtest.h>

#include <set>

namespace wambench {

EnvConfig no_render() {
  EnvConfig c;
  c.render = false;
  return c;
}

void check_expert_on_every_split(TaskEnv& env, const std::vector<ExpectedLabel>& labels, int episodes,
                                 const std::function<void(const ExpertEpisode&, TaskEnv&)>& after_episode) {
  const auto& subgoals = env.task().subgoals();
  for (Split split : all_splits()) {
    for (int64_t i = 0; i < episodes; ++i) {
      const ExpertEpisode r = run_expert_episode(env, split, i, 0);
      const std::string where = std::string(to_string(split)) + " episode " + std::to_string(i) + " (\"" +
                                r.variation.instruction + "\")";
      EXPECT_TRUE(r.success) << where << ": progress " << r.progress_name << ", error '" << r.error << "'";
      EXPECT_EQ(r.progress, static_cast<int>(subgoals.size())) << where;
      EXPECT_EQ(r.progress_name, subgoals.back()) << where;
      EXPECT_LE(r.success_step, static_cast<int>(0.7 * env.task().horizon_steps())) << where;
      ASSERT_EQ(r.phases.size(), static_cast<size_t>(r.steps)) << where;
      std::set<CoarsePhase> coarse;
      std::set<ExpectedLabel> seen;
      for (const PhaseLabel& p : r.phases) {
        coarse.insert(p.coarse);
        seen.insert({p.fine, p.coarse});
      }
      EXPECT_EQ(coarse.size(), 2u) << where << ": both transit and interaction steps";
      for (const ExpectedLabel& l : labels)
        EXPECT_EQ(seen.count(l), 1u) << where << ": no '" << l.first << "' step labelled " << to_string(l.second);
      if (after_episode) after_episode(r, env);
    }
  }
}

}  // namespace wambench
