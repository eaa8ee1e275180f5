#include "sim/env.h"

#include <chrono>
#include <cmath>
#include <sstream>

namespace wambench {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

ModelPtr load_configured_scene(const EnvConfig& config) {
  return load_model_from_file(config.scene_path.empty() ? asset_path("scene.xml") : config.scene_path);
}

}  // namespace

Env::Env(const EnvConfig& config) : Env(load_configured_scene(config), config) {}

Env::Env(ModelPtr model, const EnvConfig& config) : config_(config), model_(std::move(model)) {
  if (!(config.physics_timestep_s > 0) || !(config.control_frequency_hz > 0)) {
    throw std::invalid_argument("EnvConfig: physics_timestep_s and control_frequency_hz must be > 0");
  }
  const double ratio = 1.0 / (config.control_frequency_hz * config.physics_timestep_s);
  substeps_ = static_cast<int>(std::lround(ratio));
  if (substeps_ < 1 || std::abs(ratio - substeps_) > 1e-6) {
    std::ostringstream msg;
    msg << "EnvConfig: the control period 1/" << config.control_frequency_hz
        << " Hz must be a whole number of physics steps of " << config.physics_timestep_s << " s";
    throw std::invalid_argument(msg.str());
  }
  model_->opt.timestep = config.physics_timestep_s;
  data_.reset(mj_makeData(model_.get()));
  controller_ = std::make_unique<ArmController>(model_.get(), config.controller,
                                                substeps_ * config.physics_timestep_s);
  if (config.render) {
    if (config.image_height <= 0 || config.image_width <= 0) {
      throw std::invalid_argument("EnvConfig: image size must be positive");
    }
    renderer_ = std::make_unique<Renderer>(model_.get(), config.image_width, config.image_height,
                                           config.render_config,
                                           config.gl_context_factory ? config.gl_context_factory() : nullptr);
    for (const std::string& cam : config.cameras) camera_ids_.push_back(renderer_->camera_id(cam));
  }
  reset();
}

Env::~Env() = default;

void Env::reset(const std::function<void(const mjModel*, mjData*)>& initialize) {
  mjModel* m = model_.get();
  mjData* d = data_.get();
  mj_resetData(m, d);
  controller_->write_joint_state(d, kReadyJointPosRad, kGripperMaxOpeningM);
  if (initialize) {
    // Kinematics only (no collision detection): the initializer may read poses, and objects that
    // still overlap at their default positions cost nothing before it moves them.
    mj_kinematics(m, d);
    initialize(m, d);
  }
  mj_forward(m, d);
  controller_->reset(m, d);
  controller_->write_controls(m, d, 0, 0);
}

void Env::step(const std::vector<double>& action) { step_checked(action.data(), action.size()); }
void Env::step(const Action& action) { step_checked(action.data(), action.size()); }

void Env::step_checked(const double* action, size_t n) {
  if (n != kActionDim) {
    throw InvalidActionError("action has " + std::to_string(n) +
                             " elements; expected 7: [dx, dy, dz, droll, dpitch, dyaw, gripper]");
  }
  Action a{};
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(action[i])) {
      std::ostringstream msg;
      msg << "action[" << i << "] is " << action[i]
          << "; every component must be a finite number in [-1, 1] (larger values are clipped)";
      throw InvalidActionError(msg.str());
    }
    a[i] = std::clamp(action[i], -1.0, 1.0);
  }
  const auto t0 = Clock::now();
  mjModel* m = model_.get();
  mjData* d = data_.get();
  controller_->set_action(m, d, a);
  for (int k = 0; k < substeps_; ++k) {
    controller_->write_controls(m, d, k, substeps_);
    mj_step1(m, d);
    controller_->apply_feedforward(m, d);
    mj_step2(m, d);
  }
  timing_.physics_s = seconds_since(t0);
  check_stability();
}

void Env::check_stability() const {
  const mjData* d = data_.get();
  for (int w : {mjWARN_BADQACC, mjWARN_BADQVEL, mjWARN_BADQPOS, mjWARN_BADCTRL}) {
    if (d->warning[w].number > 0) {
      std::ostringstream msg;
      msg << "simulation unstable at t=" << d->time << " s: MuJoCo warning '"
          << mju_warningText(w, d->warning[w].lastinfo) << "'";
      throw SimulationError(msg.str());
    }
  }
  for (int i = 0; i < model_->nq; ++i) {
    if (!std::isfinite(d->qpos[i])) {
      throw SimulationError("simulation unstable at t=" + std::to_string(d->time) + " s: qpos[" +
                            std::to_string(i) + "] is not finite");
    }
  }
}

Observation Env::observe() {
  const mjData* d = data_.get();
  Observation obs;
  obs.ee_pos_m = controller_->ee_pos_m(d);
  obs.ee_quat_wxyz = controller_->ee_quat_wxyz(d);
  obs.ee_rot6d = controller_->ee_rot6d(d);
  obs.gripper_opening_m = controller_->gripper_opening_m(d);
  obs.joint_pos_rad = controller_->joint_pos_rad(d);
  obs.time_s = d->time;
  timing_.render_s = 0;
  if (renderer_) {
    const auto t0 = Clock::now();
    for (size_t i = 0; i < camera_ids_.size(); ++i) {
      renderer_->render(d, camera_ids_[i], config_.image_height, config_.image_width,
                        &obs.images[config_.cameras[i]]);
    }
    timing_.render_s = seconds_since(t0);
  }
  return obs;
}

}  // namespace wambench
