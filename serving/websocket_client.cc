// Client side of openpi's websocket protocol, on Boost.Beast. Every operation is asynchronous and
// driven by io_context::run_for, so each wait has a deadline (no hang ever).
#include <chrono>
#include <optional>
#include <sstream>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "serving/websocket.h"

namespace wambench::serving {
namespace {

std::string seconds_text(double s) {
  std::ostringstream o;
  o << s;
  return o.str();
}

}  // namespace

namespace beast = boost::beast;
namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

Endpoint Endpoint::parse(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("wss://", 0) == 0)
    throw std::invalid_argument("url '" + url + "': wss:// (TLS) is not supported; use ws://host:port");
  if (rest.rfind("ws://", 0) == 0) rest = rest.substr(5);
  else if (rest.find("://") != std::string::npos)
    throw std::invalid_argument("url '" + url + "': the scheme must be ws:// (e.g. ws://localhost:8000)");
  Endpoint e;
  const size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    e.path = rest.substr(slash);
    rest = rest.substr(0, slash);
  }
  const size_t colon = rest.rfind(':');
  if (colon != std::string::npos) {
    const std::string port = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    int p = -1;
    try {
      size_t used = 0;
      p = std::stoi(port, &used);
      if (used != port.size()) p = -1;
    } catch (const std::exception&) {
      p = -1;
    }
    if (p < 1 || p > 65535)
      throw std::invalid_argument("url '" + url + "': port must be 1..65535, got '" + port + "'");
    e.port = p;
  }
  if (rest.empty()) throw std::invalid_argument("url '" + url + "': no host; write ws://host:port");
  e.host = rest;
  return e;
}

struct Client::Impl {
  net::io_context ioc;
  std::optional<websocket::stream<beast::tcp_stream>> ws;
  beast::flat_buffer buffer;
  bool open = false;
  std::chrono::steady_clock::time_point last_message;  // last message received

  // Starts one asynchronous operation (start(handler)) and runs it for at most timeout_s. On
  // timeout the socket is closed (which completes the operation with an error) and *timed_out set.
  template <typename Start>
  beast::error_code run(Start&& start, double timeout_s, bool* timed_out) {
    beast::error_code result;
    bool done = false;
    start([&](beast::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc.restart();
    ioc.run_for(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(timeout_s)));
    *timed_out = false;
    if (!done) {
      *timed_out = true;
      beast::error_code ignored;
      if (ws) beast::get_lowest_layer(*ws).socket().close(ignored);
      ioc.restart();
      ioc.run();
    }
    return result;
  }

  void drop() {
    open = false;
    if (ws) {
      beast::error_code ignored;
      beast::get_lowest_layer(*ws).socket().close(ignored);
      ioc.restart();
      ioc.poll();
    }
    ws.reset();
  }
};

Client::Client(const std::string& url, double timeout_s, int retries)
    : endpoint_(Endpoint::parse(url)), timeout_s_(timeout_s), retries_(retries), impl_(std::make_unique<Impl>()) {
  if (!(timeout_s > 0)) throw std::invalid_argument("timeout_s must be > 0 seconds, got " + std::to_string(timeout_s));
  if (retries < 0) throw std::invalid_argument("retries must be >= 0, got " + std::to_string(retries));
}

Client::~Client() { close(); }

bool Client::connected() const { return impl_->open; }

void Client::connect() {
  if (impl_->open) return;
  const std::string where = endpoint_.url();
  std::string last_error;
  for (int attempt = 0; attempt <= retries_; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    impl_->drop();
    Impl& s = *impl_;
    bool timed_out = false;
    tcp::resolver resolver(s.ioc);
    tcp::resolver::results_type endpoints;
    beast::error_code ec = s.run(
        [&](auto handler) {
          resolver.async_resolve(endpoint_.host, std::to_string(endpoint_.port),
                                 [&endpoints, handler](beast::error_code e, tcp::resolver::results_type r) mutable {
                                   endpoints = r;
                                   handler(e);
                                 });
        },
        timeout_s_, &timed_out);
    if (timed_out || ec) {
      last_error = timed_out ? "resolving the host timed out" : "cannot resolve host: " + ec.message();
      continue;
    }
    s.ws.emplace(s.ioc);
    s.ws->read_message_max(0);  // unlimited (recipe §3)
    s.ws->auto_fragment(false);
    s.ws->write_buffer_bytes(1 << 20);  // masked writes go through this buffer (default 4 KiB: one syscall per 4 KiB)
    ec = s.run([&](auto handler) { beast::get_lowest_layer(*s.ws).async_connect(endpoints, handler); }, timeout_s_,
               &timed_out);
    if (timed_out || ec) {
      last_error = timed_out ? "connecting timed out" : "cannot connect: " + ec.message();
      continue;
    }
    beast::get_lowest_layer(*s.ws).socket().set_option(tcp::no_delay(true), ec);
    s.ws->set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "wambench"); }));
    const std::string host = endpoint_.host + ":" + std::to_string(endpoint_.port);
    ec = s.run([&](auto handler) { s.ws->async_handshake(host, endpoint_.path, handler); }, timeout_s_, &timed_out);
    if (timed_out || ec) {
      last_error = timed_out ? "websocket handshake timed out" : "websocket handshake failed: " + ec.message();
      continue;
    }
    s.buffer.clear();
    ec = s.run([&](auto handler) { s.ws->async_read(s.buffer, handler); }, timeout_s_, &timed_out);
    if (timed_out || ec) {
      last_error = timed_out ? "no metadata message within " + seconds_text(timeout_s_) + " s"
                             : "reading the metadata message failed: " + ec.message();
      continue;
    }
    const std::string bytes = beast::buffers_to_string(s.buffer.data());
    if (s.ws->got_text()) {
      impl_->drop();
      throw ServingError("policy server " + where + " sent an error instead of its metadata:\n" + bytes);
    }
    Value meta;
    try {
      meta = decode(bytes);
    } catch (const DecodeError& e) {
      impl_->drop();
      throw ServingError("policy server " + where + ": undecodable metadata message: " + e.what());
    }
    if (!meta.is<Map>()) {
      impl_->drop();
      throw ServingError("policy server " + where + ": metadata must be a msgpack map, got " + meta.type_name());
    }
    metadata_ = std::get<Map>(meta.v);
    s.open = true;
    s.last_message = std::chrono::steady_clock::now();
    return;
  }
  throw ServingError("policy server " + where + " unreachable after " + std::to_string(retries_ + 1) +
                     " attempt(s): " + last_error);
}

