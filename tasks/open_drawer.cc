// open_drawer: pull a drawer open by its handle.
// Scene, mechanics, success definition and variation axes: see open_drawer.h.
#include "tasks/open_drawer.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "sim/model.h"
#include "tasks/objects.h"
#include "tasks/phase_labeller.h"
#include "tasks/registry.h"
#include "tasks/staged_expert.h"

namespace wambench {
namespace {

using variation::IntervalSet;
using variation::Rect;
using variation::Region;

// Control steps (8 s). Measured with the noise-free expert (`wambench experts`, 50 episodes per split,
// base seed 0): 50/50 on every split, success latched by step <= 37 (binary gripper at 0.1 m/s),
// i.e. within 47 % of the horizon (> 30 % margin). With action noise 0.1 (measured before the
// binary gripper): 50/50 per split, worst success at step 48; with noise 0.2 ~93 %. The rest
// leaves room for re-grasps.
constexpr int kHorizon = 80;

// Carcass wall thickness (m).
constexpr double kWallM = 0.012;
// Opening the expert pulls the drawer to (m): past the success opening (0.12 m) with margin, short
// of the end stop (0.17 m).
constexpr double kExpertPullToM = 0.155;
// Distance (m) from the closed handle's grasp point within which the sub-goal "reached" holds.
constexpr double kReachedRadiusM = 0.03;
// The expert counts its grip as lost when the TCP is this far from the grasp point (m); a held
// grip stays within ~1 cm (the fingers' play around the grip).
constexpr double kLostGripM = 0.035;
// Width of every handle's grip between the fingers (m): the bar's rod, the ring's tube, the knob's
// and the T's stem are all 12 mm across.
constexpr double kGripWidthM = 0.012;
// For the fingers-along-the-pull grasp the hand turns a quarter turn from its natural yaw; of the
// two equivalent yaws the expert takes the one near natural + pi/2, which keeps joint 7 around
// -0.6..-1.3 rad (the other one drives it to ~2.5 rad, next to its 2.90 rad limit).
constexpr double kAlongYawBias = M_PI / 2;

constexpr const char* kCabinetBody = "cabinet";
constexpr const char* kDrawerBody = "drawer";
constexpr const char* kDrawerJoint = "drawer_slide";
constexpr const char* kDrawerFrontGeom = "drawer_front";

std::string handle_body(const std::string& shape) { return "drawer_handle_" + shape; }

// A box geom of class "fixture" with half sizes (sx, sy, sz) at (px, py, pz).
mjcf::Element box_geom(mjcf::Element parent, const std::string& name, double sx, double sy, double sz, double px,
                       double py, double pz) {
  return parent.add("geom")
      .set("name", name)
      .set("class", "fixture")
      .set("type", "box")
      .set("size", {sx, sy, sz})
      .set("pos", {px, py, pz});
}

// The cabinet (static carcass), its drawer on the slide joint and every handle welded to the
// drawer's front panel.
void add_cabinet(mjcf::Element parent) {
  const double w = kOpenDrawerCabinetWidthM, dp = kOpenDrawerCabinetDepthM, h = kOpenDrawerCabinetHeightM;
  const double t = kWallM, tf = kOpenDrawerFrontThicknessM;
  mjcf::Element cabinet = parent.add("body").set("name", kCabinetBody).set("pos", {0, 0, 0});
  box_geom(cabinet, "cabinet_side_left", dp / 2, t / 2, h / 2, 0, w / 2 - t / 2, h / 2);
  box_geom(cabinet, "cabinet_side_right", dp / 2, t / 2, h / 2, 0, -(w / 2 - t / 2), h / 2);
  box_geom(cabinet, "cabinet_top", dp / 2, w / 2 - t, t / 2, 0, 0, h - t / 2);
  box_geom(cabinet, "cabinet_bottom", dp / 2, w / 2 - t, t / 2, 0, 0, t / 2);
  box_geom(cabinet, "cabinet_back", t / 2, w / 2 - t, h / 2 - t, dp / 2 - t / 2, 0, h / 2);
  // The drawer: origin on the carcass front plane. Inner box 0.165 m deep, 1 cm short of the back.
  const double inner_y = w / 2 - t;  // half width of the carcass opening
  const double box_len = 0.165, side_h = 0.047, floor_z = t + 0.004;
  const char* const kDrawerWood = "0.78 0.68 0.52 1";
  mjcf::Element drawer = cabinet.add("body").set("name", kDrawerBody).set("pos", {-dp / 2, 0, 0});
  drawer.add("joint")
      .set("name", kDrawerJoint)
      .set("type", "slide")
      .set("axis", {-1, 0, 0})
      .set("range", {0, kOpenDrawerTravelM})
      .set("limited", "true")
      .set("damping", 8)
      .set("frictionloss", 1.5);
  box_geom(drawer, kDrawerFrontGeom, tf / 2, w / 2 - 0.002, (h - 0.008) / 2, -tf / 2, 0, h / 2).set("mass", 0.4);
  box_geom(drawer, "drawer_accent_floor", box_len / 2, inner_y - 0.01, 0.003, box_len / 2, 0, floor_z + 0.003)
      .set("mass", 0.25)
      .set("rgba", kDrawerWood);
  for (int side : {-1, 1}) {
    box_geom(drawer, side > 0 ? "drawer_accent_side_left" : "drawer_accent_side_right", box_len / 2, 0.004, side_h,
             box_len / 2, side * (inner_y - 0.006), floor_z + side_h)
        .set("mass", 0.1)
        .set("rgba", kDrawerWood);
  }
  box_geom(drawer, "drawer_accent_back", 0.004, inner_y - 0.01, side_h, box_len - 0.004, 0, floor_z + side_h)
      .set("mass", 0.1)
      .set("rgba", kDrawerWood);
  for (const auto* list : {&open_drawer_train_handles(), &open_drawer_heldout_handles()}) {
    for (const DrawerHandle& hd : *list) {
      const std::string b = handle_body(hd.name);
      drawer.add("body").set("name", b).set("pos", {-tf, 0, hd.mount_z_m}).append_xml(hd.geoms_xml, "{B}", b);
    }
  }
}

// Octagonal hoop in the handle frame's horizontal plane: tube centre line with apothem `a` around
// (cx, 0, 0), tube radius r, eight capsules.
std::string hoop_geoms(double cx, double a, double r) {
  const double half_side = a * std::tan(M_PI / 8);
  std::ostringstream s;
  for (int k = 0; k < 8; ++k) {
    const double th = k * M_PI / 4;
    const double mx = cx + a * std::cos(th), my = a * std::sin(th);
    const double dx = -std::sin(th) * half_side, dy = std::cos(th) * half_side;
    s << "<geom name=\"{B}_seg" << k << "\" class=\"fixture\" type=\"capsule\" size=\"" << r << "\" fromto=\""
      << mx - dx << " " << my - dy << " 0 " << mx + dx << " " << my + dy << " 0\" mass=\"0.003\"/>\n";
  }
  return s.str();
}

class OpenDrawer final : public Task {
 public:
  std::string name() const override { return "open_drawer"; }

