// peg_insert: pick up a peg and insert it into the matching hole of a block, then let go.
// Geometry, success definition and variation axes: see peg_insert.h.
#include "tasks/peg_insert.h"

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

// Control steps (12 s at 10 Hz). The noise-free expert's slowest successful episode over 50
// episodes of every split (seed 0) latches success at step 54 (45 % of the horizon; binary gripper
// at 0.1 m/s); the rest leaves room for a re-grasp or further insertion attempts (with action noise
// 0.03 the expert succeeded 30/30 on every split, the slowest at step 109, measured before the
// binary gripper).
constexpr int kHorizon = 120;

// --- Geometry (m) --------------------------------------------------------------------------------
constexpr double kHalfClearanceM = kPegHoleClearanceM / 2;  // gap on each side of the peg (m)
constexpr double kPegHalfAcrossM = 0.015;                   // 30 mm pegs (square, round, hexagonal, cross)
constexpr double kHoleFloorZM = kPegBlockHeightM - kPegHoleDepthM;  // top of the hole's floor (m)
// Peg mass (kg): a 30 x 30 x 90 mm hardwood peg (~800 kg/m^3) weighs ~65 g.
constexpr double kPegMassKg = 0.07;
// Sliding friction of peg and block surfaces against each other (MuJoCo takes the larger of the two
// geoms' coefficients): 0.5, dry wood on wood. Fingers (1.5) and table (1.0) keep theirs.
const char* const kPegFriction = "0.5 0.01 0.0005";
// Collision bits (a pair collides if (contype_a & conaffinity_b) || (contype_b & conaffinity_a)).
// The world and objects are contype 1 / conaffinity 3, the robot contype 2 / conaffinity 1
// (assets/arena.xml, assets/robot/panda.xml). MuJoCo 2.2.2's box-box test occasionally returns a
// spurious deep contact (-0.87 m observed) for boxes touching at an oblique relative yaw (a hex
// slab rotated by 60 degrees resting on the table, a finger pad closing on a 12-gon's slabs), which
// launches the peg. So every peg geom that touches the table, the hole's floor or the fingers is a
// box aligned with the peg's axes (the fingers close square to it), and the oblique parts of a
// peg's outline are "wall-only" geoms (contype 8, conaffinity 0) that touch nothing but the hole's
// walls (conaffinity 3 | 8); the round peg's wall-only geom is a cylinder (MPR, one contact per
// wall box, enough against walls).
const char* const kWallExtra = " friction=\"0.5 0.005 0.0001\" conaffinity=\"11\"";
const char* const kFloorExtra = " friction=\"0.5 0.005 0.0001\"";
const char* const kWallOnly = " contype=\"8\" conaffinity=\"0\"";

// --- Success thresholds --------------------------------------------------------------------------
constexpr double kMinUprightCos = 0.985;    // cos(10 deg): the peg's axis near vertical
constexpr double kMaxAxisOffsetM = 0.004;   // base centre to hole axis, horizontal (m)
constexpr double kReleaseMarginM = 0.008;   // gripper open at least grasp width + this (m)
constexpr double kAlignedMaxHeightM = 0.03; // "aligned": base at most this far above the block top (m)

// The finger pads' lower faces lie 7 mm below the TCP and the palm 41 mm above it
// (assets/robot/panda.xml: pads span 0.0584..0.1104 m in the hand frame, the palm box ends at
// 0.062 m, the "ee" site is at 0.1034 m). Grasping the peg with the TCP 25 mm below its top keeps
// the palm 16 mm above the top and, with the peg fully inserted, the fingertips 18 mm above the
// block's top face.
constexpr double kGraspBelowTopM = 0.025;

std::string fmt(double x) {
  std::ostringstream s;
  s.precision(6);
  s << x;
  return s.str();
}

// A box geom with half sizes (hx, hy, hz) centred at (x, y, z), rotated by `yaw` about z.
std::string box(const std::string& name, const std::string& cls, double hx, double hy, double hz, double x, double y,
                double z, double yaw, const std::string& extra) {
  return "<geom name=\"{B}_" + name + "\" class=\"" + cls + "\" type=\"box\" size=\"" + fmt(hx) + " " + fmt(hy) + " " +
         fmt(hz) + "\" pos=\"" + fmt(x) + " " + fmt(y) + " " + fmt(z) + "\" euler=\"0 0 " + fmt(yaw) + "\"" + extra +
         "/>\n";
}

// Every slab of a peg gets an equal share of the peg's mass (the slabs overlap; the share keeps the
// inertia of the union close to that of the solid prism).
std::string peg_extra(int slabs) {
  return std::string(" friction=\"") + kPegFriction + "\" mass=\"" + fmt(kPegMassKg / slabs) + "\"";
}

// A vertical peg slab (box) spanning the peg's height.
std::string peg_slab(const std::string& name, double hx, double hy, double yaw, int slabs, const std::string& more) {
  return box(name, "object", hx, hy, kPegHeightM / 2, 0, 0, kPegHeightM / 2, yaw, peg_extra(slabs) + more);
}

