#include "tasks/objects.h"

#include <cmath>
#include <stdexcept>

#include "tasks/task.h"

namespace wambench {
namespace {

ObjectCategory category(std::string name, std::string geoms, double grasp_x, double grasp_z, double grasp_yaw,
                        double symmetry, double width, double radius, double height) {
  return ObjectCategory{std::move(name), std::move(geoms), grasp_x, grasp_z, grasp_yaw, symmetry, width, radius, height};
}

}  // namespace

mjcf::Fragment object_defaults() {
  mjcf::Fragment f;
  mjcf::Element d = f.add("default");
  d.add("default")
      .set("class", "object")
      .add("geom")
      .set("contype", 1)
      .set("conaffinity", 3)
      .set("condim", 4)
      .set("density", 500)
      .set("friction", "1.0 0.01 0.0005")
      .set("solref", "0.004 1")
      .set("solimp", "0.95 0.99 0.001");
  d.add("default")
      .set("class", "fixture")
      .add("geom")
      .set("contype", 1)
      .set("conaffinity", 3)
      .set("condim", 3)
      .set("friction", "1.0 0.005 0.0001");
  return f;
}

mjcf::Element add_object_body(mjcf::Element parent, const ObjectCategory& c, const std::string& body) {
  mjcf::Element b = parent.add("body").set("name", body).set("pos", {0, 0, 0});
  b.add("freejoint").set("name", body + "_joint");
  b.append_xml(c.geoms_xml, "{B}", body);
  return b;
}

const ObjectCategory& find_category(const std::vector<ObjectCategory>& categories, const std::string& name) {
  return find_by_name({&categories}, name, "object category");
}

const std::vector<ObjectCategory>& pick_place_train_objects() {
  static const std::vector<ObjectCategory> kTrain = {
      category("cube", R"(<geom name="{B}_body" class="object" type="box" size="0.022 0.022 0.022" pos="0 0 0.022"/>)",
               0, 0.022, 0, M_PI / 2, 0.044, 0.032, 0.044),
      category("can", R"(<geom name="{B}_body" class="object" type="cylinder" size="0.026 0.045" pos="0 0 0.045"/>
<geom name="{B}_accent_lid" type="cylinder" size="0.024 0.001" pos="0 0 0.0905" rgba="0.8 0.8 0.82 1" contype="0" conaffinity="0" mass="0"/>)",
               0, 0.058, 0, 0.0, 0.052, 0.03, 0.09),
      category("mug", R"(<geom name="{B}_body" class="object" type="cylinder" size="0.032 0.04" pos="0 0 0.04"/>
<geom name="{B}_handle_top" class="object" type="box" size="0.014 0.006 0.005" pos="0.044 0 0.068"/>
<geom name="{B}_handle_side" class="object" type="box" size="0.005 0.006 0.024" pos="0.053 0 0.044"/>
<geom name="{B}_handle_bottom" class="object" type="box" size="0.014 0.006 0.005" pos="0.044 0 0.02"/>)",
               0, 0.045, 0, M_PI, 0.064, 0.06, 0.08),
      category("bottle", R"(<geom name="{B}_body" class="object" type="cylinder" size="0.024 0.04" pos="0 0 0.04"/>
<geom name="{B}_shoulder" class="object" type="cylinder" size="0.017 0.006" pos="0 0 0.086"/>
<geom name="{B}_neck" class="object" type="cylinder" size="0.011 0.016" pos="0 0 0.108"/>
<geom name="{B}_accent_cap" type="cylinder" size="0.012 0.004" pos="0 0 0.126" rgba="0.9 0.9 0.9 1" contype="0" conaffinity="0" mass="0"/>)",
               0, 0.1, 0, 0.0, 0.022, 0.03, 0.13),
  };
  return kTrain;
}

