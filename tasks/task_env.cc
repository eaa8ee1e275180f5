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
  const mjModel* m = env_.model();
  base_geom_group_.assign(m->geom_group, m->geom_group + m->ngeom);
}

void TaskEnv::hide_parked_bodies() {
  mjModel* m = env_.mutable_model();
  const mjData* d = env_.data();
  for (int g = 0; g < m->ngeom; ++g) {
    const int body = m->geom_bodyid[g];
    const bool parked = body > 0 && d->xpos[3 * body + 2] < -1.0;
    m->geom_group[g] = base_geom_group_[g] + (parked && base_geom_group_[g] < 3 ? 3 : 0);
  }
}

const Variation& TaskEnv::reset(Split split, int64_t index, uint64_t base_seed) {
  reset(task_->sample_variation(split, base_seed, index));
  return variation_;
}

void TaskEnv::reset(const Variation& variation) {
  variation_ = variation;
  steps_ = 0;
  env_.reset([&](const mjModel*, mjData* d) { task_->apply(variation_, env_.mutable_model(), d); });
  hide_parked_bodies();
}

void TaskEnv::step(const Action& action) {
  env_.step(action);
  ++steps_;
  task_->update(env_.mutable_model(), env_.mutable_data(), 1.0 / env_.config().control_frequency_hz);
}

}  // namespace wambench
