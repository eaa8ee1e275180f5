#include "tasks/background.h"

#include <cmath>
#include <stdexcept>

#include "sim/model.h"

namespace wambench {
namespace {

using variation::ColorDistribution;
using variation::IntervalSet;
using variation::Rect;
using variation::Region;
using variation::Rgb;
using variation::Uniform;

// Distractors stand on the table's side strips, beyond every task region (|y| <= 0.40 m + object
// radius), and never closer than 0.06 m to each other.
Region distractor_strips() {
  return Region{{Rect{0.25, 0.85, 0.50, 0.68}, Rect{0.25, 0.85, -0.68, -0.50}}};
}

double rest_height(const mjModel* m, int geom) {
  const mjtNum* s = m->geom_size + 3 * geom;
  switch (m->geom_type[geom]) {
    case mjGEOM_BOX: return s[2];
    case mjGEOM_SPHERE: return s[0];
    case mjGEOM_CYLINDER: return s[1];
    case mjGEOM_CAPSULE: return s[0];  // pool capsules lie on their side
    case mjGEOM_ELLIPSOID: return s[2];
    default: return 0.05;
  }
}

}  // namespace

int distractor_pool_size(const std::string& kind) {
  if (kind == "box" || kind == "sphere" || kind == "cylinder") return 4;
  if (kind == "capsule" || kind == "ellipsoid") return 2;
  throw std::invalid_argument("unknown distractor kind '" + kind +
                              "'; valid: box, sphere, cylinder, capsule, ellipsoid");
}

BackgroundVariation BackgroundDistribution::sample(Rng& rng) const {
  BackgroundVariation v;
  v.table_family = table_family.sample(rng);
  v.table_rgb = table_color.sample(rng);
  v.floor_rgb = floor_color.sample(rng);
  v.wall_rgb = wall_color.sample(rng);
  v.light_azimuth_deg = light_azimuth_deg.sample(rng);
  v.light_elevation_deg = light_elevation_deg.sample(rng);
  v.light_intensity = light_intensity.sample(rng);
  v.light_rgb = light_color.sample(rng);
  const int n = distractor_count.sample(rng);
  std::vector<std::string> kinds;
  std::vector<int> used_slots;
  for (int i = 0; i < n; ++i) {
    const std::string kind = distractor_kind.sample(rng);
    // The first free slot of that kind (pools are large enough for the largest count).
    int slot = 0;
    for (int k = 0; k < i; ++k)
      if (kinds[k] == kind) ++slot;
    if (slot >= distractor_pool_size(kind)) continue;  // pool exhausted: fewer distractors
    kinds.push_back(kind);
    DistractorPlacement d;
    d.name = "distractor_" + kind + "_" + std::to_string(slot);
    d.yaw_rad = rng.uniform(-M_PI, M_PI);
    d.rgb = distractor_color.sample(rng);
    v.distractors.push_back(d);
  }
  const std::vector<Region> regions(v.distractors.size(), distractor_region);
  const std::vector<double> radii(v.distractors.size(), 0.05);
  const auto xy = variation::sample_non_overlapping(regions, radii, 0.02, rng);
  for (size_t i = 0; i < v.distractors.size(); ++i) {
    v.distractors[i].x_m = xy[i][0];
    v.distractors[i].y_m = xy[i][1];
  }
  return v;
}

const BackgroundDistribution& train_background() {
  static const BackgroundDistribution kTrain = [] {
    BackgroundDistribution d;
    d.table_family = {{"wood", "checker"}};
    d.table_color = ColorDistribution{IntervalSet{{{18, 42}, {195, 225}}}, Uniform{0.25, 0.55}, Uniform{0.5, 0.8}};
    d.floor_color = ColorDistribution{IntervalSet{{{200, 260}}}, Uniform{0.0, 0.15}, Uniform{0.3, 0.45}};
    d.wall_color = ColorDistribution{IntervalSet{{{190, 250}}}, Uniform{0.02, 0.15}, Uniform{0.72, 0.9}};
    d.light_azimuth_deg = Uniform{-50, 50};
    d.light_elevation_deg = Uniform{55, 80};
    d.light_intensity = Uniform{0.55, 0.8};
    d.light_color = ColorDistribution{IntervalSet{{{30, 60}}}, Uniform{0.0, 0.08}, Uniform{0.95, 1.0}};
    d.distractor_count = {0, 2};
    d.distractor_kind = {{"box", "sphere"}};
    d.distractor_color = ColorDistribution{IntervalSet{{{0, 360}}}, Uniform{0.3, 0.8}, Uniform{0.4, 0.9}};
    d.distractor_region = distractor_strips();
    return d;
  }();
  return kTrain;
}

const BackgroundDistribution& heldout_background() {
  static const BackgroundDistribution kHeldOut = [] {
    BackgroundDistribution d;
    d.table_family = {{"gradient", "tiles"}};
    d.table_color = ColorDistribution{IntervalSet{{{90, 160}, {270, 330}}}, Uniform{0.25, 0.6}, Uniform{0.45, 0.8}};
    d.floor_color = ColorDistribution{IntervalSet{{{0, 60}}}, Uniform{0.2, 0.5}, Uniform{0.15, 0.3}};
    d.wall_color = ColorDistribution{IntervalSet{{{15, 70}}}, Uniform{0.25, 0.5}, Uniform{0.55, 0.75}};
    d.light_azimuth_deg = Uniform{130, 230};
    d.light_elevation_deg = Uniform{30, 50};
    d.light_intensity = Uniform{0.85, 1.0};
    d.light_color = ColorDistribution{IntervalSet{{{180, 300}}}, Uniform{0.15, 0.35}, Uniform{0.9, 1.0}};
    d.distractor_count = {2, 4};
    d.distractor_kind = {{"cylinder", "capsule", "ellipsoid"}};
    d.distractor_color = ColorDistribution{IntervalSet{{{0, 360}}}, Uniform{0.3, 0.8}, Uniform{0.4, 0.9}};
    d.distractor_region = distractor_strips();
    return d;
  }();
  return kHeldOut;
}

BackgroundBinding::BackgroundBinding(const mjModel* m) {
  table_geom_ = require_id(m, mjOBJ_GEOM, "table");
  floor_mat_ = require_id(m, mjOBJ_MATERIAL, "floor_mat");
  wall_mat_ = require_id(m, mjOBJ_MATERIAL, "wall_mat");
  key_light_ = require_id(m, mjOBJ_LIGHT, "key_light");
  for (const char* f : {"wood", "checker", "gradient", "tiles"}) {
    family_mats_.emplace_back(f, require_id(m, mjOBJ_MATERIAL, std::string("table_") + f));
  }
  for (int b = 0; b < m->nbody; ++b) {
    const char* name = mj_id2name(m, mjOBJ_BODY, b);
    if (name && std::string(name).rfind("distractor_", 0) == 0) {
      distractor_bodies_.push_back(b);
      distractor_park_.push_back({m->body_pos[3 * b], m->body_pos[3 * b + 1], m->body_pos[3 * b + 2]});
    }
  }
  if (distractor_bodies_.empty()) {
    throw ModelLoadError("the scene has no distractor pool (include assets/backgrounds.xml)");
  }
}

void BackgroundBinding::apply(const BackgroundVariation& v, mjModel* m) const {
  int mat = -1;
  for (const auto& [family, id] : family_mats_)
    if (family == v.table_family) mat = id;
  if (mat < 0) {
    throw std::invalid_argument("unknown table family '" + v.table_family +
                                "'; valid: wood, checker, gradient, tiles");
  }
  m->geom_matid[table_geom_] = mat;
  auto set_rgba = [](float* dst, const Rgb& rgb) {
    for (int i = 0; i < 3; ++i) dst[i] = static_cast<float>(rgb[i]);
    dst[3] = 1.0f;
  };
  set_rgba(m->mat_rgba + 4 * mat, v.table_rgb);
  set_rgba(m->mat_rgba + 4 * floor_mat_, v.floor_rgb);
  set_rgba(m->mat_rgba + 4 * wall_mat_, v.wall_rgb);

  const double az = v.light_azimuth_deg * M_PI / 180, el = v.light_elevation_deg * M_PI / 180;
  const double from[3] = {std::cos(el) * std::cos(az), std::cos(el) * std::sin(az), std::sin(el)};
  for (int i = 0; i < 3; ++i) {
    m->light_dir[3 * key_light_ + i] = -from[i];
    m->light_pos[3 * key_light_ + i] = 0.35 * (i == 0) + 2.5 * from[i];
    m->light_diffuse[3 * key_light_ + i] = static_cast<float>(v.light_intensity * v.light_rgb[i]);
  }

  // Park every distractor where the MJCF put it (so the model never depends on earlier
  // episodes), then place the chosen ones.
  for (size_t i = 0; i < distractor_bodies_.size(); ++i) {
    for (int k = 0; k < 3; ++k) m->body_pos[3 * distractor_bodies_[i] + k] = distractor_park_[i][k];
  }
  for (const DistractorPlacement& d : v.distractors) {
    const int b = mj_name2id(m, mjOBJ_BODY, d.name.c_str());
    if (b < 0) throw std::invalid_argument("unknown distractor '" + d.name + "'");
    const int g = m->body_geomadr[b];
    m->body_pos[3 * b] = d.x_m;
    m->body_pos[3 * b + 1] = d.y_m;
    m->body_pos[3 * b + 2] = rest_height(m, g);
    m->body_quat[4 * b] = std::cos(d.yaw_rad / 2);
    m->body_quat[4 * b + 1] = 0;
    m->body_quat[4 * b + 2] = 0;
    m->body_quat[4 * b + 3] = std::sin(d.yaw_rad / 2);
    set_rgba(m->geom_rgba + 4 * g, d.rgb);
  }
}

nlohmann::json to_json(const BackgroundVariation& v) {
  nlohmann::json j;
  j["table_family"] = v.table_family;
  j["table_rgb"] = v.table_rgb;
  j["floor_rgb"] = v.floor_rgb;
  j["wall_rgb"] = v.wall_rgb;
  j["light_azimuth_deg"] = v.light_azimuth_deg;
  j["light_elevation_deg"] = v.light_elevation_deg;
  j["light_intensity"] = v.light_intensity;
  j["light_rgb"] = v.light_rgb;
  j["distractors"] = nlohmann::json::array();
  for (const auto& d : v.distractors) {
    j["distractors"].push_back({{"name", d.name}, {"x_m", d.x_m}, {"y_m", d.y_m}, {"yaw_rad", d.yaw_rad}, {"rgb", d.rgb}});
  }
  return j;
}

BackgroundVariation background_from_json(const nlohmann::json& j) {
  BackgroundVariation v;
  v.table_family = j.at("table_family").get<std::string>();
  v.table_rgb = j.at("table_rgb").get<Rgb>();
  v.floor_rgb = j.at("floor_rgb").get<Rgb>();
  v.wall_rgb = j.at("wall_rgb").get<Rgb>();
  v.light_azimuth_deg = j.at("light_azimuth_deg").get<double>();
  v.light_elevation_deg = j.at("light_elevation_deg").get<double>();
  v.light_intensity = j.at("light_intensity").get<double>();
  v.light_rgb = j.at("light_rgb").get<Rgb>();
  for (const auto& d : j.at("distractors")) {
    v.distractors.push_back({d.at("name").get<std::string>(), d.at("x_m").get<double>(), d.at("y_m").get<double>(),
                             d.at("yaw_rad").get<double>(), d.at("rgb").get<Rgb>()});
  }
  return v;
}

}  // namespace wambench
