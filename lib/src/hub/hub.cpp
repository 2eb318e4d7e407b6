// The hub (see hub/hub.hpp): ids, encode-once frames, bounded history, fan-out.
#include "ssetool/hub/hub.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace ssetool {

namespace {

// The value of a numeric id (see the id rule in hub.hpp), or nullopt for any other id.
std::optional<std::uint64_t> numeric_id(const std::string& id) {
  if (id.empty() || id.size() > 18 || (id[0] == '0' && id.size() > 1)) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : id) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

}  // namespace

Hub::Hub(HubOptions options) : options_(options) {}

std::optional<IdReplaced> Hub::publish(Event event) {
  std::optional<IdReplaced> replaced = settle_id(event);
  auto frame = std::make_shared<const std::string>(encode(event));
  last_id_ = event.id.value_or("");
  published_.store(published_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (options_.history > 0) store(event.id.value_or(""), frame);
  for (FrameSink* sink : sinks_) sink->push(frame);
  return replaced;
}

// Keeps the event's own id, or gives it the next automatic one (or none), by the id rule.
std::optional<IdReplaced> Hub::settle_id(Event& event) {
  std::optional<IdReplaced> replaced;
  if (event.id && !event.id->empty()) {
    if (auto number = numeric_id(*event.id)) {
      if (*number > last_numeric_) {
        last_numeric_ = *number;
        return std::nullopt;
      }
      replaced = IdReplaced{*event.id, "",
                            "is not greater than " + std::to_string(last_numeric_) + ", the largest id sent so far"};
    } else {
      if (!named_in_history_.contains(*event.id)) return std::nullopt;
      replaced = IdReplaced{*event.id, "", "is already in the history"};
    }
  }
  event.id.reset();
  if (options_.ids == IdMode::automatic) event.id = std::to_string(++last_numeric_);
  if (replaced) replaced->sent = event.id.value_or("");
  return replaced;
}

void Hub::store(std::string id, const Frame& frame) {
  if (history_.size() >= options_.history) {
    named_in_history_.erase(history_.front().id);  // numeric ids are never in the set: a no-op for them
    history_.pop_front();
  }
  if (!id.empty() && !numeric_id(id)) named_in_history_.insert(id);
  history_.push_back({std::move(id), frame});
  history_length_.store(history_.size(), std::memory_order_relaxed);
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
