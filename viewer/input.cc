#include "viewer/input.h"

#include <GLFW/glfw3.h>
#include <imgui.h>

namespace wambench::viewer {

const std::vector<KeyBinding>& key_bindings() {
  static const std::vector<KeyBinding> bindings = {
      {GLFW_KEY_SPACE, false, Command::kTogglePlay},
      {GLFW_KEY_RIGHT, true, Command::kStepForward},
      {GLFW_KEY_LEFT, true, Command::kStepBack},
      {GLFW_KEY_HOME, false, Command::kFirstState},
      {GLFW_KEY_END, false, Command::kLastState},
      {GLFW_KEY_UP, false, Command::kFaster},
      {GLFW_KEY_DOWN, false, Command::kSlower},
      {GLFW_KEY_PAGE_DOWN, false, Command::kNextPhase},
      {GLFW_KEY_PAGE_UP, false, Command::kPreviousPhase},
      {GLFW_KEY_G, false, Command::kProgressStop},
      {GLFW_KEY_C, false, Command::kToggleContacts},
      {GLFW_KEY_F, false, Command::kToggleForces},
      {GLFW_KEY_E, false, Command::kToggleEeFrame},
      {GLFW_KEY_S, false, Command::kToggleShadows},
      {GLFW_KEY_T, false, Command::kToggleTarget},
      {GLFW_KEY_H, false, Command::kToggleHelp},
      {GLFW_KEY_F1, false, Command::kToggleHelp},
      {GLFW_KEY_Q, false, Command::kQuit},
      {GLFW_KEY_ESCAPE, false, Command::kQuit},
      {GLFW_KEY_R, false, Command::kRestart},
      {GLFW_KEY_N, false, Command::kNextEpisode},
      {GLFW_KEY_P, false, Command::kPreviousEpisode},
      {GLFW_KEY_X, false, Command::kTakeOver},
  };
  return bindings;
}

void apply(Command command, ViewerState& state) {
  switch (command) {
    case Command::kTogglePlay: state.set_playing(!state.playing()); break;
    case Command::kStepForward:
      state.set_playing(false);
      state.advance();
      break;
    case Command::kStepBack:
      state.set_playing(false);
      state.set_cursor(state.cursor() - 1);
      break;
    case Command::kFirstState: state.set_cursor(0); break;
    case Command::kLastState: state.set_cursor(state.last_state()); break;
    case Command::kFaster: state.set_speed(state.speed() * 2); break;
    case Command::kSlower: state.set_speed(state.speed() / 2); break;
    case Command::kNextPhase: state.next_phase(); break;
    case Command::kPreviousPhase: state.previous_phase(); break;
    case Command::kProgressStop: state.jump_to_progress_stop(); break;
    case Command::kToggleContacts: state.vis().flags[mjVIS_CONTACTPOINT] ^= 1; break;
    case Command::kToggleForces: state.vis().flags[mjVIS_CONTACTFORCE] ^= 1; break;
    case Command::kToggleEeFrame: state.ee_frame = !state.ee_frame; break;
    case Command::kToggleShadows: state.shadows = !state.shadows; break;
    case Command::kToggleTarget: state.target = !state.target; break;
    case Command::kToggleHelp: state.help = !state.help; break;
    case Command::kQuit: state.quit = true; break;
    case Command::kRestart: state.restart(); break;
    case Command::kNextEpisode:
      if (state.live()) state.set_live_episode(state.options().episode + 1);
      break;
    case Command::kPreviousEpisode:
      if (state.live() && state.options().episode > 0) state.set_live_episode(state.options().episode - 1);
      break;
    case Command::kTakeOver:
      if (state.live()) state.take_over();
      break;
  }
}

std::vector<Command> pressed_commands() {
  std::vector<Command> commands;
  if (ImGui::GetIO().WantTextInput) return commands;
  for (const KeyBinding& b : key_bindings()) {
    if (!ImGui::IsKeyPressed(b.key, b.repeat)) continue;
    // H and F1 both toggle help: together in one frame they count once, as one check of both.
    if (b.key == GLFW_KEY_F1 && ImGui::IsKeyPressed(GLFW_KEY_H, false)) continue;
    commands.push_back(b.command);
  }
  return commands;
}

}  // namespace wambench::viewer
