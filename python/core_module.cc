// wambench._core: the C++ side of the Python package `wambench` (python/wambench/): one task
// environment per object (the benchmark's episodes, stepped without copies where possible) and the
// evaluation sweep with a Python callable as a policy. The Python files wrap it in the Gymnasium
// API (python/wambench/env.py) and accept configs as dicts or files (python/wambench/evaluate.py).

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <mujoco/mujoco.h>
#include <pybind11/stl.h>

#include "build_info/git_commit.h"
#include "eval/config.h"
#include "eval/oracle_policy.h"
#include "eval/report.h"
#include "eval/run_manifest.h"
#include "eval/runner.h"
#include "eval/store.h"
#include "policies/external_policy.h"
#include "python/python_policy.h"
#include "tasks/registry.h"
#include "tasks/split.h"
#include "tasks/task_env.h"

namespace wambench::python {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxBaseSeed = uint64_t{1} << 63;  // base seeds from 2^63 up are demonstrations'

void check_base_seed(uint64_t seed) {
  if (seed >= kMaxBaseSeed)
    throw py::value_error("seed must be in [0, 2^63) (base seeds from 2^63 up are reserved for demonstrations), got " +
                          std::to_string(seed));
}

std::vector<std::string> split_names() {
  std::vector<std::string> names;
  for (Split s : all_splits()) names.push_back(to_string(s));
  return names;
}

/// One task's environment: episode (split, index, base seed) reset exactly as the sweep runner does
/// it (TaskEnv::reset, eval/runner.cc), one control step per step().
class PyEnv {
 public:
  PyEnv(const std::string& task, const std::string& split, int64_t episode, uint64_t seed, bool render, int image_size)
      : task_(task), split_(parse_split(split)), episode_(episode), seed_(seed) {
    make_task(task);  // std::invalid_argument (ValueError) listing the valid names
    if (episode < 0) throw py::value_error("episode must be >= 0, got " + std::to_string(episode));
    check_base_seed(seed);
    if (image_size < 16 || image_size > 1024)
      throw py::value_error("image_size must be in [16, 1024] pixels, got " + std::to_string(image_size));
    EnvConfig config;
    config.render = render;
    config.image_height = config.image_width = image_size;
    py::gil_scoped_release release;
    env_ = std::make_unique<TaskEnv>(task, config);
  }

  py::tuple reset(std::optional<uint64_t> seed, std::optional<int64_t> episode, std::optional<std::string> split) {
    env();
    if (seed) check_base_seed(*seed);
    if (episode && *episode < 0) throw py::value_error("episode must be >= 0, got " + std::to_string(*episode));
    const Split s = split ? parse_split(*split) : split_;
    if (seed) seed_ = *seed;
    if (episode) episode_ = *episode;
    split_ = s;
    Observation obs;
    {
      py::gil_scoped_release release;
      env_->reset(split_, episode_, seed_);
      obs = env_->observe();
    }
    started_ = true;
    over_ = false;
    py::dict o = observation_to_dict(std::move(obs));
    remember_front(o);
    return py::make_tuple(o, info());
  }

  py::tuple step(py::handle action) {
    env();
    if (!started_) throw std::runtime_error("step() before reset(): call reset() to start an episode");
    if (over_)
      throw std::runtime_error("the episode is over (terminated or truncated): call reset() to start the next one");
    const Action a = action_from_python(action);
    Observation obs;
    {
      py::gil_scoped_release release;
      try {
        env_->step(a);
      } catch (const SimulationError&) {
        over_ = true;
        throw;
      }
      obs = env_->observe();
    }
    const TaskStatus& status = env_->status();
    const bool terminated = status.success;
    const bool truncated = !terminated && env_->steps() >= env_->task().horizon_steps();
    over_ = terminated || truncated;
    py::dict o = observation_to_dict(std::move(obs));
    remember_front(o);
    return py::make_tuple(o, terminated ? 1.0 : 0.0, terminated, truncated, info());
  }

  py::object render() const {
    env();
    if (!env_->env().config().render) throw std::runtime_error("this env renders nothing: make it with render=True");
    if (!started_) throw std::runtime_error("render() before reset(): call reset() first");
    return front_;
  }

  void close() {
    py::gil_scoped_release release;
    env_.reset();
  }

  py::dict info() const {
    const Variation& v = env().variation();
    const TaskStatus& status = env().status();
    py::dict d;
    d["task"] = task_;
    d["split"] = to_string(split_);
    d["episode"] = episode_;
    d["seed"] = v.seed;
    d["base_seed"] = seed_;
    d["instruction"] = v.instruction;
    d["success"] = status.success;
    d["progress"] = status.progress;
    d["progress_name"] = status.progress_name;
    d["steps"] = env().steps();
    d["horizon"] = env().task().horizon_steps();
    return d;
  }

