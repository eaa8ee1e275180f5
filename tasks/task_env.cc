#include "tasks/task_env.h"

#include "sim/model.h"

namespace wambench {
namespace {

ModelPtr compile_task_scene(const Task& task) {
  return load_model_from_string(compose_scene(task.name(), task.scene()), asset_dir());
}

}  // namespace

TaskEnv::TaskEnv(const std::string& task_name, const EnvConfig& config) : TaskEnv(make_task(task_name), config) {}

TaskEnv::TaskEnv(std::unique_ptr<Task> task, const EnvConfig& config)
    : task_(std::move(task)), env_(compile_task_scene(*task_), config) {
  task_->bind(env_.model());
}

const Variation& TaskEnv::reset(Split split, int64_t index, uint64_t base_seed) {
  reset(task_->sample_variation(split, base_seed, index));
  return variation_;
}

void TaskEnv::reset(const Variation& variation) {
  variation_ = variation;
  steps_ = 0;
  env_.reset([&](const mjModel*, mjData* d) { task_->apply(variation_, env_.mutable_model(), d); });
}

void TaskEnv::step(const Action& action) {
  env_.step(action);
  ++steps_;
  task_->update(env_.model(), env_.mutable_data(), 1.0 / env_.config().control_frequency_hz);
}

}  // namespace wambench
