// `listen`'s use of a Client (see client/listener.hpp): the client's callbacks feed the output, the frame
// normaliser and the tape recorder, and check the stop conditions.
#include "ssetool/client/listener.hpp"

#include <nlohmann/json.hpp>

#include "ssetool/client/ndjson_line.hpp"

namespace ssetool {

std::string listen_json(const ParsedEvent& e) {
  nlohmann::ordered_json line;
  line["event"] = e.type;
  line["data"] = e.data;
  line["id"] = e.last_event_id;
  if (e.retry) line["retry"] = *e.retry;
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Listener::Listener(ClientOptions client_options, ListenOptions options, ListenOutput output)
    : options_(std::move(options)),
      output_(std::move(output)),
      normalizer_([this](const Event& frame) { on_frame(frame); }, client_options.last_event_id),
      client_(std::move(client_options), callbacks()) {
  if (options_.tape) recorder_.emplace(*options_.tape, options_.record_bytes);
}

ListenResult Listener::run() {
  ClientResult client = client_.run();
  if (recorder_) recorder_->run_end(client);
  if (options_.resume) options_.resume->flush();
  ListenResult result = state_;
  result.client = std::move(client);
  return result;
}

ClientCallbacks Listener::callbacks() {
  ClientCallbacks c;
  c.on_response = [this](const ResponseInfo& info) {
    if (recorder_) recorder_->response(info);
  };
  c.on_event = [this](ParsedEvent&& e) { on_event(e); };
  c.on_retry = [this](std::uint64_t ms) { normalizer_.retry(ms); };
  c.on_comment = [this](std::string_view text) { normalizer_.comment(text); };
  c.on_bytes = [this](std::string_view bytes) {
    if (recorder_) recorder_->bytes(bytes);
    if (options_.format == ListenFormat::raw) write(bytes);
  };
  c.on_stream_end = [this](StreamEnd how, const std::string&) {
    normalizer_.end_of_stream(client_.last_event_id());
    if (recorder_) recorder_->stream_end(how);
    if (options_.end_with_stream && how != StreamEnd::stopped) client_.stop();
  };
  c.on_log = options_.log;
  c.on_retry_scheduled = options_.on_retry;
  return c;
}

void Listener::on_event(const ParsedEvent& e) {
  normalizer_.event(e);
  ++events_;
  if (options_.resume) options_.resume->store(e.last_event_id);
  if (passes_schema(e)) {
    if (!options_.jq) {
      print(e);
    } else if (JqResult r = options_.jq->run(e.data); !r.error.empty()) {
      problem(e, "--jq: " + r.error);
    } else {
      ParsedEvent out = e;
      for (std::string& data : r.outputs) {
        out.data = std::move(data);
        print(out);
      }
    }
  }
  check_stop(e);
}

bool Listener::passes_schema(const ParsedEvent& e) {
  if (!options_.schema) return true;
  std::vector<std::string> problems = options_.schema->check(e.data);
  if (problems.empty()) return true;
  ++state_.schema_failures;
  std::string text = "--schema: ";
  for (std::size_t i = 0; i < problems.size(); ++i) text += (i ? "; " : "") + problems[i];
  problem(e, text);
  if (options_.fail_fast) state_.failed_fast = true;
  return false;
}

void Listener::print(const ParsedEvent& e) {
  if (options_.format == ListenFormat::data) write(e.data + "\n");
  if (options_.format == ListenFormat::json) write(listen_json(e) + "\n");
  if (options_.format == ListenFormat::ndjson) write(ndjson_line(e, std::chrono::system_clock::now()) + "\n");
  if (options_.expect) options_.expect->observe(e.type, e.data);
}

void Listener::check_stop(const ParsedEvent& e) {
  bool enough = options_.max_events && events_ >= *options_.max_events;
  if (enough || (!options_.until.empty() && e.type == options_.until)) state_.done = true;
  if (options_.expect) {
    Expectations::State now = options_.expect->now();
    if (now == Expectations::State::met) state_.done = true;
    if (now == Expectations::State::failed) state_.expect_failed = true;
  }
  if (state_.done || state_.expect_failed || state_.failed_fast) client_.stop();
}

void Listener::problem(const ParsedEvent& e, const std::string& what) {
  if (!options_.on_problem) return;
  std::string where = "event " + std::to_string(events_);
  if (!e.last_event_id.empty()) where += " (id " + e.last_event_id + ")";
  options_.on_problem(where + ": " + what);
}

void Listener::on_frame(const Event& frame) {
  if (recorder_) recorder_->frame(frame);
  if (options_.format == ListenFormat::sse) write(encode(frame));
}

void Listener::write(std::string_view bytes) {
  if (state_.output_closed) return;
  if (!output_(bytes)) {  // the reader is gone: end quietly
    state_.output_closed = true;
    client_.stop();
  }
}

}  // namespace ssetool