// Filler boxes that turn the frame's opening into a convex regular polygon hole with `n` sides,
// inradius `r`, first side's outward normal at angle `theta0`: one box per side, its inner face on
// the side's line, thick and long enough to cover everything between the polygon and the square
// opening of half width `a` (each box stays on the outer side of its line, so the union never
// enters the polygon).
std::string polygon_filler(int n, double r, double theta0, double a) {
  const double outer = a * std::sqrt(2.0) + 0.002;  // beyond the opening's corners
  const double t = (outer - r) / 2;
  const double half_len = outer * std::tan(M_PI / n) + 0.002;
  std::string s;
  for (int k = 0; k < n; ++k) {
    const double th = theta0 + 2 * M_PI * k / n;
    s += box("fill" + std::to_string(k), "fixture", t, half_len, kPegBlockHeightM / 2, (r + t) * std::cos(th),
             (r + t) * std::sin(th), kPegBlockHeightM / 2, th, kWallExtra);
  }
  return s;
}

PegShape square_peg() {
  PegShape p;
  p.key = p.name = "square";
  p.peg_geoms_xml = peg_slab("body", kPegHalfAcrossM, kPegHalfAcrossM, 0, 1, "");
  p.opening_half_x_m = p.opening_half_y_m = kPegHalfAcrossM + kHalfClearanceM;
  p.grasp_width_m = 2 * kPegHalfAcrossM;
  p.hole_symmetry_rad = p.grasp_symmetry_rad = M_PI / 2;
  p.radius_m = kPegHalfAcrossM * std::sqrt(2.0);
  return p;
}

// Round peg: a 30 mm cylinder, rendered and touching the hole's walls only (wall-only, no mass),
// around an invisible (geom group 3) plus of two boxes, 29.6 x 8 mm, which carries the mass and
// touches the table, the hole's floor and the fingers (the fingers close on the ends of one bar,
// 0.2 mm inside the cylinder). Hole: a regular 16-gon with a 32.5 mm inscribed circle (2.5 mm
// clearance to the cylinder).
PegShape round_peg() {
  PegShape p;
  p.key = p.name = "round";
  const double bar_half_len = kPegHalfAcrossM - 0.0002, bar_half_width = 0.004;
  p.peg_geoms_xml = peg_slab("bar0", bar_half_len, bar_half_width, 0, 2, " group=\"3\"") +
                    peg_slab("bar1", bar_half_width, bar_half_len, 0, 2, " group=\"3\"");
  p.peg_geoms_xml += "<geom name=\"{B}_visual\" class=\"object\" type=\"cylinder\" size=\"" + fmt(kPegHalfAcrossM) +
                     " " + fmt(kPegHeightM / 2) + "\" pos=\"0 0 " + fmt(kPegHeightM / 2) + "\" friction=\"" +
                     kPegFriction + "\" mass=\"0\"" + kWallOnly + "/>\n";
  const double a = 0.019;
  p.filler_geoms_xml = polygon_filler(16, kPegHalfAcrossM + kHalfClearanceM, 0, a);
  p.opening_half_x_m = p.opening_half_y_m = a;
  p.grasp_width_m = 2 * bar_half_len;
  p.hole_symmetry_rad = 0;
  p.grasp_symmetry_rad = M_PI / 2;
  p.radius_m = kPegHalfAcrossM;
  return p;
}

// Hexagonal prism as the union of three boxes at 0, 60, 120 degrees (each spans two opposite flats
// and ends at the vertices); flats face the peg's +-y. Slab 0 touches everything (the fingers close
// on its flats); slabs 1 and 2 are wall-only. Hole: the hexagon grown by the clearance.
PegShape hexagonal_peg() {
  PegShape p;
  p.key = p.name = "hexagonal";
  const double half_side = kPegHalfAcrossM / std::sqrt(3.0);
  for (int k = 0; k < 3; ++k)
    p.peg_geoms_xml += peg_slab("slab" + std::to_string(k), half_side, kPegHalfAcrossM, k * M_PI / 3, 3,
                                k == 0 ? "" : kWallOnly);
  // Slab 0 alone stands on surfaces; two small sphere feet under the two vertices it leaves out
  // (on the peg's x axis) give the peg its full hexagonal base (sphere-box contacts are analytic).
  const double foot_r = 0.0015;
  for (int k = 0; k < 2; ++k)
    p.peg_geoms_xml += "<geom name=\"{B}_foot" + std::to_string(k) + "\" class=\"object\" type=\"sphere\" size=\"" +
                       fmt(foot_r) + "\" pos=\"" + fmt((k ? -1 : 1) * (2 * half_side - foot_r)) + " 0 " + fmt(foot_r) +
                       "\" group=\"3\" mass=\"0\"/>\n";
  const double a = 0.021;
  p.filler_geoms_xml = polygon_filler(6, kPegHalfAcrossM + kHalfClearanceM, M_PI / 6, a);
  p.opening_half_x_m = p.opening_half_y_m = a;
  p.grasp_width_m = 2 * kPegHalfAcrossM;
  p.hole_symmetry_rad = M_PI / 3;
  p.grasp_symmetry_rad = M_PI;
  p.radius_m = 2 * half_side;
  return p;
}

