// The SSE server (see server/server.hpp): accept and request reading on the loop, requests answered on workers
// (through the HttpPolicy), streams handed back to the loop as sessions, graceful shutdown.
#include "ssetool/server/server.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fmt/core.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ssetool/base/errors.hpp"
#include "ssetool/base/limits.hpp"
#include "ssetool/server/client_log.hpp"
#include "ssetool/server/early_refusal.hpp"
#include "ssetool/server/reply_bytes.hpp"
#include "ssetool/server/request_framing.hpp"

namespace ssetool {

namespace {

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kMinBodyBudget = 32 << 20;
constexpr std::chrono::milliseconds kWorkerIoTimeout{5000};
constexpr std::chrono::milliseconds kRefusalLinger{1000};  // reading (and dropping) a refused request's rest

std::string describe(const ListenAddress& a) {
  if (a.kind == ListenAddress::unix_socket) return "unix:" + a.path;
  bool v6 = a.host.find(':') != std::string::npos;
  return (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port);
}

PeerInfo peer_of(int fd, const sockaddr_storage& ss) {
  PeerInfo p;
  char text[INET6_ADDRSTRLEN] = "";
  if (ss.ss_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    p.remote_port = ntohs(in->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    p.remote_port = ntohs(in6->sin6_port);
  } else {
    std::strcpy(text, "unix");
  }
  p.remote_addr = text;
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
    if (local.ss_family == AF_INET) p.local_port = ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
    if (local.ss_family == AF_INET6) p.local_port = ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
  }
  return p;
}

}  // namespace

struct Server::Connection {
  std::uint64_t id;
  std::unique_ptr<Transport> transport;
  std::string input;     // received, not yet framed (pipelined requests wait here)
  std::string request;   // the complete, normalised request a worker answers
  std::unique_ptr<RequestFramer> framer;
  std::size_t body_held = 0;  // bytes of body_in_flight_ this connection holds
  PeerInfo peer;
  Loop::TimerId timer = 0;
  bool handshaking = false;
  // A deferred reply (Reply::later): the bytes the loop writes, and what follows once they are all written.
  std::string output;
  std::size_t output_done = 0;
  bool output_watched = false;
  std::function<void()> after_output;
  std::function<void()> abandoned;  // the handler's, run if the client leaves before the reply (Reply::abandoned)
};

Server::Server(Loop& loop, ServerOptions options, Handler handler)
    : loop_(loop), options_(std::move(options)) {
  std::size_t fds = raise_descriptor_limit();
  if (options_.max_clients == 0) options_.max_clients = fds > 128 ? fds - 64 : 64;
  if (options_.body_budget == 0) options_.body_budget = std::max(kMinBodyBudget, options_.max_body);
  if (!options_.tls_cert.empty() || !options_.tls_key.empty()) {
    if (options_.tls_cert.empty() || options_.tls_key.empty())
      throw InvalidArgument("--tls-cert and --tls-key go together");
    tls_ = std::make_unique<TlsContext>(options_.tls_cert, options_.tls_key);
  }
  policy_ = std::make_unique<HttpPolicy>(options_, stats_, std::move(handler));
}

Server::~Server() {
  workers_.reset();  // joins: no worker touches this server afterwards
  for (std::size_t i = 1; i < shards_.size(); ++i) {
    Shard& shard = *shards_[i];
    shard.loop.post([&shard] {
      shard.loop.cancel_timer(shard.sweep_timer);
      auto left = shard.sessions;
      for (auto& [id, s] : left) s->abort();
    });
    shard.thread->stop_and_join();  // the posted abort runs first
    shard.sessions.clear();
  }
  if (!shards_.empty())
    for (auto& [id, s] : shards_[0]->sessions) s->abort();
  for (auto& [id, c] : waiting_)
    if (c->output_watched) loop_.unwatch(c->transport->fd());
  if (listen_fd_ >= 0) {
    loop_.unwatch(listen_fd_);
    ::close(listen_fd_);
    if (unix_path_bound_) ::unlink(options_.listen.path.c_str());
  }
}

void Server::start() {
  bind_and_listen();
  bridge_ = std::make_unique<HttpBridge>([this](const Request& r) { return policy_->answer(r); }, listen_fd_,
                                         kWorkerIoTimeout);
  std::size_t loops = std::max<std::size_t>(options_.stream_loops, 1);
  for (std::size_t i = 0; i < loops; ++i) stats_.loops.emplace_back();
  workers_ = std::make_unique<WorkerPool>(options_.workers);
  shards_.push_back(std::make_unique<Shard>(Shard{0, loop_, nullptr, {}, 0}));
  for (std::size_t i = 1; i < loops; ++i) {
    auto thread = std::make_unique<LoopThread>();
    Loop& loop = thread->loop();
    shards_.push_back(std::make_unique<Shard>(Shard{i, loop, std::move(thread), {}, 0}));
  }
  loop_.watch(listen_fd_, EPOLLIN, [this](std::uint32_t) { on_accept(); });
  for (auto& shard : shards_) on_shard(*shard, [this, s = shard.get()] { sweep(*s); });
  write_port_file();
}

void Server::bind_and_listen() {
  const ListenAddress& a = options_.listen;
  std::string where = describe(a);
  if (a.kind == ListenAddress::unix_socket) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (a.path.size() >= sizeof addr.sun_path) throw InvalidArgument("--listen " + where + ": path too long");
    std::strcpy(addr.sun_path, a.path.c_str());
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    bool bound = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (!bound && errno == EADDRINUSE) {
      int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      bool alive = ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      ::close(probe);
      if (alive) throw SystemError("cannot listen on " + where + ": another server is using it");
      struct stat st {};
      if (::lstat(a.path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode))
        throw SystemError("cannot listen on " + where + ": the path exists and is not a socket (left alone)");
      ::unlink(a.path.c_str());  // a stale socket file left by a process that died
      bound = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    if (!bound) throw SystemError("cannot listen on " + where + ": " + std::strerror(errno));
    unix_path_bound_ = true;  // ours: removed when the server ends
  } else {
    addrinfo hints{}, *found = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(a.host.c_str(), std::to_string(a.port).c_str(), &hints, &found);
    if (rc != 0) throw InvalidArgument("--listen " + where + ": " + gai_strerror(rc));
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(found, freeaddrinfo);
    listen_fd_ = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw SystemError("cannot listen on " + where + ": " + std::strerror(errno));
    int one = 1, zero = 0;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // never SO_REUSEPORT
    if (found->ai_family == AF_INET6) setsockopt(listen_fd_, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    if (::bind(listen_fd_, found->ai_addr, found->ai_addrlen) != 0) {
      std::string why = errno == EADDRINUSE ? "address already in use" : std::strerror(errno);
      throw SystemError("cannot listen on " + where + ": " + why);
    }
  }
  if (::listen(listen_fd_, 4096) != 0) throw SystemError("cannot listen on " + where + ": " + std::strerror(errno));
  if (a.kind == ListenAddress::tcp) {
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
    port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    options_.listen.port = port_;
  }
}

void Server::write_port_file() const {
  if (options_.port_file.empty()) return;
  std::string tmp = options_.port_file + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) throw SystemError("--port-file " + options_.port_file + ": " + std::strerror(errno));
  std::fprintf(f, "%d\n", port_);
  bool ok = std::fclose(f) == 0 && std::rename(tmp.c_str(), options_.port_file.c_str()) == 0;
  if (!ok) throw SystemError("--port-file " + options_.port_file + ": " + std::strerror(errno));
}

std::string Server::url() const {
  if (options_.listen.kind == ListenAddress::unix_socket) return "unix:" + options_.listen.path;
  std::string host = options_.listen.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return fmt::format("{}://{}:{}/", tls_ ? "https" : "http", host, port_);
}

void Server::on_accept() {
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        // Out of descriptors: stop accepting for a moment rather than spin.
        log(Verbosity::normal, "out of file descriptors; pausing accept for 100ms");
        loop_.unwatch(listen_fd_);
        loop_.add_timer(std::chrono::milliseconds(100), [this] {
          if (!stopping_) loop_.watch(listen_fd_, EPOLLIN, [this](std::uint32_t) { on_accept(); });
        });
      }
      return;
    }
    int one = 1;
    if (ss.ss_family != AF_UNIX) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_shared<Connection>();
    c->id = next_id_++;
    c->peer = peer_of(fd, ss);
    if (tls_) {
      c->transport = std::make_unique<TlsTransport>(fd, *tls_);
      c->handshaking = true;
    } else {
      c->transport = std::make_unique<Transport>(fd);
    }
    stats_.connections_total.fetch_add(1, std::memory_order_relaxed);
    watch_connection(c);
  }
}

