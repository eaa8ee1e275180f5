#include "tasks/stack_blocks.h"

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

using variation::Rect;
using variation::Region;

// Control steps (12 s at 10 Hz). The noise-free expert's slowest successful episode over 50
// episodes of every split latches success at step 54 (45 % of the horizon; binary gripper at 0.1 m/s); the rest leaves room
// for one re-grasp / re-place.
constexpr int kHorizon = 120;

const std::vector<std::string> kRoles = {"top", "bottom"};

// --- Success thresholds (SI) --------------------------------------------------------------------
constexpr double kMaxCentreOffsetM = 0.015;  // horizontal distance between the block centres (m)
constexpr double kMaxSeatGapM = 0.006;       // |top base - bottom top face| (m): seated, not hovering
constexpr double kMinUprightCos = 0.985;     // cos(10 deg): z axes of both blocks near vertical
constexpr double kMaxRestSpeedMps = 0.05;    // linear speed of both blocks (m/s)
constexpr double kMaxBottomLiftM = 0.006;    // the bottom block's base stays on the table (m)
constexpr double kMinEeClearanceM = 0.06;    // TCP to top block centre after release (m)
constexpr double kReleaseMarginM = 0.008;    // gripper open at least grasp width + this (m)

// Collision bits of secondary boxes of multi-box blocks (hex prism, puck). Objects and the world are
// contype 1 / conaffinity 3, the robot contype 2 / conaffinity 1 (assets/arena.xml,
// assets/robot/panda.xml); a pair collides if (contype_a & conaffinity_b) || (contype_b &
// conaffinity_a). A side slab (contype 4, conaffinity 3) collides with the table, the robot and the
// main box of the other block, but not with the other block's side slabs: stacked multi-box blocks
// touch through 3 to 5 box pairs instead of 9 to 16, which keeps the contact count (and the
// solver's cost) low. Every face of a block is still backed by a box that the other block touches.
const char* const kSideSlab = " contype=\"4\" conaffinity=\"3\"";

std::string fmt(double x) {
  std::ostringstream s;
  s.precision(6);
  s << x;
  return s.str();
}

// A box collision geom (half sizes hx, hy, hz) centred at height hz, rotated by `yaw` about z.
std::string box_geom(const std::string& name, double hx, double hy, double hz, double yaw, const std::string& extra) {
  return "<geom name=\"{B}_" + name + "\" class=\"object\" type=\"box\" size=\"" + fmt(hx) + " " + fmt(hy) + " " +
         fmt(hz) + "\" pos=\"0 0 " + fmt(hz) + "\" euler=\"0 0 " + fmt(yaw) + "\"" + extra + "/>\n";
}

BlockCategory cube(const std::string& key, const std::string& name, double edge) {
  BlockCategory c;
  c.key = key;
  c.name = name;
  c.geoms_xml = box_geom("body", edge / 2, edge / 2, edge / 2, 0, "");
  c.height_m = edge;
  c.grasp_width_m = edge;
  c.symmetry_rad = M_PI / 2;
  c.radius_m = edge / std::sqrt(2.0);
  return c;
}

// A brick lying flat: long side along the body's x; grasped across its width (body y).
BlockCategory brick(double length, double width, double height) {
  BlockCategory c;
  c.key = "brick";
  c.name = "brick";
  c.geoms_xml = box_geom("body", length / 2, width / 2, height / 2, 0, "");
  c.height_m = height;
  c.grasp_width_m = width;
  c.symmetry_rad = M_PI;
  c.radius_m = std::hypot(length, width) / 2;
  return c;
}

// A regular hexagonal prism as the union of three boxes rotated by 60 degrees (each box spans
// two opposite flats and ends at the vertices); flats face the body's +-y. Slab 0 collides with
// everything; slabs 1 and 2 are "side slabs" (kSideSlab), which skip only other blocks' side slabs.
BlockCategory hex_prism(double across_flats, double height) {
  BlockCategory c;
  c.key = "hex_prism";
  c.name = "hex prism";
  const double circumradius = across_flats / std::sqrt(3.0);
  for (int k = 0; k < 3; ++k)
    c.geoms_xml += box_geom("slab" + std::to_string(k), circumradius / 2, across_flats / 2, height / 2, k * M_PI / 3,
                            k == 0 ? "" : kSideSlab);
  c.height_m = height;
  c.grasp_width_m = across_flats;
  c.symmetry_rad = M_PI / 3;
  c.radius_m = circumradius;
  return c;
}