  py::array_t<double> qpos() const { return copy_state(env().env().data()->qpos, env().env().model()->nq); }
  py::array_t<double> qvel() const { return copy_state(env().env().data()->qvel, env().env().model()->nv); }
  py::array_t<double> ctrl() const { return copy_state(env().env().data()->ctrl, env().env().model()->nu); }
  int horizon() const { return env().task().horizon_steps(); }
  int steps() const { return env().steps(); }
  const std::string& task() const { return task_; }
  std::string split() const { return to_string(split_); }
  int64_t episode() const { return episode_; }
  uint64_t seed() const { return seed_; }
  bool render_enabled() const { return env().env().config().render; }
  std::vector<std::string> cameras() const { return render_enabled() ? env().env().config().cameras : std::vector<std::string>{}; }
  int image_size() const { return env().env().config().image_height; }
  double control_frequency_hz() const { return env().env().config().control_frequency_hz; }
  bool closed() const { return !env_; }

 private:
  const TaskEnv& env() const {
    if (!env_) throw std::runtime_error("the env is closed");
    return *env_;
  }
  static py::array_t<double> copy_state(const double* p, int n) {
    py::array_t<double> a(n);
    std::copy(p, p + n, a.mutable_data());
    return a;
  }
  void remember_front(const py::dict& o) {
    front_ = o.contains("front") ? py::object(o["front"]) : py::none();
  }

  std::string task_;
  Split split_;
  int64_t episode_;
  uint64_t seed_;
  std::unique_ptr<TaskEnv> env_;
  bool started_ = false, over_ = false;
  py::object front_ = py::none();
};

nlohmann::json read_manifest(const fs::path& path) {
  std::ifstream f(path);
  if (!f) throw py::value_error("cannot read '" + path.string() + "'");
  try {
    return nlohmann::json::parse(f);
  } catch (const nlohmann::json::parse_error& e) {
    throw py::value_error(path.string() + ": malformed JSON: " + e.what());
  }
}

/// The sweep of `wambench eval` with the Python callable `policy` as the policy named "python";
/// writes the run directory `out` like the command (manifest.json, episodes.jsonl, recordings/,
/// summary.json, report.md). Returns the records as a JSON array (text), in sweep order.
std::string evaluate(const std::string& config_text, py::object policy, const std::string& out, bool resume, bool images,
                     bool progress) {
  std::atomic<bool> interrupted{false};
  std::unique_ptr<ExternalPolicyRegistration> registration;
  if (!policy.is_none()) {
    if (!PyCallable_Check(policy.ptr()))
      throw py::type_error("policy must be callable as policy(obs, info) -> action (7,) or chunk (H, 7), got " +
                           std::string(py::str(py::type::of(policy).attr("__name__"))));
    SharedPyObject callable = share(policy);
    registration = std::make_unique<ExternalPolicyRegistration>("python", [callable, images, &interrupted](const PolicySpec& spec) {
      if (!spec.options.empty())
        throw std::invalid_argument("policy 'python' takes no \"options\" (got " + spec.options.dump() +
                                    "); pass settings to your callable in Python");
      return make_python_policy(callable, images, &interrupted);
    });
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(config_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw py::value_error(std::string("config: malformed JSON: ") + e.what());
  }
  const EvalConfig config = parse_eval_config(j, "config");  // ConfigError -> ValueError
  bool uses_python = false;
  for (const PolicySpec& p : config.policies) uses_python |= p.name == "python";
  if (!policy.is_none() && !uses_python)
    throw py::value_error("the config's \"policies\" list no \"python\" entry, so the policy callable would not run; "
                          "add \"python\" (or {\"name\": \"python\", \"label\": \"my_model\"}) to it");

  const fs::path dir(out);
  const fs::path manifest_path = dir / "manifest.json";
  const nlohmann::json config_json = to_json(config);
  nlohmann::json manifest;
  if (resume && fs::exists(manifest_path)) {
    manifest = read_manifest(manifest_path);
    const std::string stored = manifest.value("config_hash", "");
    if (stored != config_hash(config_json))
      throw py::value_error("'" + out + "' holds a run of another config (config hash " + stored + ", this one " +
                            config_hash(config_json) + "); resume it with its own config or choose another out");
    mark_resumed(&manifest, config.workers);
  } else {
    if (fs::exists(dir / "episodes.jsonl") && fs::file_size(dir / "episodes.jsonl") > 0)
      throw py::value_error("'" + out + "' already holds a run; continue it with resume=True or choose another out");
    const std::string command =
        "wambench.evaluate (Python " + py::module_::import("platform").attr("python_version")().cast<std::string>() + ")";
    py::gil_scoped_release release;  // creating the policies may load checkpoints and a GL context
    manifest = new_run_manifest(config, command);
  }
  ResultStore store(out, resume);
  write_json_atomic(manifest_path.string(), manifest);

  // The sweep runs on its own thread with the GIL released; this thread wakes every 100 ms to let
  // Python handle signals (Ctrl-C stops the sweep: Python policies then throw SweepInterrupted).
  std::mutex mutex;
  std::condition_variable cv;
  bool finished = false;
  std::exception_ptr failure;
  std::unique_ptr<py::error_already_set> signal_error;
  const size_t step_print = std::max<size_t>(1, sweep_keys(config).size() / 20);
  std::mutex print_mutex;
  auto on_progress = [&](const SweepProgress& p) {
    if (interrupted) throw SweepInterrupted{};
    if (!progress || (p.done != p.total && p.done % step_print != 0)) return;
    std::lock_guard<std::mutex> lock(print_mutex);
    std::cerr << "wambench.evaluate: " << p.done << "/" << p.total << " episodes, " << p.successes << " successes, "
              << p.errors << " errors\n";
  };
  {
    py::gil_scoped_release release;
    std::thread sweep([&] {
      try {
        run_sweep(config, store, (dir / "recordings").string(), on_progress);
      } catch (const SweepInterrupted&) {
      } catch (...) {
        failure = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mutex);
      finished = true;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mutex);
    while (!finished) {
      cv.wait_for(lock, std::chrono::milliseconds(100));
      if (finished || interrupted) continue;
      lock.unlock();
      {
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) {
          signal_error = std::make_unique<py::error_already_set>();
          interrupted = true;
        }
      }
      lock.lock();
    }
    lock.unlock();
    sweep.join();
  }
  registration.reset();
  if (signal_error) throw py::error_already_set(*signal_error);
  if (failure) std::rethrow_exception(failure);
  manifest["end_time"] = utc_timestamp();
  write_json_atomic(manifest_path.string(), manifest);
  {
    py::gil_scoped_release release;
    write_report(out);
  }
  std::map<EpisodeKey, EpisodeRecord> by_key;
  for (EpisodeRecord& r : store.records()) by_key[r.key] = std::move(r);
  nlohmann::json records = nlohmann::json::array();
  for (const EpisodeKey& k : sweep_keys(config))
    if (by_key.count(k)) records.push_back(to_json(by_key.at(k)));
  return records.dump();
}

}  // namespace
}  // namespace wambench::python

