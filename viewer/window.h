// The viewer's window: GLFW (an X11 window, GLX OpenGL context), Dear ImGui on its GLFW and
// OpenGL 2 backends, and an adapter that lets the simulation's camera Renderer draw in the same
// context.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "sim/gl_context.h"
#include "sim/image.h"
#include "viewer/platform_ui_adapter.h"

struct GLFWwindow;

namespace wambench::viewer {

/// Raised when no window can be opened (no X display, no GLX). The message says what failed and
/// how to run headless (xvfb-run).
class DisplayError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One application window with a current OpenGL context and Dear ImGui set up on it: the
/// PlatformUIAdapter on GLFW. One per process (GLFW and Dear ImGui keep global state); main thread only.
class Window final : public PlatformUIAdapter {
 public:
  /// Opens a width x height (pixels) window titled `title`. `visible` false keeps it unmapped
  /// (offscreen default framebuffer, for screenshots). `vsync` limits frames to the display rate.
  /// @throws DisplayError if GLFW cannot initialize (no DISPLAY) or create a window / context.
  Window(int width, int height, const std::string& title, bool visible, bool vsync);
  ~Window() override;
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  /// True once the user asked to close the window.
  bool should_close() const override;
  /// Polls events and starts an ImGui frame.
  void begin_frame() override;
  /// Renders ImGui's draw data over what was drawn, then (if `swap`) presents the frame.
  void end_frame(bool swap = true) override;
  /// Framebuffer size (pixels).
  int width() const override;
  int height() const override;
  /// Always true: the window has a current OpenGL context.
  bool has_gl() const override { return true; }
  /// Reads the back buffer (what end_frame(false) just drew) as an RGB image, row 0 = top.
  Image capture() const override;

  /// A GlContext for this window's context, so that a Renderer (sim/renderer.h) draws camera images
  /// here; it does not own the window.
  std::unique_ptr<GlContext> make_context() const override;
  GLFWwindow* handle() const { return window_; }

 private:
  GLFWwindow* window_ = nullptr;
};

}  // namespace wambench::viewer