// A puck: a rendered cylinder (no collision, no mass) around an invisible (geom group 3) regular
// octagonal prism of four boxes, which carries mass and contacts; flats face the body's +-y. The
// diagonal slabs (45, 135 degrees) touch only the robot (contype 0, conaffinity 2: fingers can close
// on any pair of flats); the other two, a cross, carry the contacts with the table and the other
// block (the cross supports in every direction); slab 2 is a side slab (kSideSlab).
BlockCategory puck(double across_flats, double height) {
  BlockCategory c;
  c.key = "puck";
  c.name = "puck";
  const double side = across_flats * std::tan(M_PI / 8);
  for (int k = 0; k < 4; ++k)
    c.geoms_xml += box_geom("slab" + std::to_string(k), side / 2, across_flats / 2, height / 2, k * M_PI / 4,
                            k % 2 ? " group=\"3\" contype=\"0\" conaffinity=\"2\""
                                  : k == 2 ? std::string(" group=\"3\"") + kSideSlab : " group=\"3\"");
  // Visual radius between the octagon's inradius and circumradius (the fingers close on flats).
  const double visual_r = 0.5 * across_flats * (1 + 1 / std::cos(M_PI / 8)) / 2;
  c.geoms_xml += "<geom name=\"{B}_visual\" type=\"cylinder\" size=\"" + fmt(visual_r) + " " + fmt(height / 2) +
                 "\" pos=\"0 0 " + fmt(height / 2) + "\" contype=\"0\" conaffinity=\"0\" mass=\"0\"/>\n";
  c.height_m = height;
  c.grasp_width_m = across_flats;
  c.symmetry_rad = M_PI / 4;
  c.radius_m = 0.5 * across_flats / std::cos(M_PI / 8);
  return c;
}

// `slot` spreads the bodies' default poses (qpos0, the state before a variation is applied) on the
// floor behind the back wall, 1 cm above it, so they touch nothing there.
void add_block_body(mjcf::Element parent, const BlockCategory& c, const std::string& body, int slot) {
  mjcf::Element b = parent.add("body").set("name", body).set("pos", {-1.5, -1.5 + 0.25 * slot, -0.74});
  b.add("freejoint").set("name", body + "_joint");
  b.append_xml(c.geoms_xml, "{B}", body);
}

// The instruction's noun phrase: size adjective, colour, noun ("small red cube").
std::string noun_phrase(const ObjectChoice& o) {
  const std::string small = "small ";
  if (o.category.rfind(small, 0) == 0) return small + o.color_name + " " + o.category.substr(small.size());
  return describe(o);
}

// Hand yaw for grasping a block of yaw `yaw` with rotational symmetry `sym`: the equivalent yaw
// of smallest magnitude, in (-sym/2, sym/2] (fingers close across the body's y).
double grasp_yaw(double yaw, double sym) { return wrap_grasp_yaw(closest_symmetric_yaw(yaw, sym, 0.0)); }

const std::vector<std::string> kTemplates = {"stack the {A} on the {B}", "put the {A} on top of the {B}",
                                             "place the {A} on the {B}"};

class StackBlocks final : public Task {
 public:
  std::string name() const override { return "stack_blocks"; }

  const std::vector<std::string>& subgoals() const override {
    static const std::vector<std::string> kSubgoals = {"reached", "grasped", "lifted", "aligned", "stacked"};
    return kSubgoals;
  }

  int horizon_steps() const override { return kHorizon; }

  TaskScene scene() const override {
    TaskScene s;
    s.defaults = object_defaults();
    int slot = 0;
    for (const std::string& role : kRoles)
      for (const auto* list : {&stack_blocks_train_blocks(), &stack_blocks_heldout_blocks()})
        for (const BlockCategory& c : *list)
          add_block_body(s.worldbody.root(), c, stack_blocks_body_name(role, c.name), slot++);
    return s;
  }

