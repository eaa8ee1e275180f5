#include "sim/renderer.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace wambench {

Renderer::Renderer(mjModel* model, int max_width, int max_height, const RenderConfig& config,
                   std::unique_ptr<GlContext> context)
    : model_(model), config_(config), max_width_(max_width), max_height_(max_height) {
  if (max_width <= 0 || max_height <= 0) {
    throw std::invalid_argument("Renderer: image size must be positive, got " +
                                std::to_string(max_height) + "x" + std::to_string(max_width));
  }
  if (config.shadow_size < 64) {
    throw std::invalid_argument("RenderConfig.shadow_size must be >= 64, got " +
                                std::to_string(config.shadow_size));
  }
  // Setting up and tearing down GL state runs one thread at a time (gl_lifecycle_mutex): worker
  // threads that create and destroy renderers side by side (`wambench collect`, one set of workers
  // per task) crashed inside the driver now and then when they overlapped.
  std::lock_guard<std::mutex> lock(gl_lifecycle_mutex());
  context_ = context ? std::move(context) : GlContext::create();
  context_->make_current();

  // The off-screen buffer is exactly as large as the largest image: llvmpipe clears and resolves
  // the whole buffer every frame, so a larger one (MuJoCo's default is 640 x 480) costs time.
  model->vis.global.offwidth = max_width;
  model->vis.global.offheight = max_height;
  model->vis.quality.shadowsize = config.shadow_size;
  model->vis.quality.offsamples = config.msaa_samples;

  mjv_defaultScene(&scene_);
  mjv_defaultOption(&option_);
  mjv_defaultCamera(&camera_);
  mjr_defaultContext(&mjr_);
  mjv_makeScene(model, &scene_, 2000);
  mjr_makeContext(model, &mjr_, mjFONTSCALE_100);
  mjr_ready_ = true;
  mjr_setBuffer(mjFB_OFFSCREEN, &mjr_);
  if (mjr_.currentBuffer != mjFB_OFFSCREEN) {
    throw GlError("the OpenGL context has no off-screen framebuffer support (MuJoCo needs "
                  "ARB_framebuffer_object); renderer: " + context_->renderer());
  }
  scene_.flags[mjRND_SHADOW] = config.shadows ? 1 : 0;
  scene_.flags[mjRND_REFLECTION] = config.reflections ? 1 : 0;
  scene_.flags[mjRND_SKYBOX] = 0;
  camera_.type = mjCAMERA_FIXED;
}

Renderer::~Renderer() {
  std::lock_guard<std::mutex> lock(gl_lifecycle_mutex());
  context_->make_current();
  if (mjr_ready_) mjr_freeContext(&mjr_);
  mjv_freeScene(&scene_);
  context_.reset();
}

int Renderer::camera_id(const std::string& name) const {
  const int id = mj_name2id(model_, mjOBJ_CAMERA, name.c_str());
  if (id >= 0) return id;
  std::string names;
  for (int i = 0; i < model_->ncam; ++i) {
    if (i) names += ", ";
    names += mj_id2name(model_, mjOBJ_CAMERA, i);
  }
  throw std::invalid_argument("unknown camera '" + name + "'; this scene has: " + names);
}

void Renderer::draw(const mjData* data, int camera_id, int height, int width, const std::string& overlay) {
  if (camera_id < 0 || camera_id >= model_->ncam) {
    throw std::invalid_argument("camera id " + std::to_string(camera_id) + " out of range [0, " +
                                std::to_string(model_->ncam) + ")");
  }
  if (height <= 0 || width <= 0 || height > max_height_ || width > max_width_) {
    throw std::invalid_argument("render size " + std::to_string(height) + "x" + std::to_string(width) +
                                " outside 1.." + std::to_string(max_height_) + " x 1.." +
                                std::to_string(max_width_) + " (set at Renderer construction)");
  }
  context_->make_current();
  // The context may be shared with a window that draws to its own framebuffer (the viewer).
  mjr_setBuffer(mjFB_OFFSCREEN, &mjr_);
  camera_.fixedcamid = camera_id;
  // mjv_updateScene only reads mjData (it takes a non-const pointer for historical reasons).
  mjv_updateScene(model_, const_cast<mjData*>(data), &option_, nullptr, &camera_, mjCAT_ALL, &scene_);
  const mjrRect viewport = {0, 0, width, height};
  mjr_render(viewport, &scene_, &mjr_);
  if (!overlay.empty()) mjr_overlay(mjFONT_NORMAL, mjGRID_TOPLEFT, viewport, overlay.c_str(), nullptr, &mjr_);
}

void Renderer::render(const mjData* data, int camera_id, int height, int width, Image* out,
                      const std::string& overlay) {
  // One thread at a time in the driver (see the constructor): evaluation sweeps whose workers render
  // in parallel crashed now and then (SIGSEGV) with only setup and teardown serialized.
  std::lock_guard<std::mutex> lock(gl_lifecycle_mutex());
  draw(data, camera_id, height, width, overlay);
  const size_t row_bytes = static_cast<size_t>(width) * 3;
  flipped_.resize(row_bytes * height);
  const mjrRect viewport = {0, 0, width, height};
  mjr_readPixels(flipped_.data(), nullptr, viewport, &mjr_);
  if (out->height != height || out->width != width) *out = Image(height, width);
  // OpenGL returns the bottom row first; images here have row 0 at the top.
  for (int r = 0; r < height; ++r) {
    std::memcpy(out->at(r, 0), &flipped_[(height - 1 - r) * row_bytes], row_bytes);
  }
}

Image Renderer::render(const mjData* data, const std::string& camera, int height, int width) {
  Image out;
  render(data, camera_id(camera), height, width, &out);
  return out;
}

std::vector<int> Renderer::render_geom_ids(const mjData* data, int camera_id, int height, int width) {
  scene_.flags[mjRND_SEGMENT] = 1;
  scene_.flags[mjRND_IDCOLOR] = 1;
  Image ids;
  try {
    render(data, camera_id, height, width, &ids);
  } catch (...) {
    scene_.flags[mjRND_SEGMENT] = 0;
    scene_.flags[mjRND_IDCOLOR] = 0;
    throw;
  }
  scene_.flags[mjRND_SEGMENT] = 0;
  scene_.flags[mjRND_IDCOLOR] = 0;
  std::vector<int> out(static_cast<size_t>(height) * width, -1);
  for (int r = 0; r < height; ++r) {
    for (int c = 0; c < width; ++c) {
      const uint8_t* p = ids.at(r, c);
      // mjRND_IDCOLOR encodes segid + 1 in the colour's 24 bits (0 = background).
      const int segid = (p[0] | (p[1] << 8) | (p[2] << 16)) - 1;
      if (segid < 0 || segid >= scene_.ngeom) continue;
      const mjvGeom& g = scene_.geoms[segid];
      if (g.objtype == mjOBJ_GEOM) out[static_cast<size_t>(r) * width + c] = g.objid;
    }
  }
  return out;
}

}  // namespace wambench
