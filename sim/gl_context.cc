#include "sim/gl_context.h"

#include <dlfcn.h>

#include <mutex>
#include <optional>
#include <vector>

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GL/osmesa.h>
#include <spdlog/spdlog.h>

namespace wambench {
namespace {

constexpr unsigned kGlRenderer = 0x1F01;  // GL_RENDERER
constexpr unsigned kGlVersion = 0x1F02;   // GL_VERSION

template <typename Fn>
Fn load_symbol(void* lib, const char* name) {
  return reinterpret_cast<Fn>(dlsym(lib, name));
}

// Makes a successfully used platform library's symbols global, so that MuJoCo's OpenGL loader
// (which first looks for eglGetProcAddress / OSMesaGetProcAddress in the global scope) binds to it.
void promote_to_global(const char* soname) {
  void* handle = dlopen(soname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  if (handle == nullptr) {
    spdlog::warn("could not promote {} to global scope: {}", soname, dlerror());
  }
}

// ------------------------------------------------------------------------------------------------
// EGL

struct EglApi {
  void* lib = nullptr;
  PFNEGLGETPROCADDRESSPROC GetProcAddress = nullptr;
  PFNEGLGETERRORPROC GetError = nullptr;
  PFNEGLINITIALIZEPROC Initialize = nullptr;
  PFNEGLCHOOSECONFIGPROC ChooseConfig = nullptr;
  PFNEGLBINDAPIPROC BindAPI = nullptr;
  PFNEGLCREATECONTEXTPROC CreateContext = nullptr;
  PFNEGLMAKECURRENTPROC MakeCurrent = nullptr;
  PFNEGLDESTROYCONTEXTPROC DestroyContext = nullptr;
  PFNEGLQUERYSTRINGPROC QueryString = nullptr;
  PFNEGLGETDISPLAYPROC GetDisplay = nullptr;
  EGLDisplay display = EGL_NO_DISPLAY;
};

std::string egl_error_name(EGLint code) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%04X", code);
  return buf;
}

// Loads libEGL and initializes one display for the process. Returns an error text on failure.
std::optional<std::string> init_egl(EglApi* api) {
  api->lib = dlopen("libEGL.so.1", RTLD_NOW | RTLD_LOCAL);
  if (api->lib == nullptr) return std::string("libEGL.so.1 not loadable: ") + dlerror();
  api->GetProcAddress = load_symbol<PFNEGLGETPROCADDRESSPROC>(api->lib, "eglGetProcAddress");
  api->GetError = load_symbol<PFNEGLGETERRORPROC>(api->lib, "eglGetError");
  api->Initialize = load_symbol<PFNEGLINITIALIZEPROC>(api->lib, "eglInitialize");
  api->ChooseConfig = load_symbol<PFNEGLCHOOSECONFIGPROC>(api->lib, "eglChooseConfig");
  api->BindAPI = load_symbol<PFNEGLBINDAPIPROC>(api->lib, "eglBindAPI");
  api->CreateContext = load_symbol<PFNEGLCREATECONTEXTPROC>(api->lib, "eglCreateContext");
  api->MakeCurrent = load_symbol<PFNEGLMAKECURRENTPROC>(api->lib, "eglMakeCurrent");
  api->DestroyContext = load_symbol<PFNEGLDESTROYCONTEXTPROC>(api->lib, "eglDestroyContext");
  api->QueryString = load_symbol<PFNEGLQUERYSTRINGPROC>(api->lib, "eglQueryString");
  api->GetDisplay = load_symbol<PFNEGLGETDISPLAYPROC>(api->lib, "eglGetDisplay");
  if (!api->GetProcAddress || !api->Initialize || !api->ChooseConfig || !api->CreateContext ||
      !api->MakeCurrent || !api->BindAPI) {
    return std::string("libEGL.so.1 lacks core EGL 1.4 entry points");
  }

  // Prefer an explicit device (the first one: a GPU if any, else Mesa's software device), then
  // Mesa's surfaceless platform, then the default display.
  auto get_platform_display = reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(
      api->GetProcAddress("eglGetPlatformDisplayEXT"));
  auto query_devices =
      reinterpret_cast<PFNEGLQUERYDEVICESEXTPROC>(api->GetProcAddress("eglQueryDevicesEXT"));
  std::vector<EGLDisplay> candidates;
  if (get_platform_display != nullptr && query_devices != nullptr) {
    EGLDeviceEXT devices[8];
    EGLint count = 0;
    if (query_devices(8, devices, &count) && count > 0) {
      candidates.push_back(get_platform_display(EGL_PLATFORM_DEVICE_EXT, devices[0], nullptr));
    }
  }
  if (get_platform_display != nullptr) {
    candidates.push_back(get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr));
  }
  if (api->GetDisplay != nullptr) candidates.push_back(api->GetDisplay(EGL_DEFAULT_DISPLAY));