  const std::vector<std::string>& subgoals() const override {
    static const std::vector<std::string> kSubgoals = {"reached", "grasped", "opening", "opened"};
    return kSubgoals;
  }

  int horizon_steps() const override { return kHorizon; }

  TaskScene scene() const override {
    TaskScene s;
    s.defaults = object_defaults();
    add_cabinet(s.worldbody.root());
    // The drawer is the carcass's child (contacts filtered anyway); stated for clarity.
    s.extra.add("contact").add("exclude").set("body1", kCabinetBody).set("body2", kDrawerBody);
    return s;
  }

  void bind(const mjModel* m) override {
    Task::bind(m);
    cabinet_ = require_id(m, mjOBJ_BODY, kCabinetBody);
    const int joint = require_id(m, mjOBJ_JOINT, kDrawerJoint);
    qpos_ = m->jnt_qposadr[joint];
    dof_ = m->jnt_dofadr[joint];
    front_geom_ = require_id(m, mjOBJ_GEOM, kDrawerFrontGeom);
    handles_.clear();
    for (const auto* list : {&open_drawer_train_handles(), &open_drawer_heldout_handles()}) {
      for (const DrawerHandle& hd : *list) {
        Handle h;
        h.spec = &hd;
        h.body = require_id(m, mjOBJ_BODY, handle_body(hd.name));
        for (int k = 0; k < 3; ++k) h.pos[k] = m->body_pos[3 * h.body + k];
        for (int g = m->body_geomadr[h.body]; g < m->body_geomadr[h.body] + m->body_geomnum[h.body]; ++g) {
          h.geoms.push_back(g);
          h.contype.push_back(m->geom_contype[g]);
          h.conaffinity.push_back(m->geom_conaffinity[g]);
        }
        handles_.push_back(h);
      }
    }
    robot_root_ = m->body_rootid[require_id(m, mjOBJ_BODY, "link0")];
    ee_site_ = require_id(m, mjOBJ_SITE, "ee");
  }

