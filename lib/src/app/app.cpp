// App: routes, the server on the stream loop, run() until a signal or stop() (see ssetool/app/app.hpp).
#include "ssetool/app/app.hpp"

#include <csignal>
#include <map>
#include <thread>

#include "feed_impl.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/server/server.hpp"
#include "stream_driver.hpp"

namespace ssetool {

class App::Impl {
 public:
  explicit Impl(AppOptions options);

  void add_sse(const std::string& path, SseOptions options, SseHandler handler);
  Feed& add_feed(const std::string& path, FeedOptions options);
  void start();
  int run();
  void stop() {
    loop_.post([this] { shut_down(); });
  }
  const Server& server() const;

 private:
  void claim(const std::string& path) const;
  ServerOptions server_options() const;
  Reply handle(const Request& req);
  void shut_down();

  AppOptions options_;
  ServerOptions server_options_;
  Loop loop_;
  std::map<std::string, std::unique_ptr<SseRoute>> routes_;
  std::map<std::string, std::unique_ptr<Feed>> feeds_;
  std::unique_ptr<Server> server_;
  bool ran_ = false;
  bool stopping_ = false;
};

App::Impl::Impl(AppOptions options) : options_(std::move(options)), server_options_(server_options()) {
  if (options_.handle_signals) block_signals({SIGINT, SIGTERM});
}

ServerOptions App::Impl::server_options() const {
  ServerOptions s;
  s.listen = ListenAddress::parse(options_.listen);
  s.port_file = options_.port_file;
  s.heartbeat = options_.keep_alive;
  s.max_clients = options_.max_clients;
  s.client_buffer = options_.client_buffer;
  for (const std::string& origin : options_.cors_origins) check_cors_origin(origin);
  s.cors_origins = options_.cors_origins;
  for (char c : options_.token)
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f)
      throw InvalidArgument("token: a space or control character in it");
  s.token = options_.token;
  s.grace = options_.grace;
  s.workers = options_.workers;
  s.log = options_.log;
  s.verbosity = options_.log && options_.log_clients ? Verbosity::normal : Verbosity::quiet;
  s.body_path = [](const std::string&) { return false; };  // no route reads a request body
  s.application_metrics = [this] {
    ApplicationMetrics m;
    for (const auto& [path, feed] : feeds_) m.events_published += feed->published();
    return m;
  };
  return s;
}

void App::Impl::claim(const std::string& path) const {
  if (server_) throw Error("route " + path + ": routes are added before the App starts");
  if (path.empty() || path[0] != '/') throw InvalidArgument("route '" + path + "': a path starts with '/'");
  for (char c : path)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '?')
      throw InvalidArgument("route '" + path + "': a control character or '?' in the path");
  if (routes_.count(path) || feeds_.count(path) || path == "/healthz" || path == "/metrics")
    throw InvalidArgument("route " + path + ": the path is already taken");
}

void App::Impl::add_sse(const std::string& path, SseOptions options, SseHandler handler) {
  claim(path);
  if (!handler) throw InvalidArgument("route " + path + ": no handler");
  if (options.heartbeat.period.count() > 0) validate(options.heartbeat.event);
  routes_[path] = std::make_unique<SseRoute>(SseRoute{path, std::move(options), std::move(handler)});
}

Feed& App::Impl::add_feed(const std::string& path, FeedOptions options) {
  claim(path);
  auto& feed = feeds_[path];
  feed = std::make_unique<Feed>(std::make_unique<Feed::Impl>(loop_, options));
  return *feed;
}

// On a worker thread: routes_ and feeds_ no longer change once the server exists.
Reply App::Impl::handle(const Request& req) {
  auto route = routes_.find(req.path);
  auto feed = feeds_.find(req.path);
  if (route == routes_.end() && feed == feeds_.end()) return Reply::text(404, "not found\n");
  if (req.method != "GET") {
    Reply reply = Reply::text(405, "method not allowed: an event stream is read with GET\n");
    reply.headers.emplace_back("Allow", "GET");
    return reply;
  }
  if (feed != feeds_.end()) return feed->second->impl().open_stream();
  return Reply::stream([this, r = route->second.get()](Session& session) {
    StreamDriver::open(session, *r, options_.watermark, options_.log);
  });
}

void App::Impl::start() {
  if (server_) return;
  server_ = std::make_unique<Server>(loop_, server_options_, [this](const Request& r) { return handle(r); });
  server_->start();
}

int App::Impl::run() {
  if (ran_) throw Error("an App runs once");
  ran_ = true;
  start();
  for (auto& [path, feed] : feeds_) feed->impl().set_loop_thread(std::this_thread::get_id());
  if (options_.handle_signals) loop_.watch_signals({SIGINT, SIGTERM}, [this](int) { shut_down(); });
  loop_.run();
  for (auto& [path, feed] : feeds_) feed->impl().shut_down();
  return 0;
}

// On the loop: no new clients, every stream flushes and ends (within grace), then the loop stops.
void App::Impl::shut_down() {
  if (stopping_) return;
  stopping_ = true;
  for (auto& [path, feed] : feeds_) feed->impl().shut_down();
  server_->shutdown([this] { loop_.stop(); });
}

const Server& App::Impl::server() const {
  if (!server_) throw Error("the App has not started");
  return *server_;
}

App::App(AppOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
App::~App() = default;

void App::sse(const std::string& path, SseHandler handler) { impl_->add_sse(path, {}, std::move(handler)); }
void App::sse(const std::string& path, SseOptions options, SseHandler handler) {
  impl_->add_sse(path, std::move(options), std::move(handler));
}
Feed& App::broadcast(const std::string& path, FeedOptions options) { return impl_->add_feed(path, options); }
void App::start() { impl_->start(); }
int App::port() const { return impl_->server().port(); }
std::string App::url() const { return impl_->server().url(); }
int App::run() { return impl_->run(); }
void App::stop() { impl_->stop(); }

}  // namespace ssetool
