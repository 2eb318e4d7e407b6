// Provider presets of `ssetool replay --preset`: a stream shaped like an LLM provider's streaming API, made for each
// request from plain text and timing, so that a client built on the provider's SDK can be tested without a
// recording. Three presets, each at the path its provider uses:
//   openai-chat         POST /v1/chat/completions  chat.completion.chunk events, one per token, a last chunk with
//                                                  finish_reason, a usage chunk when the request has
//                                                  stream_options.include_usage true, then data: [DONE]
//   openai-responses    POST /v1/responses         the Responses API events: response.created ... output_text.delta
//                                                  per token ... response.completed (with usage)
//   anthropic-messages  POST /v1/messages          message_start, a text block (a text_delta per token), an optional
//                                                  tool_use block (input_json_delta pieces), message_delta, message_stop
// The stream echoes the request body's "model" (kDefaultPresetModel when it has none).
//
// Tokens: the text is cut before each run of whitespace ("Hello world" is "Hello", " world"); each token is one
// delta. Timing: nothing before `ttft` (time to first token), then one token every 1/tps seconds (all at once with
// tps 0), each gap varied by up to ±jitter of itself from the seeded generator. Usage: output tokens are the tokens
// sent (tool input pieces included), input tokens the request body's bytes / 4, rounded up.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ssetool/replay/recording.hpp"
#include "ssetool/wire/request.hpp"

namespace ssetool {

enum class PresetKind { openai_chat, openai_responses, anthropic_messages };

inline constexpr std::string_view kPresetNames = "openai-chat, openai-responses or anthropic-messages";
inline constexpr std::string_view kDefaultPresetModel = "ssetool-mock";

// "openai-chat", "openai-responses" or "anthropic-messages". Throws InvalidArgument.
PresetKind parse_preset_kind(std::string_view name);
std::string_view to_string(PresetKind kind);
// The path the provider serves it at: "/v1/chat/completions", "/v1/responses", "/v1/messages".
std::string_view default_path(PresetKind kind);

// A tool call the answer ends with (anthropic-messages).
struct PresetToolUse {
  std::string name;
  std::string input = "{}";  // a JSON object, compact
};

struct Preset {
  PresetKind kind = PresetKind::openai_chat;
  std::string text;                       // the answer
  std::chrono::microseconds ttft{0};      // before the first event
  double tps = 0;                         // tokens per second; 0: no wait between tokens
  double jitter = 0;                      // 0..1: each gap between tokens varies by up to ± this fraction
  std::optional<PresetToolUse> tool_use;  // anthropic-messages only
};

// Throws InvalidArgument when `preset` cannot be played: tps < 0 or not finite, jitter outside 0..1, a tool_use
// on a preset other than anthropic-messages, a tool name empty, a tool input that is not a JSON object.
void check_preset(const Preset& preset);

// "20%" -> 0.2: a percentage from 0 to 100. Throws InvalidArgument.
double parse_percentage(std::string_view text);

// The whole of a text file (--text @FILE, "text_file"). Throws InvalidArgument "FILE: cannot read: reason".
std::string read_text_file(const std::string& path);

// The text cut into tokens (see above); none for an empty text.
std::vector<std::string> preset_tokens(std::string_view text);

// The stream answering `request`: a recording of one timed response. `seed` drives the jitter and the ids.
std::shared_ptr<const Recording> synthesize(const Preset& preset, const Request& request, std::uint64_t seed);

}  // namespace ssetool
