// The watchdog and the emergency stop of the sim-to-real bridge (issue 15, "Safety filter"): a thread
// that holds the arm when the control loop stops sending commands, and SIGINT / SIGTERM handlers that
// request an emergency hold. The runtime (bridge/runtime.h) kicks the watchdog after each command and
// reads emergency_stop_requested() in its loop; the watchdog holds on its own within one control
// period of either event, even while the loop is blocked (in the policy, in a driver call).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace wambench {

/// Calls a hold callback when kick() has not been called for `timeout_s`, or when the emergency
/// stop flag (emergency_stop_requested()) is set. Thread-safe; the callback runs on the watchdog's
/// own thread and must be safe to call concurrently with the control loop (Robot::hold() is).
///
/// It checks every `check_interval_s` (default timeout_s / 40, i.e. a twentieth of a control period
/// for the usual timeout of 2 periods), so the hold comes at most check_interval_s (plus thread
/// wake-up latency) after the deadline. One hold per event: a timeout fires once until the next
/// kick(); an emergency stop fires once per request (SIGINT, SIGTERM, request_emergency_stop()),
/// and a stop already requested when the watchdog starts fires at once.
class Watchdog {
 public:
  /// Why the watchdog held.
  enum class Reason { kCommandTimeout, kEmergencyStop };
  using HoldCallback = std::function<void(Reason reason, const std::string& message)>;

  /// Starts the thread; the deadline starts now (as if kicked). `timeout_s` (> 0): e.g.
  /// SafetyLimits::command_timeout_periods / control_hz. `check_interval_s`: 0 = timeout_s / 40.
  /// @throws std::invalid_argument for timeout_s <= 0 or not finite, check_interval_s < 0 or not
  /// finite, or an empty callback.
  Watchdog(double timeout_s, HoldCallback hold, double check_interval_s = 0);
  /// Stops and joins the thread (no hold is issued by the destructor itself).
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  /// A command was sent: restarts the deadline, re-arms the timeout.
  void kick();
  /// Disarms the command timeout until the next kick() (between episodes, while the operator sets
  /// up the scene); the emergency stop stays armed.
  void pause();
  /// Number of holds issued so far (both reasons).
  int64_t holds() const;
  /// True if the command timeout has fired since the last kick().
  bool timed_out() const;
  double timeout_s() const { return timeout_s_; }
  double check_interval_s() const { return check_interval_s_; }

 private:
  void run();

  using Clock = std::chrono::steady_clock;
  const double timeout_s_;
  const double check_interval_s_;
  HoldCallback hold_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  Clock::time_point last_kick_;
  bool armed_ = true;
  bool timed_out_ = false;
  uint64_t estop_requests_seen_ = 0;  // stop requests already answered with a hold
  bool stop_ = false;
  int64_t holds_ = 0;
  std::thread thread_;
};

/// Name of a reason: "command_timeout", "emergency_stop".
const char* to_string(Watchdog::Reason reason);

/// True once SIGINT or SIGTERM arrived while the handler was installed, or request_emergency_stop()
/// was called; stays true until clear_emergency_stop(). Async-signal-safe (a lock-free atomic).
bool emergency_stop_requested() noexcept;
/// Sets the flag (e.g. the operator's stop key). Async-signal-safe.
void request_emergency_stop() noexcept;
/// Clears the flag (after the runtime has held the arm and the operator confirmed).
void clear_emergency_stop() noexcept;

/// RAII guard of the emergency-stop signal handlers: while it lives, SIGINT and SIGTERM set the
/// flag instead of ending the process (the runtime holds the arm and exits on its own); its
/// destructor restores the handlers that were installed before. Guards nest (each restores what
/// it found). Create and destroy on one thread.
class EmergencyStopGuard {
 public:
  /// Installs the handlers. @throws std::runtime_error if sigaction fails (with errno's text).
  EmergencyStopGuard();
  ~EmergencyStopGuard();
  EmergencyStopGuard(const EmergencyStopGuard&) = delete;
  EmergencyStopGuard& operator=(const EmergencyStopGuard&) = delete;

 private:
  struct Saved;
  Saved* saved_;
};

/// Installs the SIGINT / SIGTERM handlers for the lifetime of the returned guard.
/// @throws std::runtime_error as EmergencyStopGuard().
inline std::unique_ptr<EmergencyStopGuard> install_emergency_stop_handler() {
  return std::make_unique<EmergencyStopGuard>();
}

}  // namespace wambench
