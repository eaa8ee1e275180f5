#include "tasks/pick_place.h"

#include <cmath>

#include "sim/model.h"
#include "tasks/objects.h"
#include "tasks/phase_labeller.h"
#include "tasks/registry.h"
#include "tasks/staged_expert.h"

namespace wambench {
namespace {

using variation::Rect;
using variation::Region;

constexpr int kHorizon = 120;  // control steps (12 s); the expert succeeds within 54 (results/scripted_expert.md)

std::string body_name(const std::string& category) { return "object_" + category; }
std::string container_name(const std::string& kind) { return "container_" + kind; }

class PickPlace final : public Task {
 public:
  std::string name() const override { return "pick_place"; }

  const std::vector<std::string>& subgoals() const override {
    static const std::vector<std::string> kSubgoals = {"reached", "grasped", "lifted", "over_target", "placed"};
    return kSubgoals;
  }

  int horizon_steps() const override { return kHorizon; }

  TaskScene scene() const override {
    TaskScene s;
    s.defaults = object_defaults();
    for (const auto* list : {&pick_place_train_objects(), &pick_place_heldout_objects()})
      for (const ObjectCategory& c : *list) add_object_body(s.worldbody.root(), c, body_name(c.name));
    for (const ContainerSpec& c : containers()) add_container_body(s.worldbody.root(), c, container_name(c.name));
    return s;
  }

  void bind(const mjModel* m) override {
    Task::bind(m);
    std::vector<std::string> bodies;
    for (const auto* list : {&pick_place_train_objects(), &pick_place_heldout_objects()})
      for (const ObjectCategory& c : *list) bodies.push_back(body_name(c.name));
    objects_.bind(m, bodies);
    for (const ContainerSpec& c : containers()) container_ids_.push_back(require_id(m, mjOBJ_BODY, container_name(c.name)));
    fingers_.bind(m);
    ee_site_ = require_id(m, mjOBJ_SITE, "ee");
  }

  std::unique_ptr<Expert> make_expert(const Variation& v, double noise_std, uint64_t seed) const override;

  // State phase label; definition and thresholds in tasks/pick_place.h ("Phase labels").
  PhaseLabel phase_from_state(const mjModel* m, const mjData* d, const PhaseLabel& previous) const override {
    const bool was_interaction = previous.coarse == CoarsePhase::kInteraction;
    const int body = objects_.active_body();
    const Eigen::Vector3d o = body_pos(d, body);
    if (grasped(m, d)) {  // held: interaction while lifting off the table and near the container
      const bool over_container = horizontal_offset(d) < spec_.outer_radius_m;
      if (over_container && o.z() < spec_.wall_height_m + kPickPlacePlaceZoneHeightM)
        return {CoarsePhase::kInteraction, "place"};
      if (o.z() < kPickPlaceLiftZoneHeightM) return {CoarsePhase::kInteraction, o.z() > 0.005 ? "lift" : "grasp"};
      return {CoarsePhase::kTransit, "move"};
    }
    // Released in the container (resting inside it, not held): what follows is leaving it.
    const bool placed = horizontal_offset(d) <= spec_.inner_radius_m && o.z() < spec_.wall_height_m;
    const Eigen::Vector3d grasp =
        o + Eigen::AngleAxisd(body_yaw(d, body), Eigen::Vector3d::UnitZ()) * Eigen::Vector3d(cat_->grasp_x_m, 0, 0) +
        Eigen::Vector3d(0, 0, cat_->grasp_z_m);
    const Eigen::Vector3d ee(d->site_xpos + 3 * ee_site_);
    if (fingers_.touches(m, d, body) ||
        within_hysteresis((ee - grasp).norm(), kPhaseNearEnterM, kPhaseNearExitM, was_interaction))
      return {CoarsePhase::kInteraction, placed ? "release" : "grasp"};
    return {CoarsePhase::kTransit, placed ? "retreat" : "reach"};
  }

  // Object: the active object's body (origin = base centre), yaw encoded with its category's
  // grasp_symmetry_rad; target: the container's origin (base centre on the table), round (0).
  std::array<double, kObjectStateDim> object_state(const mjModel*, const mjData* d) const override {
    const int body = objects_.active_body();
    return pack_object_state(body_pos(d, body), body_yaw(d, body), cat_->grasp_symmetry_rad, body_pos(d, container_),
                             body_yaw(d, container_), 0.0);
  }

  const ObjectCategory& category_of(const Variation& v) const {
    const std::string& name = v.object("object").category;
    for (const auto* list : {&pick_place_train_objects(), &pick_place_heldout_objects()})
      for (const ObjectCategory& c : *list)
        if (c.name == name) return c;
    return find_category(pick_place_train_objects(), name);  // throws listing names
  }

