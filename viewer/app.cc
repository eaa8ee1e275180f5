#include "viewer/app.h"

#define GL_GLEXT_PROTOTYPES
#include <GLFW/glfw3.h>
#include <GL/glext.h>
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <tuple>

#include "policies/policy.h"
#include "sim/image.h"
#include "tasks/registry.h"
#include "tasks/split.h"
#include "viewer/session.h"
#include "viewer/window.h"

namespace wambench::viewer {
namespace {

// Fixed layout (pixels): the 3-D scene fills what the panels leave.
constexpr float kRightPanelW = 380;  // episode info, camera images, toggles
constexpr float kBottomPanelH = 285; // transport, timeline plots
constexpr float kBrowsePanelW = 470; // browse mode: the episode table
constexpr int kCameraPx = 128;       // camera images as the policy sees them (EnvConfig default)

using Clock = std::chrono::steady_clock;

// ------------------------------------------------------------------------------------------------
// Colours

ImU32 rgba(float r, float g, float b, float a = 1) { return ImGui::ColorConvertFloat4ToU32(ImVec4(r, g, b, a)); }

// Fine phase -> a stable colour (known labels fixed, others hashed into the palette).
ImU32 phase_color(const std::string& phase) {
  static const std::map<std::string, ImU32> known = {
      {"reach", rgba(0.35f, 0.55f, 0.85f)},   {"move", rgba(0.30f, 0.70f, 0.90f)},
      {"transit", rgba(0.35f, 0.55f, 0.85f)}, {"retreat", rgba(0.55f, 0.60f, 0.75f)},
      {"grasp", rgba(0.90f, 0.55f, 0.20f)},   {"lift", rgba(0.85f, 0.75f, 0.25f)},
      {"place", rgba(0.40f, 0.80f, 0.40f)},   {"release", rgba(0.60f, 0.85f, 0.55f)},
      {"pull", rgba(0.80f, 0.40f, 0.70f)},    {"insert", rgba(0.85f, 0.35f, 0.35f)},
      {"press", rgba(0.75f, 0.45f, 0.90f)},   {"tilt", rgba(0.30f, 0.75f, 0.70f)},
      {"align", rgba(0.90f, 0.45f, 0.55f)},   {"pour", rgba(0.20f, 0.55f, 0.55f)},
      {"untilt", rgba(0.55f, 0.80f, 0.80f)},  {"", rgba(0.30f, 0.30f, 0.30f)}};
  auto it = known.find(phase);
  if (it != known.end()) return it->second;
  size_t h = std::hash<std::string>()(phase);
  return rgba(0.4f + 0.5f * ((h & 0xff) / 255.0f), 0.4f + 0.5f * (((h >> 8) & 0xff) / 255.0f),
              0.4f + 0.5f * (((h >> 16) & 0xff) / 255.0f));
}

const ImU32 kActionColors[kActionDim] = {rgba(0.95f, 0.35f, 0.35f), rgba(0.35f, 0.85f, 0.35f),
                                         rgba(0.40f, 0.55f, 1.00f), rgba(0.95f, 0.65f, 0.65f),
                                         rgba(0.65f, 0.95f, 0.65f), rgba(0.70f, 0.80f, 1.00f),
                                         rgba(0.95f, 0.85f, 0.30f)};
const char* kActionNames[kActionDim] = {"dx", "dy", "dz", "droll", "dpitch", "dyaw", "grip"};

// A string field of a policy's per-step diagnostics ("" if absent or not a string).
std::string diag_string(const nlohmann::json& d, const char* key) {
  if (!d.is_object()) return "";
  auto it = d.find(key);
  return it != d.end() && it->is_string() ? it->get<std::string>() : "";
}

// ------------------------------------------------------------------------------------------------
// GL texture of a camera image

class Texture {
 public:
  Texture() = default;
  ~Texture() {
    if (id_) glDeleteTextures(1, &id_);
  }
  Texture(const Texture&) = delete;
  Texture& operator=(const Texture&) = delete;
  void upload(const Image& image) {
    if (!id_) glGenTextures(1, &id_);
    glBindTexture(GL_TEXTURE_2D, id_);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB, image.width, image.height, 0, GL_RGB, GL_UNSIGNED_BYTE, image.rgb.data());
  }
  ImTextureID id() const { return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(id_)); }

 private:
  GLuint id_ = 0;
};

// ------------------------------------------------------------------------------------------------
// MuJoCo's scene and render context for one model, drawing into the window.

class SceneView {
 public:
  explicit SceneView(const mjModel* model) : model_(model) {
    mjv_defaultScene(&scene_);
    mjr_defaultContext(&context_);
    mjv_makeScene(model, &scene_, 3000);
    mjr_makeContext(model, &context_, mjFONTSCALE_100);
    // Software OpenGL: a shadow pass costs more than the whole rest of the frame (see
    // sim/renderer.h), so shadows start off (S toggles them).
    scene_.flags[mjRND_SHADOW] = 0;
    scene_.flags[mjRND_SKYBOX] = 0;
  }
  ~SceneView() {
    mjr_freeContext(&context_);
    mjv_freeScene(&scene_);
  }
  SceneView(const SceneView&) = delete;
  SceneView& operator=(const SceneView&) = delete;

  // Draws `data` in `rect` (window pixels, origin bottom-left) with the EE frame and the target
  // region added to the scene, and `label` in the top-left corner.
  void render(mjData* data, const mjvOption& option, mjvCamera& camera, mjrRect rect, bool shadows, bool ee_frame,
              const std::array<double, 3>* target, const std::string& label, const std::string& label2) {
    mjv_updateScene(model_, data, &option, nullptr, &camera, mjCAT_ALL, &scene_);
    scene_.flags[mjRND_SHADOW] = shadows ? 1 : 0;
    if (ee_frame) add_ee_frame(data);
    if (target) add_target(*target);
    // MuJoCo's renderer leaves OpenGL state (texture units, buffers, enables) that Dear ImGui's
    // OpenGL 2 backend does not reset; keep it inside.
    glPushAttrib(GL_ALL_ATTRIB_BITS);
    glPushClientAttrib(GL_CLIENT_ALL_ATTRIB_BITS);
    mjr_setBuffer(mjFB_WINDOW, &context_);
    mjr_render(rect, &scene_, &context_);
    if (!label.empty()) mjr_overlay(mjFONT_NORMAL, mjGRID_TOPLEFT, rect, label.c_str(), label2.c_str(), &context_);
    glActiveTexture(GL_TEXTURE0);
    glBindBuffer(GL_ARRAY_BUFFER, 0);
    glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, 0);
    glPopClientAttrib();
    glPopAttrib();
  }
  const mjvScene& scene() const { return scene_; }

 private:
  mjvGeom* new_geom() { return scene_.ngeom < scene_.maxgeom ? &scene_.geoms[scene_.ngeom++] : nullptr; }

  // Three arrows along the "ee" site's axes (x red, y green, z blue), 8 cm long.
  void add_ee_frame(const mjData* d) {
    const int site = mj_name2id(model_, mjOBJ_SITE, "ee");
    if (site < 0) return;
    const mjtNum* p = d->site_xpos + 3 * site;
    const mjtNum* R = d->site_xmat + 9 * site;
    for (int axis = 0; axis < 3; ++axis) {
      mjvGeom* g = new_geom();
      if (!g) return;
      float color[4] = {axis == 0 ? 1.0f : 0.1f, axis == 1 ? 1.0f : 0.1f, axis == 2 ? 1.0f : 0.1f, 1.0f};
      mjv_initGeom(g, mjGEOM_ARROW, nullptr, nullptr, nullptr, color);
      const double len = 0.08;
      mjv_makeConnector(g, mjGEOM_ARROW, 0.004, p[0], p[1], p[2], p[0] + len * R[axis], p[1] + len * R[3 + axis],
                        p[2] + len * R[6 + axis]);
      g->category = mjCAT_DECOR;
    }
  }

  // A translucent disc on the table where the task's target stands, and a thin post above it.
  void add_target(const std::array<double, 3>& xyz) {
    mjvGeom* g = new_geom();
    if (!g) return;
    const mjtNum size[3] = {0.07, 0.07, 0.002};
    const mjtNum pos[3] = {xyz[0], xyz[1], xyz[2] + 0.002};
    const float color[4] = {1.0f, 0.85f, 0.1f, 0.35f};
    mjv_initGeom(g, mjGEOM_CYLINDER, size, pos, nullptr, color);
    g->category = mjCAT_DECOR;
    mjvGeom* post = new_geom();
    if (!post) return;
    mjv_initGeom(post, mjGEOM_CAPSULE, nullptr, nullptr, nullptr, color);
    mjv_makeConnector(post, mjGEOM_CAPSULE, 0.003, xyz[0], xyz[1], xyz[2], xyz[0], xyz[1], xyz[2] + 0.25);
    post->category = mjCAT_DECOR;
  }

  const mjModel* model_;
  mjvScene scene_;
  mjrContext context_;
};

