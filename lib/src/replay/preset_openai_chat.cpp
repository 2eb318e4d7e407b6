// The openai-chat preset (see replay/preset.hpp): OpenAI's Chat Completions stream. Every event is a
// chat.completion.chunk with one choice: the assistant role first, then one content delta per token, then an empty
// delta with finish_reason "stop"; when the request asked for usage (stream_options.include_usage), every chunk has
// "usage": null and one more chunk with no choices carries the usage; the stream ends with data: [DONE].
#include "preset_stream.hpp"

namespace ssetool {
namespace {

struct ChatChunks {
  PresetContext& context;
  std::string id;

  PresetJson chunk(PresetJson choices) const {
    PresetJson c = {{"id", id},
                    {"object", "chat.completion.chunk"},
                    {"created", context.created},
                    {"model", context.model},
                    {"system_fingerprint", "fp_ssetool"},
                    {"choices", std::move(choices)}};
    if (context.include_usage) c["usage"] = nullptr;
    return c;
  }

  PresetJson choice(PresetJson delta, PresetJson finish_reason = nullptr) const {
    return PresetJson::array({{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr},
                               {"finish_reason", std::move(finish_reason)}}});
  }

  PresetJson usage() const {
    std::uint64_t output = context.output_tokens();
    return {{"prompt_tokens", context.input_tokens},
            {"completion_tokens", output},
            {"total_tokens", context.input_tokens + output}};
  }
};

}  // namespace

void openai_chat_events(PresetContext& context, PresetEvents& events) {
  ChatChunks chunks{context, context.new_id("chatcmpl-")};
  events.add(context.start, std::nullopt, chunks.chunk(chunks.choice({{"role", "assistant"}, {"content", ""}})));
  for (std::size_t i = 0; i < context.tokens.size(); ++i)
    events.add(context.token_at[i], std::nullopt, chunks.chunk(chunks.choice({{"content", context.tokens[i]}})));
  events.add(context.end, std::nullopt, chunks.chunk(chunks.choice(PresetJson::object(), "stop")));
  if (context.include_usage) {
    PresetJson last = chunks.chunk(PresetJson::array());
    last["usage"] = chunks.usage();
    events.add(context.end, std::nullopt, last);
  }
  events.add_text(context.end, "[DONE]");
}

}  // namespace ssetool
