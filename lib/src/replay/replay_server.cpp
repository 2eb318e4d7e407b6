// Running `ssetool replay` (see replay_command.hpp).
#include "replay_command.hpp"

#include <fmt/core.h>

#include <cmath>
#include <csignal>
#include <random>

#include "command.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/base/units.hpp"
#include "ssetool/replay/recording_loader.hpp"
#include "ssetool/replay/routes_file.hpp"

namespace ssetool::cli {
namespace {

std::chrono::microseconds duration_flag(const char* flag, const std::string& value) {
  try {
    return parse_duration(value);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string(flag) + ": " + e.what());
  }
}

Route route_for_file(const Route& defaults, std::vector<std::string> methods, const std::string& path,
                     const std::string& file, std::string origin) {
  Route route = defaults;
  route.origin = std::move(origin);
  route.match.methods = std::move(methods);
  route.match.path = path;
  route.recording = load_recording(file);
  return route;
}

}  // namespace

// The timing and faults of the command line: every route starts from them.
Route ReplayCommand::route_defaults() const {
  Route d;
  if (!(flags_.speed >= 0) || !std::isfinite(flags_.speed))
    throw InvalidArgument(fmt::format("--speed {}: must be a number >= 0 (2: twice as fast, 0: no delays)", flags_.speed));
  if (flags_.fail_status < 100 || flags_.fail_status > 599)
    throw InvalidArgument(fmt::format("--fail-status {}: must be an HTTP status from 100 to 599", flags_.fail_status));
  d.playback.speed = flags_.speed;
  d.playback.interval = duration_flag("--interval", flags_.interval);
  d.playback.first_byte_delay = duration_flag("--first-byte-delay", flags_.first_byte_delay);
  d.playback.jitter = duration_flag("--jitter", flags_.jitter);
  d.playback.loop = flags_.loop;
  try {
    d.playback.chunking = parse_chunking(flags_.chunking);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string("--chunking ") + e.what());
  }
  d.playback.drop_after = flags_.drop_after;
  d.playback.stall_after = flags_.stall_after;
  d.fail_first = flags_.fail_first;
  d.fail_status = flags_.fail_status;
  return d;
}

// FILE at --path first, then each --route in order, then the routes file's routes.
std::vector<Route> ReplayCommand::load_routes(const Route& defaults) const {
  std::vector<Route> routes;
  if (!flags_.file.empty())
    routes.push_back(route_for_file(defaults, {"GET", "POST"}, options_.path, flags_.file, flags_.file));
  for (const std::string& text : flags_.routes) {
    RouteOption option;
    try {
      option = parse_route_option(text);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(std::string("--route ") + e.what());
    }
    routes.push_back(route_for_file(defaults, option.methods, option.path, option.file, "--route " + text));
  }
  if (!flags_.routes_file.empty()) {
    auto more = load_routes_file(flags_.routes_file, defaults);
    routes.insert(routes.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  if (routes.empty()) throw InvalidArgument("nothing to replay: give a FILE, --route PATH=FILE or --routes FILE");
  return routes;
}

int ReplayCommand::run() {
  options_ = flags_.server.options("replay");
  Route defaults = route_defaults();
  std::optional<std::chrono::microseconds> timeout;
  if (!flags_.timeout.empty()) timeout = duration_flag("--timeout", flags_.timeout);
  if (flags_.exit_after && *flags_.exit_after == 0) throw InvalidArgument("--exit-after 0: must be at least 1");
  std::vector<Route> routes = load_routes(defaults);
  if (!flags_.journal.empty()) {
    try {
      journal_ = std::make_shared<Journal>(flags_.journal);
    } catch (const SystemError& e) {
      throw InvalidArgument(e.what());
    }
  }
  std::uint64_t seed = flags_.seed ? *flags_.seed : std::random_device{}();
  if (options_.verbosity == Verbosity::verbose) options_.log(fmt::format("seed {} (repeat a run with --seed {})", seed, seed));

  std::vector<std::string> descriptions;
  for (const Route& r : routes) descriptions.push_back(describe_route(r));
  prepare_server_process();
  responder_ = std::make_unique<ReplayResponder>(ResponderOptions{
      std::move(routes), seed, journal_, [](const Request& r) { return r.last_event_id(); },
      [this] { loop_.post([this] { request_done(); }); }});
  server_ = std::make_unique<Server>(loop_, options_, [this](const Request& r) { return responder_->handle(r); });
  server_->start();
  announce(descriptions);
  loop_.watch_signals({SIGINT, SIGTERM}, [this](int) { stop(kExitOk); });
  if (timeout) {
    loop_.add_timer(*timeout, [this] {
      print_error("replay", fmt::format("--timeout {} passed with {} request(s) completed{}", flags_.timeout,
                                        completed_,
                                        flags_.exit_after ? fmt::format(" of --exit-after {}", *flags_.exit_after) : ""));
      stop(kExitTimeout);
    });
  }
  loop_.run();
  server_.reset();
  if (journal_ && journal_->failed()) {
    print_error("replay", "--journal " + flags_.journal + ": a write failed (disk full?)");
    return kExitFailure;
  }
  return exit_code_;
}

// "ssetool: serving URL (N routes, first match wins)", then one line per route; nothing with --quiet.
void ReplayCommand::announce(const std::vector<std::string>& routes) const {
  if (options_.verbosity == Verbosity::quiet) return;
  fmt::print(stderr, "ssetool: serving {} ({} route{}, first match wins)\n", server_->url(), routes.size(),
             routes.size() == 1 ? "" : "s");
  for (std::size_t i = 0; i < routes.size(); ++i) fmt::print(stderr, "ssetool: replay:   {}. {}\n", i + 1, routes[i]);
}

void ReplayCommand::request_done() {
  ++completed_;
  if (flags_.exit_after && completed_ >= *flags_.exit_after) stop(kExitOk);
}

void ReplayCommand::stop(int exit_code) {
  if (stopping_) return;
  stopping_ = true;
  exit_code_ = exit_code;
  server_->shutdown([this] { loop_.stop(); });
}

}  // namespace ssetool::cli