// The role whose start placement marks each task's target (tasks/*.cc: the variation's placements).
const std::map<std::string, std::string>& target_roles() {
  static const std::map<std::string, std::string> roles = {
      {"pick_place", "container"}, {"stack_blocks", "bottom"}, {"open_drawer", "cabinet"},
      {"peg_insert", "block"},     {"press_button", "button"}, {"pour", "bowl"}};
  return roles;
}

// ------------------------------------------------------------------------------------------------
// One displayed episode: its trace, the environment of its task, and a scratch mjData holding the
// state at the cursor.

struct Shown {
  ShownEpisode episode;
  TaskEnv* env = nullptr;
  std::unique_ptr<mjData, void (*)(mjData*)> data{nullptr, mj_deleteData};
  int shown_state = -1;

  int states() const { return episode.steps() + 1; }
  // Puts state `k` (0 = initial) into `d` and runs mj_forward (contacts, sites, forces).
  void load_state(int k, mjData* d) const {
    const mjModel* m = env->env().model();
    k = std::clamp(k, 0, states() - 1);
    const EpisodeTrace& t = episode.trace;
    std::copy_n(&t.qpos[static_cast<size_t>(k) * t.nq], t.nq, d->qpos);
    std::copy_n(&t.qvel[static_cast<size_t>(k) * t.nv], t.nv, d->qvel);
    if (t.nu) std::copy_n(&t.ctrl[static_cast<size_t>(k) * t.nu], t.nu, d->ctrl);
    d->time = k * env->env().physics_steps_per_control() * m->opt.timestep;
    mj_forward(m, d);
  }
  void show(int k) {
    if (!data) data.reset(mj_makeData(env->env().model()));
    k = std::clamp(k, 0, states() - 1);
    load_state(k, data.get());
    // Indicators lit by the task's latches (press_button's bezel) as they were at state k.
    const auto& progress = episode.trace.progress;
    env->task().show_progress_indicators(env->env().mutable_model(),
                                         k == 0 || progress.size() < static_cast<size_t>(k) ? 0 : progress[k - 1]);
    shown_state = k;
  }
};

// ------------------------------------------------------------------------------------------------

class App {
 public:
  App(const ViewerOptions& options, Window& window);
  void frame(bool headless);
  bool quit_requested() const { return quit_; }

 private:
  enum class Mode { kLive, kReplay, kBrowse };

  // Episode control.
  void start_live();
  void open_browse_row(size_t row, bool side_by_side);
  void advance();   // one control step forward (live: steps the policy at the end of the trace)
  void set_cursor(int k);
  // Last state index of the longest shown episode (the timeline's end).
  int last_state() const {
    int n = 0;
    for (const auto& s : shown_)
      if (s) n = std::max(n, s->states() - 1);
    return n;
  }
  Shown* primary() const { return shown_[0].get(); }
  double control_period_s() const {
    return primary() ? primary()->env->env().physics_steps_per_control() * primary()->env->env().model()->opt.timestep
                     : 0.1;
  }

  // Input and panels.
  void handle_keys();
  void handle_mouse(const ImVec2& scene_min, const ImVec2& scene_max);
  void draw_browse_panel();
  void draw_right_panel();
  void draw_bottom_panel();
  void draw_help();
  bool timeline_row(const char* id, float height, const std::function<void(ImDrawList*, ImVec2, ImVec2)>& draw);
  void render_cameras();
  void render_imagination();
  void render_scenes(const ImVec2& scene_min, const ImVec2& scene_max);
  SceneView& scene_for(const mjModel* model);

  ViewerOptions opt_;
  Window& window_;
  Mode mode_;
  EnvCache envs_;
  std::unique_ptr<LiveSession> live_;
  std::unique_ptr<Shown> shown_[2];  // [1]: side-by-side partner (browse mode)
  std::map<const mjModel*, std::unique_ptr<SceneView>> scenes_;
  Texture camera_tex_[2][2];         // [episode][front, wrist]
  // World-model policies (live): imagined future frames and the real ones at the same steps.
  static constexpr int kMaxImagined = 6;
  Texture imagined_tex_[kMaxImagined], real_tex_[kMaxImagined];
  int imagined_shown_ = 0, imagined_query_ = -1, imagined_stride_ = 1;
  std::vector<bool> real_known_;
  std::unique_ptr<mjData, void (*)(mjData*)> future_data_{nullptr, mj_deleteData};
  const mjModel* future_model_ = nullptr;
  mjvOption vis_{};
  mjvCamera camera_{};

  int cursor_ = 0;
  bool playing_ = true;
  double speed_;
  double play_accum_s_ = 0;
  Clock::time_point last_frame_ = Clock::now();
  bool shadows_ = false, ee_frame_ = true, target_ = true, help_ = false, quit_ = false;
  std::string message_;  // last error / notice, shown in the info panel

  // Browse mode.
  std::vector<RunEpisode> run_;
  std::vector<size_t> rows_;  // filtered + sorted indices into run_
  ImGuiTextFilter filter_;
  bool failures_only_ = false, rows_dirty_ = true;
  int selected_ = -1, partner_ = -1;
  ImGuiTableSortSpecs* sort_specs_ = nullptr;
};

EnvConfig window_env_config(Window& window) {
  EnvConfig c;
  c.image_height = c.image_width = kCameraPx;
  c.gl_context_factory = [&window] { return window.make_context(); };
  return c;
}