// Puts a connection (new, or back from a worker) under the loop's watch with a deadline for its request.
void Server::watch_connection(const ConnectionPtr& c) {
  connections_[c->id] = c;
  std::weak_ptr<Connection> weak = c;
  loop_.watch(c->transport->fd(), EPOLLIN | EPOLLRDHUP, [this, weak](std::uint32_t events) {
    if (auto conn = weak.lock()) on_connection_io(conn, events);
  });
  c->timer = loop_.add_timer(options_.request_timeout, [this, weak] {
    if (auto conn = weak.lock()) {
      conn->timer = 0;
      request_timed_out(conn);
    }
  });
  c->framer = std::make_unique<RequestFramer>(FramingLimits{kMaxHeaderBytes, options_.max_body});
  if (c->input.empty()) return;
  // Pipelined bytes: framed at the end of the iteration, so that requests answered on the loop (answer_here)
  // come back here one after another rather than nested.
  loop_.defer([this, weak, id = c->id] {
    auto conn = weak.lock();
    if (conn && conn->framer && connections_.count(id)) advance(conn);
  });
}

void Server::on_connection_io(const ConnectionPtr& c, std::uint32_t events) {
  if (c->handshaking && !continue_handshake(c)) return;
  char buf[16384];
  for (;;) {
    ssize_t n = c->transport->read(buf, sizeof buf);
    if (n > 0) {
      c->input.append(buf, static_cast<std::size_t>(n));
      if (!advance(c)) return;  // the request is complete (or refused): nothing more is read for now
      continue;
    }
    if (n < 0 && errno == EAGAIN) break;
    close_connection(c);  // closed, or an error, before a whole request arrived
    return;
  }
  if (events & (EPOLLHUP | EPOLLERR)) close_connection(c);
}

