// The watchdog and the emergency stop (bridge/watchdog.h): a hold within one control period of a
// missed command deadline, of SIGINT / SIGTERM and of the stop request; quiet while kicked; the
// previous signal handlers restored. Delays are measured with steady_clock.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "bridge/safety.h"
#include "bridge/watchdog.h"
#include "sim/env.h"

namespace wambench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kPeriodS = 0.1;  // 10 Hz control
constexpr double kTimeoutS = 2 * kPeriodS;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Records the holds the watchdog issues, with their times.
class HoldRecorder {
 public:
  Watchdog::HoldCallback callback() {
    return [this](Watchdog::Reason reason, const std::string& message) {
      std::lock_guard<std::mutex> lock(mutex_);
      holds_.push_back({Clock::now(), reason, message});
      cv_.notify_all();
    };
  }
  // Waits up to `limit_s` for hold number `n` (1-based); returns false on timeout.
  bool wait_for(size_t n, double limit_s) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, std::chrono::duration<double>(limit_s), [&] { return holds_.size() >= n; });
  }
  struct Hold {
    Clock::time_point at;
    Watchdog::Reason reason;
    std::string message;
  };
  Hold get(size_t i) {
    std::lock_guard<std::mutex> lock(mutex_);
    return holds_.at(i);
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return holds_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Hold> holds_;
};

class WatchdogTest : public ::testing::Test {
 protected:
  void SetUp() override { clear_emergency_stop(); }
  void TearDown() override { clear_emergency_stop(); }
};

TEST_F(WatchdogTest, NoKickHoldsWithinOnePeriodOfTheTimeout) {
  HoldRecorder rec;
  const Clock::time_point start = Clock::now();
  Watchdog dog(kTimeoutS, rec.callback());
  ASSERT_TRUE(rec.wait_for(1, 5.0)) << "no hold within 5 s";
  const auto h = rec.get(0);
  const double delay_s = seconds(h.at - start) - kTimeoutS;
  std::printf("[ delay    ] hold %.2f ms after the %.0f ms deadline (check every %.1f ms)\n", delay_s * 1e3,
              kTimeoutS * 1e3, dog.check_interval_s() * 1e3);
  EXPECT_GE(delay_s, 0.0) << "held before the deadline";
  EXPECT_LT(delay_s, kPeriodS);
  EXPECT_EQ(h.reason, Watchdog::Reason::kCommandTimeout);
  EXPECT_NE(h.message.find("no command for"), std::string::npos) << h.message;
  EXPECT_TRUE(dog.timed_out());
  // One hold per lapse: no second one without a kick.
  std::this_thread::sleep_for(std::chrono::duration<double>(3 * kTimeoutS));
  EXPECT_EQ(rec.size(), 1u);
  EXPECT_EQ(dog.holds(), 1);
}

TEST_F(WatchdogTest, KicksKeepItQuietThenAMissedDeadlineHolds) {
  HoldRecorder rec;
  Watchdog dog(kTimeoutS, rec.callback());
  // One command per period for 1.5 s (15 commands).
  Clock::time_point last_kick = Clock::now();
  for (int k = 0; k < 15; ++k) {
    std::this_thread::sleep_for(std::chrono::duration<double>(kPeriodS));
    dog.kick();
    last_kick = Clock::now();
  }
  EXPECT_EQ(rec.size(), 0u);
  EXPECT_FALSE(dog.timed_out());
  // The loop stalls: a hold within one period after the deadline.
  ASSERT_TRUE(rec.wait_for(1, 5.0));
  const double delay_s = seconds(rec.get(0).at - last_kick) - kTimeoutS;
  EXPECT_GE(delay_s, 0.0);
  EXPECT_LT(delay_s, kPeriodS);
  // A kick re-arms it: the next lapse holds again.
  dog.kick();
  ASSERT_TRUE(rec.wait_for(2, 5.0));
  EXPECT_EQ(dog.holds(), 2);
}

TEST_F(WatchdogTest, PauseDisarmsTheTimeoutUntilTheNextKick) {
  HoldRecorder rec;
  Watchdog dog(kTimeoutS, rec.callback());
  dog.pause();
  std::this_thread::sleep_for(std::chrono::duration<double>(2 * kTimeoutS));
  EXPECT_EQ(rec.size(), 0u);
  dog.kick();
  ASSERT_TRUE(rec.wait_for(1, 5.0));
}