const std::vector<ObjectCategory>& pick_place_heldout_objects() {
  static const std::vector<ObjectCategory> kHeldOut = {
      category("banana", R"(<geom name="{B}_mid" class="object" type="capsule" size="0.017" fromto="-0.025 0 0.017 0.025 0 0.017"/>
<geom name="{B}_left" class="object" type="capsule" size="0.014" fromto="-0.025 0 0.017 -0.056 0.02 0.017"/>
<geom name="{B}_right" class="object" type="capsule" size="0.014" fromto="0.025 0 0.017 0.056 0.02 0.017"/>
<geom name="{B}_accent_tip" type="sphere" size="0.007" pos="0.058 0.021 0.017" rgba="0.25 0.2 0.1 1" contype="0" conaffinity="0" mass="0"/>)",
               0, 0.018, 0, M_PI, 0.034, 0.07, 0.034),
      category("duck", R"(<geom name="{B}_body" class="object" type="ellipsoid" size="0.042 0.03 0.025" pos="0 0 0.025"/>
<geom name="{B}_head" class="object" type="sphere" size="0.017" pos="0.032 0 0.057"/>
<geom name="{B}_accent_beak" class="object" type="ellipsoid" size="0.013 0.007 0.005" pos="0.054 0 0.056" rgba="1 0.55 0.1 1"/>)",
               -0.005, 0.04, 0, M_PI, 0.048, 0.05, 0.074),
      category("hammer", R"(<geom name="{B}_accent_handle" class="object" type="capsule" size="0.012" fromto="-0.058 0 0.012 0.03 0 0.012" rgba="0.55 0.38 0.2 1"/>
<geom name="{B}_head" class="object" type="box" size="0.014 0.04 0.016" pos="0.042 0 0.016"/>)",
               -0.02, 0.013, 0, M_PI, 0.024, 0.075, 0.032),
      category("apple", R"(<geom name="{B}_body" class="object" type="sphere" size="0.034" pos="0 0 0.034"/>
<geom name="{B}_accent_stem" type="capsule" size="0.003" fromto="0 0 0.066 0.004 0 0.08" rgba="0.35 0.25 0.1 1" contype="0" conaffinity="0" mass="0"/>)",
               0, 0.034, 0, 0.0, 0.068, 0.04, 0.08),
  };
  return kHeldOut;
}

const std::vector<ContainerSpec>& containers() {
  static const std::vector<ContainerSpec> kContainers = {
      {"bowl", 0.076, 0.05, 0.09},
      {"plate", 0.086, 0.016, 0.098},
  };
  return kContainers;
}

const ContainerSpec& find_container(const std::string& name) {
  for (const ContainerSpec& c : containers())
    if (c.name == name) return c;
  throw std::invalid_argument("unknown container '" + name + "'; valid: bowl, plate");
}

mjcf::Element add_container_body(mjcf::Element parent, const ContainerSpec& spec, const std::string& body) {
  const double wall_t = 0.006;  // half thickness of a wall segment (m)
  const int segments = spec.name == "bowl" ? 14 : 18;
  const double ring_r = spec.inner_radius_m + wall_t;
  const double half_chord = ring_r * std::tan(M_PI / segments) + 0.002;
  mjcf::Element b = parent.add("body").set("name", body).set("pos", {0, 0, 0});
  b.add("geom")
      .set("name", body + "_base")
      .set("class", "fixture")
      .set("type", "cylinder")
      .set("size", {spec.outer_radius_m, 0.004})
      .set("pos", {0, 0, 0.004});
  for (int k = 0; k < segments; ++k) {
    const double a = 2 * M_PI * k / segments;
    b.add("geom")
        .set("name", body + "_wall" + std::to_string(k))
        .set("class", "fixture")
        .set("type", "box")
        .set("size", {wall_t, half_chord, spec.wall_height_m / 2})
        .set("pos", {ring_r * std::cos(a), ring_r * std::sin(a), spec.wall_height_m / 2})
        .set("euler", {0, 0, a});
  }
  return b;
}

}  // namespace wambench