  std::unique_ptr<Expert> make_expert(const Variation& v, double noise_std, uint64_t seed) const override;

  // State phase label; definition and thresholds in tasks/open_drawer.h ("Phase labels").
  PhaseLabel phase_from_state(const mjModel* m, const mjData* d, const PhaseLabel& previous) const override {
    const bool was_interaction = previous.coarse == CoarsePhase::kInteraction;
    const bool opened = opening(d) >= kOpenDrawerSuccessOpeningM;
    const bool touching = robot_touches_handle(m, d);
    const Eigen::Vector3d ee(d->site_xpos + 3 * ee_site_);
    if (touching || within_hysteresis((ee - grasp_point(d)).norm(), kPhaseNearEnterM, kPhaseNearExitM, was_interaction)) {
      if (touching && opening(d) > kOpenDrawerPullPhaseOpeningM) return {CoarsePhase::kInteraction, "pull"};
      return {CoarsePhase::kInteraction, opened && !touching ? "release" : "grasp"};
    }
    return {CoarsePhase::kTransit, opened ? "retreat" : "reach"};
  }

  // Object: the handle body's origin (its mount point on the drawer front's face), yaw = the
  // handle's (= the cabinet's) yaw under pi (the parallel gripper's symmetry; the handle's yaw is
  // visible, but the cabinet's yaw spans well under pi so nothing is lost); target: that point
  // with the drawer closed, same yaw.
  std::array<double, kObjectStateDim> object_state(const mjModel*, const mjData* d) const override {
    const int b = handles_.at(active_).body;
    const Eigen::Vector3d handle = body_pos(d, b);
    const Eigen::Vector3d closed = handle - pull_direction(d) * opening(d);
    return pack_object_state(handle, body_yaw(d, b), M_PI, closed, body_yaw(d, cabinet_), M_PI);
  }

  /// Drawer opening (m, 0 = closed).
  double opening(const mjData* d) const { return d->qpos[qpos_]; }
  const DrawerHandle& handle() const { return *handles_.at(active_).spec; }
  /// World position of the TCP at the grasp of the episode's handle, at the current opening.
  Eigen::Vector3d grasp_point(const mjData* d) const {
    const int b = handles_.at(active_).body;
    return body_pos(d, b) + body_rot(d, b) * handle().grasp;
  }
  /// Unit vector (world, horizontal) along which the drawer opens.
  Eigen::Vector3d pull_direction(const mjData* d) const { return -body_rot(d, cabinet_).col(0); }

  bool robot_touches_handle(const mjModel* m, const mjData* d) const {
    return robot_touches_body(m, d, robot_root_, handles_.at(active_).body);
  }

  const VariationSpace& variation_space() const override {
    static const VariationSpace kSpace = [] {
      VariationSpace s;
      s.region = {open_drawer_train_region(), open_drawer_heldout_region()};
      s.yaw_rad = TrainHeldOut<IntervalSet>{open_drawer_train_yaw_offset(), open_drawer_heldout_yaw_offset()};
      s.categories = {names_of(open_drawer_train_handles()), names_of(open_drawer_heldout_handles())};
      s.category_roles = {"handle"};
      return s;
    }();
    return kSpace;
  }