// Drives a TLS handshake on the loop. False while it is not done (or when it failed and c was closed).
bool Server::continue_handshake(const ConnectionPtr& c) {
  auto* tls = static_cast<TlsTransport*>(c->transport.get());
  switch (tls->handshake()) {
    case Handshake::done:
      c->handshaking = false;
      loop_.modify(c->transport->fd(), EPOLLIN | EPOLLRDHUP);
      return true;
    case Handshake::want_read: loop_.modify(c->transport->fd(), EPOLLIN | EPOLLRDHUP); return false;
    case Handshake::want_write: loop_.modify(c->transport->fd(), EPOLLOUT | EPOLLRDHUP); return false;
    case Handshake::failed: break;
  }
  log(Verbosity::verbose, fmt::format("{}:{} TLS handshake failed", c->peer.remote_addr, c->peer.remote_port));
  close_connection(c);
  return false;
}

// Frames what has arrived. False once the connection left the reading state (dispatched, refused, closed).
bool Server::advance(const ConnectionPtr& c) {
  for (;;) {
    RequestFramer::Status status = c->framer->feed(c->input);
    if (!hold_body(c)) return false;
    switch (status) {
      case RequestFramer::Status::incomplete: return true;
      case RequestFramer::Status::head_ready:
        if (!accept_head(c)) return false;
        continue;
      case RequestFramer::Status::complete: {
        const RequestHead& head = c->framer->head();
        bool here = options_.answer_on_loop && options_.answer_on_loop(head.method, head.headers);
        c->request = c->framer->take_request();
        if (here) answer_here(c);
        else dispatch(c);
        return false;
      }
      case RequestFramer::Status::refused:
        refuse(c, c->framer->error_status(), c->framer->error_reason(), "", c->framer->error_why());
        return false;
    }
  }
}