App::App(const ViewerOptions& options, Window& window)
    : opt_(options), window_(window), envs_(window_env_config(window)), speed_(options.speed) {
  mode_ = !options.replay.empty() ? Mode::kReplay : !options.runs.empty() ? Mode::kBrowse : Mode::kLive;
  mjv_defaultOption(&vis_);
  mjv_defaultCamera(&camera_);
  camera_.type = mjCAMERA_FREE;
  camera_.lookat[0] = 0.45;
  camera_.lookat[1] = 0.0;
  camera_.lookat[2] = 0.05;
  camera_.distance = 1.05;
  camera_.azimuth = 200;
  camera_.elevation = -32;
  if (mode_ == Mode::kLive) {
    start_live();
  } else if (mode_ == Mode::kReplay) {
    shown_[0] = std::make_unique<Shown>();
    shown_[0]->episode = load_replay(options.replay, envs_);
    shown_[0]->env = &envs_.get(shown_[0]->episode.record.key.task);
    set_cursor(0);
  } else {
    run_ = load_runs(options.runs);
    playing_ = false;
    if (options.select >= 0) {
      open_browse_row(static_cast<size_t>(options.select), false);
      const std::vector<size_t> same = same_episode(run_, static_cast<size_t>(options.select));
      if (options.side_by_side && !same.empty()) open_browse_row(same.front(), true);
    }
  }
}

void App::start_live() {
  PolicySpec spec{opt_.policy, opt_.checkpoint.empty() ? bundled_checkpoint(opt_.policy) : opt_.checkpoint, 0.0, {}};
  live_ = std::make_unique<LiveSession>(envs_, spec, opt_.task, opt_.split, opt_.episode, opt_.seed);
  shown_[0] = std::make_unique<Shown>();
  shown_[0]->env = &live_->env();
  shown_[0]->episode = live_->episode();
  shown_[1].reset();
  play_accum_s_ = 0;
  set_cursor(0);
}

void App::open_browse_row(size_t row, bool side_by_side) {
  const RunEpisode& e = run_.at(row);
  message_.clear();
  if (e.recording.empty()) {
    message_ = "episode has no recording (run `wambench eval` with record_trajectories on)";
    return;
  }
  try {
    auto shown = std::make_unique<Shown>();
    shown->episode = load_replay(e.recording, envs_);
    shown->env = &envs_.get(e.record.key.task);
    if (run_.size() > 1 && opt_.runs.size() > 1) shown->episode.label += "  [" + e.run + "]";
    const int slot = side_by_side ? 1 : 0;
    shown_[slot] = std::move(shown);
    if (!side_by_side) {
      selected_ = static_cast<int>(row);
      partner_ = -1;
      shown_[1].reset();
    } else {
      partner_ = static_cast<int>(row);
    }
    set_cursor(side_by_side ? cursor_ : 0);
    playing_ = true;
  } catch (const std::exception& ex) {
    message_ = ex.what();
  }
}

void App::set_cursor(int k) {
  cursor_ = std::clamp(k, 0, last_state());
  for (auto& s : shown_)
    if (s) s->show(std::min(cursor_, s->states() - 1));
}

void App::advance() {
  if (!primary()) return;
  if (cursor_ < last_state()) {
    set_cursor(cursor_ + 1);
  } else if (live_ && !live_->done()) {
    live_->step();
    primary()->episode = live_->episode();
    set_cursor(last_state());
  } else {
    playing_ = false;
  }
}

// ------------------------------------------------------------------------------------------------
// Input

void App::handle_keys() {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  if (ImGui::IsKeyPressed(GLFW_KEY_SPACE, false)) playing_ = !playing_;
  if (ImGui::IsKeyPressed(GLFW_KEY_RIGHT)) {
    playing_ = false;
    advance();
  }
  if (ImGui::IsKeyPressed(GLFW_KEY_LEFT)) {
    playing_ = false;
    set_cursor(cursor_ - 1);
  }
  if (ImGui::IsKeyPressed(GLFW_KEY_HOME, false)) set_cursor(0);
  if (ImGui::IsKeyPressed(GLFW_KEY_END, false)) set_cursor(last_state());
  if (ImGui::IsKeyPressed(GLFW_KEY_UP, false)) speed_ = std::min(4.0, speed_ * 2);
  if (ImGui::IsKeyPressed(GLFW_KEY_DOWN, false)) speed_ = std::max(0.25, speed_ / 2);
  if (primary() && ImGui::IsKeyPressed(GLFW_KEY_PAGE_DOWN, false)) {
    for (const auto& [s, name] : phase_starts(primary()->episode.trace))
      if (s + 1 > cursor_) {
        set_cursor(s + 1);
        break;
      }
  }
  if (primary() && ImGui::IsKeyPressed(GLFW_KEY_PAGE_UP, false)) {
    int target = 0;
    for (const auto& [s, name] : phase_starts(primary()->episode.trace))
      if (s + 1 < cursor_) target = s + 1;
    set_cursor(target);
  }
  if (primary() && ImGui::IsKeyPressed(GLFW_KEY_G, false)) set_cursor(progress_stop_step(primary()->episode.trace) + 1);
  if (ImGui::IsKeyPressed(GLFW_KEY_C, false)) vis_.flags[mjVIS_CONTACTPOINT] ^= 1;
  if (ImGui::IsKeyPressed(GLFW_KEY_F, false)) vis_.flags[mjVIS_CONTACTFORCE] ^= 1;
  if (ImGui::IsKeyPressed(GLFW_KEY_E, false)) ee_frame_ = !ee_frame_;
  if (ImGui::IsKeyPressed(GLFW_KEY_S, false)) shadows_ = !shadows_;
  if (ImGui::IsKeyPressed(GLFW_KEY_T, false)) target_ = !target_;
  if (ImGui::IsKeyPressed(GLFW_KEY_H, false) || ImGui::IsKeyPressed(GLFW_KEY_F1, false)) help_ = !help_;
  if (ImGui::IsKeyPressed(GLFW_KEY_Q, false) || ImGui::IsKeyPressed(GLFW_KEY_ESCAPE, false)) quit_ = true;
  if (ImGui::IsKeyPressed(GLFW_KEY_R, false)) {
    if (live_) start_live();
    else set_cursor(0);
  }
  if (live_) {
    if (ImGui::IsKeyPressed(GLFW_KEY_N, false)) {
      ++opt_.episode;
      start_live();
    }
    if (ImGui::IsKeyPressed(GLFW_KEY_P, false) && opt_.episode > 0) {
      --opt_.episode;
      start_live();
    }
    if (ImGui::IsKeyPressed(GLFW_KEY_X, false) && !live_->done() && live_->policy_in_control() != "scripted") {
      live_->take_over({"scripted", "", 0.0, {}});
      primary()->episode = live_->episode();
    }
  }
}

