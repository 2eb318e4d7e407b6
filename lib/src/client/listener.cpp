// `listen`'s use of a Client (see client/listener.hpp): the client's callbacks feed the output, the frame
// normaliser and the tape recorder, and check the stop conditions.
#include "ssetool/client/listener.hpp"

#include <nlohmann/json.hpp>

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
  ListenResult result;
  result.client = client_.run();
  if (recorder_) recorder_->run_end(result.client);
  result.output_closed = output_closed_;
  result.done = done_;
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
  };
  c.on_log = options_.log;
  c.on_retry_scheduled = options_.on_retry;
  return c;
}

void Listener::on_event(const ParsedEvent& e) {
  normalizer_.event(e);
  if (options_.format == ListenFormat::data) write(e.data + "\n");
  if (options_.format == ListenFormat::json) write(listen_json(e) + "\n");
  ++events_;
  bool enough = options_.max_events && events_ >= *options_.max_events;
  if (enough || (!options_.until.empty() && e.type == options_.until)) {
    done_ = true;
    client_.stop();
  }
}

void Listener::on_frame(const Event& frame) {
  if (recorder_) recorder_->frame(frame);
  if (options_.format == ListenFormat::sse) write(encode(frame));
}

void Listener::write(std::string_view bytes) {
  if (output_closed_) return;
  if (!output_(bytes)) {  // the reader is gone: end quietly
    output_closed_ = true;
    client_.stop();
  }
}

}  // namespace ssetool
