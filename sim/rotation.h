// Rotation helpers shared by the arm controller and the bridge's safety filter, so both integrate
// end-effector targets with exactly the same arithmetic.
#pragma once

#include <Eigen/Dense>

namespace wambench {

/// Rotation vector (axis * angle, rad, angle in [0, pi]) of a rotation matrix, through Eigen's
/// AngleAxis (robust near 0 and pi).
inline Eigen::Vector3d log_rotation(const Eigen::Matrix3d& r) {
  Eigen::AngleAxisd aa(r);
  return aa.axis() * aa.angle();
}

/// Rotation matrix of a rotation vector v (axis * angle, rad): exp([v]x); the identity for
/// |v| < 1e-12.
inline Eigen::Matrix3d exp_rotation(const Eigen::Vector3d& v) {
  const double angle = v.norm();
  if (angle < 1e-12) return Eigen::Matrix3d::Identity();
  return Eigen::AngleAxisd(angle, v / angle).toRotationMatrix();
}

/// v clipped to the ball of radius r (>= 0) around c.
inline Eigen::Vector3d clamp_to_ball(const Eigen::Vector3d& v, const Eigen::Vector3d& c, double r) {
  const Eigen::Vector3d d = v - c;
  const double n = d.norm();
  return n <= r ? v : c + d * (r / n);
}

}  // namespace wambench