  std::string target_role() const override { return "cabinet"; }

 protected:
  void sample_task_variation(const SplitDraws& draws, AxisStreams& rng, Variation* v) const override {
    const auto& handles = variation_space().categories[draws.object];
    const DrawerHandle& hd = open_drawer_find_handle(handles[rng.object.uniform_index(handles.size())]);
    auto [color_name, rgb] = sample_palette_color(rng.object);
    const auto& cabinet_colors = open_drawer_cabinet_colors();
    size_t c = rng.object.uniform_index(cabinet_colors.size());
    if (cabinet_colors[c].first == color_name) c = (c + 1) % cabinet_colors.size();  // keep the handle visible
    v->objects = {{"handle", hd.name, color_name, rgb},
                  {"cabinet", "cabinet", cabinet_colors[c].first, cabinet_colors[c].second}};

    const auto xy = variation_space().region[draws.position].sample(rng.position);
    const double offset = (*variation_space().yaw_rad)[draws.position].sample(rng.position);
    v->placements = {{"cabinet", xy[0], xy[1], std::atan2(xy[1], xy[0]) + offset}};
    v->instruction = "open the drawer by its " + describe(v->objects[0]) + " handle";
  }

  void apply_task_variation(const Variation& v, mjModel* m, mjData* d) override {
    const ObjectChoice& choice = v.object("handle");
    const ObjectChoice& cabinet = v.object("cabinet");
    const Placement& p = v.placement("cabinet");
    active_ = -1;
    for (size_t i = 0; i < handles_.size(); ++i) {
      Handle& h = handles_[i];
      const bool on = h.spec->name == choice.category;
      if (on) active_ = static_cast<int>(i);
      for (size_t k = 0; k < h.geoms.size(); ++k) {
        const int g = h.geoms[k];
        m->geom_contype[g] = on ? h.contype[k] : 0;
        m->geom_conaffinity[g] = on ? h.conaffinity[k] : 0;
        for (int j = 0; j < 3; ++j) m->geom_rgba[4 * g + j] = static_cast<float>(choice.rgb[j]);
        m->geom_rgba[4 * g + 3] = on ? 1.0f : 0.0f;
      }
      // Unused handles: 3 m below the drawer (below the floor, out of reach and hidden).
      m->body_pos[3 * h.body] = h.pos[0];
      m->body_pos[3 * h.body + 1] = h.pos[1];
      m->body_pos[3 * h.body + 2] = on ? h.pos[2] : -3.0;
    }
    if (active_ < 0) throw std::invalid_argument("open_drawer: unknown handle '" + choice.category + "'");
    set_body_color(m, cabinet_, cabinet.rgb);
    for (int j = 0; j < 3; ++j) m->geom_rgba[4 * front_geom_ + j] = static_cast<float>(0.88 * cabinet.rgb[j]);
    m->body_pos[3 * cabinet_] = p.x_m;
    m->body_pos[3 * cabinet_ + 1] = p.y_m;
    m->body_pos[3 * cabinet_ + 2] = 0.0;
    m->body_quat[4 * cabinet_] = std::cos(p.yaw_rad / 2);
    m->body_quat[4 * cabinet_ + 1] = 0;
    m->body_quat[4 * cabinet_ + 2] = 0;
    m->body_quat[4 * cabinet_ + 3] = std::sin(p.yaw_rad / 2);
    d->qpos[qpos_] = 0;  // closed
    d->qvel[dof_] = 0;
  }

  bool success_condition(const mjModel*, const mjData* d) const override {
    return opening(d) >= kOpenDrawerSuccessOpeningM;
  }