  void bind(const mjModel* m) override {
    Task::bind(m);
    for (const std::string& role : kRoles) {
      std::vector<std::string> bodies;
      for (const auto* list : {&stack_blocks_train_blocks(), &stack_blocks_heldout_blocks()})
        for (const BlockCategory& c : *list) bodies.push_back(stack_blocks_body_name(role, c.name));
      (role == "top" ? top_ : bottom_).bind(m, bodies);
    }
    fingers_.bind(m);
    table_ = require_id(m, mjOBJ_GEOM, "table");
    ee_site_ = require_id(m, mjOBJ_SITE, "ee");
    finger_qpos_ = m->jnt_qposadr[require_id(m, mjOBJ_JOINT, "finger_joint1")];
  }

  std::unique_ptr<Expert> make_expert(const Variation& v, double noise_std, uint64_t seed) const override;

  // State phase label; definition and thresholds in tasks/stack_blocks.h ("Phase labels").
  PhaseLabel phase_from_state(const mjModel* m, const mjData* d, const PhaseLabel& previous) const override {
    const bool was_interaction = previous.coarse == CoarsePhase::kInteraction;
    const int top = top_.active_body();
    const Eigen::Vector3d t = body_pos(d, top), b = body_pos(d, bottom_.active_body());
    const double seat_z = b.z() + bottom_cat_.height_m;  // the bottom block's top face (m)
    if (grasped(m, d)) {  // held: interaction while lifting off the table and near the bottom block
      if (horizontal_offset(d) < kStackBlocksPlaceZoneRadiusM && t.z() < seat_z + kStackBlocksPlaceZoneHeightM)
        return {CoarsePhase::kInteraction, "place"};
      if (t.z() < kStackBlocksLiftZoneHeightM) return {CoarsePhase::kInteraction, t.z() > 0.005 ? "lift" : "grasp"};
      return {CoarsePhase::kTransit, "move"};
    }
    // Seated on the bottom block and not held: what follows is leaving it.
    const bool placed = horizontal_offset(d) <= kMaxCentreOffsetM && std::abs(t.z() - seat_z) <= kMaxSeatGapM;
    const Eigen::Vector3d top_centre = t + body_rot(d, top).col(2) * (top_cat_.height_m / 2);
    const Eigen::Vector3d ee(d->site_xpos + 3 * ee_site_);
    if (finger_touches(m, d, top) ||
        within_hysteresis((ee - top_centre).norm(), kPhaseNearEnterM, kPhaseNearExitM, was_interaction))
      return {CoarsePhase::kInteraction, placed ? "release" : "grasp"};
    return {CoarsePhase::kTransit, placed ? "retreat" : "reach"};
  }

  // Object: the top block's origin (base centre), yaw under its shape's symmetry_rad; target: the
  // bottom block's origin, yaw under its symmetry_rad.
  std::array<double, kObjectStateDim> object_state(const mjModel*, const mjData* d) const override {
    const int top = top_.active_body(), bottom = bottom_.active_body();
    return pack_object_state(body_pos(d, top), body_yaw(d, top), top_cat_.symmetry_rad, body_pos(d, bottom),
                             body_yaw(d, bottom), bottom_cat_.symmetry_rad);
  }

  const VariationSpace& variation_space() const override {
    static const VariationSpace kSpace = [] {
      VariationSpace s;
      s.region = {stack_blocks_train_region(), stack_blocks_heldout_region()};
      s.categories = {names_of(stack_blocks_train_blocks()), names_of(stack_blocks_heldout_blocks())};
      s.category_roles = {"top", "bottom"};
      return s;
    }();
    return kSpace;
  }

  std::string target_role() const override { return "bottom"; }