  const VariationSpace& variation_space() const override {
    static const VariationSpace kSpace = [] {
      VariationSpace s;
      s.region = {pick_place_train_region(), pick_place_heldout_region()};
      s.categories = {names_of(pick_place_train_objects()), names_of(pick_place_heldout_objects())};
      s.category_roles = {"object"};
      return s;
    }();
    return kSpace;
  }

  std::string target_role() const override { return "container"; }

  std::vector<NearMiss> near_misses() const override {
    // The episode's object at rest with its base at height z_m, dx_m (m, world x) from the
    // container's centre, tilted by tilt_rad about world x.
    auto object_at = [this](double dx_m, double z_m, double tilt_rad) {
      return [this, dx_m, z_m, tilt_rad](mjModel* m, mjData* d) {
        const int body = objects_.active_body();
        mjtNum* q = d->qpos + m->jnt_qposadr[m->body_jntadr[body]];
        q[0] = d->xpos[3 * container_] + dx_m;
        q[1] = d->xpos[3 * container_ + 1];
        q[2] = z_m;
        q[3] = std::cos(tilt_rad / 2);
        q[4] = std::sin(tilt_rad / 2);
        q[5] = q[6] = 0;
      };
    };
    return {
        {"object upright on the table, 4 cm beyond the container's outer radius",
         object_at(spec_.outer_radius_m + 0.04, 0.0005, 0.0)},
        {"object tilted across the container's wall, half on the rim",
         object_at(spec_.inner_radius_m + 0.006, spec_.wall_height_m, 0.4)},
    };
  }

 protected:
  void sample_task_variation(const SplitDraws& draws, AxisStreams& rng, Variation* v) const override {
    const auto& categories = variation_space().categories[draws.object];
    const ObjectCategory& cat = find_by_name({&pick_place_train_objects(), &pick_place_heldout_objects()},
                                             categories[rng.object.uniform_index(categories.size())],
                                             "object category");
    const ContainerSpec& box = containers()[rng.object.uniform_index(containers().size())];
    auto [color_name, rgb] = sample_palette_color(rng.object);
    auto [box_color_name, box_rgb] = sample_palette_color(rng.object);
    if (box_color_name == color_name) {  // keep the two objects distinguishable by colour
      const auto& palette = variation::object_palette();
      size_t k = 0;
      while (palette[k].name == color_name) ++k;
      box_color_name = palette[k].name;
      box_rgb = palette[k].distribution.sample(rng.object);
    }
    v->objects = {{"object", cat.name, color_name, rgb}, {"container", box.name, box_color_name, box_rgb}};

    const Region& region = variation_space().region[draws.position];
    const auto xy = variation::sample_non_overlapping({region, region}, {cat.radius_m, box.outer_radius_m}, 0.04,
                                                      rng.position);
    v->placements = {{"object", xy[0][0], xy[0][1], rng.position.uniform(-M_PI, M_PI)},
                     {"container", xy[1][0], xy[1][1], rng.position.uniform(-M_PI, M_PI)}};
    const char* preposition = box.name == "bowl" ? "in" : "on";
    v->instruction = "put the " + describe(v->objects[0]) + " " + preposition + " the " + describe(v->objects[1]);
  }

  void apply_task_variation(const Variation& v, mjModel* m, mjData* d) override {
    const ObjectChoice& obj = v.object("object");
    const Placement& op = v.placement("object");
    cat_ = &category_of(v);
    objects_.activate(body_name(obj.category), {op.x_m, op.y_m, 0.0005, op.yaw_rad}, obj.rgb, m, d);
    const ObjectChoice& box = v.object("container");
    const Placement& bp = v.placement("container");
    container_ = require_id(m, mjOBJ_BODY, container_name(box.category));
    spec_ = find_container(box.category);
    for (int id : container_ids_) {  // park all containers (far below the floor, out of reach)
      m->body_pos[3 * id] = -3.0;
      m->body_pos[3 * id + 1] = 0.0;
      m->body_pos[3 * id + 2] = -3.0;
    }
    m->body_pos[3 * container_] = bp.x_m;
    m->body_pos[3 * container_ + 1] = bp.y_m;
    m->body_pos[3 * container_ + 2] = 0.0;
    m->body_quat[4 * container_] = std::cos(bp.yaw_rad / 2);
    m->body_quat[4 * container_ + 3] = std::sin(bp.yaw_rad / 2);
    set_body_color(m, container_, box.rgb);
  }

  void after_step(mjModel*, mjData* d) override { objects_.pin_parked(d); }

  bool finger_touches_object(const mjModel* m, const mjData* d) const {
    const int body = objects_.active_body();
    return fingers_.touches(m, d, body);
  }