  int progress_now(const mjModel* m, const mjData* d) const override {
    if (success_condition(m, d)) return 4;
    if (opening(d) > kOpenDrawerOpeningSubgoalM) return 3;
    if (robot_touches_handle(m, d)) return 2;
    const Eigen::Vector3d ee(d->site_xpos + 3 * ee_site_);
    if ((ee - grasp_point(d)).norm() < kReachedRadiusM) return 1;
    return 0;
  }

 private:
  struct Handle {
    const DrawerHandle* spec = nullptr;
    int body = -1;
    std::array<double, 3> pos{};  // compiled body_pos (in the drawer frame)
    std::vector<int> geoms, contype, conaffinity;
  };

  std::vector<Handle> handles_;
  int active_ = -1;
  int cabinet_ = -1, qpos_ = -1, dof_ = -1, front_geom_ = -1;
  int robot_root_ = -1, ee_site_ = -1;
};

// The scripted expert: reach above the handle's grasp point with the fingers opened to the
// handle's pre-grasp opening -> descend so the fingers straddle the grip -> close -> pull along
// the drawer's axis (privileged joint position) to 0.155 m -> open the fingers -> retreat upwards.
// If the grip slips off during the pull (TCP > 3.5 cm from the grasp point), it reaches and grasps
// again where the handle is now. The hand keeps one yaw for the whole episode.
class OpenDrawerExpert final : public StagedExpert {
 public:
  OpenDrawerExpert(const OpenDrawer& task, double noise_std, uint64_t seed)
      : StagedExpert(noise_std, seed), task_(task) {
    using C = CoarsePhase;
    // The gripper is binary (fully open or closed; ArmController).
    const double open_cmd = -1.0;
    std::vector<Stage> t(kRetreat + 1);
    t[kReach] = {{C::kTransit, "reach"},
                 open_cmd,
                 [this](const Env&, int) {
                   return Target{grasp_ + shift_ + Eigen::Vector3d(0, 0, 0.08), rot_};
                 },
                 nullptr,
                 [this](const Env& env, int steps) {
                   const Eigen::Vector3d target = grasp_ + shift_ + Eigen::Vector3d(0, 0, 0.08);
                   return (ee_position_error(env, target) < 0.015 && ee_rotation_error(env, rot_) < 0.08) || steps > 40
                              ? kDescend
                              : kStay;
                 }};
    t[kDescend] = {{C::kInteraction, "grasp"},
                   open_cmd,
                   [this](const Env&, int) {
                     return Target{grasp_ + shift_, rot_};
                   },
                   [](const Env&, const Target&, Action* a) { (*a)[2] = std::max((*a)[2], -0.6); },
                   [this](const Env& env, int steps) {
                     return ee_position_error(env, grasp_ + shift_) < 0.007 || steps > 10 ? kClose : kStay;
                   }};
    // Close; the gripper's rate limit (0.1 m/s, 0.2 mm per 2 ms physics step) keeps the fingers
    // from tunnelling through the 12 mm grip. Pull once the close has reached full force.
    t[kClose] = {{C::kInteraction, "grasp"},
                 1,
                 [this](const Env&, int) {
                   return Target{grasp_ + shift_, rot_};
                 },
                 nullptr,
                 [](const Env& env, int steps) { return gripper_close_finished(env) || steps > 12 ? kPull : kStay; }};
    // Along the straight line the grasp point travels as the drawer opens.
    // (Never back: an overshoot past the target opening is left alone.)
    t[kPull] = {{C::kInteraction, "pull"},
                1,
                [this](const Env&, int) {
                  return Target{grasp_ + u_ * std::max(0.0, kExpertPullToM - q_), rot_};
                },
                [](const Env&, const Target&, Action* a) {
                  for (int k = 0; k < 3; ++k) (*a)[k] = std::clamp((*a)[k], -0.3, 0.3);  // <= 1.5 cm per step
                },
                [this](const Env&, int steps) -> int {
                  if (q_ >= kExpertPullToM - 0.004 || steps > 30) return kRelease;
                  // The grip slipped off (e.g. under action noise): grasp again where the handle is now.
                  if ((ee_ - grasp_).norm() > kLostGripM) return kReach;
                  return kStay;
                }};
    // Hold the hand at the grip (a hair outwards, so it never pushes the drawer back) and open.
    t[kRelease] = {{C::kInteraction, "release"},
                   open_cmd,
                   [this](const Env&, int) {
                     return Target{grasp_ + 0.003 * u_ + shift_, rot_};
                   },
                   nullptr,
                   [](const Env&, int steps) { return steps >= 3 ? kRetreat : kStay; }};
    // Straight up, 1 cm outwards: a finger still beside the grip may drag the drawer further
    // open but never pushes it back.
    t[kRetreat] = {{C::kTransit, "retreat"},
                   open_cmd,
                   [this](const Env&, int) {
                     return Target{grasp_ + 0.01 * u_ + shift_ + Eigen::Vector3d(0, 0, 0.12), rot_};
                   },
                   nullptr,
                   nullptr};
    set_stages(std::move(t));
  }

