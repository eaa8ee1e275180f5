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
/// CPU-only machine, where the shadow pass dominates the cost of a frame. Measured with
/// bench/bench_render on the 2-core build machine (128 x 128 `front` render + readback, median,
/// single-threaded llvmpipe): no shadows 1.4 ms; one shadow-casting light 4.6 ms at 512^2,
/// 6.4 ms at 1024^2, 11 ms at 2048^2, 26 ms at 4096^2 (MuJoCo renders the scene twice more: a
/// depth pass from the light and an additive lit pass); 4x MSAA roughly doubles a frame. So
/// shadows and multisampling are off by default, which keeps a camera frame inside a 3 ms budget;
/// lighting still shades every surface (headlight + two directional lights). Turn shadows on for
/// figures.
struct RenderConfig {
  bool shadows = false;      ///< shadow pass for lights with castshadow="true"
  int shadow_size = 1024;    ///< shadow-map texture size (pixels, square); >= 64
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
  /// `context`: the OpenGL context to render in (e.g. a viewer's window); nullptr = a new headless
  /// one from GlContext::create().
  /// @throws GlError if no OpenGL backend works; std::invalid_argument on a non-positive size.
  Renderer(mjModel* model, int max_width, int max_height, const RenderConfig& config = {},
           std::unique_ptr<GlContext> context = nullptr);
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  /// Renders camera `camera_id` (a model camera index, 0 <= id < ncam) of the state `data` into
  /// `out`, resized to height x width. Row 0 of `out` is the top of the picture.
  /// @throws std::invalid_argument on an unknown camera or a size beyond the maximum.
  /// `overlay`, if not empty, is drawn as text in the top-left corner (MuJoCo's font).
  void render(const mjData* data, int camera_id, int height, int width, Image* out,
              const std::string& overlay = "");

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
  void draw(const mjData* data, int camera_id, int height, int width, const std::string& overlay = "");

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
