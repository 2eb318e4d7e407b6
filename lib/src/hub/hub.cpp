// The hub (see hub/hub.hpp): ids, encode-once frames, bounded history, fan-out.
#include "ssetool/hub/hub.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace ssetool {

Hub::Hub(HubOptions options) : options_(options) {}

void Hub::publish(Event event) {
  if (options_.ids == IdMode::automatic && !event.id) event.id = std::to_string(next_id_);
  auto frame = std::make_shared<const std::string>(encode(event));
  ++next_id_;
  published_.store(published_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (options_.history > 0) {
    if (history_.size() >= options_.history) history_.pop_front();
    history_.push_back({event.id.value_or(""), frame});
    history_length_.store(history_.size(), std::memory_order_relaxed);
  }
  for (FrameSink* sink : sinks_) sink->push(frame);
}

Resume Hub::subscribe(FrameSink* sink, const std::optional<std::string>& last_event_id, std::size_t replay_last,
                       std::optional<std::uint64_t> published_before) {
  sinks_.push_back(sink);
  Resume result = Resume::fresh;
  std::size_t tail = replay_last;
  std::uint64_t published = published_.load(std::memory_order_relaxed);
  if (published_before && *published_before < published)
    tail = std::max<std::size_t>(tail, published - *published_before);
  std::size_t start = history_.size() - std::min(tail, history_.size());
  if (last_event_id && !last_event_id->empty()) {
    auto found = std::find_if(history_.rbegin(), history_.rend(),
                              [&](const Stored& s) { return s.id == *last_event_id; });
    if (found != history_.rend()) {
      start = static_cast<std::size_t>(history_.rend() - found);
      result = Resume::resumed;
    } else {
      // Older than the history (or unknown): say so in-band, then send everything still known.
      sink->push(gap_frame(*last_event_id, history_.empty() ? "" : history_.front().id));
      start = 0;
      result = Resume::gap;
    }
  }
  for (std::size_t i = start; i < history_.size(); ++i) sink->push(history_[i].frame);
  return result;
}

void Hub::unsubscribe(FrameSink* sink) {
  sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
}

Frame Hub::gap_frame(const std::string& requested_id, const std::string& oldest_id) {
  Event gap;
  gap.type = "gap";
  gap.data = nlohmann::json{{"last_event_id", requested_id}, {"oldest_id", oldest_id}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  return std::make_shared<const std::string>(encode(gap));
}

}  // namespace ssetool
