#include "serving/mapping.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace wambench::serving {
namespace {

Observation sample_observation(int size) {
  Observation obs;
  for (const char* cam : {"front", "wrist"}) {
    Image im(size, size);
    for (size_t i = 0; i < im.rgb.size(); ++i) im.rgb[i] = static_cast<uint8_t>((i * 7 + (cam[0] == 'w')) % 251);
    obs.images[cam] = im;
  }
  obs.ee_pos_m = {0.5, -0.1, 0.3};
  const double h = std::sqrt(0.5);
  obs.ee_quat_wxyz = {0.0, h, h, 0.0};  // 180 deg about (1, 1, 0) / sqrt(2)
  obs.ee_rot6d = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
  obs.gripper_opening_m = 0.04;
  for (int i = 0; i < kArmDof; ++i) obs.joint_pos_rad[i] = 0.1 * i - 0.3;
  obs.time_s = 1.7;
  return obs;
}

TEST(Mapping, WambenchLayoutIsLossless) {
  const Observation obs = sample_observation(37);
  const ObservationLayout layout = observation_layout("wambench");
  const Map m = encode_observation(obs, "press the button", layout, {{"wambench/episode", Value(Map{})}});
  EXPECT_TRUE(m.count("wambench/episode"));
  std::string prompt;
  const Observation back = decode_observation(decode(encode(Value(m))).get_if<Map>()[0], layout, &prompt);
  EXPECT_EQ(prompt, "press the button");
  EXPECT_EQ(back.images.at("front").rgb, obs.images.at("front").rgb);
  EXPECT_EQ(back.images.at("wrist").rgb, obs.images.at("wrist").rgb);
  EXPECT_EQ(back.ee_pos_m, obs.ee_pos_m);
  EXPECT_EQ(back.ee_quat_wxyz, obs.ee_quat_wxyz);
  EXPECT_EQ(back.ee_rot6d, obs.ee_rot6d);
  EXPECT_EQ(back.gripper_opening_m, obs.gripper_opening_m);
  EXPECT_EQ(back.joint_pos_rad, obs.joint_pos_rad);
  EXPECT_EQ(back.time_s, obs.time_s);
}

TEST(Mapping, LiberoLayoutMatchesOpenpiExample) {
  const Observation obs = sample_observation(128);
  const Map m = encode_observation(obs, "x", observation_layout("libero"));
  const NdArray& image = std::get<NdArray>(m.at("observation/image").v);
  EXPECT_EQ(image.dtype, "|u1");
  EXPECT_EQ(image.shape, (std::vector<int64_t>{224, 224, 3}));
  const NdArray& state = std::get<NdArray>(m.at("observation/state").v);
  EXPECT_EQ(state.dtype, "<f8");
  EXPECT_EQ(state.shape, (std::vector<int64_t>{8}));
  const std::vector<double> s = state.to_doubles();
  // Axis-angle of a 180 deg turn about (1, 1, 0) / sqrt(2): pi / sqrt(2) on x and y.
  EXPECT_NEAR(s[3], M_PI / std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(s[4], M_PI / std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(s[5], 0.0, 1e-12);
  EXPECT_EQ(s[6], 0.02);  // two fingers, half the opening each
  EXPECT_EQ(s[7], 0.02);
  EXPECT_EQ(std::get<std::string>(m.at("prompt").v), "x");
}

TEST(Mapping, ResizeWithPadKeepsAspectAndPadsCentred) {
  Image wide(10, 20);
  for (auto& b : wide.rgb) b = 200;
  const Image out = resize_with_pad(wide, 10);  // 20 x 10 -> 10 x 5, padded 2 rows above (int(5 / 2))
  ASSERT_EQ(out.height, 10);
  ASSERT_EQ(out.width, 10);
  EXPECT_EQ(out.at(0, 5)[0], 0);
  EXPECT_EQ(out.at(1, 5)[0], 0);
  EXPECT_EQ(out.at(2, 5)[0], 200);
  EXPECT_EQ(out.at(6, 5)[0], 200);
  EXPECT_EQ(out.at(7, 5)[0], 0);
  const Image same = resize_with_pad(out, 10);
  EXPECT_EQ(same.rgb, out.rgb);
}

Map result_of(const std::vector<double>& values, std::vector<int64_t> shape, const std::string& dtype = "<f4") {
  return {{"actions", Value(NdArray::from_doubles(values, std::move(shape), dtype))}};
}

void expect_runtime_error(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    FAIL() << "no exception, expected one mentioning '" << fragment << "'";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Mapping, DeltaEeActionsPassThrough) {
  std::vector<double> v(14);
  for (size_t i = 0; i < v.size(); ++i) v[i] = 0.125 * static_cast<double>(i) - 0.75;
  const std::vector<Action> a = decode_actions(result_of(v, {2, 7}, "<f8"), ActionMapping{});
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1][6], v[13]);
  EXPECT_EQ(a[0][0], v[0]);
}

TEST(Mapping, ScaledActionsAndGripperModes) {
  ActionMapping m;
  m.convention = "scaled";
  m.action_dim = 8;
  m.gripper_index = 7;
  m.scale = {2, 2, 2, 1, 1, 1};
  m.offset = {0.5, 0, 0, 0, 0, 0};
  m.gripper_mode = "threshold";
  const std::vector<double> row = {1.0, 0.25, 0, 0, 0, 0.5, 99, 0.7};
  const auto a = decode_actions(result_of(row, {1, 8}), m);
  EXPECT_EQ(a[0][0], 1.0);  // 2 * (1.0 - 0.5)
  EXPECT_EQ(a[0][1], 0.5);
  EXPECT_EQ(a[0][6], 1.0);  // 0.7 > 0.5: closed
  m.gripper_mode = "range";
  m.gripper_range = {0.0, 1.0};
  EXPECT_NEAR(decode_actions(result_of(row, {1, 8}), m)[0][6], 0.4, 1e-6);  // 0.7 -> -1 + 1.4
  m.gripper_invert = true;
  EXPECT_NEAR(decode_actions(result_of(row, {1, 8}), m)[0][6], -0.4, 1e-6);
  m.gripper_mode = "bogus";
  expect_runtime_error([&] { m.validate(); }, "\"threshold\", \"sign\" or \"range\"");
}

TEST(Mapping, BadActionsThrowClearErrors) {
  const ActionMapping m;
  expect_runtime_error([&] { decode_actions(result_of(std::vector<double>(10), {2, 5}), m); }, "D = 5");
  expect_runtime_error([&] { decode_actions(result_of({}, {0, 7}), m); }, "H = 0");
  expect_runtime_error([&] { decode_actions(result_of(std::vector<double>(7), {7}), m); }, "must be 2-D");
  std::vector<double> nan(14, 0.0);
  nan[9] = std::numeric_limits<double>::quiet_NaN();
  expect_runtime_error([&] { decode_actions(result_of(nan, {2, 7}), m); }, "non-finite value (nan) at row 1, column 2");
  expect_runtime_error([&] { decode_actions(Map{{"state", Value(1)}}, m); }, "no \"actions\" (keys present: state)");
  Map ints{{"actions", Value(NdArray{"<i4", {1, 7}, std::string(28, '\0')})}};
  expect_runtime_error([&] { decode_actions(ints, m); }, "float32 or float64");
}

TEST(Mapping, LayoutErrorsNameTheValidValues) {
  expect_runtime_error([] { observation_layout("droid"); }, "valid layouts: libero, wambench");
  ObservationLayout l;
  l.state_fields = {"ee_pos", "velocity"};
  expect_runtime_error([&] { l.validate(); }, "unknown state field 'velocity'; valid fields: ee_pos");
  const ObservationLayout w = observation_layout("wambench");
  Map bad = encode_observation(sample_observation(8), "", w);
  bad.erase("observation/state");
  expect_runtime_error([&] { decode_observation(bad, w, nullptr); }, "no 'observation/state' entry");
}

}  // namespace
}  // namespace wambench::serving
