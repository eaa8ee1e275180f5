// Server side of openpi's websocket protocol, on Boost.Beast: one blocking thread per connection.
#include <sys/socket.h>

#include <list>
#include <set>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include "serving/websocket.h"

namespace wambench::serving {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

namespace {

struct Worker {
  std::thread thread;
  std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace

struct Server::Impl {
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  Map metadata;
  std::string metadata_bytes;
  HandlerFactory factory;
  std::mutex mutex;
  std::set<int> open_fds;  // connection sockets, shut down by stop()
  std::list<Worker> workers;
  std::atomic<bool> stopping{false};
  std::atomic<int>* served = nullptr;

  void track(int fd) {
    std::lock_guard<std::mutex> lock(mutex);
    open_fds.insert(fd);
  }
  void untrack(int fd) {
    std::lock_guard<std::mutex> lock(mutex);
    open_fds.erase(fd);
  }

  void serve_http(tcp::socket& socket, const http::request<http::string_body>& req) {
    beast::error_code ec;
    if (req.target() == "/healthz") {
      http::response<http::string_body> res{http::status::ok, req.version()};
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.set(http::field::connection, "close");
      res.body() = "OK\n";
      res.prepare_payload();
      http::write(socket, res, ec);
    } else {
      http::response<http::string_body> res{http::status::upgrade_required, req.version()};
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.set(http::field::connection, "close");
      res.set(http::field::upgrade, "websocket");
      res.body() = "Failed to open a WebSocket connection: this is an openpi-protocol policy server.\n";
      res.prepare_payload();
      http::write(socket, res, ec);
    }
    socket.shutdown(tcp::socket::shutdown_send, ec);
  }

  void serve_connection(tcp::socket socket) {
    const int fd = socket.native_handle();
    track(fd);
    if (stopping) ::shutdown(fd, SHUT_RDWR);
    std::string peer = "?";
    beast::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (!ec) peer = remote.address().to_string() + ":" + std::to_string(remote.port());
    try {
      beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) {
        untrack(fd);
        return;
      }
      if (!websocket::is_upgrade(req)) {
        serve_http(socket, req);
        untrack(fd);
        return;
      }
      websocket::stream<tcp::socket> ws(std::move(socket));
      ws.read_message_max(0);  // unlimited (recipe §3)
      ws.auto_fragment(false);
      ws.set_option(websocket::stream_base::decorator(
          [](websocket::response_type& res) { res.set(http::field::server, "wambench"); }));
      ws.accept(req, ec);
      if (ec) {
        untrack(fd);
        return;
      }
      ++*served;
      spdlog::info("connection from {}", peer);
      ws.binary(true);
      ws.write(net::buffer(metadata_bytes), ec);
      std::unique_ptr<Handler> handler;
      std::string out;
      while (!ec) {
        buffer.clear();
        ws.read(buffer, ec);
        if (ec) break;  // closed (with or without a close frame), reset, or stop()
        try {
          if (ws.got_text())
            throw std::invalid_argument("received a text frame; requests are binary msgpack maps (openpi protocol)");
          const std::string bytes = beast::buffers_to_string(buffer.data());
          Value request = decode(bytes);
          const Map* m = request.get_if<Map>();
          if (!m) throw std::invalid_argument("a request must be a msgpack map, got " + request.type_name());
          if (!handler) handler = factory();
          out = encode(Value(handler->handle(*m)));
        } catch (const std::exception& e) {
          spdlog::warn("request from {} failed: {}", peer, e.what());
          ws.text(true);
          ws.write(net::buffer(std::string(e.what())), ec);
          if (!ec)
            ws.close(websocket::close_reason(websocket::close_code::internal_error,
                                             "Internal server error. Traceback included in previous frame."),
                     ec);
          break;
        }
        ws.binary(true);
        ws.write(net::buffer(out), ec);
      }
      spdlog::info("connection from {} closed{}", peer,
                   ec && ec != websocket::error::closed ? " (" + ec.message() + ")" : "");
      untrack(fd);
      ws.next_layer().close(ec);
    } catch (const std::exception& e) {
      spdlog::warn("connection from {}: {}", peer, e.what());
      untrack(fd);
    }
  }
};

Server::Server(const std::string& host, int port, Map metadata, HandlerFactory factory)
    : impl_(std::make_unique<Impl>()) {
  impl_->metadata = std::move(metadata);
  impl_->metadata_bytes = encode(Value(impl_->metadata));
  impl_->factory = std::move(factory);
  impl_->served = &connections_;
  if (port < 0 || port > 65535) throw ServingError("port must be 0..65535, got " + std::to_string(port));
  beast::error_code ec;
  const auto address = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) throw ServingError("cannot listen on '" + host + "': not an IP address (" + ec.message() + "); e.g. 0.0.0.0");
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw ServingError("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
}

Server::~Server() {
  stop();
  std::lock_guard<std::mutex> lock(impl_->mutex);
  for (Worker& w : impl_->workers)
    if (w.thread.joinable()) w.thread.join();
}

int Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::run() {
  Impl& s = *impl_;
  while (!s.stopping) {
    tcp::socket socket(s.ioc);
    beast::error_code ec;
    s.acceptor.accept(socket, ec);
    if (s.stopping) break;
    if (ec) continue;
    socket.set_option(tcp::no_delay(true), ec);
    std::lock_guard<std::mutex> lock(s.mutex);
    for (auto it = s.workers.begin(); it != s.workers.end();) {  // reap finished connections
      if (*it->done) {
        it->thread.join();
        it = s.workers.erase(it);
      } else {
        ++it;
      }
    }
    Worker w;
    auto done = w.done;
    w.thread = std::thread([&s, done, sock = std::move(socket)]() mutable {
      s.serve_connection(std::move(sock));
      *done = true;
    });
    s.workers.push_back(std::move(w));
  }
  std::list<Worker> workers;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    workers.swap(s.workers);
  }
  for (Worker& w : workers)
    if (w.thread.joinable()) w.thread.join();
}

void Server::stop() {
  Impl& s = *impl_;
  s.stopping = true;
  std::lock_guard<std::mutex> lock(s.mutex);
  ::shutdown(s.acceptor.native_handle(), SHUT_RDWR);  // wakes a blocked accept() (Linux)
  for (int fd : s.open_fds) ::shutdown(fd, SHUT_RDWR);
}

}  // namespace wambench::serving
