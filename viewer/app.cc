#include "viewer/app.h"

#define GL_GLEXT_PROTOTYPES
#include <GLFW/glfw3.h>
#include <GL/glext.h>
#include <imgui.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>

#include "policies/policy.h"
#include "sim/image.h"
#include "tasks/registry.h"
#include "tasks/split.h"
#include "viewer/input.h"
#include "viewer/panels.h"
#include "viewer/session.h"
#include "viewer/state.h"
#include "viewer/window.h"

namespace wambench::viewer {
namespace {

using Clock = std::chrono::steady_clock;

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
  /// The OpenGL texture name (0 before the first upload).
  uintptr_t name() const { return id_; }

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

// ------------------------------------------------------------------------------------------------
// What needs OpenGL: the 3-D scene of each shown episode, the camera images the policy sees and a
// world-model policy's imagined frames as textures, and the mouse that moves the 3-D camera.

class SceneViews {
 public:
  // Mouse drags and the wheel over the scene rectangle move the state's camera.
  void handle_mouse(ViewerState& state, const Layout& layout);
  // Renders the camera images (and imagined / real frames) of the cursor's state into textures and
  // names them in `images`.
  void render_images(const ViewerState& state, FrameImages* images);
  // Clears the window and draws the shown episodes' 3-D scenes (side by side with a partner).
  void render_scenes(ViewerState& state, const Layout& layout);

 private:
  SceneView& scene_for(const mjModel* model);
  void render_cameras(const ViewerState& state);
  void render_imagination(const ViewerState& state, FrameImages* images);

  std::map<const mjModel*, std::unique_ptr<SceneView>> scenes_;
  Texture camera_tex_[2][2];  // [episode][front, wrist]
  Texture imagined_tex_[FrameImages::kMaxImagined], real_tex_[FrameImages::kMaxImagined];
  std::unique_ptr<mjData, void (*)(mjData*)> future_data_{nullptr, mj_deleteData};
  const mjModel* future_model_ = nullptr;
  bool dragging_ = false;
};

SceneView& SceneViews::scene_for(const mjModel* model) {
  auto it = scenes_.find(model);
  if (it == scenes_.end()) it = scenes_.emplace(model, std::make_unique<SceneView>(model)).first;
  return *it->second;
}

void SceneViews::handle_mouse(ViewerState& state, const Layout& layout) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantCaptureMouse || !state.primary()) return;
  const ImVec2 lo(layout.scene_x0(), 0), hi(layout.scene_x1(), layout.scene_y1());
  const ImVec2 p = io.MousePos;
  const bool inside = p.x >= lo.x && p.x < hi.x && p.y >= lo.y && p.y < hi.y;
  if (inside && (ImGui::IsMouseClicked(0) || ImGui::IsMouseClicked(1) || ImGui::IsMouseClicked(2))) dragging_ = true;
  if (!ImGui::IsMouseDown(0) && !ImGui::IsMouseDown(1) && !ImGui::IsMouseDown(2)) dragging_ = false;
  const mjModel* m = state.primary()->env->env().model();
  const SceneView& view = scene_for(m);
  const double h = std::max(1.0f, hi.y - lo.y);
  if (dragging_ && (io.MouseDelta.x != 0 || io.MouseDelta.y != 0)) {
    const bool shift = io.KeyShift;
    int action = mjMOUSE_ZOOM;
    if (ImGui::IsMouseDown(0)) action = shift ? mjMOUSE_ROTATE_H : mjMOUSE_ROTATE_V;
    else if (ImGui::IsMouseDown(1)) action = shift ? mjMOUSE_MOVE_H : mjMOUSE_MOVE_V;
    mjv_moveCamera(m, action, io.MouseDelta.x / h, io.MouseDelta.y / h, &view.scene(), &state.camera());
  }
  if (inside && io.MouseWheel != 0)
    mjv_moveCamera(m, mjMOUSE_ZOOM, 0, -0.05 * io.MouseWheel, &view.scene(), &state.camera());
}

void SceneViews::render_images(const ViewerState& state, FrameImages* images) {
  render_cameras(state);
  render_imagination(state, images);
  for (int slot = 0; slot < 2; ++slot)
    for (int c = 0; c < 2; ++c) images->camera[slot][c] = camera_tex_[slot][c].name();
  for (int j = 0; j < FrameImages::kMaxImagined; ++j) {
    images->imagined[j] = imagined_tex_[j].name();
    images->real[j] = real_tex_[j].name();
  }
}

