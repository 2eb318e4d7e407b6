// The frames behind the parser's callbacks (see client/frame_normalizer.hpp).
#include "ssetool/client/frame_normalizer.hpp"

#include <utility>

namespace ssetool {

FrameNormalizer::FrameNormalizer(Emit emit, std::string last_event_id)
    : emit_(std::move(emit)), known_id_(std::move(last_event_id)) {}

void FrameNormalizer::event(const ParsedEvent& e) {
  if (pending_retry_ && e.retry == pending_retry_) pending_retry_.reset();  // this block's own retry
  flush(e.id_in_block ? std::nullopt : std::optional<std::string>(e.last_event_id));
  Event frame;
  frame.data = e.data;
  if (e.type != "message") frame.type = e.type;
  if (e.id_in_block) frame.id = e.last_event_id;
  frame.retry = e.retry;
  known_id_ = e.last_event_id;
  emit_(frame);
}

void FrameNormalizer::retry(std::uint64_t ms) {
  flush(std::nullopt);
  pending_retry_ = ms;
}

void FrameNormalizer::comment(std::string_view text) {
  Event frame;
  frame.has_data = false;
  frame.comments.emplace_back(text.starts_with(' ') ? text.substr(1) : text);
  emit_(frame);
}

void FrameNormalizer::end_of_stream(const std::string& last_event_id) { flush(last_event_id); }

// Emits a pending lone retry and, when `current_id` differs from the last id seen, a lone id.
void FrameNormalizer::flush(const std::optional<std::string>& current_id) {
  bool id_changed = current_id && *current_id != known_id_;
  if (!pending_retry_ && !id_changed) return;
  Event frame;
  frame.has_data = false;
  frame.retry = pending_retry_;
  if (id_changed) frame.id = *current_id;
  if (current_id) known_id_ = *current_id;
  pending_retry_.reset();
  emit_(frame);
}

}  // namespace ssetool