  std::vector<NearMiss> near_misses() const override {
    // Sets `pool`'s active block at rest at (x, y, z) (m, world; z of its base), yaw 0.
    auto set_block = [](const FreeBodyPool& pool, mjModel* m, mjData* d, double x, double y, double z) {
      mjtNum* q = d->qpos + m->jnt_qposadr[m->body_jntadr[pool.active_body()]];
      q[0] = x, q[1] = y, q[2] = z;
      q[3] = 1, q[4] = q[5] = q[6] = 0;
    };
    return {
        {"top block on the bottom block's top face, 3 cm off its centre",
         [this, set_block](mjModel* m, mjData* d) {
           set_block(bottom_, m, d, 0.5, 0.0, 0.0005);
           set_block(top_, m, d, 0.5 + 0.03 * std::cos(0.4), 0.03 * std::sin(0.4), bottom_cat_.height_m + 0.0005);
         }},
        {"top block on the table beside the bottom block",
         [this, set_block](mjModel* m, mjData* d) {
           set_block(bottom_, m, d, 0.5, 0.0, 0.0005);
           set_block(top_, m, d, 0.5 + top_cat_.radius_m + bottom_cat_.radius_m + 0.005, 0.0, 0.0005);
         }},
        {"the stack swapped: the bottom block on the top block",
         [this, set_block](mjModel* m, mjData* d) {
           set_block(top_, m, d, 0.5, 0.0, 0.0005);
           set_block(bottom_, m, d, 0.5, 0.0, top_cat_.height_m + 0.0005);
         }},
    };
  }

 protected:
  void sample_task_variation(const SplitDraws& draws, AxisStreams& rng, Variation* v) const override {
    const auto& cats = variation_space().categories[draws.object];
    const BlockCategory& top = stack_blocks_find_block(cats[rng.object.uniform_index(cats.size())]);
    const BlockCategory& bottom = stack_blocks_find_block(cats[rng.object.uniform_index(cats.size())]);
    auto [top_color, top_rgb] = sample_palette_color(rng.object);
    auto [bottom_color, bottom_rgb] = sample_palette_color(rng.object);
    if (bottom_color == top_color) {  // the instruction must tell the two blocks apart
      const auto& palette = variation::object_palette();
      size_t k = 0;
      while (palette[k].name == top_color) ++k;
      bottom_color = palette[k].name;
      bottom_rgb = palette[k].distribution.sample(rng.object);
    }
    const std::string& tmpl = kTemplates[rng.object.uniform_index(kTemplates.size())];
    v->objects = {{"top", top.name, top_color, top_rgb}, {"bottom", bottom.name, bottom_color, bottom_rgb}};

    const Region& region = variation_space().region[draws.position];
    // 4 cm between footprints: the open fingers (0.058 m from the TCP) clear the other block.
    const auto xy =
        variation::sample_non_overlapping({region, region}, {top.radius_m, bottom.radius_m}, 0.04, rng.position);
    v->placements = {{"top", xy[0][0], xy[0][1], rng.position.uniform(-M_PI, M_PI)},
                     {"bottom", xy[1][0], xy[1][1], rng.position.uniform(-M_PI, M_PI)}};
    v->instruction =
        replace_all(replace_all(tmpl, "{A}", noun_phrase(v->objects[0])), "{B}", noun_phrase(v->objects[1]));
  }

  void apply_task_variation(const Variation& v, mjModel* m, mjData* d) override {
    for (const std::string& role : kRoles) {
      const ObjectChoice& o = v.object(role);
      const Placement& p = v.placement(role);
      (role == "top" ? top_cat_ : bottom_cat_) = stack_blocks_find_block(o.category);
      (role == "top" ? top_ : bottom_)
          .activate(stack_blocks_body_name(role, o.category), {p.x_m, p.y_m, 0.0005, p.yaw_rad}, o.rgb, m, d);
    }
  }

  void after_step(mjModel*, mjData* d) override {
    top_.pin_parked(d);
    bottom_.pin_parked(d);
  }