void App::handle_mouse(const ImVec2& lo, const ImVec2& hi) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantCaptureMouse || !primary()) return;
  const ImVec2 p = io.MousePos;
  const bool inside = p.x >= lo.x && p.x < hi.x && p.y >= lo.y && p.y < hi.y;
  static bool dragging = false;
  if (inside && (ImGui::IsMouseClicked(0) || ImGui::IsMouseClicked(1) || ImGui::IsMouseClicked(2))) dragging = true;
  if (!ImGui::IsMouseDown(0) && !ImGui::IsMouseDown(1) && !ImGui::IsMouseDown(2)) dragging = false;
  const mjModel* m = primary()->env->env().model();
  const SceneView& view = scene_for(m);
  const double h = std::max(1.0f, hi.y - lo.y);
  if (dragging && (io.MouseDelta.x != 0 || io.MouseDelta.y != 0)) {
    const bool shift = io.KeyShift;
    int action = mjMOUSE_ZOOM;
    if (ImGui::IsMouseDown(0)) action = shift ? mjMOUSE_ROTATE_H : mjMOUSE_ROTATE_V;
    else if (ImGui::IsMouseDown(1)) action = shift ? mjMOUSE_MOVE_H : mjMOUSE_MOVE_V;
    mjv_moveCamera(m, action, io.MouseDelta.x / h, io.MouseDelta.y / h, &view.scene(), &camera_);
  }
  if (inside && io.MouseWheel != 0) mjv_moveCamera(m, mjMOUSE_ZOOM, 0, -0.05 * io.MouseWheel, &view.scene(), &camera_);
}

// ------------------------------------------------------------------------------------------------
// Panels

void App::draw_browse_panel() {
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(kBrowsePanelW, static_cast<float>(window_.height())));
  ImGui::Begin("Episodes", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
  size_t successes = 0;
  for (const RunEpisode& e : run_) successes += e.record.success;
  ImGui::Text("%zu episodes, %zu successes, from %zu run folder(s)", run_.size(), successes, opt_.runs.size());
  if (filter_.Draw("filter", 200)) rows_dirty_ = true;
  ImGui::SameLine();
  if (ImGui::Checkbox("failures only", &failures_only_)) rows_dirty_ = true;
  ImGui::TextDisabled("filter: words (policy, task, split, result, reason); -word excludes");

  const ImGuiTableFlags flags = ImGuiTableFlags_Sortable | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit;
  const bool many_runs = opt_.runs.size() > 1;
  const int columns = many_runs ? 8 : 7;
  if (ImGui::BeginTable("episodes", columns, flags, ImVec2(0, ImGui::GetContentRegionAvail().y - 90))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("policy", ImGuiTableColumnFlags_DefaultSort, 0, 0);
    ImGui::TableSetupColumn("task", 0, 0, 1);
    ImGui::TableSetupColumn("split", 0, 0, 2);
    ImGui::TableSetupColumn("#", 0, 0, 3);
    ImGui::TableSetupColumn("result", 0, 0, 4);
    ImGui::TableSetupColumn("progress", 0, 0, 5);
    ImGui::TableSetupColumn("reason", ImGuiTableColumnFlags_WidthStretch, 0, 6);
    if (many_runs) ImGui::TableSetupColumn("run", 0, 0, 7);
    ImGui::TableHeadersRow();
    if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs()) {
      if (specs->SpecsDirty) {
        rows_dirty_ = true;
        specs->SpecsDirty = false;
      }
      sort_specs_ = specs;
    }
    if (rows_dirty_) {
      rows_.clear();
      for (size_t i = 0; i < run_.size(); ++i) {
        const EpisodeRecord& r = run_[i].record;
        if (failures_only_ && r.success) continue;
        const std::string text = r.key.policy + " " + r.policy_type + " " + r.key.task + " " + r.key.split + " " + r.status + " " +
                                 r.progress_name + " " + r.error + " " + run_[i].run;
        if (!filter_.PassFilter(text.c_str())) continue;
        rows_.push_back(i);
      }
      auto key_of = [&](size_t i, int column) -> std::string {
        const EpisodeRecord& r = run_[i].record;
        char index[32];
        std::snprintf(index, sizeof index, "%012lld", static_cast<long long>(r.key.index));
        char progress[16];
        std::snprintf(progress, sizeof progress, "%04d", r.progress);
        switch (column) {
          case 0: return r.key.policy;
          case 1: return r.key.task;
          case 2: return r.key.split;
          case 3: return index;
          case 4: return r.status;
          case 5: return progress;
          case 6: return r.error;
          default: return run_[i].run;
        }
      };
      std::stable_sort(rows_.begin(), rows_.end(), [&](size_t a, size_t b) {
        if (sort_specs_)
          for (int s = 0; s < sort_specs_->SpecsCount; ++s) {
            const ImGuiTableColumnSortSpecs& spec = sort_specs_->Specs[s];
            const std::string ka = key_of(a, static_cast<int>(spec.ColumnUserID));
            const std::string kb = key_of(b, static_cast<int>(spec.ColumnUserID));
            if (ka != kb) return spec.SortDirection == ImGuiSortDirection_Ascending ? ka < kb : ka > kb;
          }
        // Ties: task, split and episode index, whatever order the workers finished in.
        const EpisodeKey &x = run_[a].record.key, &y = run_[b].record.key;
        if (std::tie(x.task, x.split, x.index) != std::tie(y.task, y.split, y.index))
          return std::tie(x.task, x.split, x.index) < std::tie(y.task, y.split, y.index);
        return a < b;
      });
      rows_dirty_ = false;
    }
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(rows_.size()));
    while (clipper.Step()) {
      for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
        const size_t i = rows_[row];
        const EpisodeRecord& r = run_[i].record;
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::PushID(static_cast<int>(i));
        // The row's label, and its policy type where the sweep labelled the entry (two checkpoints of one type).
        const std::string shown = r.policy_type.empty() || r.policy_type == r.key.policy
                                      ? r.key.policy
                                      : r.key.policy + " (" + r.policy_type + ")";
        if (ImGui::Selectable(shown.c_str(), selected_ == static_cast<int>(i) || partner_ == static_cast<int>(i),
                              ImGuiSelectableFlags_SpanAllColumns))
          open_browse_row(i, false);
        ImGui::PopID();
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(r.key.task.c_str());
        ImGui::TableSetColumnIndex(2);
        ImGui::TextUnformatted(r.key.split.c_str());
        ImGui::TableSetColumnIndex(3);
        ImGui::Text("%lld", static_cast<long long>(r.key.index));
        ImGui::TableSetColumnIndex(4);
        const ImVec4 color = r.success ? ImVec4(0.4f, 0.9f, 0.4f, 1) : r.status == "error" ? ImVec4(1, 0.4f, 0.8f, 1)
                                                                                            : ImVec4(1, 0.45f, 0.4f, 1);
        ImGui::TextColored(color, "%s", r.status.c_str());
        ImGui::TableSetColumnIndex(5);
        ImGui::Text("%s", r.progress_name.c_str());
        ImGui::TableSetColumnIndex(6);
        ImGui::TextUnformatted(r.error.c_str());
        if (many_runs) {
          ImGui::TableSetColumnIndex(7);
          ImGui::TextUnformatted(run_[i].run.c_str());
        }
      }
    }
    ImGui::EndTable();
  }
  // Side by side: another policy (or run) on the same initial state.
  if (selected_ >= 0) {
    const std::vector<size_t> same = same_episode(run_, static_cast<size_t>(selected_));
    ImGui::Text("Same episode elsewhere: %zu", same.size());
    for (size_t j : same) {
      const EpisodeRecord& r = run_[j].record;
      std::string label = "side by side: " + r.key.policy + " (" + r.status + ")";
      if (opt_.runs.size() > 1) label += " [" + run_[j].run + "]";
      ImGui::PushID(static_cast<int>(j));
      if (ImGui::Button(label.c_str())) open_browse_row(j, true);
      ImGui::PopID();
    }
    if (shown_[1] && ImGui::Button("close side by side")) {
      shown_[1].reset();
      partner_ = -1;
    }
  } else {
    ImGui::TextDisabled("select an episode to replay it");
  }
  ImGui::End();
}