TEST_F(WatchdogTest, StopRequestHoldsWithinOnePeriodOncePerRequest) {
  HoldRecorder rec;
  Watchdog dog(60.0, rec.callback(), kPeriodS / 20);  // the timeout never fires here
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const Clock::time_point at = Clock::now();
  request_emergency_stop();
  ASSERT_TRUE(rec.wait_for(1, 5.0));
  EXPECT_LT(seconds(rec.get(0).at - at), kPeriodS);
  EXPECT_EQ(rec.get(0).reason, Watchdog::Reason::kEmergencyStop);
  std::this_thread::sleep_for(std::chrono::duration<double>(2 * kPeriodS));
  EXPECT_EQ(rec.size(), 1u);  // once per request
  clear_emergency_stop();
  std::this_thread::sleep_for(std::chrono::duration<double>(kPeriodS));
  request_emergency_stop();
  ASSERT_TRUE(rec.wait_for(2, 5.0));
}

std::atomic<int> g_previous_handler_calls{0};
extern "C" void previous_handler(int) { g_previous_handler_calls.fetch_add(1); }

void expect_handler(int sig, void (*handler)(int)) {
  struct sigaction current;
  ASSERT_EQ(sigaction(sig, nullptr, &current), 0);
  EXPECT_EQ(current.sa_handler, handler) << "signal " << sig;
}

TEST_F(WatchdogTest, SigintHoldsWithinOnePeriodAndThePreviousHandlerIsRestored) {
  struct sigaction prev_int, prev_term, mine;
  std::memset(&mine, 0, sizeof(mine));
  mine.sa_handler = previous_handler;
  sigemptyset(&mine.sa_mask);
  ASSERT_EQ(sigaction(SIGINT, &mine, &prev_int), 0);
  ASSERT_EQ(sigaction(SIGTERM, &mine, &prev_term), 0);
  {
    HoldRecorder rec;
    Watchdog dog(60.0, rec.callback(), kPeriodS / 20);
    {
      const auto guard = install_emergency_stop_handler();
      EXPECT_FALSE(emergency_stop_requested());
      const Clock::time_point at = Clock::now();
      ASSERT_EQ(std::raise(SIGINT), 0);  // the process goes on
      EXPECT_TRUE(emergency_stop_requested());
      ASSERT_TRUE(rec.wait_for(1, 5.0));
      const double delay_s = seconds(rec.get(0).at - at);
      std::printf("[ delay    ] emergency hold %.2f ms after SIGINT\n", delay_s * 1e3);
      EXPECT_LT(delay_s, kPeriodS);
      EXPECT_EQ(rec.get(0).reason, Watchdog::Reason::kEmergencyStop);
      EXPECT_EQ(g_previous_handler_calls.load(), 0);  // replaced while installed
      clear_emergency_stop();
      ASSERT_EQ(std::raise(SIGTERM), 0);
      EXPECT_TRUE(emergency_stop_requested());
      ASSERT_TRUE(rec.wait_for(2, 5.0));
    }
    // Uninstalled: the previous handlers are back, the flag is left to the runtime to clear.
    expect_handler(SIGINT, previous_handler);
    expect_handler(SIGTERM, previous_handler);
    clear_emergency_stop();
    ASSERT_EQ(std::raise(SIGINT), 0);
    EXPECT_EQ(g_previous_handler_calls.load(), 1);
    EXPECT_FALSE(emergency_stop_requested());
  }
  ASSERT_EQ(sigaction(SIGINT, &prev_int, nullptr), 0);
  ASSERT_EQ(sigaction(SIGTERM, &prev_term, nullptr), 0);
}

TEST_F(WatchdogTest, StaleObservationMakesTheFilterHold) {
  EnvConfig cfg;
  cfg.render = false;
  Env env(cfg);
  env.reset();
  TimedObservation obs;
  obs.observation = env.observe();
  const double now = 10.0;
  obs.state_stamp_s = now;
  SafetyFilter filter(SafetyLimits{}, ArmControllerConfig{}, 1.0 / kPeriodS);
  filter.reset(obs);
  EXPECT_FALSE(filter.filter({1, 0, 0, 0, 0, 0, 0}, obs, now + 0.05).command.hold);
  // The same observation one control period after the stale limit (0.25 s): the next command,
  // issued within that period, is a hold.
  const SafetyDecision d = filter.filter({1, 0, 0, 0, 0, 0, 0}, obs, now + 0.25 + kPeriodS);
  EXPECT_TRUE(d.command.hold);
  EXPECT_EQ(d.interventions.at(0).reason, "stale_observation");
}

TEST_F(WatchdogTest, BadArgumentsThrow) {
  EXPECT_THROW(Watchdog(0.0, [](Watchdog::Reason, const std::string&) {}), std::invalid_argument);
  EXPECT_THROW(Watchdog(0.2, nullptr), std::invalid_argument);
  EXPECT_THROW(Watchdog(0.2, [](Watchdog::Reason, const std::string&) {}, -1.0), std::invalid_argument);
}

}  // namespace
}  // namespace wambench
