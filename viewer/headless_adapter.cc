#include "viewer/headless_adapter.h"

#include <imgui.h>
#include <imgui_internal.h>

#include <stdexcept>

namespace wambench::viewer {

HeadlessAdapter::HeadlessAdapter(int width, int height) : width_(width), height_(height) {
  if (width < 1 || height < 1)
    throw std::invalid_argument("HeadlessAdapter: size must be at least 1x1 pixels, got " + std::to_string(width) +
                                "x" + std::to_string(height));
  if (ImGui::GetCurrentContext() != nullptr)
    throw std::logic_error("HeadlessAdapter: a Dear ImGui context exists already (one adapter at a time)");
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // as the window: a fixed layout, no imgui.ini
  io.DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
  unsigned char* pixels = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // builds the font atlas (no texture is made)
  ImGui::StyleColorsDark();
  ImGui::GetStyle().WindowRounding = 0;
}

HeadlessAdapter::~HeadlessAdapter() { ImGui::DestroyContext(); }

void HeadlessAdapter::press_key(int glfw_key) {
  if (glfw_key < 0 || glfw_key >= 512)
    throw std::invalid_argument("HeadlessAdapter::press_key: key code " + std::to_string(glfw_key) +
                                " is not a GLFW key code (valid: 0..511)");
  pending_keys_.insert(glfw_key);
}

void HeadlessAdapter::move_mouse(float x, float y) {
  mouse_x_ = x;
  mouse_y_ = y;
}

void HeadlessAdapter::set_mouse_button(int button, bool down) {
  if (button < 0 || button > 2)
    throw std::invalid_argument("HeadlessAdapter::set_mouse_button: button " + std::to_string(button) +
                                " (valid: 0 left, 1 right, 2 middle)");
  mouse_down_[button] = down;
}

void HeadlessAdapter::begin_frame() {
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(static_cast<float>(width_), static_cast<float>(height_));
  io.DeltaTime = 1.0f / 60.0f;
  // Keys pressed last frame are released now; one pressed again waits for the frame after, as a
  // key must come up before it goes down again.
  std::set<int> now, later;
  for (int key : pending_keys_) (down_keys_.count(key) ? later : now).insert(key);
  for (int key : down_keys_) io.KeysDown[key] = false;
  for (int key : now) io.KeysDown[key] = true;
  down_keys_ = std::move(now);
  pending_keys_ = std::move(later);
  io.MousePos = ImVec2(mouse_x_, mouse_y_);
  for (int b = 0; b < 3; ++b) io.MouseDown[b] = mouse_down_[b];
  ++frames_;
  ImGui::NewFrame();
}

void HeadlessAdapter::end_frame(bool) { ImGui::Render(); }

std::vector<std::string> HeadlessAdapter::windows_drawn() const {
  std::vector<std::string> names;
  const ImGuiContext& g = *ImGui::GetCurrentContext();
  for (const ImGuiWindow* w : g.Windows) {
    if (!w->Active) continue;  // begun in the frame that end_frame() closed
    if (w->Flags & (ImGuiWindowFlags_ChildWindow | ImGuiWindowFlags_Tooltip | ImGuiWindowFlags_Popup)) continue;
    const std::string name = w->Name;
    if (name == "Debug##Default") continue;
    names.push_back(name);
  }
  return names;
}

Image HeadlessAdapter::capture() const {
  throw std::logic_error("HeadlessAdapter::capture: there is no framebuffer (no OpenGL); use Window");
}

}  // namespace wambench::viewer