 private:
  enum StageId : int { kReach, kDescend, kClose, kPull, kRelease, kRetreat };

  void observe(const Env& env) override {
    const mjData* d = env.data();
    const DrawerHandle& hd = task_.handle();
    grasp_ = task_.grasp_point(d);
    u_ = task_.pull_direction(d);
    q_ = task_.opening(d);
    if (!yaw_set_) {
      // Fingers close along the hand's y axis, i.e. along hand yaw + pi/2.
      const double pull_yaw = std::atan2(u_.y(), u_.x());
      const double natural = natural_yaw(grasp_.x(), grasp_.y());
      hand_yaw_ = hd.fingers_along_pull ? closest_grasp_yaw(pull_yaw - M_PI / 2, natural + kAlongYawBias)
                                        : closest_grasp_yaw(pull_yaw, natural);
      yaw_set_ = true;
    }
    rot_ = ee_down_rotation(hand_yaw_);
    // With the fingers along the pull, a fully open hand centred on the grip would push its rear
    // finger into the front panel (bar) or the hoop's back (ring): the TCP is shifted outwards,
    // along the pull, by half of the opening beyond the handle's pre-grasp opening, so the rear
    // finger's inner face stays pregrasp_opening_m / 2 behind the grip's centre whatever the
    // measured opening. While the fingers close (0.1 m/s) the TCP follows them back onto the grip;
    // while they open it moves out.
    const double opening = env.controller().gripper_opening_m(d);
    shift_ = hd.fingers_along_pull ? Eigen::Vector3d(u_ * std::max(0.0, 0.5 * (opening - hd.pregrasp_opening_m)))
                                   : Eigen::Vector3d::Zero();
    const auto ee = env.controller().ee_pos_m(d);
    ee_ = Eigen::Vector3d(ee[0], ee[1], ee[2]);
  }