// Cross (plus) peg: two 30 x 12 mm bars. Hole: a plus of 32.5 x 14.5 mm bars, the frame's square
// opening (32.5 mm) with four corner boxes.
PegShape cross_peg() {
  PegShape p;
  p.key = p.name = "cross";
  const double bar = 0.006;
  p.peg_geoms_xml = peg_slab("bar0", kPegHalfAcrossM, bar, 0, 2, "") + peg_slab("bar1", bar, kPegHalfAcrossM, 0, 2, "");
  const double big = kPegHalfAcrossM + kHalfClearanceM, small = bar + kHalfClearanceM;
  const double h = (big - small) / 2, c = (big + small) / 2;
  for (int k = 0; k < 4; ++k) {
    const double sx = k % 2 ? -1 : 1, sy = k / 2 ? -1 : 1;
    p.filler_geoms_xml += box("fill" + std::to_string(k), "fixture", h, h, kPegBlockHeightM / 2, sx * c, sy * c,
                              kPegBlockHeightM / 2, 0, kWallExtra);
  }
  p.opening_half_x_m = p.opening_half_y_m = big;
  p.grasp_width_m = 2 * kPegHalfAcrossM;
  p.hole_symmetry_rad = p.grasp_symmetry_rad = M_PI / 2;
  p.radius_m = std::hypot(kPegHalfAcrossM, bar);
  return p;
}

// Rectangular (oblong) peg: 40 x 20 mm, long side along the peg's x; grasped across its width.
PegShape rectangular_peg() {
  PegShape p;
  p.key = p.name = "rectangular";
  const double hx = 0.02, hy = 0.01;
  p.peg_geoms_xml = peg_slab("body", hx, hy, 0, 1, "");
  p.opening_half_x_m = hx + kHalfClearanceM;
  p.opening_half_y_m = hy + kHalfClearanceM;
  p.grasp_width_m = 2 * hy;
  p.hole_symmetry_rad = p.grasp_symmetry_rad = M_PI;
  p.radius_m = std::hypot(hx, hy);
  return p;
}

// The hole block: four frame boxes around the shape's rectangular opening, the shape's fillers and
// a dark floor. Parked below the floor until a variation places it.
void add_block_body(mjcf::Element parent, const PegShape& s, int slot) {
  const double b = kPegBlockHalfWidthM, hz = kPegBlockHeightM / 2;
  const double ax = s.opening_half_x_m, ay = s.opening_half_y_m;
  const std::string f = kWallExtra;
  std::string g;
  g += box("frame0", "fixture", (b - ax) / 2, b, hz, (b + ax) / 2, 0, hz, 0, f);
  g += box("frame1", "fixture", (b - ax) / 2, b, hz, -(b + ax) / 2, 0, hz, 0, f);
  g += box("frame2", "fixture", ax, (b - ay) / 2, hz, 0, (b + ay) / 2, hz, 0, f);
  g += box("frame3", "fixture", ax, (b - ay) / 2, hz, 0, -(b + ay) / 2, hz, 0, f);
  g += s.filler_geoms_xml;
  g += box("accent_floor", "fixture", ax, ay, kHoleFloorZM / 2, 0, 0, kHoleFloorZM / 2, 0,
           std::string(kFloorExtra) + " rgba=\"0.12 0.12 0.13 1\"");
  const std::string body = peg_insert_block_body(s.name);
  parent.add("body").set("name", body).set("pos", {-3, -2.0 + 0.5 * slot, -3}).append_xml(g, "{B}", body);
}

void add_peg_body(mjcf::Element parent, const PegShape& s, int slot) {
  const std::string body = peg_insert_peg_body(s.name);
  mjcf::Element b = parent.add("body").set("name", body).set("pos", {-1.5, -1.5 + 0.25 * slot, -0.74});
  b.add("freejoint").set("name", body + "_joint");
  b.append_xml(s.peg_geoms_xml, "{B}", body);
}

double wrap_pi(double a) { return std::remainder(a, 2 * M_PI); }

// {P}: the peg's colour and shape ("red square"), {C}: the block's colour.
const std::vector<std::string> kTemplates = {"insert the {P} peg into the hole",
                                             "insert the {P} peg into the {C} block",
                                             "put the {P} peg into the hole of the {C} block"};

class PegInsert final : public Task {
 public:
  std::string name() const override { return "peg_insert"; }

  const std::vector<std::string>& subgoals() const override {
    static const std::vector<std::string> kSubgoals = {"reached",  "grasped",  "lifted",
                                                       "aligned", "inserted", "released"};
    return kSubgoals;
  }

