#include "tasks/task.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "sim/model.h"

namespace wambench {

const ObjectChoice& Variation::object(const std::string& role) const {
  for (const ObjectChoice& o : objects)
    if (o.role == role) return o;
  throw std::invalid_argument("variation of task '" + task + "' has no object role '" + role + "'");
}

const Placement& Variation::placement(const std::string& role) const {
  for (const Placement& p : placements)
    if (p.role == role) return p;
  throw std::invalid_argument("variation of task '" + task + "' has no placement role '" + role + "'");
}

nlohmann::json to_json(const Variation& v) {
  nlohmann::json j;
  j["task"] = v.task;
  j["split"] = v.split;
  j["base_seed"] = v.base_seed;
  j["index"] = v.index;
  j["seed"] = v.seed;
  j["instruction"] = v.instruction;
  j["background"] = to_json(v.background);
  j["objects"] = nlohmann::json::array();
  for (const ObjectChoice& o : v.objects) {
    j["objects"].push_back({{"role", o.role}, {"category", o.category}, {"color_name", o.color_name}, {"rgb", o.rgb}});
  }
  j["placements"] = nlohmann::json::array();
  for (const Placement& p : v.placements) {
    j["placements"].push_back({{"role", p.role}, {"x_m", p.x_m}, {"y_m", p.y_m}, {"yaw_rad", p.yaw_rad}});
  }
  return j;
}

Variation variation_from_json(const nlohmann::json& j) {
  Variation v;
  v.task = j.at("task").get<std::string>();
  v.split = j.at("split").get<std::string>();
  v.base_seed = j.at("base_seed").get<uint64_t>();
  v.index = j.at("index").get<int64_t>();
  v.seed = j.at("seed").get<uint64_t>();
  v.instruction = j.at("instruction").get<std::string>();
  v.background = background_from_json(j.at("background"));
  for (const auto& o : j.at("objects")) {
    v.objects.push_back({o.at("role").get<std::string>(), o.at("category").get<std::string>(),
                         o.at("color_name").get<std::string>(), o.at("rgb").get<variation::Rgb>()});
  }
  for (const auto& p : j.at("placements")) {
    v.placements.push_back({p.at("role").get<std::string>(), p.at("x_m").get<double>(), p.at("y_m").get<double>(),
                            p.at("yaw_rad").get<double>()});
  }
  return v;
}

std::string compose_scene(const std::string& model_name, const TaskScene& scene) {
  mjcf::Document doc(model_name);
  doc.add("compiler").set("angle", "radian").set("autolimits", "true");
  doc.add("option")
      .set("timestep", 0.002)
      .set("integrator", "Euler")
      .set("cone", "elliptic")
      .set("impratio", 10)
      .set("jacobian", "sparse");
  doc.add("size").set("nconmax", 300).set("njmax", 1200);
  for (const char* file : {"arena.xml", "backgrounds.xml", "robot/panda.xml"}) doc.add("include").set("file", file);
  scene.defaults.copy_into(doc.root());
  scene.assets.copy_into(doc.add("asset"));
  scene.worldbody.copy_into(doc.add("worldbody"));
  scene.extra.copy_into(doc.root());
  return doc.str();
}

// ------------------------------------------------------------------------------------------------

void Task::bind(const mjModel* model) { background_ = std::make_unique<BackgroundBinding>(model); }

Variation Task::sample_variation(Split split, uint64_t base_seed, int64_t index) const {
  Variation v;
  v.task = name();
  v.split = to_string(split);
  v.base_seed = base_seed;
  v.index = index;
  v.seed = episode_seed(base_seed, v.task, split, index);
  const SplitDraws& draws = split_draws(split);
  // Each axis draws from its own random stream, and the streams of episode `index` are the same in
  // every split: a split only swaps distributions. So unseen_X episode i differs from train
  // episode i on axis X (and on placements that X's object sizes force apart), which makes
  // per-episode comparisons across splits meaningful.
  Rng root(episode_seed(base_seed, v.task, Split::kTrain, index));
  AxisStreams streams{Rng(root.next_u64()), Rng(root.next_u64()), Rng(root.next_u64())};
  v.background = variation_space().background[draws.background]->sample(streams.background);
  sample_task_variation(draws, streams, &v);
  return v;
}

TargetRegion Task::target_region(const Variation& v) const {
  if (v.task != name()) {
    throw std::invalid_argument("target_region: variation is for task '" + v.task + "', not '" + name() + "'");
  }
  const Placement& p = v.placement(target_role());
  return {p.role, Eigen::Vector3d(p.x_m, p.y_m, 0.0)};
}

void Task::apply(const Variation& v, mjModel* model, mjData* data) {
  if (!background_) throw std::logic_error("Task::apply before Task::bind");
  if (v.task != name()) {
    throw std::invalid_argument("variation is for task '" + v.task + "', not '" + name() + "'");
  }
  background_->apply(v.background, model);
  apply_task_variation(v, model, data);
  status_ = TaskStatus{};
}

void Task::update(mjModel* model, mjData* data, double control_period_s) {
  after_step(model, data);
  status_.condition = success_condition(model, data);
  status_.condition_held_s = status_.condition ? status_.condition_held_s + control_period_s : 0.0;
  if (status_.condition_held_s >= kSuccessDwellS - 1e-9) status_.success = true;
  const int p = progress_now(model, data);
  if (p > status_.progress) {
    status_.progress = p;
    status_.progress_name = subgoals().at(p - 1);
  }
}

// ------------------------------------------------------------------------------------------------

void FreeBodyPool::bind(const mjModel* m, const std::vector<std::string>& bodies) {
  entries_.clear();
  for (size_t i = 0; i < bodies.size(); ++i) {
    Entry e;
    e.name = bodies[i];
    e.body = require_id(m, mjOBJ_BODY, bodies[i]);
    const int joint = require_id(m, mjOBJ_JOINT, bodies[i] + "_joint");
    e.qpos = m->jnt_qposadr[joint];
    e.dof = m->jnt_dofadr[joint];
    for (int g = m->body_geomadr[e.body]; g < m->body_geomadr[e.body] + m->body_geomnum[e.body]; ++g) {
      e.geoms.push_back(g);
      e.contype.push_back(m->geom_contype[g]);
      e.conaffinity.push_back(m->geom_conaffinity[g]);
    }
    // Parking spots: far below the floor, spread out (never seen, never touching anything).
    e.park = {-3.0, -2.0 + 0.5 * static_cast<double>(i), -5.0};
    entries_.push_back(e);
  }
}

void FreeBodyPool::activate(const std::string& body, const std::array<double, 4>& p, const variation::Rgb& rgb,
                            mjModel* m, mjData* d) {
  active_ = -1;
  for (Entry& e : entries_) {
    const bool on = e.name == body;
    for (size_t k = 0; k < e.geoms.size(); ++k) {
      m->geom_contype[e.geoms[k]] = on ? e.contype[k] : 0;
      m->geom_conaffinity[e.geoms[k]] = on ? e.conaffinity[k] : 0;
    }
    mjtNum* q = d->qpos + e.qpos;
    if (on) {
      active_ = e.body;
      q[0] = p[0];
      q[1] = p[1];
      q[2] = p[2];
      q[3] = std::cos(p[3] / 2);
      q[4] = 0;
      q[5] = 0;
      q[6] = std::sin(p[3] / 2);
      set_body_color(m, e.body, rgb);
    } else {
      park(e, d);
    }
    for (int k = 0; k < 6; ++k) d->qvel[e.dof + k] = 0;
  }
  if (active_ < 0) throw std::invalid_argument("FreeBodyPool: no body named '" + body + "'");
}

void FreeBodyPool::park(const Entry& e, mjData* d) {
  mjtNum* q = d->qpos + e.qpos;
  q[0] = e.park[0];
  q[1] = e.park[1];
  q[2] = e.park[2];
  q[3] = 1;
  q[4] = q[5] = q[6] = 0;
  for (int k = 0; k < 6; ++k) d->qvel[e.dof + k] = 0;
}

void FreeBodyPool::pin_parked(mjData* d) const {
  for (const Entry& e : entries_) {
    if (e.body != active_) park(e, d);
  }
}

void set_body_color(mjModel* m, int body, const variation::Rgb& rgb) {
  for (int g = m->body_geomadr[body]; g < m->body_geomadr[body] + m->body_geomnum[body]; ++g) {
    const char* n = mj_id2name(m, mjOBJ_GEOM, g);
    if (n && std::string(n).find("_accent") != std::string::npos) continue;
    for (int i = 0; i < 3; ++i) m->geom_rgba[4 * g + i] = static_cast<float>(rgb[i]);
    m->geom_rgba[4 * g + 3] = 1.0f;
  }
}

void FingerContacts::bind(const mjModel* m) {
  left_ = require_id(m, mjOBJ_GEOM, "left_finger_geom");
  right_ = require_id(m, mjOBJ_GEOM, "right_finger_geom");
}

void FingerContacts::contacts(const mjModel* m, const mjData* d, int body, bool* left, bool* right) const {
  *left = *right = false;
  for (int i = 0; i < d->ncon; ++i) {
    const mjContact& c = d->contact[i];
    if (m->geom_bodyid[c.geom1] != body && m->geom_bodyid[c.geom2] != body) continue;
    *left |= c.geom1 == left_ || c.geom2 == left_;
    *right |= c.geom1 == right_ || c.geom2 == right_;
  }
}

bool FingerContacts::touches(const mjModel* m, const mjData* d, int body) const {
  bool left = false, right = false;
  contacts(m, d, body, &left, &right);
  return left || right;
}

bool FingerContacts::both_touch(const mjModel* m, const mjData* d, int body) const {
  bool left = false, right = false;
  contacts(m, d, body, &left, &right);
  return left && right;
}

bool robot_touches_body(const mjModel* m, const mjData* d, int robot_root, int body) {
  for (int i = 0; i < d->ncon; ++i) {
    const int b1 = m->geom_bodyid[d->contact[i].geom1], b2 = m->geom_bodyid[d->contact[i].geom2];
    if ((b1 == body && m->body_rootid[b2] == robot_root) || (b2 == body && m->body_rootid[b1] == robot_root)) return true;
  }
  return false;
}

Eigen::Vector3d body_pos(const mjData* d, int body) { return Eigen::Vector3d(d->xpos + 3 * body); }

Eigen::Matrix3d body_rot(const mjData* d, int body) {
  Eigen::Matrix3d r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r(i, j) = d->xmat[9 * body + 3 * i + j];
  return r;
}

double body_yaw(const mjData* d, int body) {
  return std::atan2(d->xmat[9 * body + 3], d->xmat[9 * body]);
}

// ------------------------------------------------------------------------------------------------

Eigen::Matrix3d ee_down_rotation(double yaw_rad) {
  Eigen::Matrix3d ready;
  ready << 1, 0, 0,  //
      0, -1, 0,      //
      0, 0, -1;
  return Eigen::AngleAxisd(yaw_rad, Eigen::Vector3d::UnitZ()).toRotationMatrix() * ready;
}

double wrap_grasp_yaw(double yaw) {
  while (yaw > M_PI / 2) yaw -= M_PI;
  while (yaw <= -M_PI / 2) yaw += M_PI;
  return yaw;
}

double natural_yaw(double x_m, double y_m) { return std::atan2(y_m, x_m); }

double closest_grasp_yaw(double yaw_rad, double reference_rad) {
  return reference_rad + wrap_grasp_yaw(yaw_rad - reference_rad);
}

std::array<double, kObjectStateDim> pack_object_state(const Eigen::Vector3d& object_pos_m, double object_yaw_rad,
                                                      double object_symmetry_rad, const Eigen::Vector3d& target_pos_m,
                                                      double target_yaw_rad, double target_symmetry_rad,
                                                      double indicator) {
  const auto o = symmetric_yaw_sincos(object_yaw_rad, object_symmetry_rad);
  const auto t = symmetric_yaw_sincos(target_yaw_rad, target_symmetry_rad);
  return {object_pos_m.x(), object_pos_m.y(), object_pos_m.z(), o[0], o[1],
          target_pos_m.x(), target_pos_m.y(), target_pos_m.z(), t[0], t[1], indicator};
}

bool gripper_close_finished(const Env& env) {
  return env.controller().gripper_closed() && env.controller().gripper_target_opening_m() <= 0.0;
}

double closest_symmetric_yaw(double yaw_rad, double symmetry_rad, double reference_rad) {
  if (!(symmetry_rad > 0)) return reference_rad;
  double y = std::fmod(yaw_rad - reference_rad, symmetry_rad);
  if (y > symmetry_rad / 2) y -= symmetry_rad;
  if (y <= -symmetry_rad / 2) y += symmetry_rad;
  return reference_rad + y;
}

std::array<double, 2> symmetric_yaw_sincos(double yaw_rad, double symmetry_rad) {
  if (!(symmetry_rad > 0)) return {0.0, 1.0};
  const double n = 2 * M_PI / symmetry_rad;
  return {std::sin(n * yaw_rad), std::cos(n * yaw_rad)};
}

namespace {
Eigen::Vector3d ee_pos(const Env& env) {
  const auto p = env.controller().ee_pos_m(env.data());
  return Eigen::Vector3d(p[0], p[1], p[2]);
}
Eigen::Matrix3d ee_rot(const Env& env) {
  const auto q = env.controller().ee_quat_wxyz(env.data());
  return Eigen::Quaterniond(q[0], q[1], q[2], q[3]).toRotationMatrix();
}
Eigen::Vector3d rotation_vector(const Eigen::Matrix3d& r) {
  Eigen::AngleAxisd aa(r);
  return aa.axis() * aa.angle();
}
}  // namespace

Action servo_action(const Env& env, const Eigen::Vector3d& target_pos, const Eigen::Matrix3d& target_rot,
                    double gripper) {
  const ArmControllerConfig& c = env.config().controller;
  const Eigen::Vector3d dp = target_pos - ee_pos(env);
  const Eigen::Vector3d dr = rotation_vector(target_rot * ee_rot(env).transpose());
  Action a{};
  for (int i = 0; i < 3; ++i) {
    a[i] = std::clamp(dp[i] / c.max_translation_per_step_m, -1.0, 1.0);
    a[i + 3] = std::clamp(dr[i] / c.max_rotation_per_step_rad, -1.0, 1.0);
  }
  a[6] = std::clamp(gripper, -1.0, 1.0);
  return a;
}

double ee_position_error(const Env& env, const Eigen::Vector3d& target_pos) {
  return (target_pos - ee_pos(env)).norm();
}

double ee_rotation_error(const Env& env, const Eigen::Matrix3d& target_rot) {
  return rotation_vector(target_rot * ee_rot(env).transpose()).norm();
}

void add_action_noise(Action* a, double noise_std, Rng& rng) {
  if (noise_std <= 0) return;
  for (int i = 0; i < 6; ++i) (*a)[i] = std::clamp((*a)[i] + noise_std * rng.normal(), -1.0, 1.0);
}

std::string describe(const ObjectChoice& c) { return c.color_name + " " + c.category; }

std::pair<std::string, variation::Rgb> sample_palette_color(Rng& rng) {
  const auto& palette = variation::object_palette();
  const auto& named = palette[rng.uniform_index(palette.size())];
  return {named.name, named.distribution.sample(rng)};
}

}  // namespace wambench
