// Headless OpenGL contexts for MuJoCo's renderer: EGL or OSMesa, chosen like MuJoCo's own
// convention through the MUJOCO_GL environment variable.
#pragma once

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

namespace wambench {

/// The OpenGL platform a context was created on.
enum class GlBackend {
  kEgl,     ///< EGL (GPU driver if present; Mesa llvmpipe otherwise), surfaceless.
  kOsmesa,  ///< OSMesa: Mesa's off-screen software rasterizer (llvmpipe).
  kGlx,     ///< GLX: an X11 window's context (the viewer's; never chosen by GlContext::create()).
};

/// "egl", "osmesa" or "glx".
const char* to_string(GlBackend backend);

/// Raised when no OpenGL backend can create a context. The message lists every backend tried
/// and why it failed, and the valid values of MUJOCO_GL.
class GlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One headless OpenGL context. Each rendering thread owns its own (contexts are never shared
/// between threads); make_current() binds it to the calling thread.
///
/// Backend selection (process-wide, decided by the first context created, because MuJoCo binds its
/// OpenGL function pointers once per process):
///   - MUJOCO_GL unset or empty: try EGL, then OSMesa.
///   - MUJOCO_GL=egl: EGL, falling back to OSMesa (with a warning) if EGL is missing or fails.
///   - MUJOCO_GL=osmesa: OSMesa, falling back to EGL (with a warning).
///   - any other value: GlError listing the valid values.
/// The platform libraries (libEGL.so.1, libOSMesa.so.8) are loaded at run time with dlopen, so a
/// machine that lacks one still runs with the other. Unless LP_NUM_THREADS is already set, it is
/// set to 0 before the first context: Mesa's llvmpipe then rasterizes on the rendering thread
/// (faster for small images, and one core per evaluation worker).
/// Process-wide lock for GL work: Renderer holds it while it sets up or tears down a context with
/// MuJoCo's GPU resources and while it renders and reads back an image, so worker threads never
/// run in the driver at the same time (each still has its own context). Physics and policies stay
/// parallel; with software rendering the frames of parallel workers are drawn one after another.
std::mutex& gl_lifecycle_mutex();

class GlContext {
 public:
  /// Creates a context on the process's backend (choosing it on first use, see above).
  /// @throws GlError if no backend works, naming each backend's failure.
  static std::unique_ptr<GlContext> create();

  virtual ~GlContext() = default;
  GlContext(const GlContext&) = delete;
  GlContext& operator=(const GlContext&) = delete;

  /// Makes this context current on the calling thread (a no-op if it already is).
  virtual void make_current() = 0;

  /// Backend this context lives on.
  virtual GlBackend backend() const = 0;

  /// glGetString(GL_RENDERER) and glGetString(GL_VERSION), e.g. "llvmpipe (LLVM 15.0.6, 256 bits)".
  const std::string& renderer() const { return renderer_; }
  const std::string& version() const { return version_; }

 protected:
  GlContext() = default;
  /// Reads GL_RENDERER / GL_VERSION; call with the context current.
  void query_strings(void* (*get_proc)(const char*));

 private:
  std::string renderer_;
  std::string version_;
};

}  // namespace wambench
