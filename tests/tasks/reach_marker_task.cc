#include "reach_marker_task.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "tasks/registry.h"
#include "tasks/task.h"

namespace wambench::reach_marker {
namespace {

constexpr int kHorizonSteps = 60;  // 6 s at 10 Hz

// The hover point of the marker body `marker` (world frame, m).
Eigen::Vector3d hover_point(const mjData* d, int marker) {
  return body_pos(d, marker) + Eigen::Vector3d(0, 0, kHoverHeightM);
}

Eigen::Vector3d tcp(const mjModel* m, const mjData* d) {
  const int site = mj_name2id(m, mjOBJ_SITE, "ee");
  return Eigen::Vector3d(d->site_xpos + 3 * site);
}

class ReachMarkerExpert final : public Expert {
 public:
  ReachMarkerExpert(int marker, double noise_std, uint64_t seed) : marker_(marker), noise_std_(noise_std), rng_(seed) {}

  Action act(const Env& env, PhaseLabel* phase) override {
    const Eigen::Vector3d goal = hover_point(env.data(), marker_);
    const bool near = ee_position_error(env, goal) < 0.05;
    *phase = near ? PhaseLabel{CoarsePhase::kInteraction, "align"} : PhaseLabel{CoarsePhase::kTransit, "reach"};
    Action a = servo_action(env, goal, ee_down_rotation(natural_yaw(goal.x(), goal.y())), -1.0);
    add_action_noise(&a, noise_std_, rng_);
    return a;
  }

 private:
  int marker_;
  double noise_std_;
  Rng rng_;
};

class ReachMarker final : public Task {
 public:
  std::string name() const override { return kName; }

  TaskScene scene() const override {
    TaskScene s;
    mjcf::Element marker = s.worldbody.add("body").set("name", "marker").set("pos", {0.45, 0.0, 0.0});
    marker.add("geom")
        .set("name", "marker_geom")
        .set("type", "cylinder")
        .set("size", {0.03, 0.0015})
        .set("pos", {0.0, 0.0, 0.0015})
        .set("contype", 0)
        .set("conaffinity", 0)
        .set("rgba", {0.8, 0.2, 0.2, 1.0});
    return s;
  }

  const std::vector<std::string>& subgoals() const override {
    static const std::vector<std::string> kSubgoals = {"above", "reached"};
    return kSubgoals;
  }
  int horizon_steps() const override { return kHorizonSteps; }

  void bind(const mjModel* model) override {
    Task::bind(model);
    marker_ = mj_name2id(model, mjOBJ_BODY, "marker");
  }

  const VariationSpace& variation_space() const override {
    static const VariationSpace kSpace = [] {
      VariationSpace s;
      s.region = {variation::Region{{variation::Rect{0.40, 0.55, -0.15, 0.15}}},
                  variation::Region{{variation::Rect{0.55, 0.62, -0.15, 0.15}}}};
      s.categories = {{"disc", "ring"}, {"star"}};
      s.category_roles = {"marker"};
      return s;
    }();
    return kSpace;
  }

  std::string target_role() const override { return "marker"; }

  std::vector<NearMiss> near_misses() const override {
    const int marker = marker_;
    return {
        {"hand 4 cm beside the hover point",
         [marker](mjModel* m, mjData* d) {
           const Eigen::Vector3d hand = tcp(m, d);
           m->body_pos[3 * marker + 0] = hand.x() + 0.04;
           m->body_pos[3 * marker + 1] = hand.y();
           m->body_pos[3 * marker + 2] = hand.z() - kHoverHeightM;
         }},
        {"hand over the marker, 10 cm above the hover point",
         [marker](mjModel* m, mjData* d) {
           const Eigen::Vector3d hand = tcp(m, d);
           m->body_pos[3 * marker + 0] = hand.x();
           m->body_pos[3 * marker + 1] = hand.y();
           m->body_pos[3 * marker + 2] = hand.z() - kHoverHeightM - 0.10;
         }},
    };
  }

  std::array<double, kObjectStateDim> object_state(const mjModel*, const mjData* d) const override {
    return pack_object_state(body_pos(d, marker_), 0, 0, hover_point(d, marker_), 0, 0);
  }

  std::unique_ptr<Expert> make_expert(const Variation&, double noise_std, uint64_t seed) const override {
    return std::make_unique<ReachMarkerExpert>(marker_, noise_std, seed);
  }

  PhaseLabel phase_from_state(const mjModel* m, const mjData* d, const PhaseLabel&) const override {
    if ((tcp(m, d) - hover_point(d, marker_)).norm() < 0.05) return {CoarsePhase::kInteraction, "align"};
    return {CoarsePhase::kTransit, "reach"};
  }

 protected:
  void sample_task_variation(const SplitDraws& draws, AxisStreams& rng, Variation* v) const override {
    const auto& shapes = variation_space().categories[draws.object];
    const std::string& shape = shapes[rng.object.uniform_index(shapes.size())];
    auto [color_name, rgb] = sample_palette_color(rng.object);
    v->objects = {{"marker", shape, color_name, rgb}};
    const auto xy = variation_space().region[draws.position].sample(rng.position);
    v->placements = {{"marker", xy[0], xy[1], 0.0}};
    v->instruction = "hold the hand over the " + describe(v->objects[0]) + " marker";
  }

  void apply_task_variation(const Variation& v, mjModel* m, mjData*) override {
    const Placement& p = v.placement("marker");
    m->body_pos[3 * marker_ + 0] = p.x_m;
    m->body_pos[3 * marker_ + 1] = p.y_m;
    m->body_pos[3 * marker_ + 2] = 0.0;
    set_body_color(m, marker_, v.object("marker").rgb);
  }

  bool success_condition(const mjModel* m, const mjData* d) const override {
    return (tcp(m, d) - hover_point(d, marker_)).norm() < kReachToleranceM;
  }

  int progress_now(const mjModel* m, const mjData* d) const override {
    if (success_condition(m, d)) return 2;
    const Eigen::Vector3d hand = tcp(m, d), centre = body_pos(d, marker_);
    return std::hypot(hand.x() - centre.x(), hand.y() - centre.y()) < 0.03 ? 1 : 0;
  }

 private:
  int marker_ = -1;
};

}  // namespace

WAMBENCH_REGISTER_TASK(reach_marker, [] { return std::make_unique<ReachMarker>(); })

}  // namespace wambench::reach_marker