  int horizon_steps() const override { return kHorizon; }

  TaskScene scene() const override {
    TaskScene s;
    s.defaults = object_defaults();
    int slot = 0;
    for (const auto* list : {&peg_insert_train_shapes(), &peg_insert_heldout_shapes()})
      for (const PegShape& p : *list) {
        add_block_body(s.worldbody.root(), p, slot);
        add_peg_body(s.worldbody.root(), p, slot);
        ++slot;
      }
    return s;
  }

  void bind(const mjModel* m) override {
    Task::bind(m);
    std::vector<std::string> pegs;
    blocks_.clear();
    for (const auto* list : {&peg_insert_train_shapes(), &peg_insert_heldout_shapes()})
      for (const PegShape& p : *list) {
        pegs.push_back(peg_insert_peg_body(p.name));
        Block b;
        b.shape = &p;
        b.body = require_id(m, mjOBJ_BODY, peg_insert_block_body(p.name));
        for (int g = m->body_geomadr[b.body]; g < m->body_geomadr[b.body] + m->body_geomnum[b.body]; ++g) {
          b.geoms.push_back(g);
          b.contype.push_back(m->geom_contype[g]);
          b.conaffinity.push_back(m->geom_conaffinity[g]);
        }
        blocks_.push_back(b);
      }
    pegs_.bind(m, pegs);
    fingers_.bind(m);
    ee_site_ = require_id(m, mjOBJ_SITE, "ee");
    finger_qpos_ = m->jnt_qposadr[require_id(m, mjOBJ_JOINT, "finger_joint1")];
  }

  std::unique_ptr<Expert> make_expert(const Variation& v, double noise_std, uint64_t seed) const override;

  // State phase label; definition and thresholds in tasks/peg_insert.h ("Phase labels").
  PhaseLabel phase_from_state(const mjModel* m, const mjData* d, const PhaseLabel& previous) const override {
    const bool was_interaction = previous.coarse == CoarsePhase::kInteraction;
    const Eigen::Vector3d base = peg_base(d);
    const Eigen::Vector3d ee(d->site_xpos + 3 * ee_site_);
    const double to_grasp_point = (ee - grasp_point(d)).norm();
    const bool touching = finger_touches_peg(m, d);
    // Held: pinched, or one finger on it with the TCP at the grasp point (contacts flicker while
    // the peg slides along the hole's walls).
    if (grasped(m, d) || (touching && to_grasp_point < kPegHeldTcpRadiusM)) {
      if (axis_offset(d) < kPegInsertZoneRadiusM && base.z() < kPegBlockHeightM + kPegInsertZoneHeightM)
        return {CoarsePhase::kInteraction, insertion(d) > 0 ? "insert" : "align"};
      if (base.z() < kPegLiftZoneHeightM) return {CoarsePhase::kInteraction, base.z() > 0.005 ? "lift" : "grasp"};
      return {CoarsePhase::kTransit, "move"};
    }
    if (touching || within_hysteresis(to_grasp_point, kPhaseNearEnterM, kPhaseNearExitM, was_interaction))
      return {CoarsePhase::kInteraction, inserted(d) ? "release" : "grasp"};
    return {CoarsePhase::kTransit, inserted(d) ? "retreat" : "reach"};
  }

  // Object: the peg's origin (base centre), yaw under its grasp_symmetry_rad (as the gripper sees
  // it: the hexagonal peg is grasped on one pair of flats only, pi); target: the hole block's
  // origin (hole axis on the table), yaw under the hole's hole_symmetry_rad (0 for round: (0, 1)).
  std::array<double, kObjectStateDim> object_state(const mjModel*, const mjData* d) const override {
    return pack_object_state(peg_base(d), body_yaw(d, peg_body()), shape().grasp_symmetry_rad, hole_pos(d),
                             hole_yaw(d), shape().hole_symmetry_rad);
  }

  // --- State queries (world frame, SI), used by the expert and the success predicate -------------
  const PegShape& shape() const { return *blocks_.at(active_).shape; }
  int peg_body() const { return pegs_.active_body(); }
  Eigen::Vector3d peg_base(const mjData* d) const { return body_pos(d, peg_body()); }
  /// Hole axis on the table (z = 0) and the hole's yaw (rad).
  Eigen::Vector3d hole_pos(const mjData* d) const { return body_pos(d, blocks_.at(active_).body); }
  double hole_yaw(const mjData* d) const { return body_yaw(d, blocks_.at(active_).body); }
  /// How far the peg's base is below the block's top face (m; negative above it).
  double insertion(const mjData* d) const { return kPegBlockHeightM - peg_base(d).z(); }
  double axis_offset(const mjData* d) const {
    const Eigen::Vector3d p = peg_base(d), h = hole_pos(d);
    return std::hypot(p.x() - h.x(), p.y() - h.y());
  }
  bool upright(const mjData* d) const { return body_rot(d, peg_body())(2, 2) >= kMinUprightCos; }
  bool inserted(const mjData* d) const {
    return insertion(d) >= kPegMinInsertionM && upright(d) && axis_offset(d) <= kMaxAxisOffsetM;
  }