// Counts the body read so far against the global budget; past it, the request gets 503.
bool Server::hold_body(const ConnectionPtr& c) {
  std::size_t now = c->framer->body_size();
  if (now <= c->body_held) return true;
  if (body_in_flight_ + (now - c->body_held) > options_.body_budget) {
    log(Verbosity::verbose, fmt::format("{}:{} request bodies over their budget: 503", c->peer.remote_addr,
                                        c->peer.remote_port));
    refuse(c, 503, "Service Unavailable", "Retry-After: 1\r\n", "request bodies in flight are over the server's budget");
    return false;
  }
  body_in_flight_ += now - c->body_held;
  c->body_held = now;
  return true;
}

void Server::release_body(const ConnectionPtr& c) {
  body_in_flight_ -= c->body_held;
  c->body_held = 0;
}

// The head of a request with a body is here: refuse it now if it will be refused anyway, else let the body come.
bool Server::accept_head(const ConnectionPtr& c) {
  const RequestHead& head = c->framer->head();
  if (auto early = refuse_before_body(head, options_)) {
    refuse(c, early->status, early->reason.c_str(), early->headers, early->why);
    return false;
  }
  if (head.expects_continue) {
    static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    iovec iov{const_cast<char*>(kContinue), sizeof kContinue - 1};
    c->transport->writev(&iov, 1);  // best effort: a client that gets none sends its body after a pause
  }
  return true;
}

// Answers a request the loop will not hand to a worker, then closes the connection: first it reads and drops
// what the client still sends for a moment, so that the client reads the answer rather than a reset.
// `why`, when given, is the body: one line saying what was wrong.
void Server::refuse(const ConnectionPtr& c, int status, const char* reason, const std::string& headers,
                    const std::string& why) {
  stats_.refused.count(status);
  std::string body = why.empty() ? "" : why + "\n";
  std::string type = why.empty() ? "" : "Content-Type: text/plain; charset=utf-8\r\n";
  std::string response = fmt::format("HTTP/1.1 {} {}\r\nContent-Length: {}\r\n{}Connection: close\r\n{}\r\n{}",
                                     status, reason, body.size(), type, headers, body);
  iovec iov{response.data(), response.size()};
  c->transport->writev(&iov, 1);
  release_body(c);
  c->framer.reset();
  c->input.clear();
  c->input.shrink_to_fit();
  if (c->timer) loop_.cancel_timer(c->timer);
  int fd = c->transport->fd();
  if (!tls_) ::shutdown(fd, SHUT_WR);
  std::weak_ptr<Connection> weak = c;
  loop_.unwatch(fd);
  loop_.watch(fd, EPOLLIN | EPOLLRDHUP, [this, weak](std::uint32_t) {
    auto conn = weak.lock();
    if (!conn) return;
    char buf[16384];
    ssize_t n;
    while ((n = conn->transport->read(buf, sizeof buf)) > 0) {
    }
    if (n == 0 || errno != EAGAIN) close_connection(conn);
  });
  c->timer = loop_.add_timer(kRefusalLinger, [this, weak] {
    if (auto conn = weak.lock()) {
      conn->timer = 0;
      close_connection(conn);
    }
  });
}

// The request deadline passed. An idle connection is closed; a request partly received gets 408 and says what
// did not arrive (a client that declared a body it never sends learns why, instead of a silent close).
void Server::request_timed_out(const ConnectionPtr& c) {
  const RequestFramer* framer = c->framer.get();
  if (c->handshaking || !framer || (!framer->head_read() && c->input.empty())) return close_connection(c);
  auto ms = options_.request_timeout.count();
  std::string within = ms % 1000 == 0 ? fmt::format("{}s", ms / 1000) : fmt::format("{}ms", ms);
  std::string why;
  if (!framer->head_read())
    why = fmt::format("request timeout: the request head was not complete within {}", within);
  else if (framer->head().chunked)
    why = fmt::format("request timeout: the chunked body did not end within {} ({} bytes received)", within,
                      framer->body_size());
  else
    why = fmt::format("request timeout: {} of the {} body bytes given by Content-Length arrived within {}",
                      framer->body_size(), framer->head().content_length, within);
  log(Verbosity::verbose, fmt::format("{}:{} {}: 408", c->peer.remote_addr, c->peer.remote_port, why));
  refuse(c, 408, "Request Timeout", "", why);
}

