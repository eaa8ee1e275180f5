// The validation split of `wambench train`: how many demonstrations are held out, and the note
// that explains an empty or small split before training.
#include "policies/validation_split.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace wambench {
namespace {

TEST(ValidationSplit, FourDemosAtTheDefaultFractionHoldOutNoneAndSayWhatToChange) {
  // 4 x 0.1 = 0.4 rounds to 0; 0.5 / 4 = 0.125 -> 0.13 is the smallest two-decimal fraction that
  // holds out one; at 0.1, 5 demonstrations give round(0.5) = 1.
  const ValidationSplit s = plan_validation_split(4, 0.1);
  EXPECT_EQ(s.val_demos, 0);
  EXPECT_EQ(s.status, "none");
  EXPECT_EQ(s.note,
            "no validation: 4 demonstrations x --val-fraction 0.1 = 0.4 rounds to 0 held out, so no validation loss "
            "is computed. Hold one out with --val-fraction 0.13, or collect at least 5 demonstrations "
            "(`wambench collect --episodes`, per task) for one at 0.1");
  const nlohmann::json j = to_json(s);
  EXPECT_EQ(j.at("status"), "none");
  EXPECT_EQ(j.at("demos"), 4);
  EXPECT_EQ(j.at("val_demos"), 0);
  EXPECT_EQ(j.at("note"), s.note);
}

TEST(ValidationSplit, FewHeldOutDemosAreFlaggedEnoughAreNot) {
  // 10 x 0.1 = 1 held out: noisy; 0.25 x 10 = 2.5 rounds to 3; at 0.1, 25 give 2.5 -> 3.
  const ValidationSplit few = plan_validation_split(10, 0.1);
  EXPECT_EQ(few.val_demos, 1);
  EXPECT_EQ(few.status, "few");
  EXPECT_NE(few.note.find("10 demonstrations x --val-fraction 0.1 holds out 1"), std::string::npos) << few.note;
  EXPECT_NE(few.note.find("--val-fraction 0.25 holds out 3, or collect at least 25 demonstrations"), std::string::npos)
      << few.note;
  const ValidationSplit ok = plan_validation_split(30, 0.1);
  EXPECT_EQ(ok.val_demos, 3);
  EXPECT_EQ(ok.status, "ok");
  EXPECT_TRUE(ok.note.empty());
}

TEST(ValidationSplit, EdgeCasesKeepOneTrainingDemoAndExplainThemselves) {
  const ValidationSplit one = plan_validation_split(1, 0.5);  // min(0, round(0.5)) = 0: training needs it
  EXPECT_EQ(one.val_demos, 0);
  EXPECT_NE(one.note.find("the file holds 1 demonstration and training needs it"), std::string::npos) << one.note;
  const ValidationSplit zero = plan_validation_split(40, 0.0);
  EXPECT_EQ(zero.status, "none");
  EXPECT_NE(zero.note.find("--val-fraction is 0, so all 40 demonstrations train"), std::string::npos) << zero.note;
  const ValidationSplit two = plan_validation_split(2, 0.5);  // min(1, 1) = 1, and no fraction gives 3
  EXPECT_EQ(two.val_demos, 1);
  EXPECT_NE(two.note.find("2 demonstrations x --val-fraction 0.5 holds out 1"), std::string::npos) << two.note;
  EXPECT_NE(two.note.find("noisy. Collect at least 5 demonstrations for 3 at 0.5"), std::string::npos) << two.note;
  EXPECT_THROW(plan_validation_split(0, 0.1), std::invalid_argument);
  EXPECT_THROW(plan_validation_split(4, 0.6), std::invalid_argument);
}

}  // namespace
}  // namespace wambench
