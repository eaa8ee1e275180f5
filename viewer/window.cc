#include "viewer/window.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl2.h>

namespace wambench::viewer {
namespace {

std::string& last_glfw_error() {
  static std::string message;
  return message;
}

void on_glfw_error(int code, const char* description) {
  last_glfw_error() = "GLFW error " + std::to_string(code) + ": " + (description ? description : "");
}

// The window's GLX context seen through the GlContext interface.
class WindowContext : public GlContext {
 public:
  explicit WindowContext(GLFWwindow* window) : window_(window) {
    make_current();
    query_strings(reinterpret_cast<void* (*)(const char*)>(glfwGetProcAddress));
  }
  void make_current() override {
    if (glfwGetCurrentContext() != window_) glfwMakeContextCurrent(window_);
  }
  GlBackend backend() const override { return GlBackend::kGlx; }

 private:
  GLFWwindow* window_;
};

}  // namespace

Window::Window(int width, int height, const std::string& title, bool visible, bool vsync) {
  glfwSetErrorCallback(on_glfw_error);
  const char* display = std::getenv("DISPLAY");
  if (display == nullptr || *display == '\0')
    throw DisplayError("no display: DISPLAY is not set. The viewer needs an X server; on a headless machine run it "
                       "under a virtual one: xvfb-run -a -s '-screen 0 1920x1080x24' wambench view ...");
  if (!glfwInit())
    throw DisplayError("cannot open display '" + std::string(display) + "' (" + last_glfw_error() +
                       "). Check DISPLAY, or run under xvfb-run -a wambench view ...");
  glfwWindowHint(GLFW_VISIBLE, visible ? GLFW_TRUE : GLFW_FALSE);
  glfwWindowHint(GLFW_SAMPLES, 0);
  window_ = glfwCreateWindow(width, height, title.c_str(), nullptr, nullptr);
  if (window_ == nullptr) {
    const std::string why = last_glfw_error();
    glfwTerminate();
    throw DisplayError("cannot create a " + std::to_string(width) + "x" + std::to_string(height) +
                       " OpenGL window on display '" + display + "' (" + why + ")");
  }
  glfwMakeContextCurrent(window_);
  glfwSwapInterval(vsync ? 1 : 0);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // the layout is fixed; write no imgui.ini
  ImGui::StyleColorsDark();
  ImGui::GetStyle().WindowRounding = 0;
  ImGui_ImplGlfw_InitForOpenGL(window_, true);
  ImGui_ImplOpenGL2_Init();
}

Window::~Window() {
  glfwMakeContextCurrent(window_);
  ImGui_ImplOpenGL2_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window_);
  glfwTerminate();
}

bool Window::should_close() const { return glfwWindowShouldClose(window_); }

void Window::begin_frame() {
  glfwPollEvents();
  ImGui_ImplOpenGL2_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
}

void Window::end_frame(bool swap) {
  ImGui::Render();
  glViewport(0, 0, width(), height());
  ImGui_ImplOpenGL2_RenderDrawData(ImGui::GetDrawData());
  if (swap) glfwSwapBuffers(window_);
}

int Window::width() const {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  return w;
}

int Window::height() const {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  return h;
}

Image Window::capture() const {
  const int w = width(), h = height();
  std::vector<unsigned char> rows(static_cast<size_t>(w) * h * 3);
  glFinish();
  glReadBuffer(GL_BACK);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, rows.data());
  Image out(h, w);
  for (int r = 0; r < h; ++r)
    std::copy_n(&rows[static_cast<size_t>(h - 1 - r) * w * 3], static_cast<size_t>(w) * 3, out.at(r, 0));
  return out;
}

std::unique_ptr<GlContext> Window::make_context() const { return std::make_unique<WindowContext>(window_); }

}  // namespace wambench::viewer
