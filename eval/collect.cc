#include "eval/collect.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "eval/oracle_policy.h"
#include "eval/runner.h"
#include "io/hdf5.h"
#include "policies/policy.h"
#include "tasks/registry.h"
#include "tasks/task_env.h"

namespace wambench {
namespace {

using Clock = std::chrono::steady_clock;

// One scripted episode with the observation before every action.
struct DemoEpisode {
  int64_t index = 0;
  uint64_t seed = 0;
  std::string instruction;
  bool success = false;
  std::string error;
  int steps = 0;
  std::vector<double> actions, executed, ee_pos, ee_quat, ee_rot6d, gripper, joint_pos, object_state, rewards;
  std::vector<uint8_t> front, wrist, coarse;
  std::vector<std::string> phases, plan_phases;
  std::vector<int32_t> progress;
};

void append_image(const Observation& obs, const char* camera, std::vector<uint8_t>* out) {
  const Image& image = obs.images.at(camera);
  out->insert(out->end(), image.rgb.begin(), image.rgb.end());
}

DemoEpisode run_demo(Policy& policy, TaskEnv& env, const std::string& task, int64_t index, uint64_t base_seed) {
  Trajectory trajectory;
  // frames = true: the stepper observes after every step, so observation() is what each action answers.
  EpisodeStepper stepper(policy, env, {"scripted", task, "train", index}, base_seed, &trajectory, true);
  DemoEpisode d;
  d.index = index;
  while (!stepper.done()) {
    const Observation& obs = stepper.observation();
    append_image(obs, "front", &d.front);
    append_image(obs, "wrist", &d.wrist);
    d.ee_pos.insert(d.ee_pos.end(), obs.ee_pos_m.begin(), obs.ee_pos_m.end());
    d.ee_quat.insert(d.ee_quat.end(), obs.ee_quat_wxyz.begin(), obs.ee_quat_wxyz.end());
    d.ee_rot6d.insert(d.ee_rot6d.end(), obs.ee_rot6d.begin(), obs.ee_rot6d.end());
    const auto state = env.task().object_state(env.env().model(), env.env().data());
    d.object_state.insert(d.object_state.end(), state.begin(), state.end());
    d.gripper.push_back(obs.gripper_opening_m);
    d.joint_pos.insert(d.joint_pos.end(), obs.joint_pos_rad.begin(), obs.joint_pos_rad.end());
    stepper.step();
  }
  const EpisodeRecord r = stepper.record();
  d.seed = r.seed;
  d.instruction = r.instruction;
  d.success = r.success;
  d.error = r.error;
  d.steps = static_cast<int>(trajectory.actions.size() / kActionDim);
  d.executed = trajectory.actions;
  d.actions = trajectory.actions;
  for (int k = 0; k < d.steps; ++k) {
    // DART: the label is the expert's clean action for the state the noisy execution reached.
    const nlohmann::json& step = trajectory.diagnostics[k];
    if (step.is_object() && step.contains("expert_action")) {
      const auto clean = step.at("expert_action").get<std::vector<double>>();
      std::copy(clean.begin(), clean.end(), d.actions.begin() + static_cast<std::ptrdiff_t>(k) * kActionDim);
    }
    d.rewards.push_back(trajectory.success[k]);
    // State phase labels (what every policy is judged with), and the expert's plan apart.
    d.phases.push_back(trajectory.phases[k]);
    d.coarse.push_back(trajectory.phases_coarse[k] == "interaction");
    d.plan_phases.push_back(trajectory.plan_phases[k]);
    d.progress.push_back(trajectory.progress[k]);
  }
  return d;
}

void write_strings(hid_t loc, const std::string& path, const char* name, const std::vector<std::string>& strings) {
  size_t width = 1;
  for (const std::string& s : strings) width = std::max(width, s.size());
  std::vector<char> buffer(strings.size() * width, '\0');
  for (size_t i = 0; i < strings.size(); ++i) std::copy(strings[i].begin(), strings[i].end(), &buffer[i * width]);
  hdf5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  hdf5::check(H5Tset_size(type.id, width), path, "sizing phase strings");
  const hsize_t n = strings.size();
  hdf5::write_dataset(loc, path, name, type.id, type.id, buffer.data(), {n}, {std::max<hsize_t>(n, 1)});
}

void write_demo(hid_t data, const std::string& path, int demo, const std::string& task, uint64_t base_seed,
                int image_size, const DemoEpisode& d) {
  const std::string group_name = "demo_" + std::to_string(demo);
  hdf5::Handle group(H5Gcreate2(data, group_name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  if (group.id < 0) throw std::runtime_error(path + ": cannot create group data/" + group_name);
  hdf5::Handle obs(H5Gcreate2(group.id, "obs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  if (obs.id < 0) throw std::runtime_error(path + ": cannot create group data/" + group_name + "/obs");
  const hsize_t T = d.steps;
  const hsize_t px = image_size;
  const hid_t f64 = H5T_IEEE_F64LE, d64 = H5T_NATIVE_DOUBLE;
  hdf5::write_matrix(group.id, path, "actions", f64, d64, d.actions.data(), T, kActionDim);
  hdf5::write_matrix(group.id, path, "executed_actions", f64, d64, d.executed.data(), T, kActionDim);
  hdf5::write_dataset(obs.id, path, "front_image", H5T_STD_U8LE, H5T_NATIVE_UINT8, d.front.data(), {T, px, px, 3},
                      {1, px, px, 3});
  hdf5::write_dataset(obs.id, path, "wrist_image", H5T_STD_U8LE, H5T_NATIVE_UINT8, d.wrist.data(), {T, px, px, 3},
                      {1, px, px, 3});
  hdf5::write_matrix(obs.id, path, "ee_pos", f64, d64, d.ee_pos.data(), T, 3);
  hdf5::write_matrix(obs.id, path, "ee_quat", f64, d64, d.ee_quat.data(), T, 4);
  hdf5::write_matrix(obs.id, path, "ee_rot6d", f64, d64, d.ee_rot6d.data(), T, 6);
  hdf5::write_matrix(obs.id, path, "object_state", f64, d64, d.object_state.data(), T, kObjectStateDim);
  hdf5::write_matrix(obs.id, path, "gripper_opening", f64, d64, d.gripper.data(), T, 1);
  hdf5::write_matrix(obs.id, path, "joint_pos", f64, d64, d.joint_pos.data(), T, kArmDof);
  std::vector<uint8_t> dones(T, 0);
  if (T > 0) dones.back() = 1;
  hdf5::write_matrix(group.id, path, "dones", H5T_STD_U8LE, H5T_NATIVE_UINT8, dones.data(), T, 0);
  hdf5::write_matrix(group.id, path, "rewards", f64, d64, d.rewards.data(), T, 0);
  write_strings(group.id, path, "phases", d.phases);
  write_strings(group.id, path, "plan_phases", d.plan_phases);
  hdf5::write_matrix(group.id, path, "phases_coarse", H5T_STD_U8LE, H5T_NATIVE_UINT8, d.coarse.data(), T, 0);
  hdf5::write_matrix(group.id, path, "progress", H5T_STD_I32LE, H5T_NATIVE_INT32, d.progress.data(), T, 0);
  hdf5::write_int_attribute(group.id, path, "num_samples", static_cast<int64_t>(T));
  hdf5::write_text_attribute(group.id, path, "task", task);
  hdf5::write_text_attribute(group.id, path, "instruction", d.instruction);
  hdf5::write_text_attribute(group.id, path, "split", "train");
  hdf5::write_int_attribute(group.id, path, "episode_index", d.index);
  hdf5::write_uint_attribute(group.id, path, "seed", d.seed);
  hdf5::write_uint_attribute(group.id, path, "base_seed", base_seed);
}

void validate(const CollectConfig& c) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("collect: " + what); };
  if (c.tasks.empty()) fail("no tasks given; valid: all or names from pick_place, stack_blocks, open_drawer, "
                            "peg_insert, press_button, pour");
  for (const std::string& t : c.tasks) make_task(t);  // unknown names list the valid ones
  if (c.split != "train")
    fail("--split " + c.split + ": demonstrations come from the train split only (valid: train); the held-out "
                                "splits stay unseen by training");
  if (c.episodes < 1) fail("--episodes must be >= 1, got " + std::to_string(c.episodes));
  if (!(c.noise_std >= 0.0 && c.noise_std <= 1.0)) fail("--noise must be in [0, 1], got " + std::to_string(c.noise_std));
  if (c.workers < 1) fail("--workers must be >= 1, got " + std::to_string(c.workers));
  if (c.seed >= kDemoBaseSeed) fail("--seed must be < 2^63 (the demonstration base seed is 2^63 + seed)");
  if (c.image_size < 16 || c.image_size > 512) fail("--image-size must be in 16..512, got " + std::to_string(c.image_size));
  if (c.max_attempts_per_demo < 1) fail("max_attempts_per_demo must be >= 1");
  if (c.out.empty()) fail("--out is required");
  if (std::filesystem::exists(c.out))
    fail("'" + c.out + "' already exists; a finished dataset is never overwritten (choose another --out)");
}

}  // namespace

CollectSummary collect_demonstrations(const CollectConfig& c,
                                      const std::function<void(const std::string&, int, int)>& on_progress) {
  validate(c);
  register_oracle_policies();
  const auto t0 = Clock::now();
  const uint64_t base_seed = kDemoBaseSeed + c.seed;
  const std::string tmp = c.out + ".tmp";
  if (!std::filesystem::path(c.out).parent_path().empty())
    std::filesystem::create_directories(std::filesystem::path(c.out).parent_path());
  EnvConfig env_config;
  env_config.image_height = env_config.image_width = c.image_size;
  CollectSummary summary;
  {
    std::unique_lock<std::mutex> lock(hdf5::mutex());
    hdf5::Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (file.id < 0) throw std::runtime_error("collect: cannot create '" + tmp + "'");
    hdf5::Handle data(H5Gcreate2(file.id, "data", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    lock.unlock();
    int demo = 0;
    for (const std::string& task : c.tasks) {
      const int n_workers = std::min(c.workers, c.episodes);
      // Attempt indices in order until the first `episodes` successes: each round runs as many new
      // indices as demos are still missing, so the kept set is the same for any number of workers.
      std::map<int64_t, DemoEpisode> kept;
      int64_t next = 0;
      const int64_t max_attempts = static_cast<int64_t>(c.episodes) * c.max_attempts_per_demo;
      std::string last_error;
      while (static_cast<int>(kept.size()) < c.episodes) {
        if (next >= max_attempts)
          throw std::runtime_error("collect: the " + task + " expert succeeded in only " + std::to_string(kept.size()) +
                                   " of " + std::to_string(next) + " episodes at noise " + std::to_string(c.noise_std) +
                                   (last_error.empty() ? "" : " (last error: " + last_error + ")") +
                                   "; lower --noise");
        const int64_t first = next, count = c.episodes - static_cast<int64_t>(kept.size());
        next += count;
        std::atomic<int64_t> cursor{first};
        std::mutex mutex;
        std::exception_ptr fatal;
        auto worker = [&] {
          try {
            // Each worker owns a TaskEnv (scene, GL context: created, used and destroyed on its
            // thread) and a policy.
            TaskEnv env(task, env_config);
            std::unique_ptr<Policy> policy = make_policy({"scripted", "", c.noise_std, {}});
            for (int64_t i = cursor++; i < first + count; i = cursor++) {
              DemoEpisode d = run_demo(*policy, env, task, i, base_seed);
              std::lock_guard<std::mutex> guard(mutex);
              if (d.success) {
                kept.emplace(i, std::move(d));
                if (on_progress) on_progress(task, static_cast<int>(std::min<size_t>(kept.size(), c.episodes)), c.episodes);
              } else {
                last_error = d.error;
              }
            }
          } catch (...) {
            std::lock_guard<std::mutex> guard(mutex);
            if (!fatal) fatal = std::current_exception();
          }
        };
        std::vector<std::thread> pool;
        for (int w = 0; w < n_workers; ++w) pool.emplace_back(worker);
        for (auto& th : pool) th.join();
        if (fatal) std::rethrow_exception(fatal);
      }
      CollectSummary::Task stats{task, static_cast<int>(next), c.episodes, 0};
      lock.lock();
      for (auto& [index, d] : kept) {
        write_demo(data.id, tmp, demo++, task, base_seed, c.image_size, d);
        stats.samples += d.steps;
      }
      lock.unlock();
      summary.samples += stats.samples;
      summary.tasks.push_back(stats);
    }
    lock.lock();
    nlohmann::json env_args = {
        {"env_name", "wambench"},
        {"type", "wambench"},
        {"env_kwargs",
         {{"tasks", c.tasks},
          {"split", c.split},
          {"image_size", c.image_size},
          {"cameras", env_config.cameras},
          {"control_frequency_hz", env_config.control_frequency_hz},
          {"physics_timestep_s", env_config.physics_timestep_s},
          {"noise_std", c.noise_std},
          {"base_seed", base_seed}}}};
    hdf5::write_text_attribute(data.id, tmp, "env_args", env_args.dump());
    hdf5::write_int_attribute(data.id, tmp, "total", summary.samples);
    hdf5::write_text_attribute(data.id, tmp, "format", "wambench-demos-1");
  }
  std::filesystem::rename(tmp, c.out);
  summary.file_bytes = std::filesystem::file_size(c.out);
  summary.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  return summary;
}

}  // namespace wambench
