// press_button: press a small spring-loaded button until it clicks, then let go.
// Mechanics, success definition and variation axes: see press_button.h.
#include "tasks/press_button.h"

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

// Control steps (8 s). The noise-free expert latches success by step <= 20 on every split; the horizon
// leaves > 30 % margin over its worst successful episode.
constexpr int kHorizon = 80;

// The finger pads' lower faces lie 7 mm below the TCP (assets/robot/panda.xml: pad bottom at
// 0.0584 + 0.052 = 0.1104 m in the hand frame, the "ee" site at 0.1034 m).
constexpr double kFingertipBelowTcpM = 0.007;
// How far the expert pushes the cap (m): past the click depth (8 mm), short of the stop (12 mm).
constexpr double kExpertPressDepthM = 0.0105;
// The bezel ring around the cap is the button's latching indicator: dark until the click, then lit
// green for the rest of the episode (an illuminated latching push button), so "already pressed" is
// visible in the cameras and in Task::object_state()[10].
// Width of the ring beyond the cap (m): 12 mm, about 2 px of the 128 px front camera at the button.
constexpr double kBezelWidthM = 0.012;
constexpr float kBezelUnlitRgba[4] = {0.3f, 0.3f, 0.32f, 1.0f};
constexpr float kBezelLitRgba[4] = {0.15f, 0.95f, 0.3f, 1.0f};

std::string button_body(const std::string& cap) { return "button_" + cap; }
std::string cap_body(const std::string& cap) { return "button_" + cap + "_cap"; }
std::string cap_joint(const std::string& cap) { return "button_" + cap + "_press"; }
std::string bezel_geom(const std::string& cap) { return "button_" + cap + "_accent_bezel"; }
std::string housing_geom(const std::string& cap, const std::string& housing) {
  return "button_" + cap + "_housing_" + housing;
}

// Static housing (both shapes; one is shown per episode) with a dark bezel ring around the cap,
// and the cap on its spring-loaded slide joint. The cap reaches 16 mm into the housing so no gap
// shows at full travel; cap-housing contacts are excluded (scene().extra), so the cap slides
// freely through the housing's top.
void add_button(mjcf::Element parent, const ButtonCap& cap) {
  const std::string b = button_body(cap.name);
  const std::string c = cap_body(cap.name);
  const double h = kPressButtonHousingHeightM;
  const double w = kPressButtonHousingHalfWidthM;
  mjcf::Element button = parent.add("body").set("name", b).set("pos", {0, 0, 0});
  button.add("geom")
      .set("name", housing_geom(cap.name, "box"))
      .set("class", "fixture")
      .set("type", "box")
      .set("size", {w, w, h / 2})
      .set("pos", {0, 0, h / 2});
  button.add("geom")
      .set("name", housing_geom(cap.name, "cylinder"))
      .set("class", "fixture")
      .set("type", "cylinder")
      .set("size", {w + 0.003, h / 2})
      .set("pos", {0, 0, h / 2});
  button.add("geom")
      .set("name", bezel_geom(cap.name))
      .set("type", "cylinder")
      .set("size", {std::min(cap.radius_m, 0.03) + kBezelWidthM, 0.0008})
      .set("pos", {0, 0, h + 0.0008})
      .set("rgba", {kBezelUnlitRgba[0], kBezelUnlitRgba[1], kBezelUnlitRgba[2], 1})
      .set("contype", 0)
      .set("conaffinity", 0)
      .set("mass", 0);
  mjcf::Element cap_element = button.add("body").set("name", c).set("pos", {0, 0, h});
  cap_element.add("joint")
      .set("name", cap_joint(cap.name))
      .set("type", "slide")
      .set("axis", {0, 0, 1})
      .set("range", {-kPressButtonTravelM, 0})
      .set("limited", "true")
      .set("stiffness", 250)
      .set("springref", kPressButtonTravelM)
      .set("damping", 2)
      .set("solreflimit", "0.005 1")
      .set("solimplimit", "0.95 0.99 0.001");
  cap_element.append_xml(cap.geoms_xml, "{B}", c);
}