void App::draw_right_panel() {
  const float w = static_cast<float>(window_.width());
  ImGui::SetNextWindowPos(ImVec2(w - kRightPanelW, 0));
  ImGui::SetNextWindowSize(ImVec2(kRightPanelW, static_cast<float>(window_.height()) - kBottomPanelH));
  ImGui::Begin("Episode", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
  for (int slot = 0; slot < 2; ++slot) {
    Shown* s = shown_[slot].get();
    if (!s) continue;
    const EpisodeRecord& r = s->episode.record;
    ImGui::PushID(slot);
    ImGui::TextColored(slot == 0 ? ImVec4(1, 1, 1, 1) : ImVec4(0.7f, 0.85f, 1, 1), "%s", s->episode.label.c_str());
    ImGui::TextWrapped("\"%s\"", r.instruction.c_str());
    const bool finished = !live_ || slot != 0 || live_->done();
    const ImVec4 color = r.success ? ImVec4(0.4f, 0.9f, 0.4f, 1) : r.status == "error" ? ImVec4(1, 0.4f, 0.8f, 1)
                                                                                        : ImVec4(1, 0.45f, 0.4f, 1);
    ImGui::TextColored(color, "%s", finished ? r.status.c_str() : (r.success ? "success" : "running"));
    ImGui::SameLine();
    ImGui::Text(" progress: %s   steps: %d", r.progress_name.c_str(), s->episode.steps());
    if (!r.error.empty()) ImGui::TextWrapped("error: %s", r.error.c_str());
    if (s->episode.replay_max_qpos_diff >= 0)
      ImGui::TextDisabled("replay: max |qpos - recorded| = %.3g", s->episode.replay_max_qpos_diff);
    if (slot == 0 && live_) {
      ImGui::Text("policy in control: %s", live_->policy_in_control().c_str());
      if (live_->takeover_step() >= 0) {
        ImGui::SameLine();
        ImGui::Text("(since step %d)", live_->takeover_step());
      }
    }
    // Camera images as the policy saw them at this state.
    const float px = slot == 0 ? 170.0f : 110.0f;
    ImGui::Image(camera_tex_[slot][0].id(), ImVec2(px, px));
    ImGui::SameLine();
    ImGui::Image(camera_tex_[slot][1].id(), ImVec2(px, px));
    if (slot == 0) ImGui::TextDisabled("front / wrist, %d x %d px, as the policy sees them", kCameraPx, kCameraPx);
    if (slot == 0 && imagined_shown_ > 0) {
      const float ipx = (kRightPanelW - 60) / kMaxImagined;
      ImGui::Text("imagined at step %d (every %d steps), then what happened:", imagined_query_, imagined_stride_);
      for (int j = 0; j < imagined_shown_; ++j) {
        if (j) ImGui::SameLine();
        ImGui::Image(imagined_tex_[j].id(), ImVec2(ipx, ipx));
      }
      for (int j = 0; j < imagined_shown_; ++j) {
        if (j) ImGui::SameLine();
        if (real_known_[j]) ImGui::Image(real_tex_[j].id(), ImVec2(ipx, ipx));
        else ImGui::Dummy(ImVec2(ipx, ipx));
      }
    }
    ImGui::Separator();
    ImGui::PopID();
  }
  if (live_) {
    ImGui::Text("live episode");
    int index = static_cast<int>(opt_.episode);
    ImGui::SetNextItemWidth(110);
    if (ImGui::InputInt("episode", &index) && index >= 0) {
      opt_.episode = index;
      start_live();
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(130);
    if (ImGui::BeginCombo("split", opt_.split.c_str())) {
      for (Split split : all_splits())
        if (const std::string s = to_string(split); ImGui::Selectable(s.c_str(), s == opt_.split)) {
          opt_.split = s;
          start_live();
        }
      ImGui::EndCombo();
    }
    ImGui::SetNextItemWidth(130);
    if (ImGui::BeginCombo("task", opt_.task.c_str())) {
      for (const std::string& t : task_names())
        if (ImGui::Selectable(t.c_str(), t == opt_.task)) {
          opt_.task = t;
          start_live();
        }
      ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(110);
    if (ImGui::BeginCombo("policy", opt_.policy.c_str())) {
      for (const std::string& p : policy_names())
        if (p != "remote" && (!policy_needs_checkpoint(p) || !bundled_checkpoint(p).empty()) &&  // remote: needs a url
            ImGui::Selectable(p.c_str(), p == opt_.policy)) {
          opt_.policy = p;
          opt_.checkpoint.clear();
          start_live();
        }
      ImGui::EndCombo();
    }
    if (ImGui::Button("restart (R)")) start_live();
    ImGui::SameLine();
    const bool can_take_over = !live_->done() && live_->policy_in_control() != "scripted";
    if (!can_take_over) ImGui::BeginDisabled();
    if (ImGui::Button("scripted expert takes over (X)")) {
      live_->take_over({"scripted", "", 0.0, {}});
      primary()->episode = live_->episode();
    }
    if (!can_take_over) ImGui::EndDisabled();
  }
  ImGui::Checkbox("contacts (C)", reinterpret_cast<bool*>(&vis_.flags[mjVIS_CONTACTPOINT]));
  ImGui::SameLine();
  ImGui::Checkbox("forces (F)", reinterpret_cast<bool*>(&vis_.flags[mjVIS_CONTACTFORCE]));
  ImGui::Checkbox("EE frame (E)", &ee_frame_);
  ImGui::SameLine();
  ImGui::Checkbox("target (T)", &target_);
  ImGui::SameLine();
  ImGui::Checkbox("shadows (S)", &shadows_);
  if (ImGui::Button("keys and mouse (H)")) help_ = !help_;
  if (!message_.empty()) ImGui::TextColored(ImVec4(1, 0.6f, 0.3f, 1), "%s", message_.c_str());
  ImGui::End();
}

// One plot row spanning the timeline: returns true (and sets the cursor) when clicked / dragged.
bool App::timeline_row(const char* id, float height, const std::function<void(ImDrawList*, ImVec2, ImVec2)>& draw) {
  const float label_w = 70;
  ImGui::TextUnformatted(id);
  ImGui::SameLine(label_w);
  const ImVec2 lo = ImGui::GetCursorScreenPos();
  const ImVec2 size(ImGui::GetContentRegionAvail().x, height);
  ImGui::InvisibleButton(id, size);
  const ImVec2 hi(lo.x + size.x, lo.y + size.y);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(lo, hi, rgba(0.10f, 0.10f, 0.12f));
  draw(dl, lo, hi);
  // Cursor line.
  const int n = std::max(1, last_state());
  const float x = lo.x + size.x * static_cast<float>(cursor_) / n;
  dl->AddLine(ImVec2(x, lo.y), ImVec2(x, hi.y), rgba(1, 1, 1, 0.9f), 1.5f);
  if (ImGui::IsItemActive() && ImGui::IsMouseDown(0)) {
    const float f = std::clamp((ImGui::GetIO().MousePos.x - lo.x) / size.x, 0.0f, 1.0f);
    playing_ = false;
    set_cursor(static_cast<int>(std::lround(f * n)));
    return true;
  }
  return false;
}

void App::draw_bottom_panel() {
  const float x0 = mode_ == Mode::kBrowse ? kBrowsePanelW : 0;
  ImGui::SetNextWindowPos(ImVec2(x0, static_cast<float>(window_.height()) - kBottomPanelH));
  ImGui::SetNextWindowSize(ImVec2(static_cast<float>(window_.width()) - x0, kBottomPanelH));
  ImGui::Begin("Timeline", nullptr,
               ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                   ImGuiWindowFlags_NoScrollbar);
  Shown* s = primary();
  if (!s) {
    ImGui::TextDisabled("no episode open");
    ImGui::End();
    return;
  }
  const EpisodeTrace& t = s->episode.trace;
  const int steps = s->episode.steps();
  // Transport.
  if (ImGui::Button("|<")) set_cursor(0);
  ImGui::SameLine();
  if (ImGui::Button("<")) {
    playing_ = false;
    set_cursor(cursor_ - 1);
  }
  ImGui::SameLine();
  if (ImGui::Button(playing_ ? "pause" : "play ", ImVec2(50, 0))) playing_ = !playing_;
  ImGui::SameLine();
  if (ImGui::Button(">")) {
    playing_ = false;
    advance();
  }
  ImGui::SameLine();
  if (ImGui::Button(">|")) set_cursor(last_state());
  ImGui::SameLine();
  float speed = static_cast<float>(speed_);
  ImGui::SetNextItemWidth(110);
  if (ImGui::SliderFloat("speed", &speed, 0.25f, 4.0f, "x%.2f", ImGuiSliderFlags_Logarithmic)) speed_ = speed;
  ImGui::SameLine();
  int cursor = cursor_;
  ImGui::SetNextItemWidth(200);
  if (ImGui::SliderInt("step", &cursor, 0, std::max(1, last_state()))) {
    playing_ = false;
    set_cursor(cursor);
  }
  ImGui::SameLine();
  std::string phase_now = cursor_ > 0 && cursor_ <= static_cast<int>(t.phases.size()) ? t.phases[cursor_ - 1] : "-";
  if (cursor_ > 0 && cursor_ <= static_cast<int>(t.phases_coarse.size())) phase_now += " (" + t.phases_coarse[cursor_ - 1] + ")";
  ImGui::Text("t = %.1f s  phase: %s", cursor_ * control_period_s(), phase_now.c_str());
  // Phase jumps.
  ImGui::TextUnformatted("jump to");
  for (const auto& [step, name] : phase_starts(t)) {
    ImGui::SameLine();
    ImGui::PushID(step);
    ImGui::PushStyleColor(ImGuiCol_Button, phase_color(name));
    ImGui::PushStyleColor(ImGuiCol_Text, rgba(0, 0, 0));
    if (ImGui::SmallButton(name.empty() ? "?" : name.c_str())) {
      playing_ = false;
      set_cursor(step + 1);
    }
    ImGui::PopStyleColor(2);
    ImGui::PopID();
  }
  ImGui::SameLine();
  if (ImGui::SmallButton("progress stopped (G)")) {
    playing_ = false;
    set_cursor(progress_stop_step(t) + 1);
  }
  const int n = std::max(1, last_state());
  auto x_of = [n](ImVec2 lo, ImVec2 hi, double k) { return lo.x + (hi.x - lo.x) * static_cast<float>(k / n); };
  // Phases as coloured bands: the state phase labels (fine label; coarse transit / interaction as
  // the lower strip), the same for every policy; below them, when the policy reports its own plan
  // (the scripted expert's stages), the "expert plan" series for comparison.
  auto coarse_color = [](const std::string& coarse) {
    return coarse == "interaction" ? rgba(0.95f, 0.3f, 0.3f) : rgba(0.3f, 0.5f, 0.95f);
  };
  timeline_row("phase", 24, [&](ImDrawList* dl, ImVec2 lo, ImVec2 hi) {
    for (int k = 0; k < steps && k < static_cast<int>(t.phases.size()); ++k) {
      const float xa = x_of(lo, hi, k), xb = x_of(lo, hi, k + 1);
      dl->AddRectFilled(ImVec2(xa, lo.y), ImVec2(xb, hi.y - 7), phase_color(t.phases[k]));
      if (k < static_cast<int>(t.phases_coarse.size()) && !t.phases_coarse[k].empty())
        dl->AddRectFilled(ImVec2(xa, hi.y - 6), ImVec2(xb, hi.y), coarse_color(t.phases_coarse[k]));
    }
    for (const auto& [k, name] : phase_starts(t)) {
      const float xa = x_of(lo, hi, k);
      if (x_of(lo, hi, k + 4) - xa > ImGui::CalcTextSize(name.c_str()).x * 0.6f)
        dl->AddText(ImVec2(xa + 2, lo.y + 1), rgba(0, 0, 0), name.c_str());
    }
  });
  const bool has_plan = std::any_of(t.plan_phases.begin(), t.plan_phases.end(), [](const std::string& p) { return !p.empty(); });
  if (has_plan)
    timeline_row("expert plan", 18, [&](ImDrawList* dl, ImVec2 lo, ImVec2 hi) {
      for (int k = 0; k < steps && k < static_cast<int>(t.plan_phases.size()); ++k) {
        const float xa = x_of(lo, hi, k), xb = x_of(lo, hi, k + 1);
        dl->AddRectFilled(ImVec2(xa, lo.y), ImVec2(xb, hi.y - 5), phase_color(t.plan_phases[k]));
        const std::string coarse = diag_string(t.diagnostics[k], "coarse");
        if (!coarse.empty()) dl->AddRectFilled(ImVec2(xa, hi.y - 4), ImVec2(xb, hi.y), coarse_color(coarse));
      }
    });
  // Actions, 7 lines in [-1, 1].
  timeline_row("actions", 72, [&](ImDrawList* dl, ImVec2 lo, ImVec2 hi) {
    const float mid = 0.5f * (lo.y + hi.y), half = 0.5f * (hi.y - lo.y) - 2;
    dl->AddLine(ImVec2(lo.x, mid), ImVec2(hi.x, mid), rgba(1, 1, 1, 0.15f));
    for (int a = 0; a < kActionDim; ++a) {
      for (int k = 1; k < steps; ++k) {
        const double v0 = std::clamp(t.actions[(k - 1) * kActionDim + a], -1.0, 1.0);
        const double v1 = std::clamp(t.actions[k * kActionDim + a], -1.0, 1.0);
        dl->AddLine(ImVec2(x_of(lo, hi, k), mid - half * static_cast<float>(v0)),
                    ImVec2(x_of(lo, hi, k + 1), mid - half * static_cast<float>(v1)), kActionColors[a], 1.2f);
      }
    }
    float x = lo.x + 4;
    for (int a = 0; a < kActionDim; ++a) {
      dl->AddText(ImVec2(x, lo.y), kActionColors[a], kActionNames[a]);
      x += ImGui::CalcTextSize(kActionNames[a]).x + 8;
    }
  });
  // Gripper opening (m) per state.
  timeline_row("gripper", 28, [&](ImDrawList* dl, ImVec2 lo, ImVec2 hi) {
    const std::vector<double>& g = s->episode.gripper_opening_m;
    for (size_t k = 1; k < g.size(); ++k)
      dl->AddLine(ImVec2(x_of(lo, hi, k - 1), hi.y - (hi.y - lo.y) * static_cast<float>(g[k - 1] / 0.08)),
                  ImVec2(x_of(lo, hi, k), hi.y - (hi.y - lo.y) * static_cast<float>(g[k] / 0.08)),
                  rgba(0.95f, 0.85f, 0.3f), 1.5f);
    dl->AddText(ImVec2(lo.x + 4, lo.y), rgba(0.7f, 0.7f, 0.7f), "opening 0..8 cm");
  });
  // Progress (sub-goals) as a step function, success as a green bar.
  const int subgoals = static_cast<int>(s->env->task().subgoals().size());
  timeline_row("progress", 28, [&](ImDrawList* dl, ImVec2 lo, ImVec2 hi) {
    for (int k = 0; k < steps; ++k) {
      const float xa = x_of(lo, hi, k), xb = x_of(lo, hi, k + 1);
      const float f = static_cast<float>(t.progress[k]) / std::max(1, subgoals);
      dl->AddRectFilled(ImVec2(xa, hi.y - (hi.y - lo.y - 6) * f), ImVec2(xb, hi.y), rgba(0.45f, 0.6f, 0.9f, 0.8f));
      if (t.success[k]) dl->AddRectFilled(ImVec2(xa, lo.y), ImVec2(xb, lo.y + 5), rgba(0.3f, 0.95f, 0.3f));
    }
    const int k = std::clamp(cursor_ - 1, 0, std::max(0, steps - 1));
    const std::string label = steps > 0 && t.progress[k] > 0 ? s->env->task().subgoals()[t.progress[k] - 1] : "none";
    dl->AddText(ImVec2(lo.x + 4, lo.y + 5), rgba(1, 1, 1), ("sub-goal: " + label).c_str());
  });
  // The side-by-side partner's progress and success.
  if (Shown* b = shown_[1].get()) {
    const EpisodeTrace& tb = b->episode.trace;
    timeline_row("B", 20, [&](ImDrawList* dl, ImVec2 lo, ImVec2 hi) {
      for (int k = 0; k < b->episode.steps(); ++k) {
        const float xa = x_of(lo, hi, k), xb = x_of(lo, hi, k + 1);
        const float f = static_cast<float>(tb.progress[k]) / std::max(1, subgoals);
        dl->AddRectFilled(ImVec2(xa, hi.y - (hi.y - lo.y - 5) * f), ImVec2(xb, hi.y), rgba(0.7f, 0.85f, 1.0f, 0.7f));
        if (tb.success[k]) dl->AddRectFilled(ImVec2(xa, lo.y), ImVec2(xb, lo.y + 4), rgba(0.3f, 0.95f, 0.3f));
      }
    });
  }
  // HarmoWAM's gate and active expert, when the policy reports them.
  bool has_gate = false;
  for (const nlohmann::json& d : t.diagnostics) has_gate |= d.is_object() && (d.contains("gate") || d.contains("expert"));
  if (has_gate) {
    timeline_row("gate", 28, [&](ImDrawList* dl, ImVec2 lo, ImVec2 hi) {
      // Active expert (diagnostic "expert") as a band along the bottom, coloured like the phases.
      for (int k = 0; k < steps; ++k) {
        const std::string expert = diag_string(t.diagnostics[k], "expert");
        if (!expert.empty())
          dl->AddRectFilled(ImVec2(x_of(lo, hi, k), hi.y - 6), ImVec2(x_of(lo, hi, k + 1), hi.y), phase_color(expert));
      }
      for (int k = 1; k < steps; ++k) {
        const nlohmann::json &da = t.diagnostics[k - 1], &db = t.diagnostics[k];
        if (!da.is_object() || !db.is_object() || !da.contains("gate") || !db.contains("gate")) continue;
        if (!da["gate"].is_number() || !db["gate"].is_number()) continue;
        const double g0 = da["gate"].get<double>(), g1 = db["gate"].get<double>();
        dl->AddLine(ImVec2(x_of(lo, hi, k), hi.y - (hi.y - lo.y) * static_cast<float>(g0)),
                    ImVec2(x_of(lo, hi, k + 1), hi.y - (hi.y - lo.y) * static_cast<float>(g1)), rgba(1, 0.5f, 0.2f),
                    1.5f);
      }
      dl->AddText(ImVec2(lo.x + 4, lo.y), rgba(0.7f, 0.7f, 0.7f), "gate 0..1, band: active expert");
    });
  }
  ImGui::End();
}

void App::draw_help() {
  if (!help_) return;
  const ImVec2 size(430, 390);
  ImGui::SetNextWindowPos(ImVec2(0.5f * (window_.width() - size.x), 0.5f * (window_.height() - size.y)));
  ImGui::SetNextWindowSize(size);
  ImGui::SetNextWindowBgAlpha(0.92f);
  ImGui::Begin("Keyboard and mouse (H to close)", &help_, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize);
  static const char* rows[][2] = {
      {"space", "play / pause"},
      {"right / left", "step forward / back (live: forward runs the policy)"},
      {"home / end", "first / last step"},
      {"up / down", "speed x2 / x0.5 (x0.25 .. x4)"},
      {"page down / up", "next / previous phase start"},
      {"G", "jump to where progress stopped"},
      {"R", "restart (live) / rewind (replay)"},
      {"N / P", "live: next / previous episode index"},
      {"X", "live: the scripted expert takes over"},
      {"C / F", "contact points / contact forces"},
      {"E / T / S", "EE frame / target region / shadows"},
      {"H, F1", "this help"},
      {"Q, Esc", "quit"},
      {"left drag", "orbit (shift: horizontal)"},
      {"right drag", "pan (shift: horizontal)"},
      {"wheel, middle drag", "zoom"},
      {"click / drag a plot", "scrub the timeline"},
  };
  if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg)) {
    for (const auto& row : rows) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextColored(ImVec4(1, 0.85f, 0.4f, 1), "%s", row[0]);
      ImGui::TableSetColumnIndex(1);
      ImGui::TextUnformatted(row[1]);
    }
    ImGui::EndTable();
  }
  ImGui::End();
}