  std::string why = "no EGL display could be obtained";
  for (EGLDisplay display : candidates) {
    if (display == EGL_NO_DISPLAY) continue;
    EGLint major = 0, minor = 0;
    if (api->Initialize(display, &major, &minor)) {
      api->display = display;
      return std::nullopt;
    }
    why = "eglInitialize failed with " + egl_error_name(api->GetError ? api->GetError() : 0);
  }
  return why;
}

class EglContext final : public GlContext {
 public:
  static std::unique_ptr<GlContext> create(EglApi* api, std::string* why) {
    const EGLint config_attribs[] = {EGL_RED_SIZE,     8,  EGL_GREEN_SIZE,   8,
                                     EGL_BLUE_SIZE,    8,  EGL_ALPHA_SIZE,   8,
                                     EGL_DEPTH_SIZE,   24, EGL_STENCIL_SIZE, 8,
                                     EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT,
                                     EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_NONE};
    EGLConfig config;
    EGLint num = 0;
    if (!api->ChooseConfig(api->display, config_attribs, &config, 1, &num) || num < 1) {
      *why = "eglChooseConfig found no RGBA8/depth24/stencil8 desktop-OpenGL config";
      return nullptr;
    }
    if (!api->BindAPI(EGL_OPENGL_API)) {
      *why = "eglBindAPI(EGL_OPENGL_API) failed";
      return nullptr;
    }
    EGLContext ctx = api->CreateContext(api->display, config, EGL_NO_CONTEXT, nullptr);
    if (ctx == EGL_NO_CONTEXT) {
      *why = "eglCreateContext failed with " + egl_error_name(api->GetError());
      return nullptr;
    }
    std::unique_ptr<EglContext> out(new EglContext(api, ctx));
    if (!api->MakeCurrent(api->display, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
      *why = "eglMakeCurrent without a surface failed with " + egl_error_name(api->GetError()) +
             " (EGL_KHR_surfaceless_context missing?)";
      return nullptr;
    }
    current_ = out.get();
    out->query_strings(reinterpret_cast<void* (*)(const char*)>(api->GetProcAddress));
    return out;
  }

  ~EglContext() override {
    if (current_ == this) {
      api_->MakeCurrent(api_->display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
      current_ = nullptr;
    }
    api_->DestroyContext(api_->display, ctx_);
  }

  void make_current() override {
    if (current_ == this) return;
    if (!api_->MakeCurrent(api_->display, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx_)) {
      throw GlError("eglMakeCurrent failed with " + egl_error_name(api_->GetError()));
    }
    current_ = this;
  }

  GlBackend backend() const override { return GlBackend::kEgl; }

 private:
  EglContext(EglApi* api, EGLContext ctx) : api_(api), ctx_(ctx) {}
  EglApi* api_;
  EGLContext ctx_;
  static thread_local EglContext* current_;
};
thread_local EglContext* EglContext::current_ = nullptr;

// ------------------------------------------------------------------------------------------------
// OSMesa

struct OsmesaApi {
  void* lib = nullptr;
  OSMesaContext (*CreateContextExt)(GLenum, GLint, GLint, GLint, OSMesaContext) = nullptr;
  GLboolean (*MakeCurrent)(OSMesaContext, void*, GLenum, GLsizei, GLsizei) = nullptr;
  void (*DestroyContext)(OSMesaContext) = nullptr;
  OSMESAproc (*GetProcAddress)(const char*) = nullptr;
};

std::optional<std::string> init_osmesa(OsmesaApi* api) {
  api->lib = dlopen("libOSMesa.so.8", RTLD_NOW | RTLD_LOCAL);
  if (api->lib == nullptr) return std::string("libOSMesa.so.8 not loadable: ") + dlerror();
  api->CreateContextExt =
      load_symbol<decltype(api->CreateContextExt)>(api->lib, "OSMesaCreateContextExt");
  api->MakeCurrent = load_symbol<decltype(api->MakeCurrent)>(api->lib, "OSMesaMakeCurrent");
  api->DestroyContext = load_symbol<decltype(api->DestroyContext)>(api->lib, "OSMesaDestroyContext");
  api->GetProcAddress = load_symbol<decltype(api->GetProcAddress)>(api->lib, "OSMesaGetProcAddress");
  if (!api->CreateContextExt || !api->MakeCurrent || !api->DestroyContext || !api->GetProcAddress) {
    return std::string("libOSMesa.so.8 lacks OSMesaCreateContextExt/MakeCurrent/GetProcAddress");
  }
  return std::nullopt;
}

class OsmesaContext final : public GlContext {
 public:
  static std::unique_ptr<GlContext> create(OsmesaApi* api, std::string* why) {
    OSMesaContext ctx = api->CreateContextExt(OSMESA_RGBA, 24, 8, 0, nullptr);
    if (ctx == nullptr) {
      *why = "OSMesaCreateContextExt(RGBA, depth 24, stencil 8) failed";
      return nullptr;
    }
    std::unique_ptr<OsmesaContext> out(new OsmesaContext(api, ctx));
    if (!api->MakeCurrent(ctx, out->buffer_.data(), GL_UNSIGNED_BYTE, kSize, kSize)) {
      *why = "OSMesaMakeCurrent failed";
      return nullptr;
    }
    current_ = out.get();
    out->query_strings(reinterpret_cast<void* (*)(const char*)>(api->GetProcAddress));
    return out;
  }

  ~OsmesaContext() override {
    if (current_ == this) current_ = nullptr;
    api_->DestroyContext(ctx_);
  }

  void make_current() override {
    if (current_ == this) return;
    if (!api_->MakeCurrent(ctx_, buffer_.data(), GL_UNSIGNED_BYTE, kSize, kSize)) {
      throw GlError("OSMesaMakeCurrent failed");
    }
    current_ = this;
  }

  GlBackend backend() const override { return GlBackend::kOsmesa; }

 private:
  // MuJoCo renders into its own framebuffer object; the window-system buffer only has to exist.
  static constexpr int kSize = 16;
  OsmesaContext(OsmesaApi* api, OSMesaContext ctx)
      : api_(api), ctx_(ctx), buffer_(static_cast<size_t>(kSize) * kSize * 4) {}
  OsmesaApi* api_;
  OSMesaContext ctx_;
  std::vector<unsigned char> buffer_;
  static thread_local OsmesaContext* current_;
};
thread_local OsmesaContext* OsmesaContext::current_ = nullptr;

// ------------------------------------------------------------------------------------------------
// Process-wide backend choice.

struct Platform {
  std::mutex mutex;
  std::optional<GlBackend> chosen;
  EglApi egl;
  OsmesaApi osmesa;
  bool egl_tried = false, osmesa_tried = false;
  std::optional<std::string> egl_error, osmesa_error;
};

Platform& platform() {
  static Platform* p = new Platform();  // never destroyed: contexts may outlive static teardown
  return *p;
}

std::unique_ptr<GlContext> try_backend(Platform& p, GlBackend b, std::string* why) {
  if (b == GlBackend::kEgl) {
    if (!p.egl_tried) {
      p.egl_tried = true;
      p.egl_error = init_egl(&p.egl);
    }
    if (p.egl_error) {
      *why = *p.egl_error;
      return nullptr;
    }
    return EglContext::create(&p.egl, why);
  }
  if (!p.osmesa_tried) {
    p.osmesa_tried = true;
    p.osmesa_error = init_osmesa(&p.osmesa);
  }
  if (p.osmesa_error) {
    *why = *p.osmesa_error;
    return nullptr;
  }
  return OsmesaContext::create(&p.osmesa, why);
}

}  // namespace

std::mutex& gl_lifecycle_mutex() {
  static std::mutex* m = new std::mutex();  // never destroyed, like platform()
  return *m;
}

const char* to_string(GlBackend backend) {
  switch (backend) {
    case GlBackend::kEgl: return "egl";
    case GlBackend::kOsmesa: return "osmesa";
    case GlBackend::kGlx: return "glx";
  }
  return "unknown";
}

void GlContext::query_strings(void* (*get_proc)(const char*)) {
  using GetStringFn = const unsigned char* (*)(unsigned);
  auto get_string = reinterpret_cast<GetStringFn>(get_proc("glGetString"));
  if (get_string == nullptr) return;
  const unsigned char* r = get_string(kGlRenderer);
  const unsigned char* v = get_string(kGlVersion);
  renderer_ = r ? reinterpret_cast<const char*>(r) : "unknown";
  version_ = v ? reinterpret_cast<const char*>(v) : "unknown";
}

std::unique_ptr<GlContext> GlContext::create() {
  Platform& p = platform();
  std::lock_guard<std::mutex> lock(p.mutex);
  std::string why;
  if (p.chosen) {
    auto ctx = try_backend(p, *p.chosen, &why);
    if (!ctx) throw GlError(std::string("could not create another ") + to_string(*p.chosen) +
                            " context: " + why);
    return ctx;
  }

  // llvmpipe (Mesa's software rasterizer) spreads each frame over helper threads by default; at
  // 64-224 px the hand-off costs more than it saves (bench_render: 4.1 ms -> 2.7 ms a frame without
  // shadows on 2 cores), and parallel evaluation workers already use every core. Rasterize on the
  // calling thread unless the user chose otherwise. No effect on GPU drivers.
  setenv("LP_NUM_THREADS", "0", /*overwrite=*/0);

  const char* env = std::getenv("MUJOCO_GL");
  const std::string requested = env ? env : "";
  std::vector<GlBackend> order;
  if (requested.empty() || requested == "egl") {
    order = {GlBackend::kEgl, GlBackend::kOsmesa};
  } else if (requested == "osmesa") {
    order = {GlBackend::kOsmesa, GlBackend::kEgl};
  } else {
    throw GlError("MUJOCO_GL='" + requested +
                  "' is not a headless backend this build supports; valid values: egl, osmesa "
                  "(or unset to try egl, then osmesa)");
  }

  std::string failures;
  for (GlBackend b : order) {
    auto ctx = try_backend(p, b, &why);
    if (ctx) {
      if (!failures.empty()) {
        spdlog::warn("OpenGL: {}; using {} instead", failures, to_string(b));
      }
      promote_to_global(b == GlBackend::kEgl ? "libEGL.so.1" : "libOSMesa.so.8");
      p.chosen = b;
      return ctx;
    }
    if (!failures.empty()) failures += "; ";
    failures += std::string(to_string(b)) + " failed: " + why;
  }
  throw GlError("no OpenGL backend works (" + failures +
                "). Install Mesa's libosmesa6 (software) or an EGL driver (libegl1 + libegl-mesa0 "
                "or a GPU driver); MUJOCO_GL selects egl or osmesa");
}

}  // namespace wambench