ButtonCap make_cap(std::string name, std::string geoms, double top, double radius, double symmetry) {
  return ButtonCap{std::move(name), std::move(geoms), top, radius, symmetry};
}

// Hexagonal prism as the union of three boxes at 0, 60, 120 degrees: across flats 2a, side
// length s = 2a / sqrt(3), each box s x 2a.
std::string hex_prism_geoms(double across_flats, double z_lo, double z_hi) {
  const double a = across_flats / 2;
  const double half_side = a / std::sqrt(3.0);
  std::ostringstream s;
  for (int k = 0; k < 3; ++k) {
    s << "<geom name=\"{B}_prism" << k << "\" class=\"fixture\" type=\"box\" size=\"" << half_side << " " << a << " "
      << (z_hi - z_lo) / 2 << "\" pos=\"0 0 " << (z_hi + z_lo) / 2 << "\" euler=\"0 0 " << k * M_PI / 3 << "\" mass=\""
      << (k == 0 ? 0.02 : 0.0) << "\"/>\n";
  }
  return s.str();
}

class PressButton final : public Task {
 public:
  std::string name() const override { return "press_button"; }

  const std::vector<std::string>& subgoals() const override {
    static const std::vector<std::string> kSubgoals = {"reached", "touched", "clicked", "released"};
    return kSubgoals;
  }

  int horizon_steps() const override { return kHorizon; }

  TaskScene scene() const override {
    TaskScene s;
    s.defaults = object_defaults();
    mjcf::Element contact = s.extra.add("contact");
    for (const auto* list : {&press_button_train_caps(), &press_button_heldout_caps()}) {
      for (const ButtonCap& c : *list) {
        add_button(s.worldbody.root(), c);
        contact.add("exclude").set("body1", button_body(c.name)).set("body2", cap_body(c.name));
      }
    }
    return s;
  }

  void bind(const mjModel* m) override {
    Task::bind(m);
    buttons_.clear();
    for (const auto* list : {&press_button_train_caps(), &press_button_heldout_caps()}) {
      for (const ButtonCap& c : *list) {
        Button b;
        b.cap = &c;
        b.root = require_id(m, mjOBJ_BODY, button_body(c.name));
        b.cap_body = require_id(m, mjOBJ_BODY, cap_body(c.name));
        b.bezel = require_id(m, mjOBJ_GEOM, bezel_geom(c.name));
        const int joint = require_id(m, mjOBJ_JOINT, cap_joint(c.name));
        b.qpos = m->jnt_qposadr[joint];
        b.dof = m->jnt_dofadr[joint];
        for (const std::string& housing : press_button_housings()) {
          const int g = require_id(m, mjOBJ_GEOM, housing_geom(c.name, housing));
          b.housing_geoms.push_back(g);
          b.housing_pos_z.push_back(m->geom_pos[3 * g + 2]);
        }
        for (int body : {b.root, b.cap_body}) {
          for (int g = m->body_geomadr[body]; g < m->body_geomadr[body] + m->body_geomnum[body]; ++g) {
            b.geoms.push_back(g);
            b.contype.push_back(m->geom_contype[g]);
            b.conaffinity.push_back(m->geom_conaffinity[g]);
          }
        }
        buttons_.push_back(b);
      }
    }
    robot_root_ = m->body_rootid[require_id(m, mjOBJ_BODY, "link0")];
    ee_site_ = require_id(m, mjOBJ_SITE, "ee");
  }

  std::unique_ptr<Expert> make_expert(const Variation& v, double noise_std, uint64_t seed) const override;