void Server::dispatch(const ConnectionPtr& c) {
  loop_.unwatch(c->transport->fd());
  loop_.cancel_timer(c->timer);
  c->timer = 0;
  connections_.erase(c->id);
  ++in_workers_;
  // The worker hands its reference back with the outcome: a connection is only ever destroyed on the loop.
  workers_->submit([this, conn = ConnectionPtr(c)]() mutable {
    BridgeOutcome outcome = bridge_->process(*conn->transport, conn->request, conn->peer);
    loop_.post([this, conn = std::move(conn), outcome = std::move(outcome)]() mutable {
      on_worker_done(conn, std::move(outcome));
    });
  });
}

// A request of ServerOptions::answer_on_loop: answered here, what httplib writes collected and written by the
// loop (never waiting for the client), then on as if a worker had answered it.
void Server::answer_here(const ConnectionPtr& c) {
  loop_.unwatch(c->transport->fd());
  loop_.cancel_timer(c->timer);
  c->timer = 0;
  connections_.erase(c->id);
  ++in_workers_;  // counted as at a worker until on_worker_done
  std::string output;
  BridgeOutcome outcome = bridge_->process(*c->transport, c->request, c->peer, &output);
  if (output.empty()) return on_worker_done(c, std::move(outcome));
  waiting_[c->id] = c;
  auto written = std::make_shared<BridgeOutcome>(std::move(outcome));
  write_reply(c, std::move(output), [this, c, written] {
    if (!c->transport) written->kind = BridgeOutcome::close;  // the write failed: c was closed
    on_worker_done(c, std::move(*written));
  });
}

void Server::on_worker_done(const ConnectionPtr& c, BridgeOutcome outcome) {
  --in_workers_;
  release_body(c);
  c->request.clear();
  c->request.shrink_to_fit();
  if (outcome.stream_offered && outcome.kind != BridgeOutcome::stream) policy_->release_stream();
  switch (outcome.kind) {
    case BridgeOutcome::stream: open_session(c, std::move(outcome)); break;
    case BridgeOutcome::keep_alive:
      if (stopping_) c->transport.reset();
      else watch_connection(c);
      break;
    case BridgeOutcome::close: c->transport.reset(); break;
    case BridgeOutcome::deferred: wait_for_reply(c, std::move(outcome)); break;
  }
  check_shutdown_done();
}

// The handler gives its reply later (Reply::later): the connection waits, holding no worker, until the handler's
// Answer runs on this loop (at most once; never after the server is gone), watched only for the client leaving.
void Server::wait_for_reply(const ConnectionPtr& c, BridgeOutcome outcome) {
  waiting_[c->id] = c;
  stats_.replies_waiting.store(waiting_.size(), std::memory_order_relaxed);
  c->abandoned = std::move(outcome.abandoned);
  watch_for_hangup(c);
  auto later = std::move(outcome.later);
  auto waiting = std::make_shared<BridgeOutcome>(std::move(outcome));
  auto answered = std::make_shared<bool>(false);  // this request's (a kept-alive connection takes more)
  later([this, alive = std::weak_ptr<int>(alive_), c, waiting, answered](Reply reply) {
    if (alive.expired() || *answered || !c->transport) return;
    *answered = true;
    c->abandoned = nullptr;
    give_reply(c, std::move(*waiting), std::move(reply));
  });
}

// EPOLLRDHUP (the client shut its side, or reset) while no reply is being written: it has left, the connection is
// released now rather than when the reply comes. Bytes it sends meanwhile (a pipelined request) wait in the socket.
// Once the reply is being written, the same watch carries EPOLLOUT for flush_reply.
void Server::watch_for_hangup(const ConnectionPtr& c) {
  c->output_watched = true;
  std::weak_ptr<Connection> weak = c;
  loop_.watch(c->transport->fd(), EPOLLRDHUP, [this, weak](std::uint32_t events) {
    auto conn = weak.lock();
    if (!conn || !conn->transport) return;
    if (conn->after_output) return flush_reply(conn);
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) client_left(conn);
  });
}