  bool grasped(const mjModel* m, const mjData* d) const {
    const int body = objects_.active_body();
    return fingers_.both_touch(m, d, body);
  }

  double horizontal_offset(const mjData* d) const {
    const Eigen::Vector3d o = body_pos(d, objects_.active_body());
    const Eigen::Vector3d c = body_pos(d, container_);
    return std::hypot(o.x() - c.x(), o.y() - c.y());
  }

  bool success_condition(const mjModel* m, const mjData* d) const override {
    const int body = objects_.active_body();
    const Eigen::Vector3d o = body_pos(d, body);
    const double speed = Eigen::Map<const Eigen::Vector3d>(d->qvel + m->jnt_dofadr[m->body_jntadr[body]]).norm();
    const Eigen::Vector3d ee(d->site_xpos + 3 * ee_site_);
    const double opening = d->qpos[m->jnt_qposadr[mj_name2id(m, mjOBJ_JOINT, "finger_joint1")]] * 2;
    return horizontal_offset(d) <= spec_.inner_radius_m - 0.012  // on the container's free floor
           && o.z() < 0.045                                      // resting low, not on the rim
           && speed < 0.05                                       // at rest (m/s)
           && opening > 0.05 && !finger_touches_object(m, d)     // released
           && (ee - o).norm() > 0.06;                            // gripper away
  }

  int progress_now(const mjModel* m, const mjData* d) const override {
    if (success_condition(m, d)) return 5;
    const Eigen::Vector3d o = body_pos(d, objects_.active_body());
    const bool held = grasped(m, d);
    if (held && o.z() > spec_.wall_height_m + 0.01 && horizontal_offset(d) <= spec_.inner_radius_m) return 4;
    if (held && o.z() > 0.04) return 3;
    if (held) return 2;
    const Eigen::Vector3d ee(d->site_xpos + 3 * ee_site_);
    if ((ee - o).norm() < 0.06) return 1;
    return 0;
  }

 private:
  friend class PickPlaceExpert;
  FreeBodyPool objects_;
  const ObjectCategory* cat_ = nullptr;  // the episode's object category
  std::vector<int> container_ids_;
  int container_ = -1;
  ContainerSpec spec_{};
  FingerContacts fingers_;
  int ee_site_ = -1;
};

// The scripted expert: reach above the grasp point -> descend -> close -> lift -> carry over the
// container -> lower -> open -> retreat. Waypoints are recomputed from the object's true pose.
class PickPlaceExpert final : public StagedExpert {
 public:
  PickPlaceExpert(const PickPlace& task, const ObjectCategory& cat, double noise_std, uint64_t seed)
      : StagedExpert(noise_std, seed), task_(task), cat_(cat) {
    using C = CoarsePhase;
    std::vector<Stage> t(kRetreat + 1);
    t[kReach] = reach_above_stage([this](const Env&) -> Eigen::Vector3d { return grasp_ + Eigen::Vector3d(0, 0, 0.10); },
                                  [this] { return hand_yaw_; }, 0.06, kDescend);
    t[kDescend] = {{C::kInteraction, "grasp"},
                   -1,
                   [this](const Env&, int) {
                     return Target{grasp_, ee_down_rotation(hand_yaw_)};
                   },
                   nullptr,
                   [this](const Env& env, int steps) {
                     return ee_position_error(env, grasp_) < 0.006 || steps > 25 ? kClose : kStay;
                   }};
    t[kClose] = {{C::kInteraction, "grasp"},
                 1,
                 [this](const Env&, int) {
                   return Target{grasp_, ee_down_rotation(hand_yaw_)};
                 },
                 nullptr,
                 [this](const Env& env, int steps) -> int {
                   if (!((steps >= 5 && gripper_close_finished(env)) || steps > 12)) return kStay;
                   // The object's offset from the TCP, in the hand's yaw frame (it turns with the hand).
                   hold_offset_ = Eigen::AngleAxisd(-hand_yaw_, Eigen::Vector3d::UnitZ()) * (obj_ - ee_);
                   carry_yaw_ = hand_yaw_;
                   return kLift;
                 }};
    t[kLift] = {
        {C::kInteraction, "lift"},
        1,
        [this](const Env&, int) {
          return Target{Eigen::Vector3d(ee_.x(), ee_.y(), carry_z_), ee_down_rotation(carry_yaw_)};
        },
        nullptr,
        [this](const Env&, int steps) { return std::abs(ee_.z() - carry_z_) < 0.015 || steps > 20 ? kMove : kStay; }};
    t[kMove] = {{C::kTransit, "move"},
                1,
                [this](const Env&, int) {
                  // Turn the hand towards the yaw the arm reaches comfortably over the container.
                  carry_yaw_ = closest_grasp_yaw(natural_yaw(box_.x(), box_.y()), carry_yaw_);
                  return Target{place_target(box_, carry_z_), ee_down_rotation(carry_yaw_)};
                },
                nullptr,
                [this](const Env& env, int steps) {
                  return ee_position_error(env, place_target(box_, carry_z_)) < 0.01 || steps > 40 ? kLower : kStay;
                }};
    t[kLower] = {{C::kInteraction, "place"},
                 1,
                 [this](const Env&, int) {
                   return Target{place_target(box_, place_z()), ee_down_rotation(carry_yaw_)};
                 },
                 nullptr,
                 [this](const Env& env, int steps) {
                   return ee_position_error(env, place_target(box_, place_z())) < 0.008 || steps > 25 ? kRelease
                                                                                                      : kStay;
                 }};
    t[kRelease] = hold_stage({C::kInteraction, "release"}, -1,
                             [this] { return Target{ee_, ee_down_rotation(carry_yaw_)}; }, 4, kRetreat);
    t[kRetreat] = {
        {C::kTransit, "retreat"},
        -1,
        [this](const Env&, int) {
          return Target{Eigen::Vector3d(ee_.x(), ee_.y(), std::max(0.25, carry_z_)), ee_down_rotation(carry_yaw_)};
        },
        nullptr,
        nullptr};
    set_stages(std::move(t));
  }