  // State phase label; definition and thresholds in tasks/press_button.h ("Phase labels").
  PhaseLabel phase_from_state(const mjModel* m, const mjData* d, const PhaseLabel& previous) const override {
    const bool was_interaction = previous.coarse == CoarsePhase::kInteraction;
    const Eigen::Vector3d top = cap_top_at_rest(d);
    const Eigen::Vector3d ee(d->site_xpos + 3 * ee_site_);
    const double fingertips_above_cap_m = ee.z() - kFingertipBelowTcpM - top.z();
    const bool over_cap = std::hypot(ee.x() - top.x(), ee.y() - top.y()) < kPressButtonPressZoneRadiusM;
    if (robot_touches_cap(m, d) ||
        (over_cap && within_hysteresis(fingertips_above_cap_m, kPressButtonPressZoneEnterM, kPressButtonPressZoneExitM,
                                       was_interaction)))
      return {CoarsePhase::kInteraction, clicked_ ? "release" : "press"};
    return {CoarsePhase::kTransit, clicked_ ? "retreat" : "reach"};
  }

  // Object: the cap body's origin (on the housing's top face on the cap's axis at rest; it moves
  // down as the cap is pressed), yaw under the cap's symmetry_rad; target: the housing's origin
  // (button centre on the table), yaw under the housing's symmetry (box pi/2, cylinder 0).
  std::array<double, kObjectStateDim> object_state(const mjModel*, const mjData* d) const override {
    const Button& b = active();
    return pack_object_state(body_pos(d, b.cap_body), body_yaw(d, b.cap_body), b.cap->symmetry_rad, body_pos(d, b.root),
                             body_yaw(d, b.root), housing_symmetry_rad_, clicked_ ? 1.0 : 0.0);
  }

  /// Current press depth of the episode's cap (m, >= 0 pressed down).
  double depth(const mjData* d) const { return -d->qpos[active().qpos]; }
  /// World position of the top of the episode's cap, centre of its axis, at rest.
  Eigen::Vector3d cap_top_at_rest(const mjData* d) const {
    const Button& b = active();
    const Eigen::Vector3d root = body_pos(d, b.root);
    return root + Eigen::Vector3d(0, 0, kPressButtonHousingHeightM + b.cap->top_m);
  }
  bool clicked() const { return clicked_; }

  bool robot_touches_cap(const mjModel* m, const mjData* d) const {
    return robot_touches_body(m, d, robot_root_, active().cap_body);
  }

  const VariationSpace& variation_space() const override {
    static const VariationSpace kSpace = [] {
      VariationSpace s;
      s.region = {press_button_train_region(), press_button_heldout_region()};
      s.yaw_rad = TrainHeldOut<IntervalSet>{press_button_train_yaw(), press_button_heldout_yaw()};
      s.yaw_roles = {"button"};
      s.categories = {names_of(press_button_train_caps()), names_of(press_button_heldout_caps())};
      s.category_roles = {"button"};
      return s;
    }();
    return kSpace;
  }

  std::string target_role() const override { return "button"; }

 protected:
  void sample_task_variation(const SplitDraws& draws, AxisStreams& rng, Variation* v) const override {
    const auto& caps = variation_space().categories[draws.object];
    const ButtonCap& cap = press_button_find_cap(caps[rng.object.uniform_index(caps.size())]);
    const std::string& housing = press_button_housings()[rng.object.uniform_index(press_button_housings().size())];
    auto [color_name, rgb] = sample_palette_color(rng.object);
    auto [housing_color_name, housing_rgb] = sample_palette_color(rng.object);
    if (housing_color_name == color_name) {  // keep the cap distinguishable from its housing
      const auto& palette = variation::object_palette();
      size_t k = 0;
      while (palette[k].name == color_name) ++k;
      housing_color_name = palette[k].name;
      housing_rgb = palette[k].distribution.sample(rng.object);
    }
    v->objects = {{"button", cap.name, color_name, rgb}, {"housing", housing, housing_color_name, housing_rgb}};

    const auto xy = variation_space().region[draws.position].sample(rng.position);
    const double yaw = (*variation_space().yaw_rad)[draws.position].sample(rng.position);
    v->placements = {{"button", xy[0], xy[1], yaw}};
    v->instruction = "press the " + describe(v->objects[0]) + " button";
  }