void Server::client_left(const ConnectionPtr& c) {
  stats_.replies_abandoned.fetch_add(1, std::memory_order_relaxed);
  log(Verbosity::verbose,
      fmt::format("{}:{} left before its reply was ready", c->peer.remote_addr, c->peer.remote_port));
  stop_waiting(c);
  c->transport.reset();
  auto abandoned = std::move(c->abandoned);
  c->abandoned = nullptr;
  if (abandoned) abandoned();
  check_shutdown_done();
}

// The connection no longer waits (answered and written, failed, left, or cut): unwatched, its timer cancelled.
void Server::stop_waiting(const ConnectionPtr& c) {
  waiting_.erase(c->id);
  stats_.replies_waiting.store(waiting_.size(), std::memory_order_relaxed);
  if (c->output_watched && c->transport) loop_.unwatch(c->transport->fd());
  c->output_watched = false;
  if (c->timer) loop_.cancel_timer(c->timer);
  c->timer = 0;
}

// Writes a deferred reply: a short one (then the connection reads its next request, or closes), or an event
// stream's head (then its session opens as any other stream's).
void Server::give_reply(const ConnectionPtr& c, BridgeOutcome outcome, Reply reply) {
  policy_->finish(outcome.request, reply);
  if (reply.open_stream) {
    outcome.keep_connection = reply.keep_connection && outcome.reusable && outcome.chunked && !stopping_;
    std::string head = stream_head_bytes(reply, outcome.chunked, outcome.keep_connection);
    outcome.kind = BridgeOutcome::stream;
    outcome.open_stream = std::move(reply.open_stream);
    return write_reply(c, std::move(head), [this, c, outcome = std::move(outcome), on = reply.loop]() mutable {
      if (c->transport) open_session(c, std::move(outcome), on);
      else policy_->release_stream();
    });
  }
  bool reuse = outcome.reusable && !stopping_;
  write_reply(c, reply_bytes(reply, reuse, outcome.head), [this, c, reuse] {
    if (reuse && c->transport) watch_connection(c);
    else c->transport.reset();
  });
}

// Writes `bytes` from the loop (EPOLLOUT when the socket is full, within the worker's I/O timeout), then runs
// `then`; a connection that fails or times out is closed first (`then` sees no transport).
void Server::write_reply(const ConnectionPtr& c, std::string bytes, std::function<void()> then) {
  c->output = std::move(bytes);
  c->output_done = 0;
  c->after_output = std::move(then);
  std::weak_ptr<Connection> weak = c;
  c->timer = loop_.add_timer(kWorkerIoTimeout, [this, weak] {
    if (auto conn = weak.lock()) {
      conn->timer = 0;
      reply_written(conn, false);
    }
  });
  flush_reply(c);
}

void Server::flush_reply(const ConnectionPtr& c) {
  while (c->output_done < c->output.size()) {
    iovec iov{c->output.data() + c->output_done, c->output.size() - c->output_done};
    ssize_t n = c->transport->writev(&iov, 1);
    if (n > 0) {
      c->output_done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      std::uint32_t events = (c->transport->last_wait() == IoWait::read ? EPOLLIN : EPOLLOUT) | EPOLLRDHUP;
      if (c->output_watched) return loop_.modify(c->transport->fd(), events);
      c->output_watched = true;
      std::weak_ptr<Connection> weak = c;
      loop_.watch(c->transport->fd(), events, [this, weak](std::uint32_t) {
        if (auto conn = weak.lock()) flush_reply(conn);
      });
      return;
    }
    return reply_written(c, false);
  }
  reply_written(c, true);
}

void Server::reply_written(const ConnectionPtr& c, bool ok) {
  if (!waiting_.count(c->id)) return;
  stop_waiting(c);
  c->output.clear();
  c->output.shrink_to_fit();
  if (!ok) c->transport.reset();
  auto then = std::move(c->after_output);
  c->after_output = nullptr;
  if (then) then();
  check_shutdown_done();
}