PYBIND11_MODULE(_core, m) {
  using namespace wambench;
  using namespace wambench::python;
  m.doc() = "C++ core of the wambench Python package (use the `wambench` module, not this one)";
  register_oracle_policies();  // "scripted" for make_policy() (eval/oracle_policy.h)
  m.attr("version") = WAMBENCH_VERSION;
  m.attr("git_commit") = git_commit();
  m.def("task_names", &task_names, "The benchmark's task names, in table order.");
  m.def("split_names", &split_names, "The split names, in table order.");
  m.def("episode_seed",
        [](uint64_t base_seed, const std::string& task, const std::string& split, int64_t index) {
          return episode_seed(base_seed, task, parse_split(split), index);
        },
        py::arg("base_seed"), py::arg("task"), py::arg("split"), py::arg("index"),
        "Seed of episode `index` of (task, split) under `base_seed` (tasks/split.h).");
  m.def("action_from_python", [](py::handle a) {
        const Action x = action_from_python(a);
        return std::vector<double>(x.begin(), x.end());
      }, "Validates and converts one action (for tests).");

  py::class_<PyEnv>(m, "Env")
      .def(py::init<const std::string&, const std::string&, int64_t, uint64_t, bool, int>(), py::arg("task"),
           py::arg("split"), py::arg("episode"), py::arg("seed"), py::arg("render"), py::arg("image_size"))
      .def("reset", &PyEnv::reset, py::arg("seed") = py::none(), py::arg("episode") = py::none(),
           py::arg("split") = py::none())
      .def("step", &PyEnv::step, py::arg("action"))
      .def("render", &PyEnv::render)
      .def("close", &PyEnv::close)
      .def("info", &PyEnv::info)
      .def_property_readonly("qpos", &PyEnv::qpos)
      .def_property_readonly("qvel", &PyEnv::qvel)
      .def_property_readonly("ctrl", &PyEnv::ctrl)
      .def_property_readonly("horizon", &PyEnv::horizon)
      .def_property_readonly("steps", &PyEnv::steps)
      .def_property_readonly("task", &PyEnv::task)
      .def_property_readonly("split", &PyEnv::split)
      .def_property_readonly("episode", &PyEnv::episode)
      .def_property_readonly("seed", &PyEnv::seed)
      .def_property_readonly("render_enabled", &PyEnv::render_enabled)
      .def_property_readonly("cameras", &PyEnv::cameras)
      .def_property_readonly("image_size", &PyEnv::image_size)
      .def_property_readonly("control_frequency_hz", &PyEnv::control_frequency_hz)
      .def_property_readonly("closed", &PyEnv::closed);

  m.def("evaluate", &evaluate, py::arg("config_json"), py::arg("policy"), py::arg("out"), py::arg("resume"),
        py::arg("images"), py::arg("progress"));
}