  bool success_condition(const mjModel* m, const mjData* d) const override {
    const int top = top_.active_body(), bottom = bottom_.active_body();
    const Eigen::Vector3d t = body_pos(d, top), b = body_pos(d, bottom);
    const Eigen::Vector3d ee(d->site_xpos + 3 * ee_site_);
    const Eigen::Vector3d top_centre = t + body_rot(d, top).col(2) * (top_cat_.height_m / 2);
    const double opening = 2 * d->qpos[finger_qpos_];
    return horizontal_offset(d) <= kMaxCentreOffsetM                                  // centred
           && std::abs(t.z() - (b.z() + bottom_cat_.height_m)) <= kMaxSeatGapM          // seated on the top face
           && body_rot(d, top)(2, 2) >= kMinUprightCos && body_rot(d, bottom)(2, 2) >= kMinUprightCos  // flat
           && b.z() <= kMaxBottomLiftM                                                 // bottom on the table
           && touching(m, d, top, bottom) && !touches_table(m, d, top)                 // resting on the bottom only
           && speed(m, d, top) < kMaxRestSpeedMps && speed(m, d, bottom) < kMaxRestSpeedMps  // at rest
           && opening >= std::min(top_cat_.grasp_width_m + kReleaseMarginM, 0.075)     // gripper open
           && !finger_touches(m, d, top) && !finger_touches(m, d, bottom)              // released
           && (ee - top_centre).norm() >= kMinEeClearanceM;                            // gripper away
  }

  int progress_now(const mjModel* m, const mjData* d) const override {
    if (success_condition(m, d)) return 5;
    const int top = top_.active_body();
    const Eigen::Vector3d t = body_pos(d, top), b = body_pos(d, bottom_.active_body());
    const bool held = grasped(m, d);
    if (held && horizontal_offset(d) <= kMaxCentreOffsetM && t.z() >= b.z() + bottom_cat_.height_m - 0.002) return 4;
    if (held && t.z() > 0.02) return 3;
    if (held) return 2;
    const Eigen::Vector3d ee(d->site_xpos + 3 * ee_site_);
    const Eigen::Vector3d top_centre = t + body_rot(d, top).col(2) * (top_cat_.height_m / 2);
    if ((ee - top_centre).norm() < 0.05) return 1;
    return 0;
  }

 private:
  friend class StackBlocksExpert;

  double horizontal_offset(const mjData* d) const {
    const Eigen::Vector3d t = body_pos(d, top_.active_body()), b = body_pos(d, bottom_.active_body());
    return std::hypot(t.x() - b.x(), t.y() - b.y());
  }

  static double speed(const mjModel* m, const mjData* d, int body) {
    return Eigen::Map<const Eigen::Vector3d>(d->qvel + m->jnt_dofadr[m->body_jntadr[body]]).norm();
  }

  static bool touching(const mjModel* m, const mjData* d, int body_a, int body_b) {
    for (int i = 0; i < d->ncon; ++i) {
      const int b1 = m->geom_bodyid[d->contact[i].geom1], b2 = m->geom_bodyid[d->contact[i].geom2];
      if ((b1 == body_a && b2 == body_b) || (b1 == body_b && b2 == body_a)) return true;
    }
    return false;
  }

  bool touches_table(const mjModel* m, const mjData* d, int body) const {
    for (int i = 0; i < d->ncon; ++i) {
      const mjContact& c = d->contact[i];
      if ((c.geom1 == table_ && m->geom_bodyid[c.geom2] == body) ||
          (c.geom2 == table_ && m->geom_bodyid[c.geom1] == body))
        return true;
    }
    return false;
  }

  bool finger_touches(const mjModel* m, const mjData* d, int body) const {
    return fingers_.touches(m, d, body);
  }

  bool grasped(const mjModel* m, const mjData* d) const {
    const int body = top_.active_body();
    return fingers_.both_touch(m, d, body);
  }

  FreeBodyPool top_, bottom_;
  BlockCategory top_cat_, bottom_cat_;
  FingerContacts fingers_;
  int table_ = -1, ee_site_ = -1, finger_qpos_ = -1;
};