  void apply_task_variation(const Variation& v, mjModel* m, mjData* d) override {
    const ObjectChoice& cap = v.object("button");
    const ObjectChoice& housing = v.object("housing");
    const Placement& p = v.placement("button");
    active_ = -1;
    for (size_t i = 0; i < buttons_.size(); ++i) {
      Button& b = buttons_[i];
      const bool on = b.cap->name == cap.category;
      if (on) active_ = static_cast<int>(i);
      for (size_t k = 0; k < b.geoms.size(); ++k) {
        m->geom_contype[b.geoms[k]] = on ? b.contype[k] : 0;
        m->geom_conaffinity[b.geoms[k]] = on ? b.conaffinity[k] : 0;
      }
      // Parked buttons: far below the floor (collisions off, never seen).
      m->body_pos[3 * b.root] = on ? p.x_m : -3.0;
      m->body_pos[3 * b.root + 1] = on ? p.y_m : -2.0 + 0.5 * static_cast<double>(i);
      m->body_pos[3 * b.root + 2] = on ? 0.0 : -3.0;
      m->body_quat[4 * b.root] = on ? std::cos(p.yaw_rad / 2) : 1.0;
      m->body_quat[4 * b.root + 1] = 0;
      m->body_quat[4 * b.root + 2] = 0;
      m->body_quat[4 * b.root + 3] = on ? std::sin(p.yaw_rad / 2) : 0.0;
      d->qpos[b.qpos] = 0;  // cap at rest against its upper stop
      d->qvel[b.dof] = 0;
    }
    if (active_ < 0) throw std::invalid_argument("press_button: unknown cap '" + cap.category + "'");
    housing_symmetry_rad_ = housing.category == "box" ? M_PI / 2 : 0.0;
    Button& b = buttons_[active_];
    set_body_color(m, b.cap_body, cap.rgb);
    // Show the episode's housing shape, hide the other (moved under the table, invisible, no
    // collisions).
    bool found = false;
    const auto& housings = press_button_housings();
    for (size_t k = 0; k < housings.size(); ++k) {
      const int g = b.housing_geoms[k];
      const bool shown = housings[k] == housing.category;
      found |= shown;
      for (int i = 0; i < 3; ++i) m->geom_rgba[4 * g + i] = static_cast<float>(housing.rgb[i]);
      m->geom_rgba[4 * g + 3] = shown ? 1.0f : 0.0f;
      m->geom_pos[3 * g + 2] = shown ? b.housing_pos_z[k] : -1.0;
      if (!shown) m->geom_contype[g] = m->geom_conaffinity[g] = 0;
    }
    if (!found) throw std::invalid_argument("press_button: unknown housing '" + housing.category + "'");
    clicked_ = false;
    set_bezel(m, false);
  }

  void show_progress_indicators(mjModel* m, int progress) const override { set_bezel(m, progress >= 3); }

  void after_step(mjModel* m, mjData* d) override {
    if (depth(d) >= kPressButtonClickDepthM) clicked_ = true;
    set_bezel(m, clicked_);  // every step: a viewer may have shown another state's colour meanwhile
  }

  bool success_condition(const mjModel* m, const mjData* d) const override {
    return clicked_ && !robot_touches_cap(m, d) && depth(d) < kPressButtonReleasedDepthM;
  }

  int progress_now(const mjModel* m, const mjData* d) const override {
    if (success_condition(m, d)) return 4;
    if (clicked_) return 3;
    if (robot_touches_cap(m, d)) return 2;
    const Eigen::Vector3d top = cap_top_at_rest(d);
    const Eigen::Vector3d ee(d->site_xpos + 3 * ee_site_);
    if (std::hypot(ee.x() - top.x(), ee.y() - top.y()) < 0.02 && ee.z() > top.z() && ee.z() < top.z() + 0.10)
      return 1;
    return 0;
  }