  const OpenDrawer& task_;
  // This step's state (observe()): grasp point (m), pull direction (unit), opening (m), the hand's
  // orientation, the TCP shift (m) and the TCP (m).
  Eigen::Vector3d grasp_ = Eigen::Vector3d::Zero(), u_ = Eigen::Vector3d::UnitX(), shift_ = Eigen::Vector3d::Zero();
  Eigen::Vector3d ee_ = Eigen::Vector3d::Zero();
  double q_ = 0;
  Eigen::Matrix3d rot_ = Eigen::Matrix3d::Identity();
  // The plan: one hand yaw for the whole episode (rad).
  bool yaw_set_ = false;
  double hand_yaw_ = 0;
};

std::unique_ptr<Expert> OpenDrawer::make_expert(const Variation&, double noise_std, uint64_t seed) const {
  return std::make_unique<OpenDrawerExpert>(*this, noise_std, seed);
}

DrawerHandle make_handle(std::string name, std::string geoms, double mount_z, Eigen::Vector3d grasp, bool along,
                         double pregrasp_opening) {
  return DrawerHandle{std::move(name), std::move(geoms), mount_z, grasp, along, pregrasp_opening};
}

}  // namespace

const std::vector<DrawerHandle>& open_drawer_train_handles() {
  static const std::vector<DrawerHandle> kTrain = {
      // A round bar 12 mm across on two posts; grip centre 55 mm off the panel.
      make_handle("bar",
                  R"(<geom name="{B}_rod" class="fixture" type="cylinder" size="0.006" fromto="-0.055 -0.08 0 -0.055 0.08 0" mass="0.01"/>
<geom name="{B}_post_left" class="fixture" type="cylinder" size="0.005" fromto="0 0.07 0 -0.055 0.07 0" mass="0.005"/>
<geom name="{B}_post_right" class="fixture" type="cylinder" size="0.005" fromto="0 -0.07 0 -0.055 -0.07 0" mass="0.005"/>)",
                  0.135, Eigen::Vector3d(-0.055, 0, -0.006), true, 0.046),
      // A mushroom knob: 50 mm stem (12 mm across), head 34 mm across and 16 mm thick. The finger
      // pads (22 mm along the pull axis) sit 5 mm behind the head.
      make_handle("knob",
                  R"(<geom name="{B}_stem" class="fixture" type="cylinder" size="0.006" fromto="0 0 0 -0.05 0 0" mass="0.01"/>
<geom name="{B}_head" class="fixture" type="cylinder" size="0.017" fromto="-0.05 0 0 -0.066 0 0" mass="0.01"/>)",
                  0.085, Eigen::Vector3d(-0.034, 0, 0), false, 0.064),
  };
  return kTrain;
}

const std::vector<DrawerHandle>& open_drawer_heldout_handles() {
  static const std::vector<DrawerHandle> kHeldOut = {
      // A T-handle: 50 mm stem with a 70 mm crossbar (18 mm across) at its end.
      make_handle("T",
                  R"(<geom name="{B}_stem" class="fixture" type="cylinder" size="0.006" fromto="0 0 0 -0.05 0 0" mass="0.01"/>
<geom name="{B}_crossbar" class="fixture" type="capsule" size="0.009" fromto="-0.059 -0.035 0 -0.059 0.035 0" mass="0.01"/>)",
                  0.085, Eigen::Vector3d(-0.034, 0, 0), false, 0.064),
      // A horizontal octagonal hoop fixed to the panel at its back; grip = its front side, 60 mm off
      // the panel, the rear finger goes inside the hoop.
      make_handle("ring", hoop_geoms(-0.033, 0.027, 0.006), 0.135, Eigen::Vector3d(-0.060, 0, -0.008), true, 0.040),
  };
  return kHeldOut;
}

const DrawerHandle& open_drawer_find_handle(const std::string& name) {
  return find_by_name({&open_drawer_train_handles(), &open_drawer_heldout_handles()}, name, "drawer handle");
}

const std::vector<std::pair<std::string, variation::Rgb>>& open_drawer_cabinet_colors() {
  static const std::vector<std::pair<std::string, variation::Rgb>> kColors = {
      {"brown", {0.45, 0.30, 0.18}}, {"grey", {0.55, 0.55, 0.57}}, {"white", {0.88, 0.88, 0.86}}};
  return kColors;
}

Region open_drawer_train_region() { return Region{{Rect{0.62, 0.66, -0.10, 0.10}}}; }

Region open_drawer_heldout_region() {
  return Region{{Rect{0.615, 0.64, 0.15, 0.22}, Rect{0.615, 0.64, -0.22, -0.15}}};
}

IntervalSet open_drawer_train_yaw_offset() { return IntervalSet{{{-0.12, 0.12}}}; }

IntervalSet open_drawer_heldout_yaw_offset() { return IntervalSet{{{-0.30, -0.20}, {0.20, 0.30}}}; }

double open_drawer_yaw_offset(const Placement& p) {
  double o = p.yaw_rad - std::atan2(p.y_m, p.x_m);
  while (o > M_PI) o -= 2 * M_PI;
  while (o <= -M_PI) o += 2 * M_PI;
  return o;
}

WAMBENCH_REGISTER_TASK_AT(open_drawer, [] { return std::make_unique<OpenDrawer>(); }, 2)

}  // namespace wambench