// The scripted expert: reach above the top block -> descend -> close -> lift -> carry over the
// bottom block -> lower until seated -> open -> retreat. Targets are recomputed every step from the
// blocks' true poses; while carrying, the EE is servoed so that the HELD block (not the hand) lines
// up with the bottom block, which absorbs any offset of the grasp.
class StackBlocksExpert final : public StagedExpert {
 public:
  StackBlocksExpert(const StackBlocks& task, double noise_std, uint64_t seed)
      : StagedExpert(noise_std, seed), task_(task) {
    using C = CoarsePhase;
    std::vector<Stage> t(kRetreat + 1);
    t[kReach] = reach_above_stage([this](const Env&) -> Eigen::Vector3d { return t_ + Eigen::Vector3d(0, 0, grasp_z_ + 0.10); },
                                  [this] { return hand_yaw_; }, 0.05, kDescend,
                                  [this](const Env&, int) { hand_yaw_ = grasp_yaw(top_yaw_, task_.top_cat_.symmetry_rad); });
    t[kDescend] = {{C::kInteraction, "grasp"},
                   -1,
                   [this](const Env&, int) {
                     hand_yaw_ = grasp_yaw(top_yaw_, task_.top_cat_.symmetry_rad);
                     return Target{t_ + Eigen::Vector3d(0, 0, grasp_z_), ee_down_rotation(hand_yaw_)};
                   },
                   nullptr,
                   [this](const Env& env, int steps) {
                     return ee_position_error(env, t_ + Eigen::Vector3d(0, 0, grasp_z_)) < 0.005 || steps > 25 ? kClose
                                                                                                               : kStay;
                   }};
    t[kClose] = {{C::kInteraction, "grasp"},
                 1,
                 [this](const Env&, int) {
                   return Target{t_ + Eigen::Vector3d(0, 0, grasp_z_), ee_down_rotation(hand_yaw_)};
                 },
                 nullptr,
                 [](const Env& env, int steps) {
                   return (steps >= 5 && gripper_close_finished(env)) || steps > 12 ? kLift : kStay;
                 }};
    t[kLift] = {
        {C::kInteraction, "lift"},
        1,
        [this](const Env&, int) {
          const double lift_z = ee_.z() + (seat_z_ + kCarryClearanceM - t_.z());
          return Target{Eigen::Vector3d(ee_.x(), ee_.y(), std::max(lift_z, ee_.z())), ee_down_rotation(hand_yaw_)};
        },
        nullptr,
        [this](const Env& env, int steps) -> int {
          if (steps >= 3 && !task_.grasped(env.model(), env.data())) return kReach;  // missed: grasp again
          return t_.z() > seat_z_ + kCarryClearanceM - 0.01 || steps > 20 ? kMove : kStay;
        }};
    t[kMove] = {{C::kTransit, "move"},
                1,
                [this](const Env&, int) {
                  return Target{Eigen::Vector3d(ee_.x() + b_.x() - t_.x(), ee_.y() + b_.y() - t_.y(),
                                                ee_.z() + (seat_z_ + kCarryClearanceM - t_.z())),
                                ee_down_rotation(hand_yaw_)};
                },
                nullptr,
                [this](const Env& env, int steps) -> int {
                  if (!task_.grasped(env.model(), env.data())) return kReach;  // dropped: pick it up again
                  return offset_ < 0.004 || steps > 40 ? kLower : kStay;
                }};
    t[kLower] = {{C::kInteraction, "place"},
                 1,
                 [this](const Env&, int) {
                   // Lower until the block's base is 3 mm above the bottom's top face, correcting x-y.
                   const double gap = t_.z() - seat_z_;
                   return Target{
                       Eigen::Vector3d(ee_.x() + b_.x() - t_.x(), ee_.y() + b_.y() - t_.y(), ee_.z() - (gap - 0.003)),
                       ee_down_rotation(hand_yaw_)};
                 },
                 [](const Env&, const Target&, Action* a) {
                   (*a)[2] = std::max((*a)[2], -0.5);  // descend at <= 2.5 cm per step
                 },
                 [this](const Env& env, int steps) -> int {
                   if (!task_.grasped(env.model(), env.data())) return kReach;
                   const double gap = t_.z() - seat_z_;
                   return (gap < 0.006 && offset_ < 0.005) || steps > 30 ? kRelease : kStay;
                 }};
    t[kRelease] = hold_stage({C::kInteraction, "release"}, -1,
                             [this] { return Target{ee_, ee_down_rotation(hand_yaw_)}; }, 4, kRetreat);
    t[kRetreat] = {
        {C::kTransit, "retreat"},
        -1,
        [this](const Env&, int) {
          return Target{Eigen::Vector3d(ee_.x(), ee_.y(), std::max(0.25, seat_z_ + 0.15)), ee_down_rotation(hand_yaw_)};
        },
        nullptr,
        [this](const Env& env, int) {
          // Once clear of the stack, check it; if the block is off-centre, not seated or tipped,
          // pick it up and place it again.
          const int top = task_.top_.active_body();
          const bool stacked =
              offset_ < 0.01 && std::abs(t_.z() - seat_z_) < 0.005 && body_rot(env.data(), top)(2, 2) > 0.99;
          return ee_.z() > t_.z() + task_.top_cat_.height_m + 0.08 && !stacked ? kReach : kStay;
        }};
    set_stages(std::move(t));
  }

