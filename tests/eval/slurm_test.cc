// The Slurm scripts of `wambench slurm submit`: resources, requeue and signal handling, quoting,
// bad options; progress of a submission directory from its files.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "eval/slurm.h"

namespace wambench {
namespace {

namespace fs = std::filesystem;

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text + "\n").find("\n" + line + "\n") != std::string::npos;
}

TEST(SlurmScripts, ArrayScriptCarriesTheRequestedResourcesAndResumes) {
  SlurmOptions o;
  o.shards = 8;
  o.partition = "gpu";
  o.time = "2:00:00";
  o.cpus_per_task = 4;
  o.mem = "8G";
  o.gpus_per_task = 1;
  const std::string s = slurm_array_script(o, "/opt/wambench", "/runs/r");
  for (const char* line : {"#!/bin/bash", "#SBATCH --array=1-8", "#SBATCH --partition=gpu", "#SBATCH --time=2:00:00",
                           "#SBATCH --cpus-per-task=4", "#SBATCH --mem=8G", "#SBATCH --gpus-per-task=1",
                           "#SBATCH --requeue", "#SBATCH --open-mode=append", "#SBATCH --signal=B:USR1@120",
                           "#SBATCH --output=/runs/r/slurm/logs/shard-%a.out", "trap on_term TERM",
                           "trap on_usr1 USR1", "SHARDS=8"})
    EXPECT_TRUE(has_line(s, line)) << line << "\n" << s;
  EXPECT_NE(s.find("eval --resume \"$SHARD_DIR\""), std::string::npos);
  EXPECT_NE(s.find("--shard \"$K/$SHARDS\""), std::string::npos);
  EXPECT_NE(s.find("scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\""), std::string::npos);
}

TEST(SlurmScripts, DefaultsLeaveTheClusterDefaultsAlone) {
  SlurmOptions o;
  o.shards = 2;
  const std::string s = slurm_array_script(o, "/opt/wambench", "/runs/r");
  EXPECT_EQ(s.find("--partition"), std::string::npos);
  EXPECT_EQ(s.find("--time"), std::string::npos);
  EXPECT_EQ(s.find("--mem"), std::string::npos);
  EXPECT_EQ(s.find("--gpus-per-task"), std::string::npos);
  EXPECT_EQ(s.find("--signal"), std::string::npos);  // no time limit, no early warning
}

TEST(SlurmScripts, PathsAreQuotedForBash) {
  SlurmOptions o;
  o.shards = 2;
  const std::string s = slurm_array_script(o, "/opt/my wambench", "/runs/it's");
  EXPECT_TRUE(has_line(s, "WAMBENCH='/opt/my wambench'")) << s;
  EXPECT_TRUE(has_line(s, "RUN='/runs/it'\\''s'")) << s;
  const std::string m = slurm_merge_script(o, "/opt/my wambench", "/runs/it's");
  EXPECT_TRUE(has_line(m, "RUN='/runs/it'\\''s'")) << m;
  EXPECT_NE(m.find("\"$WAMBENCH\" merge \"$RUN/merged\" \"${dirs[@]}\""), std::string::npos) << m;
}

TEST(SlurmScripts, BadOptionsNameTheFlag) {
  const auto error_of = [](SlurmOptions o) -> std::string {
    try {
      slurm_array_script(o, "/w", "/r");
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  SlurmOptions o;
  o.shards = 0;
  EXPECT_NE(error_of(o).find("--shards: must be in 1..100000"), std::string::npos);
  o = {};
  o.cpus_per_task = 0;
  EXPECT_NE(error_of(o).find("--cpus-per-task: must be >= 1"), std::string::npos);
  o = {};
  o.partition = "a;$(rm)";
  EXPECT_NE(error_of(o).find("--partition: 'a;$(rm)' contains a space, quote or shell character"), std::string::npos);
  o = {};
  o.mem = "4 G";
  EXPECT_NE(error_of(o).find("--mem"), std::string::npos);
}

TEST(SlurmProgress, RefusesADirectoryThatIsNotASubmission) {
  const fs::path d = fs::temp_directory_path() / ("wambench_slurm_test_" + std::to_string(::getpid()));
  fs::create_directories(d);
  try {
    slurm_progress(d.string());
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is not a `wambench slurm submit` directory"), std::string::npos) << e.what();
  }
  EXPECT_EQ(slurm_shard_dir("/runs/r", 3), "/runs/r/shards/shard-3");
  fs::remove_all(d);
}

}  // namespace
}  // namespace wambench
