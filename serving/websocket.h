// openpi's websocket policy protocol (shared/recipes/openpi-protocol.md, openpi commit 15a9616a):
// a client that queries a policy server and a server that serves any request handler. Transport:
// Boost.Beast websocket over Asio, binary frames holding msgpack (serving/msgpack_numpy.h).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "serving/msgpack_numpy.h"

namespace wambench::serving {

/// A failed exchange with a policy server: refused or dropped connection, timeout, protocol
/// violation, or an error the server reported. The message says which, with the server's URL.
class ServingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// host and port of a server address: "ws://host:port[/path]", "host:port" or a bare "host"
/// (port 8000, openpi's default). @throws std::invalid_argument for wss:// (no TLS support), an
/// empty host or a port outside 1..65535.
struct Endpoint {
  std::string host;
  int port = 8000;
  std::string path = "/";
  static Endpoint parse(const std::string& url);
  std::string url() const { return "ws://" + host + ":" + std::to_string(port) + path; }
};

/// Client side of the protocol, one connection (not thread-safe). Like openpi's
/// WebsocketClientPolicy: connect, read the server's metadata message, then lock-step
/// infer() calls. Unlike it, every wait is bounded by `timeout_s`, and connecting retries a refused
/// connection `retries` times (1 s apart) instead of forever. Messages have no size limit. Pings
/// from the server are answered while a read is in progress (during infer() and connect()); a
/// client idle for longer than the server's keepalive (openpi: 20 s ping + 20 s pong timeout)
/// between two calls may be dropped, and the next infer() then reconnects once.
class Client {
 public:
  /// Does not connect yet. @throws std::invalid_argument for a bad url, timeout_s <= 0 or
  /// retries < 0.
  Client(const std::string& url, double timeout_s = 30.0, int retries = 3);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Connects (if not connected) and reads the metadata message.
  /// @throws ServingError after `retries` + 1 failed attempts, or if the metadata is not a map.
  void connect();
  bool connected() const;
  /// The server's metadata map (empty before connect()).
  const Map& metadata() const { return metadata_; }
  /// Sends one observation map and returns the result map. Connects first if needed; if the
  /// connection turns out to be closed when sending, reconnects once.
  /// @throws ServingError: the server sent a text frame (its text in the message: openpi's error
  /// report), closed the connection or did not answer within timeout_s, or the reply is not a
  /// msgpack map. After an error the connection is closed; the next call reconnects.
  Map infer(const Map& observation);
  /// Seconds since the last message from the server (metadata or result); 0 when not connected.
  double idle_s() const;
  /// Closes the connection (normal closure 1000) if open. Never throws.
  void close();
  const Endpoint& endpoint() const { return endpoint_; }

 private:
  struct Impl;
  Endpoint endpoint_;
  double timeout_s_;
  int retries_;
  std::unique_ptr<Impl> impl_;
  Map metadata_;
};

/// Answers one connection's requests; the server makes one instance per connection (policies
/// are not thread-safe), so a handler needs no locking.
class Handler {
 public:
  virtual ~Handler() = default;
  /// The result map for one observation map. Any exception becomes the protocol's error reply
  /// (a text frame with the message, then close 1011).
  virtual Map handle(const Map& observation) = 0;
};

/// Server side of the protocol: HTTP GET /healthz -> 200 "OK\n"; a websocket upgrade on any other
/// path -> the metadata message, then lock-step request/reply; any error while handling a
/// request (undecodable message, text frame, handler exception) -> one text frame with the error
/// message, then close 1011, and the server keeps serving. A plain HTTP request on another path
/// gets 426 Upgrade Required. One thread per connection, several connections at once; a client
/// that drops without a close frame ends only its own connection.
class Server {
 public:
  using HandlerFactory = std::function<std::unique_ptr<Handler>()>;
  /// Binds host:port (port 0 = a free port, see port()). `metadata` is sent to every new
  /// connection. @throws ServingError if the address cannot be bound (naming it and the reason).
  Server(const std::string& host, int port, Map metadata, HandlerFactory factory);
  /// Stops (as stop()) and joins every thread.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  /// The bound TCP port.
  int port() const;
  /// Accepts and serves connections until stop() is called (from another thread or a signal
  /// watcher). Returns after every connection thread has ended.
  void run();
  /// Stops accepting and shuts every open connection down. Thread-safe; may be called before,
  /// during or after run().
  void stop();
  /// Connections served so far (for logs and tests).
  int connections_served() const { return connections_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<int> connections_{0};
};

}  // namespace wambench::serving