// ------------------------------------------------------------------------------------------------
// Rendering

SceneView& App::scene_for(const mjModel* model) {
  auto it = scenes_.find(model);
  if (it == scenes_.end()) it = scenes_.emplace(model, std::make_unique<SceneView>(model)).first;
  return *it->second;
}

void App::render_cameras() {
  for (int slot = 0; slot < 2; ++slot) {
    Shown* s = shown_[slot].get();
    if (!s || !s->data) continue;
    Renderer* r = s->env->env().renderer();
    if (!r) continue;
    const std::vector<std::string>& cams = s->env->env().config().cameras;
    for (int c = 0; c < 2 && c < static_cast<int>(cams.size()); ++c) {
      Image img;
      r->render(s->data.get(), r->camera_id(cams[c]), kCameraPx, kCameraPx, &img);
      camera_tex_[slot][c].upload(img);
    }
  }
}

void App::render_imagination() {
  imagined_shown_ = 0;
  Shown* s = primary();
  if (!live_ || !s || !s->env->env().renderer()) return;
  const LiveSession::Imagination* im = live_->imagination_at(cursor_);
  if (!im) return;
  Renderer* r = s->env->env().renderer();
  if (!future_data_ || future_model_ != s->env->env().model()) {
    future_model_ = s->env->env().model();
    future_data_.reset(mj_makeData(future_model_));
  }
  imagined_shown_ = std::min<int>(kMaxImagined, static_cast<int>(im->frames.size()));
  imagined_query_ = im->query_step;
  imagined_stride_ = im->stride_steps;
  real_known_.assign(imagined_shown_, false);
  for (int j = 0; j < imagined_shown_; ++j) {
    imagined_tex_[j].upload(im->frames[j]);
    const int state = im->query_step + (j + 1) * im->stride_steps;
    if (state > s->states() - 1) continue;  // not happened (yet)
    s->load_state(state, future_data_.get());
    Image real;
    r->render(future_data_.get(), r->camera_id("front"), kCameraPx, kCameraPx, &real);
    real_tex_[j].upload(real);
    real_known_[j] = true;
  }
}

