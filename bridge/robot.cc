#include "bridge/robot.h"

#include <algorithm>
#include <chrono>

namespace wambench {

double bridge_clock_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double TimedObservation::age_s(double now_s) const {
  double oldest = state_stamp_s;
  for (const auto& [camera, stamp] : image_stamp_s) oldest = std::min(oldest, stamp);
  return now_s - oldest;
}

RobotCommand make_hold_command(const std::array<double, 3>& target_pos_m, const std::array<double, 4>& target_quat_wxyz,
                               bool gripper_close) {
  RobotCommand c;
  c.action.fill(0.0);
  c.action[6] = gripper_close ? 1.0 : -1.0;
  c.ee_target_pos_m = target_pos_m;
  c.ee_target_quat_wxyz = target_quat_wxyz;
  c.gripper_close = gripper_close;
  c.hold = true;
  c.issued_s = bridge_clock_s();
  return c;
}

RobotFault::RobotFault(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}

const char* to_string(RobotFault::Kind kind) {
  switch (kind) {
    case RobotFault::Kind::kDisconnected: return "disconnected";
    case RobotFault::Kind::kTimeout: return "timeout";
    case RobotFault::Kind::kStaleObservation: return "stale_observation";
    case RobotFault::Kind::kProtocol: return "protocol";
    case RobotFault::Kind::kHardware: return "hardware";
    case RobotFault::Kind::kEmergencyStop: return "emergency_stop";
    case RobotFault::Kind::kConfig: return "config";
  }
  return "unknown";
}

}  // namespace wambench
