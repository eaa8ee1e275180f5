// A PlatformUIAdapter without a window or OpenGL: Dear ImGui runs on a virtual screen, and input
// (keys, mouse) is whatever the caller feeds in. Tests drive the viewer's state and panels with it
// on machines without an X display.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "viewer/platform_ui_adapter.h"

namespace wambench::viewer {

/// The viewer's adapter for tests: frames are Dear ImGui frames on a width x height virtual screen,
/// nothing is rasterized (has_gl() false). One per process at a time, as any adapter.
class HeadlessAdapter final : public PlatformUIAdapter {
 public:
  /// @throws std::invalid_argument if width or height < 1; std::logic_error if a Dear ImGui
  /// context exists already (another adapter is alive).
  HeadlessAdapter(int width, int height);
  ~HeadlessAdapter() override;
  HeadlessAdapter(const HeadlessAdapter&) = delete;
  HeadlessAdapter& operator=(const HeadlessAdapter&) = delete;

  /// Presses `glfw_key` (a GLFW_KEY_* code, 0..511) for one frame: it is down in the next
  /// begin_frame() and released in the one after. A key still down from the last frame is pressed
  /// one frame later (it comes up in between). @throws std::invalid_argument outside 0..511.
  void press_key(int glfw_key);
  /// Moves the mouse to (x, y), window pixels, origin top-left; takes effect at the next frame.
  void move_mouse(float x, float y);
  /// Holds mouse button `button` (0 left, 1 right, 2 middle) down or releases it from the next
  /// frame on. @throws std::invalid_argument for another button.
  void set_mouse_button(int button, bool down);
  /// Makes should_close() true, as closing a window does.
  void request_close() { close_ = true; }
  /// Titles of the top-level Dear ImGui windows drawn in the last frame (in the order of their
  /// creation; Dear ImGui's implicit "Debug##Default" window left out).
  std::vector<std::string> windows_drawn() const;
  /// Frames begun so far.
  int frames() const { return frames_; }

  bool should_close() const override { return close_; }
  void begin_frame() override;
  void end_frame(bool swap = true) override;
  int width() const override { return width_; }
  int height() const override { return height_; }
  bool has_gl() const override { return false; }
  /// @throws std::logic_error: nothing is rasterized.
  Image capture() const override;
  /// nullptr: there is no OpenGL context.
  std::unique_ptr<GlContext> make_context() const override { return nullptr; }

 private:
  int width_, height_;
  bool close_ = false;
  int frames_ = 0;
  std::set<int> pending_keys_, down_keys_;
  float mouse_x_ = -1, mouse_y_ = -1;
  bool mouse_down_[3] = {false, false, false};
};

}  // namespace wambench::viewer