 private:
  enum StageId : int { kReach, kDescend, kClose, kLift, kMove, kLower, kRelease, kRetreat };
  // Top block's base above the bottom's top face while moving (m).
  static constexpr double kCarryClearanceM = 0.04;

  void observe(const Env& env) override {
    const mjData* d = env.data();
    const int top = task_.top_.active_body();
    t_ = body_pos(d, top);
    top_yaw_ = body_yaw(d, top);
    b_ = body_pos(d, task_.bottom_.active_body());
    const auto ee = env.controller().ee_pos_m(d);
    ee_ = Eigen::Vector3d(ee[0], ee[1], ee[2]);
    grasp_z_ = task_.top_cat_.height_m / 2;                  // TCP at half the block's height
    seat_z_ = b_.z() + task_.bottom_cat_.height_m;           // bottom's top face (world z, m)
    offset_ = std::hypot(b_.x() - t_.x(), b_.y() - t_.y());  // top block to bottom block, horizontal (m)
  }

  const StackBlocks& task_;
  // This step's state (observe()): block positions (m), the top block's yaw (rad), the TCP (m).
  Eigen::Vector3d t_ = Eigen::Vector3d::Zero(), b_ = Eigen::Vector3d::Zero(), ee_ = Eigen::Vector3d::Zero();
  double top_yaw_ = 0, grasp_z_ = 0, seat_z_ = 0, offset_ = 0;
  // The plan: the hand yaw of the grasp (rad).
  double hand_yaw_ = 0;
};

std::unique_ptr<Expert> StackBlocks::make_expert(const Variation& v, double noise_std, uint64_t seed) const {
  if (v.object("top").category != top_cat_.name || v.object("bottom").category != bottom_cat_.name)
    throw std::logic_error("stack_blocks: make_expert for a variation that is not the applied one");
  return std::make_unique<StackBlocksExpert>(*this, noise_std, seed);
}

}  // namespace

const std::vector<BlockCategory>& stack_blocks_train_blocks() {
  static const std::vector<BlockCategory> kTrain = {cube("cube", "cube", 0.05), cube("small_cube", "small cube", 0.04)};
  return kTrain;
}

const std::vector<BlockCategory>& stack_blocks_heldout_blocks() {
  static const std::vector<BlockCategory> kHeldOut = {puck(0.06, 0.03), brick(0.07, 0.04, 0.035),
                                                      hex_prism(0.046, 0.045)};
  return kHeldOut;
}

const BlockCategory& stack_blocks_find_block(const std::string& name) {
  return find_by_name({&stack_blocks_train_blocks(), &stack_blocks_heldout_blocks()}, name, "stack_blocks block");
}

std::string stack_blocks_body_name(const std::string& role, const std::string& category_name) {
  return role + "_" + stack_blocks_find_block(category_name).key;
}

Region stack_blocks_train_region() { return Region{{Rect{0.40, 0.62, -0.20, 0.20}}}; }

Region stack_blocks_heldout_region() {
  return Region{{Rect{0.32, 0.62, 0.26, 0.36}, Rect{0.32, 0.62, -0.36, -0.26}}};
}

WAMBENCH_REGISTER_TASK_AT(stack_blocks, [] { return std::make_unique<StackBlocks>(); }, 1)

}  // namespace wambench