// Shutdown's grace period is over: connections still waiting for a deferred reply are closed.
void Server::cut_waiting() {
  auto left = waiting_;
  for (auto& [id, c] : left) {
    stop_waiting(c);
    c->after_output = nullptr;
    c->abandoned = nullptr;
    c->transport.reset();
  }
}

// A stream that ended cleanly gave its connection back (Reply::keep_connection): it reads the client's next
// request, under a new id (the stream's may still be in its shard's table), the bytes read meanwhile first.
void Server::take_back(const ConnectionPtr& c, std::unique_ptr<Transport> transport, std::string input) {
  if (stopping_) return;  // transport closes here
  c->transport = std::move(transport);
  c->input += input;
  c->id = next_id_++;
  watch_connection(c);
}

// Places the stream on loop `on` (when it is one of the server's), else on the next loop in turn; it lives there
// until it ends.
void Server::open_session(const ConnectionPtr& c, BridgeOutcome outcome, Loop* on) {
  auto named = std::find_if(shards_.begin(), shards_.end(), [on](const auto& s) { return &s->loop == on; });
  Shard& shard = named != shards_.end() ? **named : *shards_[next_shard_++ % shards_.size()];
  if (&shard.loop == &loop_) return start_session(shard, c, std::move(outcome));
  ++remote_sessions_;
  shard.loop.post([this, &shard, c, outcome = std::move(outcome)]() mutable { start_session(shard, c, std::move(outcome)); });
}

// On the shard's loop.
void Server::start_session(Shard& shard, const ConnectionPtr& c, BridgeOutcome outcome) {
  std::uint64_t id = c->id;
  outcome.request.body = std::string();  // the handler had it; a stream does not keep it for its whole life
  auto session = std::make_shared<Session>(shard.loop, std::move(c->transport), std::move(outcome.request), id,
                                           options_.client_buffer, &stats_.loops[shard.index].delivered);
  session->set_chunked(outcome.chunked);
  if (outcome.keep_connection)
    session->hand_back_at_end([this, &shard, c](std::unique_ptr<Transport> transport, std::string input) {
      auto back = std::make_shared<std::unique_ptr<Transport>>(std::move(transport));
      auto take = [this, c, back, input = std::move(input)]() mutable { take_back(c, std::move(*back), std::move(input)); };
      if (&shard.loop == &loop_) take();
      else loop_.post(std::move(take));
    });
  shard.sessions[id] = session;
  stats_.clients_connected.fetch_add(1, std::memory_order_relaxed);
  stats_.loops[shard.index].clients.fetch_add(1, std::memory_order_relaxed);
  bool detailed = options_.verbosity == Verbosity::verbose;
  log(Verbosity::normal, client_connected_line(session->request(), detailed));
  session->on_close([this, &shard, id, detailed, s = session.get()](SessionEnd why) {
    StreamSummary summary{why, stopping_, s->frames_sent(), s->bytes_written(), Loop::Clock::now() - s->opened_at()};
    log(Verbosity::normal, client_closed_line(s->request(), summary, detailed));
    if (why == SessionEnd::slow) stats_.clients_dropped_slow.fetch_add(1, std::memory_order_relaxed);
    stats_.clients_connected.fetch_sub(1, std::memory_order_relaxed);
    stats_.loops[shard.index].clients.fetch_sub(1, std::memory_order_relaxed);
    policy_->release_stream();
    shard.loop.defer([this, &shard, id] { session_closed(shard, id); });
  });
  session->start();
  if (options_.retry) {
    Event retry;
    retry.has_data = false;
    retry.retry = static_cast<std::uint64_t>(options_.retry->count());
    session->send(retry);
  }
  outcome.open_stream(*session);
  if (!stopping_) return;
  if (&shard.loop == &loop_) return session->end();
  after_round_trip(shard, [weak = std::weak_ptr<Session>(session)] {
    if (auto s = weak.lock()) s->end();
  });
}

