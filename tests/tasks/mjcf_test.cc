// The MJCF builder (tasks/mjcf.h) and the task scenes built with it.
//
// tests/tasks/data/scenes/<task>.xml holds each task's scene document as MJCF text (the reference
// the builder's output is held to): every task's composed scene must compile to a model whose
// binary form (mj_saveModel: every size, array and name) equals the reference's byte for byte.
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/model.h"
#include "tasks/mjcf.h"
#include "tasks/registry.h"

namespace wambench {
namespace {

std::vector<char> binary_model(const mjModel* m) {
  const int size = mj_sizeModel(m);
  std::vector<char> bytes(size);
  mj_saveModel(m, nullptr, bytes.data(), size);
  return bytes;
}

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(Mjcf, NumbersAreFormattedLikeAnOstream) {
  EXPECT_EQ(mjcf::format_number(0.5), "0.5");
  EXPECT_EQ(mjcf::format_number(-3.0), "-3");
  EXPECT_EQ(mjcf::format_number(0.0), "0");
  EXPECT_EQ(mjcf::format_number(1e-7), "1e-07");
  EXPECT_EQ(mjcf::format_number(0.1 + 0.2), "0.3");
  EXPECT_EQ(mjcf::format_number(0.0218162012), "0.0218162");
  EXPECT_EQ(mjcf::format_number(static_cast<double>(0.3f)), "0.3");
  EXPECT_EQ(mjcf::format_numbers({0, -1.5, 2.25}), "0 -1.5 2.25");
  EXPECT_EQ(mjcf::format_numbers({}), "");
}

TEST(Mjcf, ReplaceAllReplacesEveryOccurrenceOnce) {
  EXPECT_EQ(replace_all("{B}_a {B}_b", "{B}", "cup"), "cup_a cup_b");
  EXPECT_EQ(replace_all("square cup", " ", "_"), "square_cup");
  EXPECT_EQ(replace_all("aaa", "a", "aa"), "aaaaaa");  // replaced text is not searched again
  EXPECT_EQ(replace_all("abc", "", "x"), "abc");
  EXPECT_EQ(replace_all("abc", "z", "x"), "abc");
}

TEST(Mjcf, DocumentHoldsElementsAttributesAndFragmentsInOrder) {
  mjcf::Fragment bodies;
  mjcf::Element body = bodies.add("body").set("name", "box").set("pos", {0, 0.5, -3.0});
  body.add("freejoint").set("name", "box_joint");
  body.append_xml(R"(<geom name="{B}_a" size="0.1"/><geom name="{B}_b" class="object"/>)", "{B}", "box");
  body.set("pos", {1, 2, 3});  // a second set replaces the value
  EXPECT_FALSE(bodies.empty());

  mjcf::Document doc("scene");
  doc.add("option").set("timestep", 0.002).set("impratio", 10);
  bodies.copy_into(doc.add("worldbody"));
  EXPECT_EQ(doc.str(),
            "<mujoco model=\"scene\">\n"
            "  <option timestep=\"0.002\" impratio=\"10\" />\n"
            "  <worldbody>\n"
            "    <body name=\"box\" pos=\"1 2 3\">\n"
            "      <freejoint name=\"box_joint\" />\n"
            "      <geom name=\"box_a\" size=\"0.1\" />\n"
            "      <geom name=\"box_b\" class=\"object\" />\n"
            "    </body>\n"
            "  </worldbody>\n"
            "</mujoco>\n");
}

TEST(Mjcf, FragmentCopiesAreDeep) {
  mjcf::Fragment a;
  a.add("contact");
  mjcf::Fragment b = a;
  b.add("equality");
  mjcf::Fragment c;
  c.append(b);
  c.append(a);
  mjcf::Document doc("m");
  c.copy_into(doc.root());
  EXPECT_EQ(doc.str(), "<mujoco model=\"m\">\n  <contact />\n  <equality />\n  <contact />\n</mujoco>\n");
  EXPECT_TRUE(mjcf::Fragment().empty());
}

TEST(Mjcf, MalformedFragmentIsRefusedWithTheReason) {
  mjcf::Fragment f;
  try {
    f.append_xml("<geom name=\"a\"");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("not well-formed"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("<geom name=\"a\""), std::string::npos) << e.what();
  }
  EXPECT_TRUE(f.empty());
}

class TaskSceneTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TaskSceneTest, ComposedSceneCompilesToTheReferenceModel) {
  const std::string name = GetParam();
  const std::unique_ptr<Task> task = make_task(name);
  const std::string built = compose_scene(name, task->scene());
  const ModelPtr model = load_model_from_string(built, asset_dir());
  const ModelPtr reference =
      load_model_from_string(read_text(std::string(WAMBENCH_SCENE_REFERENCE_DIR) + "/" + name + ".xml"), asset_dir());
  EXPECT_EQ(model->nbody, reference->nbody);
  EXPECT_EQ(model->ngeom, reference->ngeom);
  EXPECT_EQ(model->njnt, reference->njnt);
  EXPECT_GT(model->nbody, 20);
  EXPECT_TRUE(binary_model(model.get()) == binary_model(reference.get()))
      << name << ": the composed scene compiles to a model that differs from " << name << ".xml";
}

INSTANTIATE_TEST_SUITE_P(AllTasks, TaskSceneTest, ::testing::ValuesIn(task_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The byte comparison above sees a change of one number in the scene.
TEST(TaskScene, BinaryComparisonSeesAOneNumberChange) {
  const std::string reference = read_text(std::string(WAMBENCH_SCENE_REFERENCE_DIR) + "/pick_place.xml");
  const std::string changed = replace_all(reference, "impratio=\"10\"", "impratio=\"10.0001\"");
  ASSERT_NE(changed, reference);
  const ModelPtr a = load_model_from_string(reference, asset_dir());
  const ModelPtr b = load_model_from_string(changed, asset_dir());
  EXPECT_FALSE(binary_model(a.get()) == binary_model(b.get()));
}

}  // namespace
}  // namespace wambench
