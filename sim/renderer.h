// Off-screen camera rendering with MuJoCo's mjr_* renderer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <mujoco/mujoco.h>

#include "sim/gl_context.h"
#include "sim/image.h"

namespace wambench {

/// Render-quality settings. The defaults are chosen for software OpenGL (Mesa llvmpipe) on a
/// CPU-only machine, where the cost of a frame is dominated by the shadow pass: measured on this
/// project's 2-core build machine (bench/bench_render), a 4096^2 shadow map costs ~8 ms a frame,
/// 512^2 ~2 ms, none < 1 ms (DESIGN.md, "Rendering"). The defaults keep one shadow-casting light
/// with a small map (objects get a contact shadow, a depth cue policies use) and no multisampling,
/// which at 64-224 px costs more than it helps.
struct RenderConfig {
  bool shadows = true;       ///< shadow pass for lights with castshadow="true"
  int shadow_size = 512;     ///< shadow-map texture size (pixels, square); >= 64
  int msaa_samples = 0;      ///< off-screen multisamples (0 = none)
  bool reflections = false;  ///< planar reflections of materials with reflectance > 0
};

/// Renders a model's cameras into RGB images. Owns its own GL context (one per Renderer, so one
/// per worker thread) and MuJoCo's mjvScene / mjrContext.
///
/// Not thread-safe: use a Renderer from one thread at a time. Different Renderers can render
/// concurrently from different threads.
class Renderer {
 public:
  /// Creates a GL context and uploads the model's meshes and textures.
  /// `model` is modified only in its visual fields (offscreen buffer size, shadow size, samples)
  /// so that images up to max_width x max_height (pixels) can be rendered.
  /// @throws GlError if no OpenGL backend works; std::invalid_argument on a non-positive size.
  Renderer(mjModel* model, int max_width, int max_height, const RenderConfig& config = {});
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  /// Renders camera `camera_id` (a model camera index, 0 <= id < ncam) of the state `data` into
  /// `out`, resized to height x width. Row 0 of `out` is the top of the picture.
  /// @throws std::invalid_argument on an unknown camera or a size beyond the maximum.
  void render(const mjData* data, int camera_id, int height, int width, Image* out);

  /// Convenience overload by camera name. @throws std::invalid_argument listing the model's cameras.
  Image render(const mjData* data, const std::string& camera, int height, int width);

  /// Segmentation render: for each pixel (row 0 = top), the id of the geom seen there, or -1 for
  /// background. Shape height * width, row-major.
  std::vector<int> render_geom_ids(const mjData* data, int camera_id, int height, int width);

  /// Camera index by name. @throws std::invalid_argument listing the model's camera names.
  int camera_id(const std::string& name) const;

  const GlContext& context() const { return *context_; }
  const RenderConfig& config() const { return config_; }

 private:
  void draw(const mjData* data, int camera_id, int height, int width);

  const mjModel* model_;
  RenderConfig config_;
  std::unique_ptr<GlContext> context_;
  mjvScene scene_;
  mjvOption option_;
  mjvCamera camera_;
  mjrContext mjr_;
  int max_width_, max_height_;
  std::vector<unsigned char> flipped_;  // scratch: bottom-up rows read back from OpenGL
  bool mjr_ready_ = false;
};

}  // namespace wambench
