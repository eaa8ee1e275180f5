// The background variation axis: table texture family and colour, floor and wall colours, the key
// light's direction / intensity / colour, and distractor objects placed around the workspace.
#pragma once

#include <array>
#include <string>
#include <vector>

#include <mujoco/mujoco.h>
#include <nlohmann/json.hpp>

#include "tasks/variation.h"

namespace wambench {

/// One distractor placed on the table.
struct DistractorPlacement {
  std::string name;        ///< pool body, e.g. "distractor_box_2" (assets/backgrounds.xml)
  double x_m = 0, y_m = 0;  ///< position on the table, world frame (m)
  double yaw_rad = 0;      ///< rotation about world z (rad)
  variation::Rgb rgb{};    ///< colour
};

/// A sampled background.
struct BackgroundVariation {
  std::string table_family;       ///< "wood" | "checker" (train), "gradient" | "tiles" (held out)
  variation::Rgb table_rgb{};     ///< tint of the table texture
  variation::Rgb floor_rgb{};
  variation::Rgb wall_rgb{};
  double light_azimuth_deg = 0;   ///< key light comes FROM this azimuth (0 = +x, 90 = +y), degrees
  double light_elevation_deg = 0; ///< key light elevation above the table plane, degrees
  double light_intensity = 0;     ///< diffuse intensity multiplier, 0..1
  variation::Rgb light_rgb{};     ///< light colour (multiplied by intensity)
  std::vector<DistractorPlacement> distractors;
};

/// Distribution of backgrounds (one per split family: train or held out).
struct BackgroundDistribution {
  variation::UniformChoice<std::string> table_family;
  variation::ColorDistribution table_color;
  variation::ColorDistribution floor_color;
  variation::ColorDistribution wall_color;
  variation::Uniform light_azimuth_deg;
  variation::Uniform light_elevation_deg;
  variation::Uniform light_intensity;
  variation::ColorDistribution light_color;
  variation::UniformInt distractor_count;
  /// Distractor kinds ("box", "sphere", "cylinder", "capsule", "ellipsoid"); pool bodies of each
  /// kind are named distractor_<kind>_<k>.
  variation::UniformChoice<std::string> distractor_kind;
  variation::ColorDistribution distractor_color;
  /// Where distractors may stand: outside every task's object regions (train and held out), so a
  /// distractor never touches a task object.
  variation::Region distractor_region;

  BackgroundVariation sample(Rng& rng) const;
};

/// Train backgrounds: wood / checker tables in warm browns and cool blue-greys, light from the
/// far side of the table, 0-2 boxes or spheres.
const BackgroundDistribution& train_background();
/// Held-out backgrounds, disjoint from train on every component: gradient / tiles tables in greens
/// and purples, warm walls, darker floors, light from behind the robot with a coloured tint,
/// 2-4 cylinders, capsules or ellipsoids.
const BackgroundDistribution& heldout_background();

/// Number of pool bodies per distractor kind.
int distractor_pool_size(const std::string& kind);

/// Applies a BackgroundVariation to a compiled task scene (one that includes
/// assets/backgrounds.xml). Resolves ids once in the constructor.
class BackgroundBinding {
 public:
  /// @throws ModelLoadError if the scene lacks the table, lights, materials or distractor pool.
  explicit BackgroundBinding(const mjModel* model);
  /// Sets materials, light and distractor poses in `model` (model fields only; no state).
  /// @throws std::invalid_argument on an unknown table family or distractor name.
  void apply(const BackgroundVariation& v, mjModel* model) const;

 private:
  int table_geom_ = -1, floor_mat_ = -1, wall_mat_ = -1, key_light_ = -1;
  std::vector<std::pair<std::string, int>> family_mats_;
  std::vector<int> distractor_bodies_;  // all pool bodies
  std::vector<std::array<double, 3>> distractor_park_;  // their parking positions (from the MJCF)
};

nlohmann::json to_json(const BackgroundVariation& v);
BackgroundVariation background_from_json(const nlohmann::json& j);

}  // namespace wambench