  bool finger_touches_peg(const mjModel* m, const mjData* d) const {
    const int body = peg_body();
    return fingers_.touches(m, d, body);
  }

  bool grasped(const mjModel* m, const mjData* d) const {
    const int body = peg_body();
    return fingers_.both_touch(m, d, body);
  }

  bool released(const mjModel* m, const mjData* d) const {
    const double opening = 2 * d->qpos[finger_qpos_];
    return opening >= std::min(shape().grasp_width_m + kReleaseMarginM, 0.075) && !finger_touches_peg(m, d);
  }

  /// Grasp point (TCP position) on the peg's axis, kGraspBelowTopM below its top.
  Eigen::Vector3d grasp_point(const mjData* d) const {
    return peg_base(d) + body_rot(d, peg_body()).col(2) * (kPegHeightM - kGraspBelowTopM);
  }

  const VariationSpace& variation_space() const override {
    static const VariationSpace kSpace = [] {
      VariationSpace s;
      s.region = {peg_insert_train_region(), peg_insert_heldout_region()};
      s.yaw_rad = TrainHeldOut<IntervalSet>{peg_insert_train_yaw(), peg_insert_heldout_yaw()};
      s.yaw_roles = {"peg", "block"};
      s.categories = {names_of(peg_insert_train_shapes()), names_of(peg_insert_heldout_shapes())};
      s.category_roles = {"peg"};
      return s;
    }();
    return kSpace;
  }

  std::string target_role() const override { return "block"; }

 protected:
  void sample_task_variation(const SplitDraws& draws, AxisStreams& rng, Variation* v) const override {
    const auto& shapes = variation_space().categories[draws.object];
    const PegShape& shape = peg_insert_find_shape(shapes[rng.object.uniform_index(shapes.size())]);
    auto [peg_color, peg_rgb] = sample_palette_color(rng.object);
    auto [block_color, block_rgb] = sample_palette_color(rng.object);
    if (block_color == peg_color) {  // keep the peg distinguishable from its block
      const auto& palette = variation::object_palette();
      size_t k = 0;
      while (palette[k].name == peg_color) ++k;
      block_color = palette[k].name;
      block_rgb = palette[k].distribution.sample(rng.object);
    }
    const std::string& tmpl = kTemplates[rng.object.uniform_index(kTemplates.size())];
    v->objects = {{"peg", shape.name, peg_color, peg_rgb}, {"block", "block", block_color, block_rgb}};

    const Region& region = variation_space().region[draws.position];
    const IntervalSet& yaws = (*variation_space().yaw_rad)[draws.position];
    // 4 cm between footprints: the open fingers (58 mm from the TCP along the hand's y) pass the
    // block while grasping the peg.
    const auto xy = variation::sample_non_overlapping({region, region}, {shape.radius_m, peg_insert_block_radius_m()},
                                                      0.04, rng.position);
    const double peg_yaw = yaws.sample(rng.position);
    const double block_yaw = yaws.sample(rng.position);
    v->placements = {{"peg", xy[0][0], xy[0][1], peg_yaw}, {"block", xy[1][0], xy[1][1], block_yaw}};
    v->instruction = replace_all(replace_all(tmpl, "{P}", describe(v->objects[0])), "{C}", block_color);
  }

  void apply_task_variation(const Variation& v, mjModel* m, mjData* d) override {
    const ObjectChoice& peg = v.object("peg");
    const ObjectChoice& block = v.object("block");
    const Placement& pp = v.placement("peg");
    const Placement& bp = v.placement("block");
    active_ = -1;
    for (size_t i = 0; i < blocks_.size(); ++i) {
      Block& b = blocks_[i];
      const bool on = b.shape->name == peg.category;
      if (on) active_ = static_cast<int>(i);
      for (size_t k = 0; k < b.geoms.size(); ++k) {
        m->geom_contype[b.geoms[k]] = on ? b.contype[k] : 0;
        m->geom_conaffinity[b.geoms[k]] = on ? b.conaffinity[k] : 0;
      }
      // Parked blocks: far below the floor (collisions off, never seen).
      m->body_pos[3 * b.body] = on ? bp.x_m : -3.0;
      m->body_pos[3 * b.body + 1] = on ? bp.y_m : -2.0 + 0.5 * static_cast<double>(i);
      m->body_pos[3 * b.body + 2] = on ? 0.0 : -3.0;
      m->body_quat[4 * b.body] = on ? std::cos(bp.yaw_rad / 2) : 1.0;
      m->body_quat[4 * b.body + 1] = 0;
      m->body_quat[4 * b.body + 2] = 0;
      m->body_quat[4 * b.body + 3] = on ? std::sin(bp.yaw_rad / 2) : 0.0;
    }
    if (active_ < 0) throw std::invalid_argument("peg_insert: unknown peg shape '" + peg.category + "'");
    set_body_color(m, blocks_[active_].body, block.rgb);
    pegs_.activate(peg_insert_peg_body(peg.category), {pp.x_m, pp.y_m, 0.0005, pp.yaw_rad}, peg.rgb, m, d);
  }

