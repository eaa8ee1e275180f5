#include "bridge/watchdog.h"

#include <atomic>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <stdexcept>

namespace wambench {
namespace {

std::atomic<bool> g_emergency_stop{false};
// Number of stop requests so far: the watchdog holds once per request, even when the flag was
// cleared and set again between two of its checks.
std::atomic<uint64_t> g_emergency_requests{0};
static_assert(std::atomic<bool>::is_always_lock_free, "the emergency-stop flag must be lock-free (signal handler)");
static_assert(std::atomic<uint64_t>::is_always_lock_free, "the request count must be lock-free (signal handler)");

extern "C" void emergency_stop_handler(int /*signal*/) {
  g_emergency_requests.fetch_add(1);
  g_emergency_stop.store(true);
}

}  // namespace

bool emergency_stop_requested() noexcept { return g_emergency_stop.load(); }
void request_emergency_stop() noexcept {
  g_emergency_requests.fetch_add(1);
  g_emergency_stop.store(true);
}
void clear_emergency_stop() noexcept { g_emergency_stop.store(false); }

const char* to_string(Watchdog::Reason reason) {
  switch (reason) {
    case Watchdog::Reason::kCommandTimeout: return "command_timeout";
    case Watchdog::Reason::kEmergencyStop: return "emergency_stop";
  }
  return "unknown";
}

Watchdog::Watchdog(double timeout_s, HoldCallback hold, double check_interval_s)
    : timeout_s_(timeout_s),
      check_interval_s_(check_interval_s > 0 ? check_interval_s : timeout_s / 40.0),
      hold_(std::move(hold)) {
  if (!(std::isfinite(timeout_s) && timeout_s > 0)) {
    throw std::invalid_argument("watchdog: timeout_s is " + std::to_string(timeout_s) + "; valid: a number > 0 (s)");
  }
  if (!(std::isfinite(check_interval_s) && check_interval_s >= 0)) {
    throw std::invalid_argument("watchdog: check_interval_s is " + std::to_string(check_interval_s) +
                                "; valid: 0 (= timeout_s / 40) or a number > 0 (s)");
  }
  if (!hold_) throw std::invalid_argument("watchdog: the hold callback is empty");
  last_kick_ = Clock::now();
  estop_requests_seen_ = g_emergency_requests.load();
  if (emergency_stop_requested()) --estop_requests_seen_;  // a stop already requested holds at once
  thread_ = std::thread([this] { run(); });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Watchdog::kick() {
  std::lock_guard<std::mutex> lock(mutex_);
  last_kick_ = Clock::now();
  armed_ = true;
  timed_out_ = false;
}

void Watchdog::pause() {
  std::lock_guard<std::mutex> lock(mutex_);
  armed_ = false;
}

int64_t Watchdog::holds() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return holds_;
}

bool Watchdog::timed_out() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return timed_out_;
}

void Watchdog::run() {
  const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(check_interval_s_));
  const auto timeout = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s_));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, interval, [this] { return stop_; });
    if (stop_) break;
    const auto now = Clock::now();
    // The callback runs without the lock, so kick() / holds() from it or from the loop never block
    // on a slow hold.
    const uint64_t requests = g_emergency_requests.load();
    if (requests != estop_requests_seen_) {
      estop_requests_seen_ = requests;
      ++holds_;
      lock.unlock();
      hold_(Reason::kEmergencyStop, "emergency stop requested (SIGINT / SIGTERM / stop key): holding");
      lock.lock();
    }
    if (armed_ && !timed_out_ && now - last_kick_ > timeout) {
      timed_out_ = true;
      ++holds_;
      const double late_s = std::chrono::duration<double>(now - last_kick_).count();
      lock.unlock();
      hold_(Reason::kCommandTimeout, "no command for " + std::to_string(late_s) + " s > timeout " +
                                         std::to_string(timeout_s_) + " s: holding");
      lock.lock();
    }
  }
}

struct EmergencyStopGuard::Saved {
  struct sigaction previous_int;
  struct sigaction previous_term;
};

EmergencyStopGuard::EmergencyStopGuard() : saved_(new Saved()) {
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = emergency_stop_handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking call in the loop returns EINTR and the loop sees the flag
  if (sigaction(SIGINT, &action, &saved_->previous_int) != 0) {
    const std::string err = std::strerror(errno);
    delete saved_;
    throw std::runtime_error("emergency stop: sigaction(SIGINT) failed: " + err);
  }
  if (sigaction(SIGTERM, &action, &saved_->previous_term) != 0) {
    const std::string err = std::strerror(errno);
    sigaction(SIGINT, &saved_->previous_int, nullptr);
    delete saved_;
    throw std::runtime_error("emergency stop: sigaction(SIGTERM) failed: " + err);
  }
}

EmergencyStopGuard::~EmergencyStopGuard() {
  sigaction(SIGTERM, &saved_->previous_term, nullptr);
  sigaction(SIGINT, &saved_->previous_int, nullptr);
  delete saved_;
}

}  // namespace wambench
