// What the provider presets (replay/preset.hpp) share, internal to the replay part: the facts of one request and
// of its timed tokens (PresetContext), and the list of timed events a preset builds (PresetEvents), which becomes
// the ReplayResponse a Playback plays. Each provider's file turns a context into its own events.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ssetool/replay/preset.hpp"

namespace ssetool {

using PresetJson = nlohmann::ordered_json;  // events keep their keys in the providers' order

struct PresetContext {
  const Preset& preset;
  std::string model;                 // the request's, else kDefaultPresetModel
  std::uint64_t input_tokens = 0;    // the request body's bytes / 4, rounded up
  bool include_usage = false;        // openai-chat: the request has stream_options.include_usage true
  std::vector<std::string> tokens;   // the text's
  std::vector<std::string> tool_pieces;  // the tool input's JSON, cut into pieces
  std::vector<std::chrono::microseconds> token_at;  // when each token is sent
  std::vector<std::chrono::microseconds> tool_at;   // when each tool piece is sent
  std::chrono::microseconds start{0};  // when the first event is sent (ttft)
  std::chrono::microseconds end{0};    // when the last token or piece is sent (start when there is none)
  std::int64_t created = 0;            // Unix seconds
  std::uint64_t output_tokens() const { return tokens.size() + tool_pieces.size(); }
  std::string text() const;            // every token, joined
  // prefix + 24 letters and digits from the seeded generator: "chatcmpl-", "msg_", "toolu_"...
  std::string new_id(std::string_view prefix);
  std::mt19937_64 random;
};

class PresetEvents {
 public:
  // One event: `data` as compact JSON (invalid UTF-8 replaced), with the SSE event type when given.
  void add(std::chrono::microseconds at, const std::optional<std::string>& type, const PresetJson& data);
  // One event whose data is `data` as is ("[DONE]").
  void add_text(std::chrono::microseconds at, const std::string& data);
  ReplayResponse take();

 private:
  ReplayResponse response_;
};

void openai_chat_events(PresetContext& context, PresetEvents& events);
void openai_responses_events(PresetContext& context, PresetEvents& events);
void anthropic_messages_events(PresetContext& context, PresetEvents& events);

}  // namespace ssetool