  void after_step(mjModel*, mjData* d) override { pegs_.pin_parked(d); }

  bool success_condition(const mjModel* m, const mjData* d) const override { return inserted(d) && released(m, d); }

  int progress_now(const mjModel* m, const mjData* d) const override {
    if (success_condition(m, d)) return 6;
    if (inserted(d)) return 5;
    const Eigen::Vector3d base = peg_base(d);
    if (axis_offset(d) <= kMaxAxisOffsetM && upright(d) && base.z() <= kPegBlockHeightM + kAlignedMaxHeightM &&
        base.z() > kHoleFloorZM - 0.001)
      return 4;
    const bool held = grasped(m, d);
    if (held && base.z() >= 0.02) return 3;
    if (held) return 2;
    const Eigen::Vector3d ee(d->site_xpos + 3 * ee_site_);
    if ((ee - grasp_point(d)).norm() < 0.03) return 1;
    return 0;
  }

 private:
  struct Block {
    const PegShape* shape = nullptr;
    int body = -1;
    std::vector<int> geoms, contype, conaffinity;
  };

  FreeBodyPool pegs_;
  std::vector<Block> blocks_;
  int active_ = -1;
  FingerContacts fingers_;
  int ee_site_ = -1, finger_qpos_ = -1;
};

// The scripted expert: reach above the peg -> descend -> close -> lift -> carry the peg over the
// hole, turning it to the hole's yaw -> align just above the mouth -> insert slowly to the floor ->
// open -> retreat. Targets are recomputed every step from the peg's true pose: while the peg is
// held, the TCP is servoed so that the PEG's base (not the hand) lines up with the hole and the
// PEG's yaw with the hole's yaw, which absorbs any offset or slip of the grasp. A dropped peg is
// grasped again; a jammed insertion is lifted and aligned again.
class PegInsertExpert final : public StagedExpert {
 public:
  PegInsertExpert(const PegInsert& task, double noise_std, uint64_t seed) : StagedExpert(noise_std, seed), task_(task) {
    using C = CoarsePhase;
    std::vector<Stage> t(kRetreat + 1);
    t[kReach] = reach_above_stage(
        [this](const Env& env) -> Eigen::Vector3d { return task_.grasp_point(env.data()) + Eigen::Vector3d(0, 0, 0.08); },
        [this] { return grasp_yaw_; }, 0.05, kDescend, [this](const Env&, int) { update_grasp_yaw(); });
    t[kDescend] = {{C::kInteraction, "grasp"},
                   -1,
                   [this](const Env& env, int) {
                     update_grasp_yaw();
                     return Target{task_.grasp_point(env.data()), ee_down_rotation(grasp_yaw_)};
                   },
                   nullptr,
                   [this](const Env& env, int steps) {
                     return ee_position_error(env, task_.grasp_point(env.data())) < 0.005 || steps > 25 ? kClose
                                                                                                        : kStay;
                   }};
    t[kClose] = {{C::kInteraction, "grasp"},
                 1,
                 [this](const Env& env, int) {
                   return Target{task_.grasp_point(env.data()), ee_down_rotation(grasp_yaw_)};
                 },
                 nullptr,
                 [this](const Env& env, int steps) -> int {
                   if (!((steps >= 5 && gripper_close_finished(env)) || steps > 12)) return kStay;
                   // The peg yaw (equivalent under the hole's symmetry) that leaves the hand closest to the
                   // yaw the arm reaches comfortably over the hole.
                   const double want = peg_yaw_ + natural_yaw(hole_.x(), hole_.y()) - hand_yaw_;
                   const double hy = task_.hole_yaw(env.data());
                   target_peg_yaw_ = closest_symmetric_yaw(hy, task_.shape().hole_symmetry_rad, want);
                   return kLift;
                 }};
    t[kLift] = {{C::kInteraction, "lift"},
                1,
                [this](const Env&, int) {
                  return Target{Eigen::Vector3d(ee_.x(), ee_.y(), ee_.z() + (kCarryBaseZ - base_.z())),
                                ee_down_rotation(grasp_yaw_)};
                },
                nullptr,
                [this](const Env&, int steps) -> int {
                  if (steps >= 3 && !held_) return kReach;  // missed: grasp again
                  return base_.z() > kCarryBaseZ - 0.015 || steps > 20 ? kMove : kStay;
                }};
    t[kMove] = {{C::kTransit, "move"},
                1,
                [this](const Env& env, int) {
                  return Target{base_to(Eigen::Vector3d(hole_.x(), hole_.y(), kCarryBaseZ)), turn_rot(env)};
                },
                nullptr,
                [this](const Env&, int steps) -> int {
                  if (!held_) return kReach;  // dropped: pick it up again
                  return (lateral_ < 0.005 && yaw_error_ < 0.05) || steps > 40 ? kAlign : kStay;
                }};
    t[kAlign] = {
        {C::kInteraction, "align"},
        1,
        [this](const Env& env, int) {
          return Target{base_to(Eigen::Vector3d(hole_.x(), hole_.y(), kPegBlockHeightM + kAlignGapM)), turn_rot(env)};
        },
        nullptr,
        [this](const Env&, int steps) -> int {
          if (!held_) return kReach;
          return (lateral_ < 0.001 && yaw_error_ < 0.02 && std::abs(base_.z() - target_base_z()) < 0.004) || steps > 20
                     ? kInsert
                     : kStay;
        }};
    t[kInsert] = {{C::kInteraction, "insert"},
                  1,
                  [this](const Env& env, int) {
                    return Target{base_to(Eigen::Vector3d(hole_.x(), hole_.y(), kHoleFloorZM + 0.002)), turn_rot(env)};
                  },
                  [this](const Env& env, const Target& target, Action* a) {
                    // Vertical: keep the commanded TCP at most kInsertLeadM below the measured one, so a
                    // peg sitting on the rim is pressed lightly (the x-y correction can still slide it
                    // over the hole) instead of with the full target lead of the controller.
                    const double commanded_z = env.controller().target_pos_m().z();
                    const double want_z = std::max(target.pos_m.z(), ee_.z() - kInsertLeadM);
                    (*a)[2] = std::clamp((want_z - commanded_z) / env.config().controller.max_translation_per_step_m,
                                         -0.2, 0.2);
                  },
                  [this](const Env& env, int) -> int {
                    const mjData* d = env.data();
                    const double depth = task_.insertion(d);
                    if (depth > best_depth_ + 0.001) {
                      best_depth_ = depth;
                      stalled_ = 0;
                    } else {
                      ++stalled_;
                    }
                    const bool caught = body_rot(d, task_.peg_body())(2, 2) < std::cos(0.07) || lateral_ > 0.0025;
                    if (!held_ && depth < kPegMinInsertionM) return kReach;
                    // Caught on the rim (tilting or off the axis): lift, align again.
                    if (depth < 0.01 && caught) return kAlign;
                    if (depth > kPegHoleDepthM - 0.005) return kRelease;
                    if (stalled_ >= 5) return depth >= kPegMinInsertionM + 0.005 ? kRelease : kAlign;  // jammed
                    return kStay;
                  }};
    t[kRelease] = hold_stage({C::kInteraction, "release"}, -1,
                             [this] { return Target{ee_, ee_down_rotation(hand_yaw_)}; }, 4, kRetreat);
    t[kRetreat] = {{C::kTransit, "retreat"},
                   -1,
                   [this](const Env&, int) {
                     return Target{Eigen::Vector3d(ee_.x(), ee_.y(), 0.25), ee_down_rotation(hand_yaw_)};
                   },
                   nullptr,
                   [this](const Env& env, int) {
                     // Once clear, check the peg; if it is not in the hole, start over.
                     return ee_.z() > kPegHeightM + kPegBlockHeightM + 0.04 && !task_.inserted(env.data()) ? kReach
                                                                                                           : kStay;
                   }};
    set_stages(std::move(t));
  }

