// The request handler of `ssetool replay` (see replay/responder.hpp).
#include "ssetool/replay/responder.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "ssetool/loop/session.hpp"
#include "ssetool/replay/playback.hpp"
#include "ssetool/replay/template.hpp"

namespace ssetool {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Spreads the run's seed over connections: each gets its own, reproducible, well-mixed generator seed.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// A stream between the handler and the end of its playback. It journals the request when playback ends; if the
// server never opened the stream (--max-clients reached, shutting down), it journals it as refused when dropped.
struct PendingStream {
  PendingStream(JournalEntry e, std::shared_ptr<Journal> j, std::shared_ptr<TestScopes> s, std::function<void()> done)
      : entry(std::move(e)), journal(std::move(j)), scopes(std::move(s)), on_done(std::move(done)) {}
  PendingStream(const PendingStream&) = delete;
  PendingStream& operator=(const PendingStream&) = delete;

  JournalEntry entry;
  std::shared_ptr<Journal> journal;
  std::shared_ptr<TestScopes> scopes;
  std::function<void()> on_done;
  SteadyClock::time_point started = SteadyClock::now();
  bool finished = false;

  // `ended`: how the stream ended when it was not a playback (a --record-from relay).
  void done(const PlaybackResult& result, std::string_view ended = {}) {
    finished = true;
    entry.events = result.events_sent;
    entry.ended = ended.empty() ? std::string(to_string(result.end)) : std::string(ended);
    entry.resumed = result.resumed_after.has_value();
    entry.duration = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - started);
    write();
    if (on_done) on_done();
  }

  void write() {
    if (journal) journal->write(entry);
    scopes->record(entry);
  }

  ~PendingStream() {
    if (finished) return;
    entry.ended = "refused";
    entry.status = 503;
    write();
  }
};

}  // namespace

ReplayResponder::ReplayResponder(ResponderOptions options)
    : options_(std::move(options)), states_(std::make_unique<RouteState[]>(options_.routes.size())) {
  if (!options_.scopes) options_.scopes = std::make_shared<TestScopes>();
}

void ReplayResponder::reset_counters() {
  for (std::size_t i = 0; i < options_.routes.size(); ++i) {
    states_[i].requests = 0;
    states_[i].streams = 0;
  }
}

Reply ReplayResponder::handle(const Request& request) {
  JournalEntry entry;
  entry.request = requests_.fetch_add(1) + 1;
  entry.time = std::chrono::system_clock::now();
  entry.http = request;
  if (options_.last_event_id) entry.last_event_id = options_.last_event_id(request);
  std::optional<std::size_t> found = choose_route(options_.routes, request);
  if (!found && options_.unmatched) return forward_unmatched(request, std::move(entry));
  if (!found) return short_reply(404, {}, "text/plain; charset=utf-8", not_found_text(request), entry);

  std::size_t index = *found;
  const Route& route = options_.routes[index];
  entry.route = index + 1;
  entry.route_name = route.name;
  if (std::optional<int> status = options_.scopes->take_failure(TestScopes::scope_of(request)))
    return scope_failure(*status, entry);
  std::uint64_t nth = count_request(index, request);
  if (nth < route.fail_first) return failure(route, nth, entry);
  if (route.sequence.empty()) return answer(route, index, nth + 1, std::move(entry));
  std::uint64_t step = nth - route.fail_first, steps = route.sequence.size();
  step = route.cycle ? step % steps : std::min(step, steps - 1);
  return answer(route.sequence[step], index, nth + 1, std::move(entry));
}

std::uint64_t ReplayResponder::count_request(std::size_t index, const Request& request) {
  std::string scope = TestScopes::scope_of(request);
  if (scope.empty()) return states_[index].requests.fetch_add(1);
  return options_.scopes->count_request(scope, index);
}

Reply ReplayResponder::answer(const Route& route, std::size_t index, std::uint64_t seq, JournalEntry entry) {
  if (route.preset) return preset_stream(route, seq, std::move(entry));
  if (!route.recording)
    return short_reply(route.status.value_or(200), route.headers, route.content_type, route.body, entry);
  return stream(route, index, seq, std::move(entry));
}

Reply ReplayResponder::preset_stream(const Route& route, std::uint64_t seq, JournalEntry entry) {
  std::uint64_t seed = mix(options_.seed ^ mix(entry.request));
  std::shared_ptr<const Recording> recording;
  if (route.templated) {
    std::mt19937_64 random(seed);
    TemplateContext context{entry.http, seq, random};
    Preset preset = *route.preset;
    preset.text = render_template(preset.text, context);
    recording = synthesize(preset, entry.http, seed);
  } else {
    recording = synthesize(*route.preset, entry.http, seed);
  }
  return play(route, recording, recording->responses.front(), std::move(entry));
}