Map Client::infer(const Map& observation) {
  const std::string where = endpoint_.url();
  const std::string request = encode(Value(observation));
  Impl& s = *impl_;
  bool timed_out = false;
  for (int attempt = 0;; ++attempt) {
    const bool fresh = !s.open;
    connect();
    s.ws->binary(true);
    beast::error_code ec =
        s.run([&](auto handler) { s.ws->async_write(net::buffer(request), handler); }, timeout_s_, &timed_out);
    if (!ec && !timed_out) break;
    s.drop();
    // A connection that was idle may have been closed by the server: reconnect once.
    if (fresh || attempt > 0 || timed_out)
      throw ServingError("policy server " + where +
                         (timed_out ? ": sending the observation timed out" : ": sending failed: " + ec.message()));
  }
  s.buffer.clear();
  beast::error_code ec = s.run([&](auto handler) { s.ws->async_read(s.buffer, handler); }, timeout_s_, &timed_out);
  if (timed_out) {
    s.drop();
    throw ServingError("policy server " + where + " did not answer within " + seconds_text(timeout_s_) +
                       " s (timeout_s)");
  }
  if (ec) {
    std::string reason = ec.message();
    if (ec == websocket::error::closed && s.ws)
      reason = "closed by the server (code " + std::to_string(s.ws->reason().code) + " " +
               std::string(s.ws->reason().reason.c_str()) + ")";
    s.drop();
    throw ServingError("policy server " + where + ": connection lost while waiting for the result: " + reason);
  }
  s.last_message = std::chrono::steady_clock::now();
  const std::string bytes = beast::buffers_to_string(s.buffer.data());
  if (s.ws->got_text()) {
    s.drop();
    throw ServingError("Error in inference server " + where + ":\n" + bytes);
  }
  Value result;
  try {
    result = decode(bytes);
  } catch (const DecodeError& e) {
    s.drop();
    throw ServingError("policy server " + where + ": undecodable result: " + e.what());
  }
  if (!result.is<Map>()) {
    s.drop();
    throw ServingError("policy server " + where + ": result must be a msgpack map, got " + result.type_name());
  }
  return std::move(std::get<Map>(result.v));
}

double Client::idle_s() const {
  if (!impl_->open) return 0.0;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - impl_->last_message).count();
}

void Client::close() {
  Impl& s = *impl_;
  if (s.open && s.ws) {
    bool timed_out = false;
    s.run([&](auto handler) { s.ws->async_close(websocket::close_code::normal, handler); }, 1.0, &timed_out);
  }
  s.drop();
}

}  // namespace wambench::serving