 private:
  friend class PressButtonExpert;
  struct Button {
    const ButtonCap* cap = nullptr;
    int root = -1, cap_body = -1, bezel = -1, qpos = -1, dof = -1;
    std::vector<int> housing_geoms;      // in press_button_housings() order
    std::vector<double> housing_pos_z;   // their compiled geom_pos z
    std::vector<int> geoms, contype, conaffinity;
  };
  const Button& active() const { return buttons_.at(active_); }
  void set_bezel(mjModel* m, bool lit) const {
    const float* rgba = lit ? kBezelLitRgba : kBezelUnlitRgba;
    std::copy(rgba, rgba + 4, m->geom_rgba + 4 * active().bezel);
  }

  std::vector<Button> buttons_;
  int active_ = -1;
  bool clicked_ = false;  // latch: the cap went past the click depth this episode
  double housing_symmetry_rad_ = 0;  // box pi/2, cylinder 0
  int robot_root_ = -1, ee_site_ = -1;
};

// The scripted expert: close the gripper (the closed fingers make a flat pusher) while moving
// above the cap -> descend to just above it -> press slowly to 10.5 mm (past the 8 mm click depth,
// short of the 12 mm stop) until the click registers -> lift off -> retreat upwards.
class PressButtonExpert final : public StagedExpert {
 public:
  PressButtonExpert(const PressButton& task, double noise_std, uint64_t seed)
      : StagedExpert(noise_std, seed), task_(task) {
    using C = CoarsePhase;
    std::vector<Stage> t(kRetreat + 1);
    t[kReach] = {{C::kTransit, "reach"},
                 1,
                 [this](const Env&, int) { return above_cap(0.06); },
                 nullptr,
                 [this](const Env& env, int steps) {
                   const Eigen::Vector3d target = above_cap(0.06).pos_m;
                   // Tolerances: the pusher (22 x 36 mm) pressing within 12 mm of the cap's axis still covers it.
                   const bool above = std::hypot(ee_[0] - target.x(), ee_[1] - target.y()) < 0.012 &&
                                      std::abs(ee_[2] - target.z()) < 0.02;
                   // The fingers close (0.8 s at the gripper's speed) during the reach: press with the closed fist.
                   return (above && ee_rotation_error(env, rot_) < 0.1 && gripper_close_finished(env)) || steps > 40
                              ? kDescend
                              : kStay;
                 }};
    t[kDescend] = {{C::kInteraction, "press"},
                   1,
                   [this](const Env&, int) { return above_cap(0.01); },
                   nullptr,
                   [this](const Env& env, int steps) {
                     return ee_position_error(env, above_cap(0.01).pos_m) < 0.008 || steps > 15 ? kPress : kStay;
                   }};
    t[kPress] = {{C::kInteraction, "press"},
                 1,
                 [this](const Env&, int) { return above_cap(-kExpertPressDepthM); },
                 [](const Env&, const Target&, Action* a) {
                   (*a)[2] = std::clamp((*a)[2], -0.3, 0.3);  // press at <= 1.5 cm per step
                 },
                 [this](const Env&, int steps) {
                   // The click latch (privileged state) is up to date: Task::update ran after the last step.
                   return task_.clicked() || steps > 20 ? kRelease : kStay;
                 }};
    t[kRelease] = {
        {C::kInteraction, "release"},
        1,
        [this](const Env&, int) { return above_cap(0.03); },
        nullptr,
        [this](const Env&, int steps) { return ee_[2] > tcp_z(top_.z() + 0.015) || steps > 8 ? kRetreat : kStay; }};
    t[kRetreat] = {{C::kTransit, "retreat"}, 1, [this](const Env&, int) { return above_cap(0.10); }, nullptr, nullptr};
    set_stages(std::move(t));
  }

