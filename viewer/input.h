// The viewer's keyboard commands: what each key does to the ViewerState, apart from where the key
// press comes from (Dear ImGui's IO, filled by a PlatformUIAdapter).
#pragma once

#include <vector>

#include "viewer/state.h"

namespace wambench::viewer {

/// What a key asks of the viewer (the help panel lists the keys).
enum class Command {
  kTogglePlay,      ///< space
  kStepForward,     ///< right (pauses; live: at the end, the policy takes a step)
  kStepBack,        ///< left (pauses)
  kFirstState,      ///< home
  kLastState,       ///< end
  kFaster,          ///< up: speed x2 (up to x4)
  kSlower,          ///< down: speed x0.5 (down to x0.25)
  kNextPhase,       ///< page down
  kPreviousPhase,   ///< page up
  kProgressStop,    ///< G
  kToggleContacts,  ///< C
  kToggleForces,    ///< F
  kToggleEeFrame,   ///< E
  kToggleShadows,   ///< S
  kToggleTarget,    ///< T
  kToggleHelp,      ///< H, F1
  kQuit,            ///< Q, Esc
  kRestart,         ///< R (live: restart; otherwise rewind)
  kNextEpisode,     ///< N (live only)
  kPreviousEpisode, ///< P (live only; not below episode 0)
  kTakeOver,        ///< X (live only: the scripted expert takes over)
};

/// One key binding: a GLFW key code (GLFW/glfw3.h GLFW_KEY_*), whether holding it repeats, and its
/// command.
struct KeyBinding {
  int key;
  bool repeat;
  Command command;
};

/// The viewer's key bindings, in the order a frame checks them.
const std::vector<KeyBinding>& key_bindings();

/// Does `command` to `state`. Live-only commands do nothing outside live mode.
void apply(Command command, ViewerState& state);

/// The commands of the keys Dear ImGui saw pressed this frame (in key_bindings() order); none while
/// a text field has the keyboard. Needs a current ImGui frame (PlatformUIAdapter::begin_frame()).
std::vector<Command> pressed_commands();

}  // namespace wambench::viewer