void SceneViews::render_cameras(const ViewerState& state) {
  for (int slot = 0; slot < 2; ++slot) {
    Shown* s = state.shown(slot);
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

void SceneViews::render_imagination(const ViewerState& state, FrameImages* images) {
  images->imagined_shown = 0;
  Shown* s = state.primary();
  if (!state.live() || !s || !s->env->env().renderer()) return;
  const LiveSession::Imagination* im = state.live()->imagination_at(state.cursor());
  if (!im) return;
  Renderer* r = s->env->env().renderer();
  if (!future_data_ || future_model_ != s->env->env().model()) {
    future_model_ = s->env->env().model();
    future_data_.reset(mj_makeData(future_model_));
  }
  images->imagined_shown = std::min<int>(FrameImages::kMaxImagined, static_cast<int>(im->frames.size()));
  images->imagined_query = im->query_step;
  images->imagined_stride = im->stride_steps;
  images->real_known.fill(false);
  for (int j = 0; j < images->imagined_shown; ++j) {
    imagined_tex_[j].upload(im->frames[j]);
    const int k = im->query_step + (j + 1) * im->stride_steps;
    if (k > s->states() - 1) continue;  // not happened (yet)
    s->load_state(k, future_data_.get());
    Image real;
    r->render(future_data_.get(), r->camera_id("front"), kCameraPx, kCameraPx, &real);
    real_tex_[j].upload(real);
    images->real_known[j] = true;
  }
}

void SceneViews::render_scenes(ViewerState& state, const Layout& layout) {
  const int H = static_cast<int>(layout.height);
  glViewport(0, 0, static_cast<int>(layout.width), H);
  glClearColor(0.08f, 0.08f, 0.1f, 1);
  glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
  const ImVec2 lo(layout.scene_x0(), 0), hi(layout.scene_x1(), layout.scene_y1());
  const int n = state.shown(1) ? 2 : 1;
  const int width = static_cast<int>(hi.x - lo.x) / n;
  for (int slot = 0; slot < n; ++slot) {
    Shown* s = state.shown(slot);
    if (!s || !s->data) continue;
    const mjrRect rect{static_cast<int>(lo.x) + slot * width, H - static_cast<int>(hi.y), width,
                       static_cast<int>(hi.y - lo.y)};
    const std::optional<std::array<double, 3>> target = state.target ? target_region(s->episode) : std::nullopt;
    const EpisodeRecord& r = s->episode.record;
    const std::string title = n == 2 ? (slot == 0 ? "A  " : "B  ") + r.key.policy + "  " + r.status : "";
    const std::string detail = n == 2 ? "step " + std::to_string(s->shown_state) + " / " + std::to_string(s->states() - 1) : "";
    scene_for(s->env->env().model())
        .render(s->data.get(), state.vis(), state.camera(), rect, state.shadows, state.ee_frame,
                target ? &*target : nullptr, title, detail);
  }
}

EnvConfig env_config_for(PlatformUIAdapter& adapter) {
  EnvConfig c;
  c.image_height = c.image_width = kCameraPx;
  if (adapter.has_gl()) c.gl_context_factory = [&adapter] { return adapter.make_context(); };
  else c.render = false;
  return c;
}

}  // namespace

// ------------------------------------------------------------------------------------------------

struct ViewerApp::Impl {
  Impl(const ViewerOptions& options, PlatformUIAdapter& a)
      : adapter(a), state(options, env_config_for(a)), panels(state.mode()) {
    if (a.has_gl()) views = std::make_unique<SceneViews>();
  }
  PlatformUIAdapter& adapter;
  ViewerState state;
  Panels panels;
  std::unique_ptr<SceneViews> views;  // null without OpenGL
  FrameImages images;
  Clock::time_point last_frame = Clock::now();
};

ViewerApp::ViewerApp(const ViewerOptions& options, PlatformUIAdapter& adapter)
    : impl_(std::make_unique<Impl>(options, adapter)) {}
ViewerApp::~ViewerApp() = default;

ViewerState& ViewerApp::state() { return impl_->state; }
Panels& ViewerApp::panels() { return impl_->panels; }

bool ViewerApp::frame(bool swap) {
  Impl& m = *impl_;
  if (m.adapter.should_close() || m.state.quit) return false;
  m.adapter.begin_frame();
  const auto now = Clock::now();
  const double dt = std::chrono::duration<double>(now - m.last_frame).count();
  m.last_frame = now;
  for (Command c : pressed_commands()) apply(c, m.state);
  m.state.tick(dt, m.state.options().frames > 0);
  Layout layout;
  layout.width = static_cast<float>(m.adapter.width());
  layout.height = static_cast<float>(m.adapter.height());
  layout.browse = m.state.mode() == ViewerState::Mode::kBrowse;
  if (m.views) {
    m.views->handle_mouse(m.state, layout);
    m.views->render_images(m.state, &m.images);  // before the panels that show them
  }
  m.panels.draw(m.state, layout, m.images);
  if (m.views) m.views->render_scenes(m.state, layout);
  m.adapter.end_frame(swap);
  return true;
}

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
  if (!o.replay.empty()) read_recording(resolve_recording(o.replay));  // missing / corrupt: clear error now
  if (!o.runs.empty()) {
    const size_t n = load_runs(o.runs).size();
    if (o.select >= static_cast<int64_t>(n))
      throw std::invalid_argument("view: --select " + std::to_string(o.select) + " is beyond the run's " +
                                  std::to_string(n) + " episodes (valid: 0.." + std::to_string(n - 1) + ")");
  }
}

struct Viewer::Impl {
  explicit Impl(const ViewerOptions& o)
      : window(o.width, o.height, "wambench view", o.frames == 0, o.frames == 0), app(o, window) {}
  Window window;
  ViewerApp app;
};

Viewer::Viewer(const ViewerOptions& options) {
  validate(options);
  impl_ = std::make_unique<Impl>(options);
}
Viewer::~Viewer() = default;

bool Viewer::frame(bool swap) { return impl_->app.frame(swap); }

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
