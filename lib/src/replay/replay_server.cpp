// The engine of `ssetool replay` (see replay/replay_server.hpp).
#include "ssetool/replay/replay_server.hpp"

#include <algorithm>

namespace ssetool {

ReplayServer::ReplayServer(ReplayOptions options) : options_(std::move(options)) {
  // A body is read only on a path some route takes (its other rules may look at the body): anywhere else the 404
  // comes before the body is read (server/early_refusal.hpp).
  std::vector<std::string> paths;
  for (const Route& route : options_.routes) paths.push_back(route.match.path);
  bool control = !options_.control_token.empty();
  if (options_.record) proxy_ = std::make_unique<RecordProxy>(std::move(*options_.record));
  options_.server.body_path = [paths = std::move(paths), control, forwarding = proxy_ != nullptr](const std::string& p) {
    if (is_control_path(p)) return control;
    return forwarding ||
           std::any_of(paths.begin(), paths.end(), [&](const std::string& pattern) { return path_matches(pattern, p); });
  };
  responder_ = std::make_unique<ReplayResponder>(ResponderOptions{
      std::move(options_.routes), options_.seed, options_.journal,
      [](const Request& r) { return r.last_event_id(); },
      [this] { loop_.post([this] { request_done(); }); },
      std::make_shared<TestScopes>(control, options_.control_redaction),
      proxy_ ? [this](const Request& r) { return proxy_->forward(r); } : std::function<Reply(const Request&)>()});
  if (control) {
    control_ = std::make_unique<ControlApi>(options_.control_token, *responder_);
    // The control token, not --token, opens /_ssetool/.
    options_.server.own_auth = [this](const Request& r) -> std::optional<bool> {
      if (!is_control_path(r.path)) return std::nullopt;
      return control_->authorized(r);
    };
  }
  server_ = std::make_unique<Server>(loop_, options_.server, [this](const Request& r) {
    if (!is_control_path(r.path)) return responder_->handle(r);
    return control_ ? control_->handle(r) : control_api_off();
  });
}

void ReplayServer::start() { server_->start(); }

ReplayServer::End ReplayServer::run() {
  if (!options_.stop_signals.empty())
    loop_.watch_signals(options_.stop_signals, [this](int) { shut_down(End::stopped); });
  if (options_.timeout) {
    loop_.add_timer(*options_.timeout, [this] {
      if (options_.on_timeout) options_.on_timeout(completed_);
      shut_down(End::timeout);
    });
  }
  loop_.run();
  if (proxy_) proxy_->stop_all();  // before the server's workers are joined: one may wait for an upstream's head
  server_.reset();
  return end_;
}

void ReplayServer::stop() {
  loop_.post([this] { shut_down(End::stopped); });
}

void ReplayServer::request_done() {
  ++completed_;
  if (options_.exit_after && completed_ >= *options_.exit_after) shut_down(End::exit_after);
}

void ReplayServer::shut_down(End end) {
  if (stopping_) return;
  stopping_ = true;
  end_ = end;
  server_->shutdown([this] { loop_.stop(); });
}

}  // namespace ssetool