 private:
  enum StageId : int { kReach, kDescend, kPress, kRelease, kRetreat };

  void observe(const Env& env) override {
    top_ = task_.cap_top_at_rest(env.data());
    ee_ = env.controller().ee_pos_m(env.data());
  }
  // TCP height at which the fingertips are at height z.
  static double tcp_z(double z) { return z + kFingertipBelowTcpM; }
  // The pusher (fingertips) `dz` above the cap's top at rest, hand pointing down at yaw 0.
  Target above_cap(double dz) const { return Target{Eigen::Vector3d(top_.x(), top_.y(), tcp_z(top_.z() + dz)), rot_}; }

  const PressButton& task_;
  const Eigen::Matrix3d rot_ = ee_down_rotation(0.0);
  // This step's state (observe()).
  Eigen::Vector3d top_ = Eigen::Vector3d::Zero();
  std::array<double, 3> ee_{};
};

std::unique_ptr<Expert> PressButton::make_expert(const Variation&, double noise_std, uint64_t seed) const {
  return std::make_unique<PressButtonExpert>(*this, noise_std, seed);
}

}  // namespace

const std::vector<ButtonCap>& press_button_train_caps() {
  static const std::vector<ButtonCap> kTrain = {
      make_cap("round",
               R"(<geom name="{B}_body" class="fixture" type="cylinder" size="0.02 0.016" pos="0 0 0" mass="0.02"/>)",
               0.016, 0.02, 0.0),
      make_cap("square",
               R"(<geom name="{B}_body" class="fixture" type="box" size="0.018 0.018 0.016" pos="0 0 0" mass="0.02"/>)",
               0.016, 0.0255, M_PI / 2),
  };
  return kTrain;
}

const std::vector<ButtonCap>& press_button_heldout_caps() {
  static const std::vector<ButtonCap> kHeldOut = {
      // Emergency-stop style: a wide flattened dome on a short stem.
      make_cap("mushroom",
               R"(<geom name="{B}_stem" class="fixture" type="cylinder" size="0.011 0.019" pos="0 0 0.003" mass="0.01"/>
<geom name="{B}_dome" class="fixture" type="ellipsoid" size="0.032 0.032 0.01" pos="0 0 0.022" mass="0.01"/>)",
               0.032, 0.032, 0.0),
      // A tall thin push rod with a light tip.
      make_cap("plunger",
               R"(<geom name="{B}_rod" class="fixture" type="cylinder" size="0.009 0.029" pos="0 0 0.013" mass="0.02"/>
<geom name="{B}_accent_tip" type="cylinder" size="0.0095 0.002" pos="0 0 0.0405" rgba="0.85 0.85 0.87 1" contype="0" conaffinity="0" mass="0"/>)",
               0.042, 0.0095, 0.0),
      make_cap("hexagonal", hex_prism_geoms(0.036, -0.016, 0.016), 0.016, 0.0208, M_PI / 3),
  };
  return kHeldOut;
}

const ButtonCap& press_button_find_cap(const std::string& name) {
  return find_by_name({&press_button_train_caps(), &press_button_heldout_caps()}, name, "button cap");
}

const std::vector<std::string>& press_button_housings() {
  static const std::vector<std::string> kHousings = {"box", "cylinder"};
  return kHousings;
}

Region press_button_train_region() { return Region{{Rect{0.40, 0.62, -0.20, 0.20}}}; }

Region press_button_heldout_region() {
  return Region{{Rect{0.32, 0.62, 0.26, 0.36}, Rect{0.32, 0.62, -0.36, -0.26}}};
}

IntervalSet press_button_train_yaw() { return IntervalSet{{{-0.35, 0.35}}}; }

IntervalSet press_button_heldout_yaw() { return IntervalSet{{{-0.785, -0.45}, {0.45, 0.785}}}; }

WAMBENCH_REGISTER_TASK_AT(press_button, [] { return std::make_unique<PressButton>(); }, 4)

}  // namespace wambench
