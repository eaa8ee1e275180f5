// The viewer's window as an interface, in the manner of MuJoCo's simulate/platform_ui_adapter.h:
// the panels and the state never touch GLFW, so they run under a test adapter without a display.
#pragma once

#include <memory>

#include "sim/gl_context.h"
#include "sim/image.h"

namespace wambench::viewer {

/// A window (or a stand-in for one) with a Dear ImGui context: input arrives through ImGui's IO
/// (keys by GLFW key code, mouse in window pixels, origin top-left), frames are begun and ended
/// here. Implementations: Window (viewer/window.h, GLFW + OpenGL) and HeadlessAdapter
/// (viewer/headless_adapter.h, no window, for tests). One per process: Dear ImGui keeps global
/// state. Main thread only.
class PlatformUIAdapter {
 public:
  virtual ~PlatformUIAdapter() = default;
  /// True once the user asked to close the window.
  virtual bool should_close() const = 0;
  /// Collects input (keys, mouse) and starts a Dear ImGui frame.
  virtual void begin_frame() = 0;
  /// Finishes the Dear ImGui frame (renders it over what was drawn, where there is OpenGL) and, if
  /// `swap`, presents the frame.
  virtual void end_frame(bool swap = true) = 0;
  /// Framebuffer size (pixels).
  virtual int width() const = 0;
  virtual int height() const = 0;
  /// True if the adapter has a current OpenGL context: only then are the 3-D scene and the camera
  /// images drawn (the rest of the frame, state and panels, is the same either way).
  virtual bool has_gl() const = 0;
  /// The frame just drawn (after end_frame(false)), 8-bit RGB, row 0 = top.
  /// @throws std::logic_error where there is no OpenGL (has_gl() false).
  virtual Image capture() const = 0;
  /// A GlContext for the adapter's OpenGL context, so that a Renderer (sim/renderer.h) draws camera
  /// images into it; it does not own the context. nullptr where has_gl() is false.
  virtual std::unique_ptr<GlContext> make_context() const = 0;
};

}  // namespace wambench::viewer
