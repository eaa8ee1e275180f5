// The Run object (eval/run.h): a new run directory, its resume, its finish, the refusals of a
// directory that already holds a run or is not a run directory, and the default run directory.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "eval/config.h"
#include "eval/run.h"
#include "eval/store.h"

namespace wambench {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("wambench_run_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

// Two scripted episodes of one cell: scripted reads no images, so no GL context is needed.
EvalConfig tiny_config() {
  EvalConfig c;
  c.policies = {PolicySpec("scripted", "")};
  c.tasks = {"press_button"};
  c.splits = {"train"};
  c.episodes = 2;
  c.seed = 11;
  c.workers = 1;
  c.record_trajectories = false;
  return c;
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream f(p);
  return nlohmann::json::parse(f);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const RunError& e) {
    return e.what();
  }
  return "";
}

// Sets an environment variable for the lifetime of the object, restoring the old value after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (had_) ::setenv(name_, old_.c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

TEST(RunDirectory, CreateWritesTheManifestAndAnEmptyStore) {
  const fs::path dir = fresh_dir("create");
  const EvalConfig c = tiny_config();
  {
    const std::unique_ptr<wambench::Run> run = wambench::Run::create(dir.string(), c, "wambench eval");
    EXPECT_FALSE(run->resumed());
    EXPECT_EQ(run->sweep_episodes(), 2u);
    EXPECT_EQ(run->shard_episodes(), 2u);
    EXPECT_EQ(run->recordings_dir(), (dir / "recordings").string());
    EXPECT_TRUE(run->store().records().empty());
  }
  const nlohmann::json m = read_json(dir / "manifest.json");
  EXPECT_EQ(m.at("config"), to_json(c));
  EXPECT_EQ(m.at("config_hash"), config_hash(to_json(c)));
  EXPECT_EQ(m.at("command"), "wambench eval");
  EXPECT_TRUE(m.at("end_time").is_null());
  EXPECT_FALSE(m.contains("shard"));
  EXPECT_TRUE(fs::exists(dir / "episodes.jsonl"));
  EXPECT_EQ(fs::file_size(dir / "episodes.jsonl"), 0u);
  fs::remove_all(dir);
}

TEST(RunDirectory, CreateOfAShardRecordsItAndRefusesAnEmptyShard) {
  const fs::path dir = fresh_dir("shard");
  const EvalConfig c = tiny_config();
  {
    const std::unique_ptr<wambench::Run> run = wambench::Run::create(dir.string(), c, "wambench eval", ShardSpec{2, 2});
    EXPECT_EQ(run->shard_episodes(), 1u);
    EXPECT_EQ(run->manifest().at("shard").at("spec"), "2/2");
    EXPECT_EQ(run->manifest().at("shard").at("episodes"), 1);
  }
  const std::string e = error_of([&] { wambench::Run::create((dir / "empty").string(), c, "wambench eval", ShardSpec{3, 3}); });
  EXPECT_NE(e.find("shard 3/3 of this sweep has no episodes"), std::string::npos) << e;
  EXPECT_NE(e.find("the sweep has 2 episodes"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(dir / "empty" / "manifest.json"));
  fs::remove_all(dir);
}

TEST(RunDirectory, RunFinishAndResume) {
  const fs::path dir = fresh_dir("resume");
  const EvalConfig c = tiny_config();
  {
    const std::unique_ptr<wambench::Run> run = wambench::Run::create(dir.string(), c, "wambench eval");
    const SweepSummary s = run->run_episodes();
    EXPECT_EQ(s.ran, 2u);
    const nlohmann::json summary = run->finish();
    EXPECT_EQ(summary.at("episodes"), 2);
    EXPECT_EQ(summary.at("config_hash"), config_hash(to_json(c)));
  }
  EXPECT_FALSE(read_json(dir / "manifest.json").at("end_time").is_null());
  EXPECT_TRUE(fs::exists(dir / "summary.json"));
  EXPECT_TRUE(fs::exists(dir / "report.md"));
  const auto records = read_episode_records((dir / "episodes.jsonl").string());
  ASSERT_EQ(records.size(), 2u);

  // A finished run is never overwritten.
  const std::string again = error_of([&] { wambench::Run::create(dir.string(), c, "wambench eval"); });
  EXPECT_NE(again.find("already holds a run; continue it with --resume " + dir.string()), std::string::npos) << again;

  // Resume: the stored config and records; nothing is run again; the manifest says when.
  {
    const std::unique_ptr<wambench::Run> run = wambench::Run::resume(dir.string(), 3);
    EXPECT_TRUE(run->resumed());
    EXPECT_EQ(run->config().workers, 3);
    EXPECT_EQ(run->config().seed, c.seed);
    EXPECT_EQ(run->store().records().size(), 2u);
    const SweepSummary s = run->run_episodes();
    EXPECT_EQ(s.ran, 0u);
    EXPECT_EQ(s.resumed, 2u);
    run->finish(false);
  }
  const nlohmann::json m = read_json(dir / "manifest.json");
  ASSERT_EQ(m.at("resumed").size(), 1u);
  EXPECT_EQ(m.at("resumed")[0].at("workers"), 3);
  EXPECT_EQ(read_episode_records((dir / "episodes.jsonl").string()).size(), 2u);

  // A shard given on resume must be the stored one.
  const ShardSpec other{1, 2};
  const std::string e = error_of([&] { wambench::Run::resume(dir.string(), 0, &other); });
  EXPECT_NE(e.find("--shard 1/2 does not match the run in '" + dir.string() + "', which is a whole sweep"),
            std::string::npos)
      << e;
  fs::remove_all(dir);
}

TEST(RunDirectory, ResumeRefusesAForeignDirectory) {
  const fs::path dir = fresh_dir("foreign");
  fs::create_directories(dir);
  std::string e = error_of([&] { wambench::Run::resume(dir.string()); });
  EXPECT_EQ(e, "'" + dir.string() + "' is not a run directory: it has no readable manifest.json");
  std::ofstream(dir / "manifest.json") << "{not json";
  e = error_of([&] { wambench::Run::resume(dir.string()); });
  EXPECT_NE(e.find("manifest.json: malformed JSON"), std::string::npos) << e;
  std::ofstream(dir / "manifest.json") << R"({"robot": {}})";
  e = error_of([&] { wambench::Run::resume(dir.string()); });
  EXPECT_NE(e.find("no 'config' field; not a wambench run directory"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(dir / "episodes.jsonl")) << "a refused resume opened a store";
  fs::remove_all(dir);
}

TEST(RunDirectory, DefaultRunDirectoryIsOutsideTheSourceTree) {
  {
    ScopedEnv runs("WAMBENCH_RUNS_DIR", "/data/runs");
    EXPECT_EQ(default_runs_dir(), "/data/runs");
    const std::string d = default_run_dir("eval");
    EXPECT_EQ(d.rfind("/data/runs/eval-", 0), 0u) << d;
    EXPECT_EQ(d.find(':'), std::string::npos) << d;
  }
  {
    ScopedEnv runs("WAMBENCH_RUNS_DIR", nullptr);
    ScopedEnv data("XDG_DATA_HOME", "/xdg");
    EXPECT_EQ(default_runs_dir(), "/xdg/wambench/runs");
  }
  {
    ScopedEnv runs("WAMBENCH_RUNS_DIR", "");
    ScopedEnv data("XDG_DATA_HOME", nullptr);
    ScopedEnv home("HOME", "/home/u");
    EXPECT_EQ(default_runs_dir(), "/home/u/.local/share/wambench/runs");
  }
  {
    ScopedEnv runs("WAMBENCH_RUNS_DIR", nullptr);
    ScopedEnv data("XDG_DATA_HOME", nullptr);
    ScopedEnv home("HOME", nullptr);
    EXPECT_NE(error_of([] { default_runs_dir(); }).find("pass --out DIR or set WAMBENCH_RUNS_DIR"), std::string::npos);
  }
}

}  // namespace
}  // namespace wambench