 private:
  enum StageId : int { kReach, kDescend, kClose, kLift, kMove, kLower, kRelease, kRetreat };

  void observe(const Env& env) override {
    const mjData* d = env.data();
    const int body = task_.objects_.active_body();
    obj_ = body_pos(d, body);
    const double obj_yaw = body_yaw(d, body);
    // Hand yaw: among the yaws that grasp the object the same way (its symmetry, then the
    // gripper's half turn), the one closest to the arm's natural yaw over the object; for a shape
    // symmetric under every yaw (can, bottle, apple) the natural yaw itself.
    const double natural = natural_yaw(obj_.x(), obj_.y());
    hand_yaw_ = closest_grasp_yaw(closest_symmetric_yaw(obj_yaw + cat_.grasp_yaw_rad, cat_.grasp_symmetry_rad, natural),
                                  natural);
    grasp_ = obj_ + Eigen::AngleAxisd(obj_yaw, Eigen::Vector3d::UnitZ()) * Eigen::Vector3d(cat_.grasp_x_m, 0, 0) +
             Eigen::Vector3d(0, 0, cat_.grasp_z_m);
    box_ = body_pos(d, task_.container_);
    carry_z_ = task_.spec_.wall_height_m + cat_.grasp_z_m + 0.09;
    const auto ee = env.controller().ee_pos_m(d);
    ee_ = Eigen::Vector3d(ee[0], ee[1], ee[2]);
  }

  // TCP position that puts the held object's origin over `box` at TCP height z.
  Eigen::Vector3d place_target(const Eigen::Vector3d& box, double z) const {
    const Eigen::Vector3d off = Eigen::AngleAxisd(carry_yaw_, Eigen::Vector3d::UnitZ()) * hold_offset_;
    return Eigen::Vector3d(box.x() - off.x(), box.y() - off.y(), z);
  }
  // Release with the object's base 5 mm above the container floor (0.008 m): a small drop.
  double place_z() const { return -hold_offset_.z() + 0.008 + 0.005; }  // hold_offset_ z is yaw-invariant

  const PickPlace& task_;
  const ObjectCategory& cat_;
  // This step's state (observe()).
  Eigen::Vector3d obj_ = Eigen::Vector3d::Zero(), grasp_ = Eigen::Vector3d::Zero(), box_ = Eigen::Vector3d::Zero();
  Eigen::Vector3d ee_ = Eigen::Vector3d::Zero();
  double hand_yaw_ = 0, carry_z_ = 0;
  // The plan: the grasp, kept from the close on.
  Eigen::Vector3d hold_offset_ = Eigen::Vector3d::Zero();
  double carry_yaw_ = 0;
};

std::unique_ptr<Expert> PickPlace::make_expert(const Variation& v, double noise_std, uint64_t seed) const {
  return std::make_unique<PickPlaceExpert>(*this, category_of(v), noise_std, seed);
}

}  // namespace

Region pick_place_train_region() { return Region{{Rect{0.40, 0.62, -0.20, 0.20}}}; }

Region pick_place_heldout_region() {
  return Region{{Rect{0.32, 0.62, 0.26, 0.36}, Rect{0.32, 0.62, -0.36, -0.26}}};
}

WAMBENCH_REGISTER_TASK_AT(pick_place, [] { return std::make_unique<PickPlace>(); }, 0)

}  // namespace wambench