void App::render_scenes(const ImVec2& lo, const ImVec2& hi) {
  const int H = window_.height();
  glViewport(0, 0, window_.width(), H);
  glClearColor(0.08f, 0.08f, 0.1f, 1);
  glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
  const int n = shown_[1] ? 2 : 1;
  const int width = static_cast<int>(hi.x - lo.x) / n;
  for (int slot = 0; slot < n; ++slot) {
    Shown* s = shown_[slot].get();
    if (!s || !s->data) continue;
    const mjrRect rect{static_cast<int>(lo.x) + slot * width, H - static_cast<int>(hi.y), width,
                       static_cast<int>(hi.y - lo.y)};
    std::array<double, 3> target{};
    const std::array<double, 3>* target_ptr = nullptr;
    const auto role = target_roles().find(s->episode.record.key.task);
    if (target_ && role != target_roles().end()) {
      for (const Placement& p : s->episode.trace.variation.placements)
        if (p.role == role->second) {
          target = {p.x_m, p.y_m, 0.0};
          target_ptr = &target;
        }
    }
    const EpisodeRecord& r = s->episode.record;
    const std::string title = n == 2 ? (slot == 0 ? "A  " : "B  ") + r.key.policy + "  " + r.status : "";
    const std::string detail = n == 2 ? "step " + std::to_string(s->shown_state) + " / " + std::to_string(s->states() - 1) : "";
    scene_for(s->env->env().model())
        .render(s->data.get(), vis_, camera_, rect, shadows_, ee_frame_, target_ptr, title, detail);
  }
}