// On another shard's loop: runs `fn` there once everything this loop posted to the server's loop so far has been
// handled there, and what that posted back (a new stream's join to the hub, whose history comes back from the
// server's loop; the frames HubFanout hands over at the end of an iteration) has arrived first. A stream ended
// sooner would lose the events it was owed.
void Server::after_round_trip(Shard& shard, std::function<void()> fn) {
  loop_.post([this, &shard, fn = std::move(fn)] {
    loop_.defer([&shard, fn] { shard.loop.post(fn); });
  });
}

// On the shard's loop, after the session's close callbacks ran.
void Server::session_closed(Shard& shard, std::uint64_t id) {
  shard.sessions.erase(id);
  if (&shard.loop == &loop_) return check_shutdown_done();
  loop_.post([this] {
    --remote_sessions_;
    check_shutdown_done();
  });
}

// Runs fn on the shard's loop: now when it is the server's own (the caller is on it), else posted.
void Server::on_shard(Shard& shard, std::function<void()> fn) {
  if (&shard.loop == &loop_) fn();
  else shard.loop.post(std::move(fn));
}

void Server::close_connection(const ConnectionPtr& c) {
  release_body(c);
  if (c->transport) loop_.unwatch(c->transport->fd());
  if (c->timer) loop_.cancel_timer(c->timer);
  c->timer = 0;
  c->transport.reset();
  connections_.erase(c->id);
}

// Periodic work on the shard's loop: heartbeats on its idle streams.
void Server::sweep(Shard& shard) {
  auto hb = options_.heartbeat;
  if (hb.count() > 0) {
    auto now = Loop::Clock::now();
    for (auto& [id, s] : shard.sessions) s->heartbeat_if_idle(now, hb);
  }
  auto every = hb.count() > 0 ? std::clamp(hb / 4, std::chrono::microseconds(5000), std::chrono::microseconds(1000000))
                              : std::chrono::microseconds(1000000);
  shard.sweep_timer = shard.loop.add_timer(every, [this, &shard] { sweep(shard); });
}

void Server::shutdown(std::function<void()> done) {
  if (stopping_) return;
  stopping_ = true;
  policy_->stop_admitting();
  on_stopped_ = std::move(done);
  if (listen_fd_ >= 0) {
    loop_.unwatch(listen_fd_);  // the descriptor stays open until ~Server: httplib checks it
    ::shutdown(listen_fd_, SHUT_RDWR);
  }
  auto idle = connections_;
  for (auto& [id, c] : idle) close_connection(c);
  // Deferred: the frames this iteration handed to other loops (HubFanout) reach them before the end does; another
  // loop's streams end after a round trip through it (after_round_trip).
  auto end_streams = [](Shard& s) {
    s.loop.cancel_timer(s.sweep_timer);
    for (auto& [id, session] : s.sessions) session->end();
  };
  loop_.defer([this, end_streams] {
    for (auto& shard : shards_) {
      Shard* s = shard.get();
      if (&s->loop == &loop_) end_streams(*s);
      else s->loop.post([this, s, end_streams] { after_round_trip(*s, [s, end_streams] { end_streams(*s); }); });
    }
  });
  loop_.add_timer(options_.grace, [this] {
    cut_waiting();
    for (auto& shard : shards_) on_shard(*shard, [this, s = shard.get()] { cut_streams(*s); });
    check_shutdown_done();
  });
  check_shutdown_done();
}

// The grace period is over: the shard's streams still open are cut.
void Server::cut_streams(Shard& shard) {
  auto left = shard.sessions;
  if (!left.empty()) log(Verbosity::normal, fmt::format("grace period over: cutting {} stream(s)", left.size()));
  for (auto& [id, s] : left) s->abort();
}

void Server::check_shutdown_done() {
  if (!stopping_ || session_count() > 0 || in_workers_ > 0 || !waiting_.empty() || !on_stopped_) return;
  auto done = std::move(on_stopped_);
  on_stopped_ = nullptr;
  loop_.defer(std::move(done));
}

void Server::log(Verbosity level, const std::string& line) const {
  if (options_.log && static_cast<int>(options_.verbosity) >= static_cast<int>(level)) options_.log(line);
}

}  // namespace ssetool
