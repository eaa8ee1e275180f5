// Client against the Python stand-in openpi server (openpi_standin.py), and the C++ server against
// the client. Every process started here is stopped by its PID; every wait is bounded.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "serving/mapping.h"
#include "serving/websocket.h"

namespace wambench::serving {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A stand-in server process in one mode; killed (SIGKILL) and reaped on destruction.
class StandIn {
 public:
  explicit StandIn(const std::string& mode, int after = 3) {
    port_file_ = (fs::temp_directory_path() / ("standin_" + std::to_string(getpid()) + "_" + mode + ".port")).string();
    fs::remove(port_file_);
    pid_ = fork();
    if (pid_ == 0) {
      execl("/usr/bin/python3", "python3", WAMBENCH_STANDIN, "--port-file", port_file_.c_str(), "--mode", mode.c_str(),
            "--after", std::to_string(after).c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline && port_ == 0) {
      std::ifstream f(port_file_);
      if (f >> port_) break;
      port_ = 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (port_ == 0) ADD_FAILURE() << "stand-in server (" << mode << ") did not start";
  }
  ~StandIn() {
    kill_now();
    fs::remove(port_file_);
  }
  void kill_now() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string port_file_;
};

Map libero_request() {
  Observation obs;
  obs.images["front"] = Image(64, 64);
  obs.images["wrist"] = Image(64, 64);
  obs.ee_quat_wxyz = {1, 0, 0, 0};
  return encode_observation(obs, "pick up the block", observation_layout("libero"));
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

TEST(WebsocketClient, TalksToAnOpenpiStyleServer) {
  StandIn server("ok");
  Client client(server.url(), 10.0, 0);
  client.connect();
  const NdArray& pose = std::get<NdArray>(client.metadata().at("reset_pose").v);
  EXPECT_EQ(pose.shape, (std::vector<int64_t>{3}));
  for (int i = 0; i < 3; ++i) {  // lock-step requests on one connection
    const Map result = client.infer(libero_request());
    const std::vector<Action> actions = decode_actions(result, ActionMapping{});
    ASSERT_EQ(actions.size(), 10u);
    EXPECT_EQ(actions[0][6], -1.0);
    EXPECT_EQ(std::get<NdArray>(result.at("actions").v).dtype, "<f4");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_GE(client.idle_s(), 0.3);  // time since the last result
  EXPECT_LT(client.idle_s(), 10.0);
  client.close();
  EXPECT_FALSE(client.connected());
  EXPECT_EQ(client.idle_s(), 0.0);
}

TEST(WebsocketClient, ErrorFrameBecomesAnExceptionWithTheServersText) {
  StandIn server("error");
  Client client(server.url(), 10.0, 0);
  const std::string e = error_of([&] { client.infer(libero_request()); });
  EXPECT_NE(e.find("Error in inference server"), std::string::npos) << e;
  EXPECT_NE(e.find("stand-in policy failed on purpose"), std::string::npos) << e;
  EXPECT_FALSE(client.connected());
}

TEST(WebsocketClient, WrongShapeAndNanAreRefused) {
  StandIn wrong("wrong_shape");
  Client a(wrong.url(), 10.0, 0);
  EXPECT_NE(error_of([&] { decode_actions(a.infer(libero_request()), ActionMapping{}); }).find("D = 5"), std::string::npos);
  StandIn nan("nan");
  Client b(nan.url(), 10.0, 0);
  EXPECT_NE(error_of([&] { decode_actions(b.infer(libero_request()), ActionMapping{}); }).find("non-finite"),
            std::string::npos);
}

TEST(WebsocketClient, ServerThatNeverAnswersTimesOut) {
  StandIn server("hang");
  Client client(server.url(), 1.0, 0);
  const auto t0 = Clock::now();
  const std::string e = error_of([&] { client.infer(libero_request()); });
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_NE(e.find("did not answer within 1"), std::string::npos) << e;
  EXPECT_LT(s, 5.0);
}

TEST(WebsocketClient, ServerDyingMidSessionAndRefusedConnections) {
  StandIn server("die", 2);
  Client client(server.url(), 10.0, 1);
  client.infer(libero_request());
  client.infer(libero_request());
  const std::string e = error_of([&] { client.infer(libero_request()); });
  EXPECT_NE(e.find("connection lost"), std::string::npos) << e;
  server.kill_now();
  const auto t0 = Clock::now();
  const std::string refused = error_of([&] { client.infer(libero_request()); });
  EXPECT_NE(refused.find("unreachable after 2 attempt(s)"), std::string::npos) << refused;
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 5.0);
}

TEST(WebsocketClient, BadUrlsAreRefused) {
  EXPECT_NE(error_of([] { Client("wss://host:1"); }).find("wss:// (TLS) is not supported"), std::string::npos);
  EXPECT_NE(error_of([] { Client("ws://host:99999"); }).find("port must be 1..65535"), std::string::npos);
  EXPECT_EQ(Endpoint::parse("example.org").port, 8000);
  EXPECT_EQ(Endpoint::parse("ws://h:9/x").path, "/x");
}

// Echoes the request's state back as 2 x 7 float64 actions; throws on a prompt "fail".
class EchoHandler final : public Handler {
 public:
  Map handle(const Map& request) override {
    if (std::get<std::string>(request.at("prompt").v) == "fail") throw std::runtime_error("asked to fail");
    ++calls_;
    return {{"actions", Value(NdArray::from_doubles(std::vector<double>(14, 0.25 * calls_), {2, 7}))}};
  }

 private:
  int calls_ = 0;
};

TEST(WebsocketServer, ServesMetadataRepliesErrorsAndSeveralClients) {
  Server server("127.0.0.1", 0, {{"policy", Value("echo")}}, [] { return std::make_unique<EchoHandler>(); });
  std::thread runner([&] { server.run(); });
  const std::string url = "ws://127.0.0.1:" + std::to_string(server.port());
  {
    Client a(url, 10.0, 0), b(url, 10.0, 0);
    a.connect();
    EXPECT_EQ(std::get<std::string>(a.metadata().at("policy").v), "echo");
    Map request = libero_request();
    // Each connection has its own handler: call counts are independent.
    EXPECT_EQ(decode_actions(a.infer(request), ActionMapping{})[0][0], 0.25);
    EXPECT_EQ(decode_actions(a.infer(request), ActionMapping{})[0][0], 0.5);
    EXPECT_EQ(decode_actions(b.infer(request), ActionMapping{})[0][0], 0.25);
    request["prompt"] = Value("fail");
    const std::string e = error_of([&] { b.infer(request); });
    EXPECT_NE(e.find("asked to fail"), std::string::npos) << e;
    request["prompt"] = Value("ok");
    EXPECT_EQ(decode_actions(b.infer(request), ActionMapping{})[0][0], 0.25);  // reconnected: a new handler
    EXPECT_EQ(decode_actions(a.infer(request), ActionMapping{})[0][0], 0.75);
  }
  server.stop();
  runner.join();
  EXPECT_GE(server.connections_served(), 3);
}

TEST(WebsocketServer, StopEndsOpenConnections) {
  Server server("127.0.0.1", 0, {}, [] { return std::make_unique<EchoHandler>(); });
  std::thread runner([&] { server.run(); });
  Client idle("ws://127.0.0.1:" + std::to_string(server.port()), 10.0, 0);
  idle.connect();
  const auto t0 = Clock::now();
  server.stop();
  runner.join();
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 5.0);
}

}  // namespace
}  // namespace wambench::serving