 private:
  enum StageId : int { kReach, kDescend, kClose, kLift, kMove, kAlign, kInsert, kRelease, kRetreat };
  // Peg base height while carrying (m): 3 cm above the block's top face.
  static constexpr double kCarryBaseZ = kPegBlockHeightM + 0.03;
  // Gap between the peg's base and the block's top face while aligning (m).
  static constexpr double kAlignGapM = 0.006;
  // Largest lead of the commanded TCP below the measured TCP while inserting (m).
  static constexpr double kInsertLeadM = 0.008;
  static double target_base_z() { return kPegBlockHeightM + kAlignGapM; }

  void observe(const Env& env) override {
    const mjModel* m = env.model();
    const mjData* d = env.data();
    const PegShape& shape = task_.shape();
    base_ = task_.peg_base(d);
    hole_ = task_.hole_pos(d);
    peg_yaw_ = body_yaw(d, task_.peg_body());
    const auto ee_a = env.controller().ee_pos_m(d);
    ee_ = Eigen::Vector3d(ee_a[0], ee_a[1], ee_a[2]);
    const auto q = env.controller().ee_quat_wxyz(d);
    ee_rot_ = Eigen::Quaterniond(q[0], q[1], q[2], q[3]).toRotationMatrix();
    hand_yaw_ = std::atan2(ee_rot_(1, 0), ee_rot_(0, 0));
    // The peg is still in the hand: the gripper is closed on something about the peg's width and the
    // TCP is on the peg's axis near the grasp point (more robust than finger contacts, which flicker
    // while the peg slides along the hole's walls).
    const double opening = env.controller().gripper_opening_m(d);
    held_ = (task_.grasped(m, d) ||
             (opening < shape.grasp_width_m + 0.004 && (ee_ - task_.grasp_point(d)).norm() < 0.02)) &&
            opening > shape.grasp_width_m - 0.012;
    lateral_ = std::hypot(base_.x() - hole_.x(), base_.y() - hole_.y());
    yaw_error_ = std::abs(wrap_pi(target_peg_yaw_ - peg_yaw_));
  }