void App::frame(bool headless) {
  window_.begin_frame();
  const auto now = Clock::now();
  const double dt = std::chrono::duration<double>(now - last_frame_).count();
  last_frame_ = now;
  handle_keys();
  if (playing_ && primary()) {
    if (headless) {
      advance();  // one control step per frame: screenshots do not depend on the machine's speed
    } else {
      play_accum_s_ += std::min(dt, 0.25) * speed_;
      while (playing_ && play_accum_s_ >= control_period_s()) {
        play_accum_s_ -= control_period_s();
        advance();
      }
    }
  }
  const float W = static_cast<float>(window_.width()), H = static_cast<float>(window_.height());
  const ImVec2 scene_lo(mode_ == Mode::kBrowse ? kBrowsePanelW : 0, 0);
  const ImVec2 scene_hi(W - kRightPanelW, H - kBottomPanelH);
  handle_mouse(scene_lo, scene_hi);
  render_cameras();  // before the panels that show them
  render_imagination();
  if (mode_ == Mode::kBrowse) draw_browse_panel();
  draw_right_panel();
  draw_bottom_panel();
  draw_help();
  render_scenes(scene_lo, scene_hi);
}

}  // namespace

void validate(const ViewerOptions& o) {
  const int modes = !o.replay.empty() + !o.runs.empty();
  if (modes > 1) throw std::invalid_argument("view: give either --replay or --run, not both");
  if (o.width < 640 || o.height < 480)
    throw std::invalid_argument("view: window size must be at least 640x480, got " + std::to_string(o.width) + "x" +
                                std::to_string(o.height));
  if (!(o.speed >= 0.25 && o.speed <= 4.0))
    throw std::invalid_argument("view: --speed must be in [0.25, 4], got " + std::to_string(o.speed));
  if (o.frames < 0) throw std::invalid_argument("view: --frames must be >= 0");
  if (!o.screenshot.empty() && o.frames == 0) throw std::invalid_argument("view: --screenshot needs --frames N (N >= 1)");
  if (o.replay.empty() && o.runs.empty()) {
    make_task(o.task);      // unknown names list the valid ones
    parse_split(o.split);
    if (o.episode < 0) throw std::invalid_argument("view: --episode must be >= 0");
    make_policy({o.policy, o.checkpoint.empty() ? bundled_checkpoint(o.policy) : o.checkpoint, 0.0, {}});
  }
  if (!o.replay.empty()) read_trajectory(resolve_recording(o.replay));  // missing / corrupt: clear error now
  if (!o.runs.empty()) {
    const size_t n = load_runs(o.runs).size();
    if (o.select >= static_cast<int64_t>(n))
      throw std::invalid_argument("view: --select " + std::to_string(o.select) + " is beyond the run's " +
                                  std::to_string(n) + " episodes (valid: 0.." + std::to_string(n - 1) + ")");
  }
}

struct Viewer::Impl {
  explicit Impl(const ViewerOptions& o)
      : options(o),
        window(o.width, o.height, "wambench view", o.frames == 0, o.frames == 0),
        app(o, window) {}
  ViewerOptions options;
  Window window;
  App app;
};

Viewer::Viewer(const ViewerOptions& options) {
  validate(options);
  impl_ = std::make_unique<Impl>(options);
}
Viewer::~Viewer() = default;

bool Viewer::frame(bool swap) {
  if (impl_->window.should_close() || impl_->app.quit_requested()) return false;
  impl_->app.frame(impl_->options.frames > 0);
  impl_->window.end_frame(swap);
  return true;
}

Image Viewer::capture() const { return impl_->window.capture(); }

int run_viewer(const ViewerOptions& options) {
  Viewer viewer(options);  // validates before any window: bad input fails the same without a display
  const int frames = options.frames;
  auto t0 = Clock::now();
  int frame = 0;
  while (frames == 0 || frame < frames) {
    const bool last = frames > 0 && frame == frames - 1;
    if (!viewer.frame(!(last && !options.screenshot.empty()))) break;
    if (last && !options.screenshot.empty()) write_png(options.screenshot, viewer.capture());
    ++frame;
    if (frame == 1) t0 = Clock::now();  // the first frame uploads the scene's meshes and textures
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  if (options.print_fps && frame > 1)
    std::printf("%d frames in %.2f s (after the first): %.1f frames/s at %dx%d\n", frame - 1, elapsed,
                (frame - 1) / std::max(elapsed, 1e-9), options.width, options.height);
  return 0;
}

}  // namespace wambench::viewer