Reply ReplayResponder::failure(const Route& route, std::uint64_t nth, JournalEntry& entry) {
  std::string body = fmt::format("ssetool replay: simulated failure {} of {} (--fail-first)\n", nth + 1, route.fail_first);
  Headers headers;
  if (route.fail_status == 503 || route.fail_status == 429) headers.emplace_back("Retry-After", "1");
  return short_reply(route.fail_status, headers, "text/plain; charset=utf-8", body, entry);
}

Reply ReplayResponder::scope_failure(int status, JournalEntry& entry) {
  Headers headers;
  if (status == 503 || status == 429) headers.emplace_back("Retry-After", "1");
  return short_reply(status, headers, "text/plain; charset=utf-8",
                     "ssetool replay: simulated failure (control API fail_next)\n", entry);
}

Reply ReplayResponder::short_reply(int status, const Headers& headers, const std::string& content_type,
                                   const std::string& body, JournalEntry& entry) {
  Reply reply = Reply::text(status, body);
  reply.content_type = content_type;
  reply.headers = headers;
  entry.status = status;
  finish(entry);
  return reply;
}

Reply ReplayResponder::stream(const Route& route, std::size_t index, std::uint64_t seq, JournalEntry entry) {
  const auto& responses = route.recording->responses;
  std::uint64_t nth = states_[index].streams.fetch_add(1);
  const ReplayResponse& response = responses[std::min<std::uint64_t>(nth, responses.size() - 1)];
  if (!route.templated || !response.is_stream) return play(route, route.recording, response, std::move(entry));
  std::mt19937_64 random(mix(options_.seed ^ mix(entry.request)));
  TemplateContext context{entry.http, seq, random};
  auto rendered = render_response(*route.recording, response, context);
  return play(route, rendered, rendered->responses.front(), std::move(entry));
}

Reply ReplayResponder::play(const Route& route, std::shared_ptr<const Recording> recording,
                            const ReplayResponse& response, JournalEntry entry) {
  Headers headers = response.headers;
  headers.insert(headers.end(), route.headers.begin(), route.headers.end());
  if (!response.is_stream) return short_reply(response.status, headers, response.content_type, response.body, entry);

  entry.status = route.status.value_or(response.status);
  std::string scope = TestScopes::scope_of(entry.http);
  PlaybackSettings settings = route.playback;
  ScopeFaults faults = options_.scopes->faults(scope);
  if (faults.drop_after) settings.drop_after = faults.drop_after;
  if (faults.stall_after) settings.stall_after = faults.stall_after;
  auto pending =
      std::make_shared<PendingStream>(std::move(entry), options_.journal, options_.scopes, options_.on_request_done);
  std::uint64_t seed = mix(options_.seed + pending->entry.request);
  Reply reply = Reply::stream([recording = std::move(recording), &response, settings, seed, pending,
                               scopes = options_.scopes, scope = std::move(scope)](Session& session) {
    std::weak_ptr<Playback> playback =
        Playback::start(session, recording, response, settings, pending->entry.last_event_id, seed,
                        [pending](const PlaybackResult& result) { pending->done(result); });
    if (!session.is_open()) return;
    Loop* loop = &session.loop();
    std::uint64_t handle = scopes->add_stream(scope, session.request().path,
                                              [playback, loop](std::shared_ptr<const std::vector<Frame>> frames) {
      loop->post([playback, frames] {
        if (auto p = playback.lock()) p->push(*frames);
      });
    });
    session.on_close([scopes, handle](SessionEnd) { scopes->remove_stream(handle); });
  });
  reply.status = pending->entry.status;
  reply.headers = std::move(headers);
  return reply;
}

Reply ReplayResponder::forward_unmatched(const Request& request, JournalEntry entry) {
  entry.route_name = "--record-from";
  Reply reply = options_.unmatched(request);
  entry.status = reply.status;
  if (!reply.open_stream) {
    finish(entry);
    return reply;
  }
  auto pending =
      std::make_shared<PendingStream>(std::move(entry), options_.journal, options_.scopes, options_.on_request_done);
  reply.open_stream = [open = std::move(reply.open_stream), pending](Session& session) {
    open(session);
    session.on_close([pending, &session](SessionEnd how) {
      pending->done({PlaybackEnd::complete, session.frames_sent()}, to_string(how));
    });
  };
  return reply;
}

void ReplayResponder::finish(const JournalEntry& entry) {
  if (options_.journal) options_.journal->write(entry);
  options_.scopes->record(entry);
  if (options_.on_request_done) options_.on_request_done();
}

std::string ReplayResponder::not_found_text(const Request& request) const {
  std::string text = fmt::format(
      "ssetool replay: no route matches {} {}\nRoutes (the most specific match wins, then the first):\n",
      request.method, request.path);
  for (std::size_t i = 0; i < options_.routes.size(); ++i)
    text += fmt::format("  {}. {}\n", i + 1, describe_route(options_.routes[i]));
  return text;
}

}  // namespace ssetool