  void on_transition(int) override {
    best_depth_ = -1;
    stalled_ = 0;
  }

  // Hand yaw of the grasp: the peg's yaw under its grasp symmetry closest to the natural yaw.
  void update_grasp_yaw() {
    const double nat = natural_yaw(base_.x(), base_.y());
    grasp_yaw_ = closest_symmetric_yaw(peg_yaw_, task_.shape().grasp_symmetry_rad, nat);
  }
  // TCP target that puts the peg's base at `p` (the peg moves with the hand).
  Eigen::Vector3d base_to(const Eigen::Vector3d& p) const { return ee_ + (p - base_); }
  // Hand orientation that turns the peg to the target yaw and its axis to vertical (a peg that
  // tilted in the grasp would catch the hole's rim: the clearance allows ~2.4 degrees).
  Eigen::Matrix3d turn_rot(const Env& env) const {
    const Eigen::Vector3d axis = body_rot(env.data(), task_.peg_body()).col(2);
    const Eigen::Matrix3d untilt =
        Eigen::Quaterniond::FromTwoVectors(axis, Eigen::Vector3d::UnitZ()).toRotationMatrix();
    const Eigen::Matrix3d turn =
        Eigen::AngleAxisd(wrap_pi(target_peg_yaw_ - peg_yaw_), Eigen::Vector3d::UnitZ()).toRotationMatrix();
    return turn * untilt * ee_rot_;
  }

  const PegInsert& task_;
  // This step's state (observe()).
  Eigen::Vector3d base_ = Eigen::Vector3d::Zero(), hole_ = Eigen::Vector3d::Zero(), ee_ = Eigen::Vector3d::Zero();
  Eigen::Matrix3d ee_rot_ = Eigen::Matrix3d::Identity();
  double peg_yaw_ = 0, hand_yaw_ = 0, lateral_ = 0, yaw_error_ = 0;
  bool held_ = false;
  // The plan.
  double grasp_yaw_ = 0;       // hand yaw of the grasp (rad)
  double target_peg_yaw_ = 0;  // peg yaw that fits the hole (rad)
  double best_depth_ = -1;     // deepest insertion of this insert attempt (m)
  int stalled_ = 0;            // insert steps without progress
};

std::unique_ptr<Expert> PegInsert::make_expert(const Variation& v, double noise_std, uint64_t seed) const {
  if (v.object("peg").category != shape().name)
    throw std::logic_error("peg_insert: make_expert for a variation that is not the applied one");
  return std::make_unique<PegInsertExpert>(*this, noise_std, seed);
}

}  // namespace

const std::vector<PegShape>& peg_insert_train_shapes() {
  static const std::vector<PegShape> kTrain = {square_peg(), round_peg()};
  return kTrain;
}

const std::vector<PegShape>& peg_insert_heldout_shapes() {
  static const std::vector<PegShape> kHeldOut = {hexagonal_peg(), cross_peg(), rectangular_peg()};
  return kHeldOut;
}

const PegShape& peg_insert_find_shape(const std::string& name) {
  return find_by_name({&peg_insert_train_shapes(), &peg_insert_heldout_shapes()}, name, "peg shape");
}

std::string peg_insert_peg_body(const std::string& shape_name) {
  return "peg_" + peg_insert_find_shape(shape_name).key;
}

std::string peg_insert_block_body(const std::string& shape_name) {
  return "peg_block_" + peg_insert_find_shape(shape_name).key;
}

double peg_insert_block_radius_m() { return kPegBlockHalfWidthM * std::sqrt(2.0); }

Region peg_insert_train_region() { return Region{{Rect{0.40, 0.62, -0.20, 0.20}}}; }

Region peg_insert_heldout_region() { return Region{{Rect{0.33, 0.62, 0.26, 0.36}, Rect{0.33, 0.62, -0.36, -0.26}}}; }

IntervalSet peg_insert_train_yaw() { return IntervalSet{{{-0.35, 0.35}}}; }

IntervalSet peg_insert_heldout_yaw() { return IntervalSet{{{-0.785, -0.45}, {0.45, 0.785}}}; }

WAMBENCH_REGISTER_TASK_AT(peg_insert, [] { return std::make_unique<PegInsert>(); }, 3)

}  // namespace wambench
